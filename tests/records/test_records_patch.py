"""In-place patches: offsets and epochs outside the CRC, LogAppendTime inside it."""

from __future__ import annotations

import pytest
from kafka.record.default_records import DefaultRecordBatch

from wirekafka.records import (
    BatchHeader,
    Compression,
    CorruptRecordError,
    Record,
    TimestampType,
    build_batch,
    iter_records,
    set_base_offset,
    set_log_append_time,
    set_partition_leader_epoch,
    validate_batches,
)

from .batch_bytes import GOLDEN_BATCH


def _two_batches() -> tuple[bytearray, int]:
    first = build_batch([Record(0, 10, None, b"a"), Record(1, 11, None, b"b")])
    second = build_batch(
        [Record(0, 20, b"k", b"c"), Record(1, 25, b"k", b"d"), Record(2, 22, b"k", b"e")],
        compression=Compression.GZIP,
        producer_id=9,
        producer_epoch=1,
        base_sequence=5,
        is_transactional=True,
    )
    return bytearray(first + second), len(first)


def test_set_base_offset_keeps_the_crc_and_touches_only_eight_bytes() -> None:
    buffer, second_position = _two_batches()
    before = bytes(buffer)
    set_base_offset(buffer, second_position, 1_000_000_007)
    header = BatchHeader(buffer, second_position)
    assert header.base_offset == 1_000_000_007
    assert header.last_offset == 1_000_000_009
    assert header.is_valid()
    changed = [index for index in range(len(buffer)) if buffer[index] != before[index]]
    assert changed and all(second_position <= index < second_position + 8 for index in changed)
    assert [record.offset for record in iter_records(header)] == [1_000_000_007, 1_000_000_008, 1_000_000_009]


def test_set_partition_leader_epoch_keeps_the_crc() -> None:
    buffer, second_position = _two_batches()
    set_partition_leader_epoch(buffer, second_position, 17)
    set_partition_leader_epoch(buffer, 0, 16)
    headers = validate_batches(buffer)
    assert [header.partition_leader_epoch for header in headers] == [16, 17]


def test_patches_through_a_memoryview() -> None:
    buffer = bytearray(b"\x00" * 3 + GOLDEN_BATCH)
    view = memoryview(buffer)
    set_base_offset(view, 3, 99)
    set_partition_leader_epoch(view, 3, 4)
    view.release()
    header = BatchHeader(buffer, 3)
    assert (header.base_offset, header.partition_leader_epoch) == (99, 4)
    assert header.is_valid()


def test_set_log_append_time_recomputes_the_crc() -> None:
    buffer, second_position = _two_batches()
    original = BatchHeader(bytes(buffer), second_position)
    set_log_append_time(buffer, second_position, 1_700_000_123_456)
    header = BatchHeader(buffer, second_position)
    assert header.is_valid()
    assert header.timestamp_type is TimestampType.LOG_APPEND_TIME
    assert header.max_timestamp == 1_700_000_123_456
    assert header.base_timestamp == original.base_timestamp
    assert header.compression is Compression.GZIP
    assert header.is_transactional
    assert (header.producer_id, header.producer_epoch, header.base_sequence) == (9, 1, 5)
    assert [record.timestamp for record in iter_records(header)] == [1_700_000_123_456] * 3
    assert validate_batches(buffer)[0].timestamp_type is TimestampType.CREATE_TIME  # first untouched


def test_log_append_time_as_kafka_python_reads_it() -> None:
    buffer, second_position = _two_batches()
    set_log_append_time(buffer, second_position, 1_700_000_123_456)
    batch = DefaultRecordBatch(bytes(buffer[second_position:]))
    assert batch.validate_crc()
    assert batch.timestamp_type == 1
    assert [record.timestamp for record in batch] == [1_700_000_123_456] * 3


def test_set_log_append_time_is_a_no_op_when_already_stamped() -> None:
    buffer, _ = _two_batches()
    set_log_append_time(buffer, 0, 5_000)
    stamped = bytes(buffer)
    set_log_append_time(buffer, 0, 5_000)
    assert bytes(buffer) == stamped
    set_log_append_time(buffer, 0, 6_000)
    assert BatchHeader(buffer).max_timestamp == 6_000
    assert BatchHeader(buffer).is_valid()


@pytest.mark.parametrize("cut", [10, 60, len(GOLDEN_BATCH) - 1])
def test_set_log_append_time_refuses_a_truncated_batch(cut: int) -> None:
    buffer = bytearray(GOLDEN_BATCH[:cut])
    with pytest.raises(CorruptRecordError):
        set_log_append_time(buffer, 0, 1)
    assert bytes(buffer) == GOLDEN_BATCH[:cut]
