"""All partition logs of one log dir: create, open, delete, checkpoint, and housekeeping.

The manager owns Kafka's log-dir level files -- ``meta.properties``, the four offset checkpoints
and the ``.kafka_cleanshutdown`` marker -- and runs the periodic work as plain methods the broker
runtime calls with ``now_ms`` (:meth:`LogManager.maintain` runs whatever is due and returns the
next deadline). Startup, in Kafka's order: read the checkpoints, note whether the clean shutdown
marker is there, open every ``<topic>-<partition>`` directory (recovering from the recovery
point when it is not), then remove the marker so a crash from now on is seen as one.

Deleting a partition renames its directory to ``<topic>-<partition>.<uuid>-delete`` at once (a
new log of the same name can be created immediately) and removes it ``file.delete.delay.ms``
later; leftovers found at startup are removed on the same delay.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from wirekafka.log.checkpoints import (
    CLEANER_OFFSET_CHECKPOINT,
    LOG_START_OFFSET_CHECKPOINT,
    RECOVERY_POINT_CHECKPOINT,
    REPLICATION_OFFSET_CHECKPOINT,
    fsync_directory,
    read_offset_checkpoint,
    write_offset_checkpoint,
)
from wirekafka.log.cleaner import ActiveProducer, CleanResult, clean_log_in_steps
from wirekafka.log.config import LogConfig, LogManagerConfig
from wirekafka.log.errors import CorruptCheckpointError
from wirekafka.log.meta_properties import MetaProperties, ensure_meta_properties
from wirekafka.log.partition_log import PartitionLog
from wirekafka.log.steps import Steps, run_to_end
from wirekafka.log.topic_partition import DELETE_DIR_SUFFIX, TopicPartition, parse_dir_name

logger = logging.getLogger("wirekafka.log")

CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown"
METADATA_TOPIC = "__cluster_metadata"
HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS = 5_000  # replica.high.watermark.checkpoint.interval.ms
INITIAL_TASK_DELAY_MS = 30_000  # log.initial.task.delay.ms


@dataclass(slots=True)
class _Timer:
    interval_ms: int
    due_ms: int

    def fire(self, now_ms: int) -> bool:
        if now_ms < self.due_ms:
            return False
        self.due_ms = now_ms + self.interval_ms
        return True


class LogManager:
    """Owner of every :class:`PartitionLog` under one log dir."""

    def __init__(
        self,
        log_dir: Path,
        default_config: LogConfig | None = None,
        manager_config: LogManagerConfig | None = None,
    ) -> None:
        self.log_dir = log_dir
        self.default_config = default_config if default_config is not None else LogConfig()
        self.manager_config = manager_config if manager_config is not None else LogManagerConfig()
        self._logs: dict[TopicPartition, PartitionLog] = {}
        self._topic_configs: dict[str, LogConfig] = {}
        self._cleaner_offsets: dict[TopicPartition, int] = {}
        self._uncleanable: set[TopicPartition] = set()
        """Logs whose compaction failed (records that do not parse): skipped by later passes
        until the log is deleted or the broker restarts, as Kafka's cleaner marks a partition
        uncleanable."""
        self._tombstones_expire_ms: dict[TopicPartition, int] = {}
        """When a log's earliest tombstone or marker kept by its last pass may go: from then on
        it gets a pass even without new dirty data (Kafka's cleaner manager does the same for a
        log whose delete horizon has passed). In memory only, as Kafka's."""
        self._deleted_dirs: list[tuple[int, Path]] = []
        self._timers: dict[str, _Timer] = {}
        self._had_clean_shutdown = False
        self._started = False

    # ---- startup and shutdown --------------------------------------------------------------

    def startup(self, now_ms: int, topic_configs: Mapping[str, LogConfig] | None = None) -> None:
        """Load every partition log (with recovery after a crash) and arm the timers."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._topic_configs = dict(topic_configs or {})
        marker = self.log_dir / CLEAN_SHUTDOWN_FILE
        self._had_clean_shutdown = marker.exists()
        recovery_points = self._read_checkpoint(RECOVERY_POINT_CHECKPOINT)
        log_start_offsets = self._read_checkpoint(LOG_START_OFFSET_CHECKPOINT)
        high_watermarks = self._read_checkpoint(REPLICATION_OFFSET_CHECKPOINT)
        self._cleaner_offsets = self._read_checkpoint(CLEANER_OFFSET_CHECKPOINT)
        for entry in sorted(self.log_dir.iterdir()):
            if not entry.is_dir():
                continue
            parsed = parse_dir_name(entry.name)
            if parsed is None:
                continue
            topic_partition, kind = parsed
            if kind == "delete":
                self._deleted_dirs.append((now_ms + self.default_config.file_delete_delay_ms, entry))
                continue
            if kind:
                continue  # -future / -stray directories belong to features not built yet
            if topic_partition.topic == METADATA_TOPIC:
                continue  # the metadata log is the controller's (Kafka's LogManager skips it too)
            self._logs[topic_partition] = PartitionLog.open(
                entry,
                self.config_for(topic_partition.topic),
                now_ms=now_ms,
                clean_shutdown=self._had_clean_shutdown,
                recovery_point=recovery_points.get(topic_partition, 0),
                log_start_offset=log_start_offsets.get(topic_partition, 0),
                # Kafka starts a log without a checkpointed high watermark at its log start.
                high_watermark=high_watermarks.get(topic_partition, 0),
            )
        if marker.exists():
            marker.unlink()
            fsync_directory(self.log_dir)
        config = self.manager_config
        start = now_ms + INITIAL_TASK_DELAY_MS
        self._timers = {
            "retention": _Timer(config.retention_check_interval_ms, start),
            "flush": _Timer(config.flush_scheduler_interval_ms, start),
            "recovery_point": _Timer(config.flush_offset_checkpoint_interval_ms, start),
            "log_start_offset": _Timer(config.flush_start_offset_checkpoint_interval_ms, start),
            "high_watermark": _Timer(HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS, start),
            # Kafka's cleaner threads start with the log manager; only the scheduler's tasks wait.
            "cleaner": _Timer(config.cleaner_backoff_ms, now_ms + config.cleaner_backoff_ms),
        }
        self._started = True

    @property
    def had_clean_shutdown(self) -> bool:
        """Whether the last stop was clean (no recovery was needed at startup)."""
        return self._had_clean_shutdown

    def ensure_meta_properties(self, *, cluster_id: str, node_id: int) -> MetaProperties:
        """Write ``meta.properties`` on first start; afterwards check it names this cluster/node."""
        return ensure_meta_properties(self.log_dir, cluster_id=cluster_id, node_id=node_id)

    def close(self) -> None:
        """Flush and close every log, write every checkpoint, then the clean shutdown marker."""
        for log in self._logs.values():
            log.close()
        self.write_checkpoints()
        (self.log_dir / CLEAN_SHUTDOWN_FILE).write_bytes(b"")
        fsync_directory(self.log_dir)
        self._logs.clear()

    # ---- logs ------------------------------------------------------------------------------

    def config_for(self, topic: str) -> LogConfig:
        """The topic's config: its overrides, else the broker default."""
        return self._topic_configs.get(topic, self.default_config)

    def update_topic_config(self, topic: str, config: LogConfig | None) -> None:
        """Apply changed topic configs to its live logs (``None``: back to the broker default)."""
        if config is None:
            self._topic_configs.pop(topic, None)
        else:
            self._topic_configs[topic] = config
        for topic_partition, log in self._logs.items():
            if topic_partition.topic == topic:
                log.update_config(self.config_for(topic))
                if topic_partition in self._tombstones_expire_ms:
                    # Computed with the old delete.retention.ms: the next pass recomputes it.
                    self._tombstones_expire_ms[topic_partition] = 0

    def get_log(self, topic_partition: TopicPartition) -> PartitionLog | None:
        return self._logs.get(topic_partition)

    def get_or_create_log(
        self, topic_partition: TopicPartition, *, now_ms: int, config: LogConfig | None = None
    ) -> PartitionLog:
        """The partition's log, created empty (with its directory) if it does not exist."""
        log = self._logs.get(topic_partition)
        if log is not None:
            return log
        if config is not None:
            self._topic_configs[topic_partition.topic] = config
        log = self.create_log(topic_partition, self.config_for(topic_partition.topic), now_ms=now_ms)
        self._logs[topic_partition] = log
        return log

    def create_log(self, topic_partition: TopicPartition, config: LogConfig, *, now_ms: int) -> PartitionLog:
        """Open the partition's log on disk, creating its directory (fsynced) if it is new, without
        taking it in: :meth:`adopt_log` does that.

        It reads and changes nothing of the manager's, so it may run on a worker thread while the
        event loop goes on (a new partition costs a directory, its files and fsyncs: milliseconds).
        """
        directory = self.log_dir / topic_partition.dir_name
        created = not directory.exists()
        log = PartitionLog.open(directory, config, now_ms=now_ms, clean_shutdown=created)
        if created:
            fsync_directory(self.log_dir)
        return log

    def adopt_log(self, topic_partition: TopicPartition, log: PartitionLog, config: LogConfig) -> None:
        """Take in a log :meth:`create_log` opened, with its topic's config."""
        if topic_partition in self._logs:
            raise ValueError(f"{topic_partition} already has a log")
        self._topic_configs[topic_partition.topic] = config
        log.update_config(config)
        self._logs[topic_partition] = log

    @property
    def logs(self) -> Mapping[TopicPartition, PartitionLog]:
        return dict(self._logs)

    def __iter__(self) -> Iterator[TopicPartition]:
        return iter(list(self._logs))

    def delete_log(self, topic_partition: TopicPartition, *, now_ms: int) -> bool:
        """Close the log, rename its directory ``...-delete`` now, remove it after the delay."""
        return self.delete_logs([topic_partition], now_ms=now_ms) == 1

    def delete_logs(self, topic_partitions: Iterable[TopicPartition], *, now_ms: int) -> int:
        """:meth:`delete_log` for several logs, with one fsync of the log dir for all the renames
        (a deleted topic of 200 partitions spent half its ~85 ms in one fsync per partition).
        Returns how many logs there were."""
        deleted: list[PartitionLog] = []
        for topic_partition in topic_partitions:
            log = self._logs.pop(topic_partition, None)
            if log is None:
                continue
            log.close()
            target = self.log_dir / f"{topic_partition.dir_name}.{uuid.uuid4().hex}{DELETE_DIR_SUFFIX}"
            log.directory.rename(target)
            self._cleaner_offsets.pop(topic_partition, None)
            self._uncleanable.discard(topic_partition)
            self._tombstones_expire_ms.pop(topic_partition, None)
            self._deleted_dirs.append((now_ms + log.config.file_delete_delay_ms, target))
            deleted.append(log)
        if not deleted:
            return 0
        fsync_directory(self.log_dir)
        if any(log.config.file_delete_delay_ms <= 0 for log in deleted):
            self.delete_expired_dirs(now_ms)
        return len(deleted)

    def delete_expired_dirs(self, now_ms: int) -> int:
        """Remove ``-delete`` directories whose delay passed; returns how many."""
        due = [entry for entry in self._deleted_dirs if entry[0] <= now_ms]
        self._deleted_dirs = [entry for entry in self._deleted_dirs if entry[0] > now_ms]
        for _, path in due:
            shutil.rmtree(path, ignore_errors=True)
        return len(due)

    # ---- checkpoints -----------------------------------------------------------------------

    def _read_checkpoint(self, name: str) -> dict[TopicPartition, int]:
        """A log-dir checkpoint; a corrupt one reads as empty, as Kafka falls back (full
        recovery for recovery points, segment bases for start offsets)."""
        try:
            return read_offset_checkpoint(self.log_dir / name)
        except CorruptCheckpointError:
            return {}

    def checkpoint_recovery_points(self) -> None:
        write_offset_checkpoint(
            self.log_dir / RECOVERY_POINT_CHECKPOINT,
            {tp: log.recovery_point for tp, log in self._logs.items()},
        )

    def checkpoint_log_start_offsets(self) -> None:
        write_offset_checkpoint(
            self.log_dir / LOG_START_OFFSET_CHECKPOINT,
            {tp: log.log_start_offset for tp, log in self._logs.items()},
        )

    def checkpoint_high_watermarks(self) -> None:
        write_offset_checkpoint(
            self.log_dir / REPLICATION_OFFSET_CHECKPOINT,
            {tp: log.high_watermark for tp, log in self._logs.items()},
        )

    def checkpoint_cleaner_offsets(self) -> None:
        offsets = {tp: offset for tp, offset in self._cleaner_offsets.items() if tp in self._logs}
        write_offset_checkpoint(self.log_dir / CLEANER_OFFSET_CHECKPOINT, offsets)

    def write_checkpoints(self) -> None:
        self.checkpoint_recovery_points()
        self.checkpoint_log_start_offsets()
        self.checkpoint_high_watermarks()
        self.checkpoint_cleaner_offsets()

    # ---- housekeeping ----------------------------------------------------------------------

    def check_retention(self, now_ms: int) -> int:
        """Apply retention to every log; returns how many segments were deleted."""
        return sum(log.apply_retention(now_ms) for log in self._logs.values())

    def flush_logs(self, now_ms: int) -> int:
        """Apply ``flush.ms`` to every log; returns how many were flushed."""
        return sum(1 for log in self._logs.values() if log.flush_if_due(now_ms))

    def flush_rolled_segments(self) -> int:
        """fsync segments rolled since the last pass (Kafka flushes them asynchronously)."""
        return sum(1 for log in self._logs.values() if log.flush_rolled_segments())

    def clean_logs(self, now_ms: int) -> dict[TopicPartition, CleanResult]:
        """One compaction pass over every compacted log worth cleaning, at once, each bounded by
        its high watermark and with no producer state (:meth:`maintain`, a log manager alone)."""
        return run_to_end(self.clean_logs_in_steps(now_ms))

    def clean_logs_in_steps(
        self,
        now_ms: int,
        max_cleanable_offsets: Mapping[TopicPartition, int] | None = None,
        active_producers: Mapping[TopicPartition, Mapping[int, ActiveProducer]] | None = None,
        forget_aborted: Mapping[TopicPartition, Callable[[int], None]] | None = None,
    ) -> Steps[dict[TopicPartition, CleanResult]]:
        """One compaction pass over every compacted log worth cleaning, pausing after every batch
        (``cleaner.clean_log_in_steps``): logs created or deleted meanwhile are cleaned next time
        or skipped.

        ``max_cleanable_offsets`` gives each partition's last stable offset; without an entry
        the log's high watermark bounds the pass. ``active_producers`` gives each partition's
        producer state, whose last batches and markers the passes keep; ``forget_aborted`` each
        partition's hook for the ABORT markers a pass removes.
        """
        results: dict[TopicPartition, CleanResult] = {}
        for topic_partition, log in list(self._logs.items()):
            if not log.config.compact or log.is_closed or topic_partition in self._uncleanable:
                continue
            expire_ms = self._tombstones_expire_ms.get(topic_partition)
            tombstones_due = expire_ms is not None and expire_ms <= now_ms
            try:
                result = yield from clean_log_in_steps(
                    log,
                    checkpoint=self._cleaner_offsets.get(topic_partition),
                    now_ms=now_ms,
                    max_cleanable_offset=(max_cleanable_offsets or {}).get(topic_partition),
                    max_keys=self.manager_config.cleaner_max_keys,
                    force=tombstones_due,
                    active_producers=(active_producers or {}).get(topic_partition),
                    forget_aborted=(forget_aborted or {}).get(topic_partition),
                )
            except Exception:
                # Kafka's LogCleaner: one log's failure marks it uncleanable; the others are
                # still cleaned, and the broker goes on serving all of them.
                logger.exception("cannot compact %s: it is left uncompacted until a restart", topic_partition)
                self._uncleanable.add(topic_partition)
                continue
            if result is not None and self._logs.get(topic_partition) is log:
                self._cleaner_offsets[topic_partition] = result.next_dirty_offset
                results[topic_partition] = result
                if result.tombstones_expire_ms is None:
                    self._tombstones_expire_ms.pop(topic_partition, None)
                else:
                    self._tombstones_expire_ms[topic_partition] = result.tombstones_expire_ms
            elif tombstones_due:
                self._tombstones_expire_ms.pop(topic_partition, None)  # nothing left to clean there
        if results:
            self.checkpoint_cleaner_offsets()
        return results

    def cleaner_checkpoint(self, topic_partition: TopicPartition) -> int | None:
        return self._cleaner_offsets.get(topic_partition)

    def maintain(self, now_ms: int) -> int:
        """Run every periodic task that is due; returns when to call again (ms).

        Rolled segments are flushed on every call, so the runtime should call soon after an
        append reports ``rolled``.
        """
        timers = self._timers
        self.flush_rolled_segments()
        if timers["retention"].fire(now_ms):
            self.check_retention(now_ms)
        if timers["flush"].fire(now_ms):
            self.flush_logs(now_ms)
        if timers["recovery_point"].fire(now_ms):
            self.checkpoint_recovery_points()
        if timers["log_start_offset"].fire(now_ms):
            self.checkpoint_log_start_offsets()
        if timers["high_watermark"].fire(now_ms):
            self.checkpoint_high_watermarks()
        if self.manager_config.cleaner_enable and timers["cleaner"].fire(now_ms):
            self.clean_logs(now_ms)
        for log in self._logs.values():
            log.delete_expired_files(now_ms)
        self.delete_expired_dirs(now_ms)
        deadlines = [timer.due_ms for timer in timers.values()]
        deadlines.extend(due for due, _ in self._deleted_dirs)
        for log in self._logs.values():
            pending = log.next_file_deletion_ms()
            if pending is not None:
                deadlines.append(pending)
            if log.has_rolled_segments_to_flush:
                deadlines.append(now_ms)
        return min(deadlines)
