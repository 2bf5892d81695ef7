"""Rolling by size, time and index fullness; retention by time, bytes and log start offset."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wirekafka.log.config import LogConfig
from wirekafka.log.errors import OffsetOutOfRangeError

from .helpers import batch, open_log, read_all, value_batch

HOUR = 3_600_000


def segment_files(directory: Path) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.endswith(".log"))


def test_roll_by_size_names_segments_by_base_offset(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", LogConfig(segment_bytes=500))
    one = len(value_batch(100))
    for _ in range(6):
        log.append(value_batch(100), leader_epoch=0, now_ms=0)
    per_segment = 500 // one
    assert [segment.base_offset for segment in log.segments] == list(range(0, 6, per_segment))
    assert segment_files(tmp_path / "t-0") == [f"{base:020d}.log" for base in range(0, 6, per_segment)]
    assert all(segment.size <= 500 for segment in log.segments)


def test_roll_by_time_uses_record_timestamps(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", LogConfig(segment_ms=HOUR))
    log.append(batch([b"a"], timestamp=0), leader_epoch=0, now_ms=0)
    log.append(batch([b"b"], timestamp=HOUR), leader_epoch=0, now_ms=0)
    assert len(log.segments) == 1  # exactly segment.ms old is not older than segment.ms
    info = log.append(batch([b"c"], timestamp=HOUR + 1), leader_epoch=0, now_ms=0)
    assert info.rolled and [segment.base_offset for segment in log.segments] == [0, 2]


def test_roll_by_time_falls_back_to_the_clock_without_timestamps(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", LogConfig(segment_ms=HOUR), now_ms=1_000)
    log.append(batch([b"a"], timestamp=-1), leader_epoch=0, now_ms=1_000)
    log.append(batch([b"b"], timestamp=-1), leader_epoch=0, now_ms=1_000 + HOUR)
    assert len(log.segments) == 1
    log.append(batch([b"c"], timestamp=-1), leader_epoch=0, now_ms=2_000 + HOUR)
    assert [segment.base_offset for segment in log.segments] == [0, 2]


def test_roll_when_the_offset_index_is_full(tmp_path: Path) -> None:
    # 24 bytes hold 3 offset entries; with an interval of 0 every batch but the first is indexed.
    log = open_log(tmp_path / "t-0", LogConfig(segment_index_bytes=24, index_interval_bytes=0))
    for _ in range(6):
        log.append(batch([b"a"]), leader_epoch=0, now_ms=0)
    assert [segment.base_offset for segment in log.segments] == [0, 4]
    assert [segment.offset_index.entries for segment in log.segments] == [3, 1]


def test_rolled_segments_are_flushed_later_and_advance_the_recovery_point(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    for _ in range(20):
        log.append(value_batch(100), leader_epoch=0, now_ms=0)
    assert log.recovery_point == 0 and log.has_rolled_segments_to_flush
    assert log.flush_rolled_segments()
    assert log.recovery_point == log.active_segment.base_offset
    assert not log.has_rolled_segments_to_flush


def test_flush_messages_forces_an_fsync_every_n_messages(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", LogConfig(flush_messages=3))
    log.append(batch([b"a", b"b"]), leader_epoch=0, now_ms=0)
    assert log.recovery_point == 0
    log.append(batch([b"c"]), leader_epoch=0, now_ms=0)
    assert log.recovery_point == 3


def test_flush_ms_is_applied_by_flush_if_due(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", LogConfig(flush_ms=1_000), now_ms=0)
    log.append(batch([b"a"]), leader_epoch=0, now_ms=0)
    assert not log.flush_if_due(999)
    assert log.flush_if_due(1_000) and log.recovery_point == 1
    assert not log.flush_if_due(5_000)  # nothing new to flush


def fill(log_config: LogConfig, directory: Path, timestamps: list[int]) -> list[int]:
    """Append one ~600-byte batch per timestamp, each landing in its own segment."""
    log = open_log(directory, log_config)
    for timestamp in timestamps:
        log.append(value_batch(600, timestamp=timestamp), leader_epoch=0, now_ms=timestamp)
    log.update_high_watermark(log.log_end_offset)
    return [segment.base_offset for segment in log.segments]


def test_retention_ms_deletes_whole_expired_segments_by_largest_timestamp(tmp_path: Path) -> None:
    config = LogConfig(segment_bytes=1000, retention_ms=HOUR, file_delete_delay_ms=0)
    log = open_log(tmp_path / "t-0", config)
    for timestamp in (1_000, 1_010, 2 * HOUR, 3 * HOUR):
        log.append(value_batch(600, timestamp=timestamp), leader_epoch=0, now_ms=timestamp)
    log.update_high_watermark(log.log_end_offset)
    assert log.apply_retention(now_ms=HOUR + 1_010) == 1  # exactly retention.ms old stays
    assert log.apply_retention(now_ms=HOUR + 1_011) == 1
    assert log.log_start_offset == 2
    assert segment_files(tmp_path / "t-0") == [f"{2:020d}.log", f"{3:020d}.log"]
    with pytest.raises(OffsetOutOfRangeError):
        log.read(0, 100, max_offset=4, min_one_batch=True)
    assert [record.offset for record in read_all(log)] == [2, 3]


def test_retention_never_passes_the_high_watermark(tmp_path: Path) -> None:
    config = LogConfig(segment_bytes=1000, retention_ms=HOUR, file_delete_delay_ms=0)
    log = open_log(tmp_path / "t-0", config)
    for timestamp in (1, 2, 3):
        log.append(value_batch(600, timestamp=timestamp), leader_epoch=0, now_ms=0)
    log.update_high_watermark(1)
    assert log.apply_retention(now_ms=10 * HOUR) == 1
    assert log.log_start_offset == 1


def test_retention_rolls_and_deletes_the_active_segment_when_everything_expired(tmp_path: Path) -> None:
    config = LogConfig(segment_bytes=1000, retention_ms=HOUR, file_delete_delay_ms=0)
    log = open_log(tmp_path / "t-0", config)
    for timestamp in (1, 2):
        log.append(value_batch(600, timestamp=timestamp), leader_epoch=0, now_ms=0)
    log.update_high_watermark(2)
    assert log.apply_retention(now_ms=10 * HOUR) == 2
    assert (log.log_start_offset, log.log_end_offset) == (2, 2)
    assert [segment.base_offset for segment in log.segments] == [2]
    assert log.active_segment.is_empty
    assert log.append(batch([b"x"]), leader_epoch=0, now_ms=0).first_offset == 2


def test_retention_bytes_keeps_the_newest_segments_within_the_limit(tmp_path: Path) -> None:
    size = len(value_batch(600))
    # Kafka deletes a segment only if the log is still at least retention.bytes without it.
    config = LogConfig(segment_bytes=1000, retention_bytes=2 * size - 50, file_delete_delay_ms=0)
    log = open_log(tmp_path / "t-0", config)
    for _ in range(4):
        log.append(value_batch(600), leader_epoch=0, now_ms=0)
    log.update_high_watermark(4)
    assert log.apply_retention(now_ms=0) == 2
    assert log.size_in_bytes == 2 * size
    assert log.log_start_offset == 2
    assert log.apply_retention(now_ms=0) == 0


def test_compact_only_topics_ignore_time_and_size_retention(tmp_path: Path) -> None:
    config = LogConfig(segment_bytes=1000, retention_ms=1, retention_bytes=1, cleanup_policy=("compact",))
    log = open_log(tmp_path / "t-0", config)
    for _ in range(3):
        log.append(value_batch(600, timestamp=0), leader_epoch=0, now_ms=0)
    log.update_high_watermark(3)
    assert log.apply_retention(now_ms=10 * HOUR) == 0


def test_file_delete_delay_keeps_deleted_files_until_due(tmp_path: Path) -> None:
    config = LogConfig(segment_bytes=1000, retention_ms=HOUR, file_delete_delay_ms=60_000)
    log = open_log(tmp_path / "t-0", config)
    for timestamp in (1, 5 * HOUR):
        log.append(value_batch(600, timestamp=timestamp), leader_epoch=0, now_ms=0)
    log.update_high_watermark(2)
    assert log.apply_retention(now_ms=2 * HOUR) == 1
    names = sorted(os.listdir(tmp_path / "t-0"))
    assert f"{0:020d}.log.deleted" in names and f"{0:020d}.log" not in names
    assert log.next_file_deletion_ms() == 2 * HOUR + 60_000
    assert log.delete_expired_files(2 * HOUR + 59_999) == 0
    assert log.delete_expired_files(2 * HOUR + 60_000) == 3
    assert not any(name.endswith(".deleted") for name in os.listdir(tmp_path / "t-0"))


def test_delete_records_before_advances_the_log_start_and_drops_whole_segments(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", LogConfig(segment_bytes=1000, file_delete_delay_ms=0))
    for _ in range(4):
        log.append(batch([b"a" * 300, b"b" * 300]), leader_epoch=0, now_ms=0)
    log.update_high_watermark(6)
    with pytest.raises(OffsetOutOfRangeError):
        log.delete_records_before(7, now_ms=0)
    assert log.delete_records_before(3, now_ms=0) == 3
    assert [segment.base_offset for segment in log.segments] == [2, 4, 6]
    with pytest.raises(OffsetOutOfRangeError):
        log.read(2, 100, max_offset=8, min_one_batch=True)
    # Offset 3 sits inside batch [2, 3]: the whole batch comes back and the reader skips 2.
    assert [record.offset for record in read_all(log)] == [3, 4, 5, 6, 7]
    assert log.delete_records_before(1, now_ms=0) == 3  # never moves backwards


def test_leader_epoch_cache_follows_the_log_start(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", LogConfig(segment_bytes=1000, file_delete_delay_ms=0))
    for epoch in (1, 1, 2, 3):
        log.append(batch([b"a" * 600]), leader_epoch=epoch, now_ms=0)
    log.update_high_watermark(4)
    assert log.leader_epoch_cache.entries == [(1, 0), (2, 2), (3, 3)]
    log.delete_records_before(3, now_ms=0)
    # Epoch 3 starts exactly at the new log start offset, so no earlier epoch is live there.
    assert log.leader_epoch_cache.entries == [(3, 3)]
