"""The log manager: startup/shutdown markers, checkpoints, deletion, housekeeping timers."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from tests.records.batch_bytes import garbled_records
from wirekafka.log import log_manager as log_manager_module
from wirekafka.log.config import LogConfig, LogManagerConfig
from wirekafka.log.log_manager import CLEAN_SHUTDOWN_FILE, INITIAL_TASK_DELAY_MS, LogManager
from wirekafka.log.meta_properties import MetaPropertiesError, read_meta_properties
from wirekafka.log.partition_log import PartitionLog
from wirekafka.log.topic_partition import TopicPartition

from .helpers import SMALL, batch, read_all

ORDERS_0 = TopicPartition("orders", 0)
ORDERS_1 = TopicPartition("orders", 1)


def started(log_dir: Path, now_ms: int = 0, **kwargs: object) -> LogManager:
    manager = LogManager(log_dir, SMALL, **kwargs)  # type: ignore[arg-type]
    manager.startup(now_ms)
    return manager


def test_clean_shutdown_writes_checkpoints_and_marker(tmp_path: Path) -> None:
    manager = started(tmp_path)
    log = manager.get_or_create_log(ORDERS_0, now_ms=0)
    for _ in range(5):
        log.append(batch([b"x" * 300]), leader_epoch=1, now_ms=0)
    log.update_high_watermark(4)
    manager.get_or_create_log(TopicPartition("audit-log", 2), now_ms=0)
    manager.close()
    assert (tmp_path / CLEAN_SHUTDOWN_FILE).exists()
    assert (tmp_path / "recovery-point-offset-checkpoint").read_text() == "0\n2\naudit-log 2 0\norders 0 5\n"
    assert (tmp_path / "replication-offset-checkpoint").read_text() == "0\n2\naudit-log 2 0\norders 0 4\n"
    assert (tmp_path / "log-start-offset-checkpoint").read_text() == "0\n2\naudit-log 2 0\norders 0 0\n"
    assert (tmp_path / "orders-0" / "leader-epoch-checkpoint").read_text() == "0\n1\n1 0\n"

    again = started(tmp_path)
    assert again.had_clean_shutdown and not (tmp_path / CLEAN_SHUTDOWN_FILE).exists()
    reopened = again.get_log(ORDERS_0)
    assert reopened is not None
    assert (reopened.log_end_offset, reopened.high_watermark, reopened.recovery_point) == (5, 4, 5)
    assert set(again.logs) == {ORDERS_0, TopicPartition("audit-log", 2)}


def test_a_crash_is_recovered_from_the_checkpointed_recovery_point(tmp_path: Path) -> None:
    manager = started(tmp_path)
    log = manager.get_or_create_log(ORDERS_0, now_ms=0)
    for _ in range(6):
        log.append(batch([b"y" * 300]), leader_epoch=0, now_ms=0)
    log.flush(3)
    manager.checkpoint_recovery_points()
    # Crash: no close, no marker. A torn write at the tail.
    with open(log.active_segment.log_path, "ab") as file:
        file.write(b"\x00\x00\x00\x00\x00\x00\x00\x06\x00\x00\x01\x00partial")
    again = started(tmp_path)
    assert not again.had_clean_shutdown
    reopened = again.get_log(ORDERS_0)
    assert reopened is not None and reopened.log_end_offset == 6
    assert reopened.recovery_point == 3  # recovered data is not known to be on disk
    assert len(read_all(reopened)) == 6


def test_a_corrupt_checkpoint_falls_back_to_full_recovery(tmp_path: Path) -> None:
    manager = started(tmp_path)
    manager.get_or_create_log(ORDERS_0, now_ms=0).append(batch([b"z"]), leader_epoch=0, now_ms=0)
    manager.close()
    (tmp_path / "recovery-point-offset-checkpoint").write_text("garbage")
    (tmp_path / CLEAN_SHUTDOWN_FILE).unlink()
    log = started(tmp_path).get_log(ORDERS_0)
    assert log is not None and log.log_end_offset == 1


def test_delete_log_renames_now_and_removes_after_the_delay(tmp_path: Path) -> None:
    manager = LogManager(tmp_path, LogConfig(file_delete_delay_ms=60_000))
    manager.startup(0)
    manager.get_or_create_log(ORDERS_1, now_ms=0).append(batch([b"a"]), leader_epoch=0, now_ms=0)
    assert manager.delete_log(ORDERS_1, now_ms=1_000)
    pending = [name for name in os.listdir(tmp_path) if name.endswith("-delete")]
    assert (
        len(pending) == 1
        and pending[0].startswith("orders-1.")
        and len(pending[0]) == len("orders-1.") + 32 + 7
    )
    assert manager.get_log(ORDERS_1) is None
    # A new log of the same partition can start at once.
    assert manager.get_or_create_log(ORDERS_1, now_ms=1_000).log_end_offset == 0
    assert manager.delete_expired_dirs(60_999) == 0
    assert manager.delete_expired_dirs(61_000) == 1
    assert not [name for name in os.listdir(tmp_path) if name.endswith("-delete")]
    assert not manager.delete_log(TopicPartition("missing", 0), now_ms=0)


def test_delete_logs_renames_every_log_with_one_fsync_of_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = LogManager(tmp_path, LogConfig(file_delete_delay_ms=60_000))
    manager.startup(0)
    for topic_partition in (ORDERS_0, ORDERS_1):
        manager.get_or_create_log(topic_partition, now_ms=0).append(batch([b"a"]), leader_epoch=0, now_ms=0)
    synced: list[Path] = []
    monkeypatch.setattr(log_manager_module, "fsync_directory", synced.append)
    deleted = manager.delete_logs([ORDERS_0, TopicPartition("missing", 0), ORDERS_1], now_ms=1_000)
    assert deleted == 2 and synced == [tmp_path]
    assert sorted(name.split(".")[0] for name in os.listdir(tmp_path) if name.endswith("-delete")) == [
        "orders-0",
        "orders-1",
    ]
    assert manager.get_log(ORDERS_0) is None and manager.get_log(ORDERS_1) is None
    assert manager.delete_logs([TopicPartition("missing", 0)], now_ms=1_000) == 0 and synced == [tmp_path]


def test_leftover_delete_directories_are_removed_after_startup_delay(tmp_path: Path) -> None:
    leftover = tmp_path / "orders-0.0123456789abcdef0123456789abcdef-delete"
    leftover.mkdir()
    (leftover / f"{0:020d}.log").write_bytes(b"")
    manager = LogManager(tmp_path, LogConfig(file_delete_delay_ms=10))
    manager.startup(100)
    assert manager.get_log(ORDERS_0) is None
    manager.maintain(110)
    assert not leftover.exists()


def test_maintain_runs_retention_checkpoints_and_reports_the_next_deadline(tmp_path: Path) -> None:
    config = LogConfig(segment_bytes=1000, retention_ms=1_000, file_delete_delay_ms=0)
    timers = LogManagerConfig(retention_check_interval_ms=5_000, flush_offset_checkpoint_interval_ms=7_000)
    manager = LogManager(tmp_path, config, timers)
    manager.startup(0)
    log = manager.get_or_create_log(ORDERS_0, now_ms=0)
    for timestamp in (10, 20, 30):
        log.append(batch([b"q" * 600], timestamp=timestamp), leader_epoch=0, now_ms=0)
    log.update_high_watermark(3)
    assert log.has_rolled_segments_to_flush and log.recovery_point == 0
    # Flushes the rolled segments at once; next comes the cleaner, which (as Kafka's cleaner
    # threads) does not wait log.initial.task.delay.ms as the scheduled tasks do.
    assert manager.maintain(1) == timers.cleaner_backoff_ms < INITIAL_TASK_DELAY_MS
    assert log.recovery_point == 2 and not log.has_rolled_segments_to_flush
    manager.maintain(INITIAL_TASK_DELAY_MS)
    assert log.log_start_offset == 3  # every segment expired: rolled, then deleted
    assert (tmp_path / "recovery-point-offset-checkpoint").read_text() == "0\n1\norders 0 3\n"
    assert manager.maintain(INITIAL_TASK_DELAY_MS + 1) == INITIAL_TASK_DELAY_MS + 5_000


def test_topic_config_overrides_and_updates(tmp_path: Path) -> None:
    manager = started(tmp_path)
    compacted = LogConfig(cleanup_policy=("compact",), min_cleanable_dirty_ratio=0.0)
    log = manager.get_or_create_log(ORDERS_0, now_ms=0, config=compacted)
    other = manager.get_or_create_log(TopicPartition("other", 0), now_ms=0)
    assert log.config == compacted and other.config == SMALL
    manager.update_topic_config("orders", None)
    assert log.config == SMALL
    manager.update_topic_config("orders", compacted)
    assert log.config == compacted


def test_clean_logs_compacts_and_checkpoints_the_cleaner_offset(tmp_path: Path) -> None:
    manager = started(tmp_path)
    config = LogConfig(segment_bytes=400, cleanup_policy=("compact",), min_cleanable_dirty_ratio=0.0)
    log = manager.get_or_create_log(ORDERS_0, now_ms=0, config=config)
    for index in range(6):
        log.append(batch([str(index).encode() * 150], keys=[b"k"]), leader_epoch=0, now_ms=0)
    log.update_high_watermark(6)
    results = manager.clean_logs(now_ms=0)
    assert set(results) == {ORDERS_0}
    assert manager.cleaner_checkpoint(ORDERS_0) == log.active_segment.base_offset
    assert (
        tmp_path / "cleaner-offset-checkpoint"
    ).read_text() == f"0\n1\norders 0 {log.active_segment.base_offset}\n"
    assert manager.clean_logs(now_ms=0) == {}


DAY = 86_400_000


def log_with_a_tombstone(manager: LogManager) -> PartitionLog:
    """orders-0, compacted (one day's delete.retention.ms): a=1, b=1 in the first segment, the
    tombstone of a and c=1 in the second, all at timestamp 1,000; nothing in the active one."""
    config = LogConfig(
        segment_bytes=400,
        cleanup_policy=("compact",),
        min_cleanable_dirty_ratio=0.5,
        delete_retention_ms=DAY,
        file_delete_delay_ms=0,
    )
    log = manager.get_or_create_log(ORDERS_0, now_ms=0, config=config)
    for key, value in [(b"a", b"1" * 150), (b"b", b"1" * 150), (b"a", None), (b"c", b"1" * 150)]:
        log.append(batch([value], keys=[key], timestamp=1_000), leader_epoch=0, now_ms=0)
    log.update_high_watermark(log.log_end_offset)
    return log


def test_tombstones_go_once_expired_even_without_new_data(tmp_path: Path) -> None:
    """A pass keeps a tombstone for ``delete.retention.ms``; the log then gets a pass when that
    time has come, though nothing new was written (no dirty data, no dirty ratio to reach), as
    Kafka's cleaner manager picks logs whose delete horizon has passed. It used to keep the
    tombstone until new data made a pass due."""
    manager = started(tmp_path)
    log = log_with_a_tombstone(manager)
    first = manager.clean_logs(now_ms=2_000)[ORDERS_0]
    assert first.tombstones_expire_ms == 1_000 + DAY
    assert (b"a", None) in [(r.key, r.value) for r in read_all(log)]
    assert manager.clean_logs(now_ms=1_000 + DAY - 1) == {}  # no dirty data, not expired yet

    due = manager.clean_logs(now_ms=1_000 + DAY)
    assert set(due) == {ORDERS_0} and due[ORDERS_0].tombstones_expire_ms is None
    assert [r.key for r in read_all(log)] == [b"b", b"c"]
    assert manager.clean_logs(now_ms=2 * DAY) == {}  # nothing kept for later: no more passes


def test_a_shorter_delete_retention_applies_to_tombstones_already_kept(tmp_path: Path) -> None:
    """The expiry a pass reported was computed with the old ``delete.retention.ms``; after a
    change the next cleaner run recomputes it with a pass."""
    hour = 3_600_000
    manager = started(tmp_path)
    log = log_with_a_tombstone(manager)
    assert manager.clean_logs(now_ms=2_000)[ORDERS_0].tombstones_expire_ms == 1_000 + DAY
    manager.update_topic_config("orders", dataclasses.replace(log.config, delete_retention_ms=hour))
    due = manager.clean_logs(now_ms=1_000 + hour)
    assert set(due) == {ORDERS_0} and [r.key for r in read_all(log)] == [b"b", b"c"]


def test_a_log_whose_records_do_not_parse_is_left_uncleaned_and_the_others_are_cleaned(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Kafka's cleaner marks such a partition uncleanable and goes on; an exception out of the
    pass used to end the broker's housekeeping, and with it the broker."""
    manager = started(tmp_path)
    config = LogConfig(segment_bytes=400, cleanup_policy=("compact",), min_cleanable_dirty_ratio=0.0)
    bad = manager.get_or_create_log(ORDERS_0, now_ms=0, config=config)
    good = manager.get_or_create_log(ORDERS_1, now_ms=0, config=config)
    for log in (bad, good):
        for index in range(6):
            payload = batch([str(index).encode() * 150], keys=[b"k"])
            log.append(
                bytearray(garbled_records(payload)) if log is bad and index == 0 else payload,
                leader_epoch=0,
                now_ms=0,
            )
        log.update_high_watermark(6)
    with caplog.at_level("ERROR", logger="wirekafka.log"):
        results = manager.clean_logs(now_ms=0)
    assert set(results) == {ORDERS_1}
    assert [r.getMessage() for r in caplog.records] == [
        "cannot compact orders-0: it is left uncompacted until a restart"
    ]
    assert len(read_all(good)) < 6
    caplog.clear()
    with caplog.at_level("ERROR", logger="wirekafka.log"):
        assert manager.clean_logs(now_ms=0) == {}  # skipped from now on, without a new error
    assert not caplog.records


def test_meta_properties_is_written_once_and_checked(tmp_path: Path) -> None:
    manager = started(tmp_path)
    written = manager.ensure_meta_properties(cluster_id="abc", node_id=1)
    text = (tmp_path / "meta.properties").read_text()
    assert "cluster.id=abc\n" in text and "node.id=1\n" in text and "version=1\n" in text
    assert f"directory.id={written.directory_id}\n" in text and len(written.directory_id) == 22
    assert manager.ensure_meta_properties(cluster_id="abc", node_id=1) == written
    assert read_meta_properties(tmp_path) == written
    with pytest.raises(MetaPropertiesError):
        manager.ensure_meta_properties(cluster_id="other", node_id=1)
    with pytest.raises(MetaPropertiesError):
        manager.ensure_meta_properties(cluster_id="abc", node_id=2)
