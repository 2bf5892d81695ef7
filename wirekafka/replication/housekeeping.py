"""The periodic log work of a node, scheduled so that no ``fsync`` stalls the data path.

Kafka runs these on scheduler threads; here the replica manager's housekeeping task runs them,
split by what they touch:

* **Log mutations** -- retention (``log.retention.check.interval.ms``), the ``flush.ms`` policy
  (``log.flush.scheduler.interval.ms``), compaction (``log.cleaner.backoff.ms``, bounded by each
  partition's last stable offset), idle producer expiry, removal of ``.deleted`` files and
  ``-delete`` directories -- run on the trio thread, between requests, because a partition log is
  not thread-safe. They are rare (minutes apart by default). Compaction, the one that costs CPU
  in proportion to the data, runs in slices of a few milliseconds with requests served in
  between (``run_in_slices``).
* **Durability** -- the recovery-point, log-start-offset and high-watermark checkpoints, and the
  fsync of segments rolled since the last pass -- cost disk latency, not CPU. The checkpoint
  contents are taken on the trio thread and the files written from a worker thread; rolled
  segments are first fsynced from a worker thread by path (an immutable file: nothing writes it
  any more), after which the log's own flush, on the trio thread, finds clean pages and returns
  at once. An append never waits for a checkpoint or for a 1 GiB segment to reach the disk.

Timers start ``log.initial.task.delay.ms`` (30 s) after startup, as Kafka's scheduled tasks do,
except the cleaner's: Kafka's cleaner threads start with the log manager and pass every
``log.cleaner.backoff.ms`` from then on. The high-watermark checkpoint runs every
``replica.high.watermark.checkpoint.interval.ms`` (5 s).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import trio
import trio.lowlevel

from wirekafka.log.checkpoints import (
    LOG_START_OFFSET_CHECKPOINT,
    RECOVERY_POINT_CHECKPOINT,
    REPLICATION_OFFSET_CHECKPOINT,
    write_offset_checkpoint,
)
from wirekafka.log.cleaner import ActiveProducer
from wirekafka.log.log_manager import LogManager
from wirekafka.log.steps import Steps
from wirekafka.log.topic_partition import TopicPartition
from wirekafka.replication.hosted_partition import HostedPartition

INITIAL_TASK_DELAY_MS = 30_000  # log.initial.task.delay.ms
HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS = 5_000  # replica.high.watermark.checkpoint.interval.ms
OFFSET_CHECKPOINT_INTERVAL_MS = 60_000  # log.flush.{,start.}offset.checkpoint.interval.ms
PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = 600_000  # producer.id.expiration.check.interval.ms
CLEANER_SLICE_SECONDS = 0.005
"""Longest stretch a compaction pass keeps the event loop (about one small request's latency)."""

T = TypeVar("T")


@dataclass(slots=True)
class Timer:
    interval_ms: int
    due_ms: int

    def fire(self, now_ms: int) -> bool:
        if now_ms < self.due_ms:
            return False
        self.due_ms = now_ms + self.interval_ms
        return True


@dataclass(frozen=True, slots=True)
class HousekeepingConfig:
    retention_check_interval_ms: int
    flush_scheduler_interval_ms: int
    cleaner_enabled: bool
    cleaner_backoff_ms: int
    producer_id_expiration_check_interval_ms: int = PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS
    cleaner_slice_seconds: float = CLEANER_SLICE_SECONDS


class Housekeeping:
    """Timers and passes over the log manager's logs and the hosted partitions."""

    def __init__(
        self,
        log_manager: LogManager,
        partitions: Callable[[], Mapping[TopicPartition, HostedPartition]],
        config: HousekeepingConfig,
        *,
        now_ms: int,
    ) -> None:
        self._log_manager = log_manager
        self._partitions = partitions
        self._config = config
        start = now_ms + INITIAL_TASK_DELAY_MS
        self.retention = Timer(config.retention_check_interval_ms, start)
        self.flush = Timer(config.flush_scheduler_interval_ms, start)
        # Kafka's cleaner threads start with the log manager; only the scheduler's tasks wait.
        self.cleaner = Timer(config.cleaner_backoff_ms, now_ms + config.cleaner_backoff_ms)
        self.producer_expiration = Timer(config.producer_id_expiration_check_interval_ms, start)
        self.high_watermark_checkpoint = Timer(HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS, start)
        self.offset_checkpoints = Timer(OFFSET_CHECKPOINT_INTERVAL_MS, start)

    # ---- on the trio thread --------------------------------------------------------------------

    def mutate(self, now_ms: int) -> None:
        """Every due log mutation (see the module docstring); synchronous."""
        manager = self._log_manager
        if self.retention.fire(now_ms):
            manager.check_retention(now_ms)
            for hosted in self._partitions().values():
                hosted.transactions.sync_segments()
        if self.flush.fire(now_ms):
            manager.flush_logs(now_ms)
        if self.producer_expiration.fire(now_ms):
            for hosted in self._partitions().values():
                hosted.transactions.maintain(now_ms)
        for log in manager.logs.values():
            log.delete_expired_files(now_ms)
        manager.delete_expired_dirs(now_ms)

    async def compact(self, now_ms: int) -> None:
        """A compaction pass over the compacted logs if one is due, in slices of at most
        ``cleaner_slice_seconds`` between which the broker serves requests."""
        if not (self._config.cleaner_enabled and self.cleaner.fire(now_ms)):
            return
        hosted_partitions = self._partitions()
        bounds = {tp: hosted.last_stable_offset for tp, hosted in hosted_partitions.items()}
        producers: dict[TopicPartition, dict[int, ActiveProducer]] = {}
        forget_aborted: dict[TopicPartition, Callable[[int], None]] = {}
        for tp, hosted in hosted_partitions.items():
            if hosted.config.compact:
                producers[tp] = {
                    producer_id: ActiveProducer(entry.last_data_offset, entry.producer_epoch)
                    for producer_id, entry in hosted.transactions.state.producers.items()
                }
                forget_aborted[tp] = hosted.transactions.forget_aborted_transaction
        results = await run_in_slices(
            self._log_manager.clean_logs_in_steps(now_ms, bounds, producers, forget_aborted),
            self._config.cleaner_slice_seconds,
        )
        partitions = self._partitions()
        for topic_partition in results:
            cleaned = partitions.get(topic_partition)
            if cleaned is not None:
                cleaned.transactions.sync_segments()

    def next_due_ms(self, now_ms: int) -> int:
        """When the next pass is due: the earliest timer, pending file deletion or rolled segment."""
        timers = [
            self.retention,
            self.flush,
            self.producer_expiration,
            self.high_watermark_checkpoint,
            self.offset_checkpoints,
        ]
        if self._config.cleaner_enabled:
            timers.append(self.cleaner)
        deadlines = [timer.due_ms for timer in timers]
        for log in self._log_manager.logs.values():
            pending = log.next_file_deletion_ms()
            if pending is not None:
                deadlines.append(pending)
            if log.has_rolled_segments_to_flush:
                deadlines.append(now_ms)
        return min(deadlines)

    # ---- durability, off the trio thread -------------------------------------------------------

    async def flush_rolled_segments(self) -> None:
        """fsync segments rolled since the last pass without blocking the trio thread."""
        logs = [log for log in self._log_manager.logs.values() if log.has_rolled_segments_to_flush]
        if not logs:
            return
        paths: list[Path] = []
        for log in logs:
            recovery_point = log.recovery_point
            for segment in log.segments[:-1]:
                if segment.next_offset() > recovery_point:
                    paths.extend(segment.files())
        await trio.to_thread.run_sync(_fsync_paths, paths)
        for log in logs:
            if not log.is_closed:
                log.flush_rolled_segments()

    async def write_checkpoints(self, now_ms: int, *, force: bool = False) -> None:
        """The due offset checkpoints: contents taken now, files written from a worker thread."""
        logs = self._log_manager.logs
        directory = self._log_manager.log_dir
        writes: list[tuple[Path, dict[TopicPartition, int]]] = []
        if self.high_watermark_checkpoint.fire(now_ms) or force:
            writes.append(
                (
                    directory / REPLICATION_OFFSET_CHECKPOINT,
                    {tp: log.high_watermark for tp, log in logs.items()},
                )
            )
        if self.offset_checkpoints.fire(now_ms) or force:
            writes.append(
                (directory / RECOVERY_POINT_CHECKPOINT, {tp: log.recovery_point for tp, log in logs.items()})
            )
            writes.append(
                (
                    directory / LOG_START_OFFSET_CHECKPOINT,
                    {tp: log.log_start_offset for tp, log in logs.items()},
                )
            )
        if writes:
            await trio.to_thread.run_sync(_write_all, writes)


async def run_in_slices(steps: Steps[T], slice_seconds: float) -> T:
    """Run ``steps`` (``log.steps``) on the trio thread, yielding to the scheduler every
    ``slice_seconds``, and make their blocking calls (fsyncs) on a worker thread.

    A partition log is not thread-safe, so its compaction cannot move to a worker thread as a
    whole; run at once, a pass over 20 MB of small records held every connection for seconds.
    The steps are closed if this is cancelled, which removes a half-written cleaned segment.
    """
    try:
        deadline = time.monotonic() + slice_seconds
        while True:
            try:
                step = next(steps)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            if step is not None:
                await trio.to_thread.run_sync(step)
                deadline = time.monotonic() + slice_seconds
            elif time.monotonic() >= deadline:
                await trio.lowlevel.checkpoint()
                deadline = time.monotonic() + slice_seconds
    finally:
        steps.close()


def _fsync_paths(paths: list[Path]) -> None:
    for path in paths:
        try:
            descriptor = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue  # deleted meanwhile (retention): nothing to make durable
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _write_all(writes: list[tuple[Path, dict[TopicPartition, int]]]) -> None:
    for path, offsets in writes:
        write_offset_checkpoint(path, offsets)
