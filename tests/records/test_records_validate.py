"""iter_batches and validate_batches: the produce/fetch walkers and every rejection."""

from __future__ import annotations

import pytest

from wirekafka.protocol.errors import ErrorCode
from wirekafka.records import (
    Compression,
    CorruptRecordError,
    InvalidRecordError,
    Record,
    RecordsError,
    UnsupportedCompressionError,
    UnsupportedMagicError,
    build_batch,
    build_end_txn_marker,
    iter_batches,
    validate_batches,
)
from wirekafka.records.control import ControlType

from .batch_bytes import GOLDEN_BATCH, fix_crc, legacy_message, rewrite_header


def _batch(count: int = 3, *, base_offset: int = 0, compression: Compression = Compression.NONE) -> bytes:
    records = [Record(base_offset + i, 1_000 + i, b"key", b"value-%d" % i) for i in range(count)]
    return build_batch(records, base_offset=base_offset, compression=compression)


def test_error_codes_are_kafkas() -> None:
    assert CorruptRecordError.error_code == ErrorCode.CORRUPT_MESSAGE
    assert InvalidRecordError.error_code == ErrorCode.INVALID_RECORD
    assert UnsupportedMagicError.error_code == ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT
    assert UnsupportedCompressionError.error_code == ErrorCode.CORRUPT_MESSAGE


def test_validate_returns_every_batch_in_order() -> None:
    first, second, third = _batch(1), _batch(2, base_offset=1), _batch(5, compression=Compression.GZIP)
    headers = validate_batches(first + second + third)
    assert [header.position for header in headers] == [0, len(first), len(first) + len(second)]
    assert [header.records_count for header in headers] == [1, 2, 5]
    assert headers[2].compression is Compression.GZIP


def test_validate_accepts_the_golden_batch() -> None:
    [header] = validate_batches(GOLDEN_BATCH)
    assert header.base_offset == 7


def test_iter_batches_walks_from_a_position() -> None:
    buffer = b"junk" + _batch(1) + _batch(2)
    assert [header.records_count for header in iter_batches(buffer, 4)] == [1, 2]


def test_bad_crc() -> None:
    edited = bytearray(_batch())
    edited[-3] ^= 0x40
    with pytest.raises(CorruptRecordError, match="crc"):
        validate_batches(bytes(edited))


@pytest.mark.parametrize("index", [21, 30, 60])  # attributes, inside header, records_count
def test_any_byte_under_the_crc_is_covered(index: int) -> None:
    edited = bytearray(_batch())
    edited[index] ^= 0x01
    with pytest.raises(CorruptRecordError):
        validate_batches(bytes(edited))


@pytest.mark.parametrize("index", [0, 7, 12, 15])  # base_offset and partition_leader_epoch
def test_bytes_outside_the_crc_do_not_invalidate(index: int) -> None:
    edited = bytearray(_batch())
    edited[index] ^= 0x01
    assert len(validate_batches(bytes(edited))) == 1


def test_every_truncation_is_rejected_by_validate_and_ignored_by_iter() -> None:
    whole = _batch(1) + _batch(3)
    first_size = len(_batch(1))
    for cut in range(first_size + 1, len(whole)):
        with pytest.raises(CorruptRecordError):
            validate_batches(whole[:cut])
        assert [header.records_count for header in iter_batches(whole[:cut])] == [1]
    for cut in range(1, first_size):
        with pytest.raises(CorruptRecordError):
            validate_batches(whole[:cut])
        assert list(iter_batches(whole[:cut])) == []


@pytest.mark.parametrize("garbage", [b"\x00", b"\x00" * 11, b"\xff" * 5])
def test_trailing_bytes(garbage: bytes) -> None:
    with pytest.raises(CorruptRecordError):
        validate_batches(_batch() + garbage)


def test_trailing_bytes_that_look_like_a_length_too_small() -> None:
    # 12 zero bytes read as base_offset 0, batch_length 0: below any message's overhead.
    with pytest.raises(CorruptRecordError, match="minimum"):
        validate_batches(_batch() + bytes(12))
    with pytest.raises(CorruptRecordError):
        list(iter_batches(_batch() + bytes(12)))


@pytest.mark.parametrize("magic", [0, 1])
def test_legacy_magic_is_unsupported_not_corrupt(magic: int) -> None:
    message = legacy_message(magic)
    for walk in (validate_batches, lambda buffer: list(iter_batches(buffer))):
        with pytest.raises(UnsupportedMagicError) as raised:
            walk(message)
        assert raised.value.magic == magic
        assert not isinstance(raised.value, CorruptRecordError)


