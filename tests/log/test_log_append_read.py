"""Append and read round trips: offsets assigned, whole batches returned, limits honoured."""

from __future__ import annotations

from pathlib import Path

import pytest

from wirekafka.log.config import LogConfig
from wirekafka.log.errors import (
    OffsetOutOfRangeError,
    OffsetsOutOfOrderError,
    RecordBatchTooLargeError,
    RecordTooLargeError,
    UnexpectedAppendOffsetError,
)
from wirekafka.records.batch import BatchHeader, TimestampType, iter_batches

from .helpers import base_offsets, batch, decode, offsets_of, open_log, read_all, value_batch


def test_leader_append_assigns_consecutive_offsets_and_patches_epoch(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    first = log.append(batch([b"a", b"b", b"c"]), leader_epoch=5, now_ms=10)
    second = log.append(batch([b"d"]), leader_epoch=5, now_ms=11)
    assert (first.first_offset, first.last_offset) == (0, 2)
    assert (second.first_offset, second.last_offset) == (3, 3)
    assert log.log_end_offset == 4
    result = log.read(0, 10_000, max_offset=4, min_one_batch=True)
    assert offsets_of(result.records) == [0, 1, 2, 3]
    assert [record.value for record in decode(result.records)] == [b"a", b"b", b"c", b"d"]
    headers = list(iter_batches(result.records))
    assert [header.partition_leader_epoch for header in headers] == [5, 5]
    assert all(header.is_valid() for header in headers)
    assert result.next_offset == 4


def test_append_info_reports_timestamps_and_hook_headers(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    log.append(batch([b"x"], timestamp=50), leader_epoch=0, now_ms=0)
    buffer = batch([b"a"], timestamp=300) + batch([b"b", b"c"], timestamp=200)
    info = log.append(buffer, leader_epoch=0, now_ms=0)
    assert (info.first_offset, info.last_offset) == (1, 3)
    assert (info.max_timestamp, info.offset_of_max_timestamp) == (300, 1)
    assert info.log_append_time == -1
    assert [header.base_offset for header in info.batches] == [1, 2]
    assert info.valid_bytes == len(buffer)


def test_log_append_time_stamps_the_broker_clock(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    info = log.append(batch([b"a", b"b"], timestamp=5), leader_epoch=0, now_ms=777, log_append_time=True)
    assert info.log_append_time == 777
    records = log.read(0, 10_000, max_offset=2, min_one_batch=True).records
    header = BatchHeader(records)
    assert header.timestamp_type == TimestampType.LOG_APPEND_TIME and header.is_valid()
    assert [record.timestamp for record in decode(records)] == [777, 777]


def test_read_from_the_middle_of_a_batch_returns_the_containing_batch(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    log.append(batch([b"a", b"b", b"c"]), leader_epoch=0, now_ms=0)
    log.append(batch([b"d", b"e"]), leader_epoch=0, now_ms=0)
    assert base_offsets(log.read(1, 10_000, max_offset=5, min_one_batch=True).records) == [0, 3]
    assert base_offsets(log.read(4, 10_000, max_offset=5, min_one_batch=True).records) == [3]


def test_read_stops_before_max_offset_and_never_splits_a_batch(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", LogConfig())
    for _ in range(3):
        log.append(batch([b"a", b"b"]), leader_epoch=0, now_ms=0)
    # High watermark 4: batches [0,1] and [2,3] are visible, [4,5] is not.
    assert base_offsets(log.read(0, 10_000, max_offset=4, min_one_batch=True).records) == [0, 2]
    # A high watermark inside a batch hides that whole batch.
    assert base_offsets(log.read(0, 10_000, max_offset=3, min_one_batch=True).records) == [0]
    empty = log.read(4, 10_000, max_offset=4, min_one_batch=True)
    assert empty.records == b"" and empty.next_offset == 4


def test_max_bytes_counts_whole_batches_and_min_one_batch_follows_kip_74(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", LogConfig())
    small = value_batch(10)
    big = value_batch(500)
    log.append(bytearray(small), leader_epoch=0, now_ms=0)
    log.append(bytearray(big), leader_epoch=0, now_ms=0)
    log.append(bytearray(small), leader_epoch=0, now_ms=0)
    # Room for the first batch but not the second: only the first comes back.
    assert base_offsets(log.read(0, len(small) + 100, max_offset=3, min_one_batch=True).records) == [0]
    # First batch larger than max_bytes: returned alone with min_one_batch, nothing without.
    assert base_offsets(log.read(1, 10, max_offset=3, min_one_batch=True).records) == [1]
    assert log.read(1, 10, max_offset=3, min_one_batch=False).records == b""
    assert base_offsets(log.read(0, 10_000, max_offset=3, min_one_batch=False).records) == [0, 1, 2]


def test_out_of_range_fetch_offsets_raise(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    log.append(batch([b"a"]), leader_epoch=0, now_ms=0)
    with pytest.raises(OffsetOutOfRangeError) as raised:
        log.read(2, 100, max_offset=1, min_one_batch=True)
    assert (raised.value.log_start_offset, raised.value.log_end_offset) == (0, 1)
    assert log.read(1, 100, max_offset=1, min_one_batch=True).records == b""


def test_index_lookup_across_many_segments(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    for index in range(200):
        log.append(batch([f"v{index}".encode(), b"x" * 20]), leader_epoch=0, now_ms=0)
    assert len(log.segments) > 10
    assert all(segment.offset_index.entries > 0 for segment in log.segments[:-1])
    for offset in range(0, 400, 7):
        records = log.read(offset, 1, max_offset=400, min_one_batch=True).records
        assert base_offsets(records) == [offset - offset % 2]
    assert [record.offset for record in read_all(log)] == list(range(400))


def test_a_read_does_not_span_segments_but_continues_in_the_next(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    for _ in range(40):
        log.append(value_batch(50), leader_epoch=0, now_ms=0)
    second_base = log.segments[1].base_offset
    result = log.read(0, 1 << 20, max_offset=40, min_one_batch=True)
    assert result.next_offset == second_base
    assert (
        base_offsets(log.read(second_base, 1 << 20, max_offset=40, min_one_batch=True).records)[0]
        == second_base
    )


def test_record_too_large_and_batch_too_large_for_a_segment(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", LogConfig(max_message_bytes=200, segment_bytes=1000))
    with pytest.raises(RecordTooLargeError):
        log.append(value_batch(300), leader_epoch=0, now_ms=0)
    many = bytearray().join(value_batch(100) for _ in range(8))
    with pytest.raises(RecordBatchTooLargeError):
        log.append(many, leader_epoch=0, now_ms=0)
    assert log.log_end_offset == 0


def test_follower_append_keeps_offsets_and_rejects_going_backwards(tmp_path: Path) -> None:
    leader = open_log(tmp_path / "leader-0")
    leader.append(batch([b"a", b"b"]), leader_epoch=3, now_ms=0)
    leader.append(batch([b"c"]), leader_epoch=4, now_ms=0)
    fetched = leader.read(0, 10_000, max_offset=3, min_one_batch=True).records
    follower = open_log(tmp_path / "follower-0")
    info = follower.append_as_follower(bytearray(fetched), now_ms=0)
    assert (info.first_offset, info.last_offset, follower.log_end_offset) == (0, 2, 3)
    assert follower.read(0, 10_000, max_offset=3, min_one_batch=True).records == fetched
    assert follower.leader_epoch_cache.entries == leader.leader_epoch_cache.entries == [(3, 0), (4, 2)]
    with pytest.raises(UnexpectedAppendOffsetError):
        follower.append_as_follower(bytearray(fetched), now_ms=0)
    disordered = bytearray(leader.read(2, 10_000, max_offset=3, min_one_batch=True).records)
    disordered += leader.read(0, 10_000, max_offset=2, min_one_batch=True).records
    other = open_log(tmp_path / "other-0")
    with pytest.raises(OffsetsOutOfOrderError):
        other.append_as_follower(disordered, now_ms=0)


def test_follower_append_may_leave_a_gap_from_compaction(tmp_path: Path) -> None:
    leader = open_log(tmp_path / "leader-0")
    for _ in range(5):
        leader.append(batch([b"a"]), leader_epoch=0, now_ms=0)
    tail = leader.read(3, 10_000, max_offset=5, min_one_batch=True).records
    follower = open_log(tmp_path / "follower-0")
    follower.append_as_follower(bytearray(tail), now_ms=0)
    assert follower.log_end_offset == 5
    assert offsets_of(follower.read(0, 10_000, max_offset=5, min_one_batch=True).records) == [3, 4]


def test_compressed_batches_are_stored_verbatim(tmp_path: Path) -> None:
    from wirekafka.records.batch import Compression

    log = open_log(tmp_path / "t-0")
    original = batch([b"hello"] * 50, compression=Compression.ZSTD)
    log.append(bytearray(original), leader_epoch=1, now_ms=0)
    stored = log.read(0, 100_000, max_offset=50, min_one_batch=True).records
    assert len(stored) == len(original)
    assert stored[61:] == bytes(original[61:])  # records section untouched
    assert [record.value for record in decode(stored)] == [b"hello"] * 50


def test_a_consumer_following_the_log_end_reads_every_batch_once(tmp_path: Path) -> None:
    """Each fetch resumes where the previous one stopped (one-record batches, sparse index)."""
    config = LogConfig(segment_bytes=1 << 20, index_interval_bytes=4096, file_delete_delay_ms=0)
    log = open_log(tmp_path / "t-0", config)
    offset = 0
    seen: list[bytes | None] = []
    for n in range(200):
        log.append(batch([b"v%d" % n]), leader_epoch=0, now_ms=0)
        log.update_high_watermark(log.log_end_offset)
        result = log.read(offset, 1 << 20, max_offset=log.high_watermark, min_one_batch=True)
        seen += [record.value for record in decode(result.records)]
        offset = result.next_offset
    assert seen == [b"v%d" % n for n in range(200)]
    # Re-reading an earlier offset (a second consumer, a seek back) still finds the right batch.
    again = log.read(57, 1 << 20, max_offset=log.high_watermark, min_one_batch=True)
    assert offsets_of(again.records)[0] == 57


def test_reads_after_a_truncation_find_the_new_batches(tmp_path: Path) -> None:
    """A truncated log gets new batches of other sizes where a reader had stopped."""
    config = LogConfig(segment_bytes=1 << 20, index_interval_bytes=4096, file_delete_delay_ms=0)
    log = open_log(tmp_path / "t-0", config)
    for n in range(20):
        log.append(batch([b"old-%d" % n]), leader_epoch=0, now_ms=0)
    log.update_high_watermark(log.log_end_offset)
    assert offsets_of(log.read(0, 1 << 20, max_offset=20, min_one_batch=True).records)[-1] == 19
    assert log.truncate_to(5)
    log.append(batch([b"x" * 300, b"y"]), leader_epoch=1, now_ms=0)  # offsets 5, 6
    for n in range(7, 25):
        log.append(batch([b"new-%d" % n]), leader_epoch=1, now_ms=0)
    log.update_high_watermark(log.log_end_offset)
    # The reader had stopped at offset 20, at a byte position that is now inside a new batch.
    assert offsets_of(log.read(20, 1 << 20, max_offset=25, min_one_batch=True).records)[0] == 20
    assert [record.value for record in read_all(log, 19)] == [b"new-%d" % n for n in range(19, 25)]
    assert [record.offset for record in read_all(log, 6)] == list(range(6, 25))
