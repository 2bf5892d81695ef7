"""BatchHeader on hand-assembled golden bytes: every field, flag and derived value."""

from __future__ import annotations

import pytest

from wirekafka.records import (
    BATCH_HEADER_SIZE,
    LOG_OVERHEAD,
    BatchHeader,
    Compression,
    CorruptRecordError,
    TimestampType,
    UnsupportedCompressionError,
    UnsupportedMagicError,
)

from .batch_bytes import GOLDEN_BATCH, GOLDEN_RECORDS, legacy_message, rewrite_header


def test_constants_match_the_layout() -> None:
    assert BATCH_HEADER_SIZE == 61
    assert LOG_OVERHEAD == 12


def test_golden_batch_fields() -> None:
    header = BatchHeader(GOLDEN_BATCH)
    assert header.base_offset == 7
    assert header.batch_length == 58
    assert header.partition_leader_epoch == 3
    assert header.magic == 2
    assert header.crc == 0xDDD260B3
    assert header.attributes == 0x0010
    assert header.last_offset_delta == 0
    assert header.base_timestamp == 1_700_000_000_000
    assert header.max_timestamp == 1_700_000_000_000
    assert header.producer_id == 1000
    assert header.producer_epoch == 2
    assert header.base_sequence == 41
    assert header.records_count == 1


def test_golden_batch_derived_values() -> None:
    header = BatchHeader(GOLDEN_BATCH)
    assert header.compression is Compression.NONE
    assert header.timestamp_type is TimestampType.CREATE_TIME
    assert header.is_transactional is True
    assert header.is_control is False
    assert header.has_delete_horizon is False
    assert header.last_offset == 7
    assert header.next_offset == 8
    assert header.size_in_bytes == len(GOLDEN_BATCH)
    assert header.last_sequence == 41
    assert header.compute_crc() == 0xDDD260B3
    assert header.is_valid()
    assert bytes(header.records_buffer()) == GOLDEN_RECORDS
    assert bytes(header.batch_buffer()) == GOLDEN_BATCH


def test_header_is_read_in_place_at_a_position() -> None:
    buffer = b"\xee" * 5 + GOLDEN_BATCH + b"\xee" * 3
    header = BatchHeader(memoryview(buffer), 5)
    assert header.base_offset == 7
    assert header.is_valid()
    assert bytes(header.records_buffer()) == GOLDEN_RECORDS
    assert bytes(header.batch_buffer()) == GOLDEN_BATCH


@pytest.mark.parametrize(
    ("attributes", "compression", "timestamp_type", "transactional", "control", "delete_horizon"),
    [
        (0x0000, Compression.NONE, TimestampType.CREATE_TIME, False, False, False),
        (0x0001, Compression.GZIP, TimestampType.CREATE_TIME, False, False, False),
        (0x0002, Compression.SNAPPY, TimestampType.CREATE_TIME, False, False, False),
        (0x0003, Compression.LZ4, TimestampType.CREATE_TIME, False, False, False),
        (0x0004, Compression.ZSTD, TimestampType.CREATE_TIME, False, False, False),
        (0x0008, Compression.NONE, TimestampType.LOG_APPEND_TIME, False, False, False),
        (0x0010, Compression.NONE, TimestampType.CREATE_TIME, True, False, False),
        (0x0020, Compression.NONE, TimestampType.CREATE_TIME, False, True, False),
        (0x0040, Compression.NONE, TimestampType.CREATE_TIME, False, False, True),
        (0x007C, Compression.ZSTD, TimestampType.LOG_APPEND_TIME, True, True, True),
    ],
)
def test_attribute_bits(
    attributes: int,
    compression: Compression,
    timestamp_type: TimestampType,
    transactional: bool,
    control: bool,
    delete_horizon: bool,
) -> None:
    header = BatchHeader(rewrite_header(GOLDEN_BATCH, attributes=attributes))
    assert header.compression is compression
    assert header.timestamp_type is timestamp_type
    assert header.is_transactional is transactional
    assert header.is_control is control
    assert header.has_delete_horizon is delete_horizon


@pytest.mark.parametrize("codec_id", [5, 6, 7])
def test_unknown_compression_id_is_a_typed_error(codec_id: int) -> None:
    header = BatchHeader(rewrite_header(GOLDEN_BATCH, attributes=codec_id))
    with pytest.raises(UnsupportedCompressionError):
        _ = header.compression


@pytest.mark.parametrize(
    ("base_sequence", "last_offset_delta", "last_sequence"),
    [
        (0, 4, 4),
        (2**31 - 1, 0, 2**31 - 1),
        (2**31 - 1, 1, 0),  # wraps to 0, never negative
        (2**31 - 2, 3, 1),
        (-1, 5, -1),  # no sequence, no last sequence
    ],
)
def test_last_sequence_wraps_like_kafka(
    base_sequence: int, last_offset_delta: int, last_sequence: int
) -> None:
    batch = rewrite_header(GOLDEN_BATCH, base_sequence=base_sequence, last_offset_delta=last_offset_delta)
    assert BatchHeader(batch).last_sequence == last_sequence


def test_last_offset_uses_the_delta() -> None:
    header = BatchHeader(rewrite_header(GOLDEN_BATCH, base_offset=100, last_offset_delta=9))
    assert header.last_offset == 109
    assert header.next_offset == 110


def test_crc_mismatch_is_reported_not_raised() -> None:
    edited = bytearray(GOLDEN_BATCH)
    edited[-1] ^= 0x01
    header = BatchHeader(bytes(edited))
    assert header.crc == 0xDDD260B3
    assert header.compute_crc() != header.crc
    assert not header.is_valid()


def test_too_short_for_a_header() -> None:
    with pytest.raises(CorruptRecordError):
        BatchHeader(GOLDEN_BATCH[:60])


def test_batch_longer_than_its_buffer() -> None:
    with pytest.raises(CorruptRecordError):
        BatchHeader(GOLDEN_BATCH[:-1])


def test_batch_length_below_the_v2_minimum() -> None:
    with pytest.raises(CorruptRecordError):
        BatchHeader(rewrite_header(GOLDEN_BATCH, batch_length=48))


def test_negative_position() -> None:
    with pytest.raises(CorruptRecordError):
        BatchHeader(GOLDEN_BATCH, -1)


@pytest.mark.parametrize("magic", [0, 1])
def test_legacy_magic(magic: int) -> None:
    padded = legacy_message(magic) + bytes(64)
    with pytest.raises(UnsupportedMagicError) as raised:
        BatchHeader(padded)
    assert raised.value.magic == magic


def test_unknown_magic() -> None:
    with pytest.raises(CorruptRecordError):
        BatchHeader(rewrite_header(GOLDEN_BATCH, magic=3))