def test_legacy_magic_after_a_good_batch() -> None:
    with pytest.raises(UnsupportedMagicError):
        validate_batches(_batch() + legacy_message(1))


@pytest.mark.parametrize("magic", [3, 0x7F, -1])
def test_unknown_magic_is_corrupt(magic: int) -> None:
    batch = rewrite_header(_batch(), magic=magic)
    with pytest.raises(CorruptRecordError, match="magic"):
        validate_batches(batch)
    with pytest.raises(CorruptRecordError, match="magic"):
        list(iter_batches(batch))


@pytest.mark.parametrize("batch_length", [-(2**31), -1, 0, 13])
def test_lengths_below_any_message(batch_length: int) -> None:
    batch = rewrite_header(_batch(), batch_length=batch_length)
    with pytest.raises(CorruptRecordError):
        validate_batches(batch)
    with pytest.raises(CorruptRecordError):
        list(iter_batches(batch))


@pytest.mark.parametrize("batch_length", [14, 48])
def test_lengths_below_a_v2_header(batch_length: int) -> None:
    batch = rewrite_header(_batch(), batch_length=batch_length)
    with pytest.raises(CorruptRecordError, match="v2 minimum"):
        validate_batches(batch)


def test_length_beyond_the_buffer() -> None:
    batch = rewrite_header(_batch(), batch_length=2**31 - 1)
    with pytest.raises(CorruptRecordError, match="not a complete record batch"):
        validate_batches(batch)
    assert list(iter_batches(batch)) == []  # a fetch response may end mid-batch


def test_negative_records_count_from_anyone() -> None:
    batch = rewrite_header(_batch(), records_count=-1)
    for from_client in (True, False):
        with pytest.raises(InvalidRecordError, match="record count"):
            validate_batches(batch, from_client=from_client)


def test_unknown_compression_id() -> None:
    batch = rewrite_header(_batch(), attributes=6)
    with pytest.raises(UnsupportedCompressionError):
        validate_batches(batch)


def test_empty_payload() -> None:
    with pytest.raises(InvalidRecordError):
        validate_batches(b"")
    assert validate_batches(b"", from_client=False) == []


class TestClientRules:
    """Kafka's LogValidator.validateBatch for AppendOrigin.CLIENT."""

    def test_zero_records(self) -> None:
        batch = rewrite_header(_batch(1), records_count=0)
        with pytest.raises(InvalidRecordError, match="count"):
            validate_batches(batch)

    def test_count_inconsistent_with_offset_range(self) -> None:
        batch = rewrite_header(_batch(3), last_offset_delta=5)
        with pytest.raises(InvalidRecordError, match="inconsistent"):
            validate_batches(batch)

    def test_negative_offset_range(self) -> None:
        batch = rewrite_header(_batch(3), last_offset_delta=-1)
        with pytest.raises(InvalidRecordError, match="offset range"):
            validate_batches(batch)

    def test_control_batch(self) -> None:
        marker = build_end_txn_marker(
            ControlType.COMMIT, producer_id=1, producer_epoch=0, coordinator_epoch=0, timestamp_ms=0
        )
        with pytest.raises(InvalidRecordError, match="control"):
            validate_batches(marker)
        assert validate_batches(marker, from_client=False)[0].is_control

    def test_idempotent_batch_without_sequence(self) -> None:
        batch = rewrite_header(_batch(), producer_id=42, producer_epoch=0, base_sequence=-1)
        with pytest.raises(InvalidRecordError, match="sequence"):
            validate_batches(batch)

    def test_idempotent_batch_with_sequence(self) -> None:
        batch = rewrite_header(_batch(), producer_id=42, producer_epoch=0, base_sequence=0)
        assert validate_batches(batch)[0].producer_id == 42

    def test_rules_do_not_apply_to_replicated_batches(self) -> None:
        batch = rewrite_header(_batch(3), last_offset_delta=9, records_count=0)
        assert validate_batches(batch, from_client=False)[0].last_offset_delta == 9


def test_every_failure_is_a_records_error() -> None:
    samples = [b"\x01", legacy_message(0), rewrite_header(_batch(), magic=9), _batch()[:-1]]
    for sample in samples:
        with pytest.raises(RecordsError):
            validate_batches(sample)


def test_validate_reads_no_record() -> None:
    # Records section replaced by garbage of the same length, CRC fixed: still a valid batch,
    # because Produce validation looks at headers and CRCs only.
    batch = bytearray(_batch(2))
    batch[61:] = b"\xff" * (len(batch) - 61)
    [header] = validate_batches(fix_crc(batch))
    assert header.records_count == 2
