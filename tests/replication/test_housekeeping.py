"""Housekeeping passes: retention, rolled-segment flushes and checkpoints, driven with explicit time."""

from __future__ import annotations

import dataclasses

import trio
import trio.lowlevel

from tests.replication.helpers import EMPTY, client_batch, image, topic, values_of
from wirekafka.log.checkpoints import (
    RECOVERY_POINT_CHECKPOINT,
    REPLICATION_OFFSET_CHECKPOINT,
    read_offset_checkpoint,
)
from wirekafka.log.steps import Steps
from wirekafka.log.topic_partition import TopicPartition
from wirekafka.protocol.errors import ErrorCode
from wirekafka.replication.housekeeping import (
    INITIAL_TASK_DELAY_MS,
    Housekeeping,
    HousekeepingConfig,
    run_in_slices,
)
from wirekafka.replication.operations import AppendEntry
from wirekafka.replication.replica_manager import ReplicaManager

CONFIG = HousekeepingConfig(
    retention_check_interval_ms=1000,
    flush_scheduler_interval_ms=10**12,
    cleaner_enabled=True,
    cleaner_backoff_ms=1000,
)
SMALL_SEGMENTS = {"internal.segment.bytes": "400", "file.delete.delay.ms": "0"}


async def fill(manager: ReplicaManager, name: str, count: int, timestamp: int) -> None:
    for _ in range(count):
        (result,) = await manager.append_records(
            [AppendEntry(name, 0, client_batch([b"v" * 100], timestamp=timestamp))],
            required_acks=1,
            timeout_ms=1000,
        )
        assert result.error_code == ErrorCode.NO_ERROR


def housekeeping(manager: ReplicaManager, now: int, config: HousekeepingConfig = CONFIG) -> Housekeeping:
    return Housekeeping(manager.log_manager, lambda: manager._partitions, config, now_ms=now)


async def test_retention_deletes_old_segments_after_the_initial_delay(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t", configs={**SMALL_SEGMENTS, "retention.ms": "60000"})))
    now = manager._now_ms()
    await fill(manager, "t", 10, timestamp=now - 3_600_000)
    await fill(manager, "t", 1, timestamp=now)
    segments_before = len(manager.partition("t", 0).log.segments)  # type: ignore[union-attr]
    assert segments_before > 3
    work = housekeeping(manager, now)
    work.mutate(now)  # within the initial delay: nothing yet
    assert manager.offsets("t", 0) == (0, 11, 11)
    work.mutate(now + INITIAL_TASK_DELAY_MS)
    log_start, high_watermark, log_end = manager.offsets("t", 0)  # type: ignore[misc]
    assert (high_watermark, log_end) == (11, 11)
    assert 0 < log_start <= 10
    assert len(manager.partition("t", 0).log.segments) < segments_before  # type: ignore[union-attr]
    assert manager.list_offset("t", 0, -2, isolation_level=None).offset == log_start


async def test_rolled_segments_are_flushed_and_checkpoints_written(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t", configs=SMALL_SEGMENTS)))
    now = manager._now_ms()
    await fill(manager, "t", 8, timestamp=now)
    log = manager.partition("t", 0).log  # type: ignore[union-attr]
    assert log.has_rolled_segments_to_flush and log.recovery_point == 0
    work = housekeeping(manager, now)
    await work.flush_rolled_segments()
    assert not log.has_rolled_segments_to_flush
    assert log.recovery_point == log.active_segment.base_offset > 0
    await work.write_checkpoints(now)
    assert not (manager.log_dir / REPLICATION_OFFSET_CHECKPOINT).exists()  # not due yet
    await work.write_checkpoints(now + INITIAL_TASK_DELAY_MS)
    high_watermarks = read_offset_checkpoint(manager.log_dir / REPLICATION_OFFSET_CHECKPOINT)
    recovery_points = read_offset_checkpoint(manager.log_dir / RECOVERY_POINT_CHECKPOINT)
    assert high_watermarks[TopicPartition("t", 0)] == 8
    assert recovery_points[TopicPartition("t", 0)] == log.recovery_point


def compacted_topic(manager: ReplicaManager) -> None:
    configs = {**SMALL_SEGMENTS, "cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01"}
    manager.apply_metadata(EMPTY, image(topic("c", configs=configs)))


async def test_compaction_keeps_the_latest_value_of_each_key(manager: ReplicaManager) -> None:
    compacted_topic(manager)
    now = manager._now_ms()
    for round_number in range(6):
        batch = client_batch(
            [b"%d-%d" % (key, round_number) for key in range(3)],
            keys=[b"k%d" % k for k in range(3)],
            timestamp=now,
        )
        (result,) = await manager.append_records(
            [AppendEntry("c", 0, batch)], required_acks=1, timeout_ms=1000
        )
        assert result.error_code == ErrorCode.NO_ERROR
    before = manager.partition("c", 0).log.size_in_bytes  # type: ignore[union-attr]
    work = housekeeping(manager, now)
    await work.compact(now)  # before log.cleaner.backoff.ms: nothing yet
    assert manager.partition("c", 0).log.size_in_bytes == before  # type: ignore[union-attr]
    await work.compact(now + CONFIG.cleaner_backoff_ms)
    assert manager.partition("c", 0).log.size_in_bytes < before  # type: ignore[union-attr]
    survivors: list[bytes | None] = []
    offset = 0
    while offset < 18:  # one segment per read
        read = manager.read_internal("c", 0, offset, max_bytes=1 << 20)
        survivors.extend(values_of(read.records))
        offset = read.next_offset
    assert survivors[-3:] == [b"0-5", b"1-5", b"2-5"]
    assert len(survivors) < 18


def counting_steps(count: int, log: list[str]) -> Steps[str]:
    try:
        for index in range(count):
            log.append(f"step {index}")
            yield
        return "done"
    finally:
        log.append("closed")


async def test_a_pass_in_slices_lets_other_tasks_run_in_between() -> None:
    events: list[str] = []

    async def other_task() -> None:
        for _ in range(3):
            events.append("other")
            await trio.lowlevel.checkpoint()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(other_task)
        result = await run_in_slices(counting_steps(3, events), slice_seconds=0)
    assert result == "done"
    # With a zero slice the pass yields after every step; the other task runs in between.
    assert events.index("other") < events.index("step 2")
    assert events.count("closed") == 1


async def test_a_cancelled_pass_is_closed() -> None:
    events: list[str] = []
    steps = counting_steps(1000, events)  # held here, so only run_in_slices can close it
    with trio.CancelScope() as scope:
        scope.cancel()
        await run_in_slices(steps, slice_seconds=0)
    assert events[-1] == "closed"
    assert len(events) < 1000


async def test_compaction_runs_in_slices_while_the_broker_answers(manager: ReplicaManager) -> None:
    compacted_topic(manager)
    now = manager._now_ms()
    for round_number in range(20):
        batch = client_batch([b"%d" % round_number], keys=[b"k"], timestamp=now)
        await manager.append_records([AppendEntry("c", 0, batch)], required_acks=1, timeout_ms=1000)
    # A zero slice: the pass yields after every batch, so the interleaving is certain.
    work = housekeeping(manager, now, dataclasses.replace(CONFIG, cleaner_slice_seconds=0))
    appended_during_pass: list[int] = []

    async def producer() -> None:
        # An append between two slices of the pass: it lands in the active segment, untouched.
        await trio.lowlevel.checkpoint()
        (result,) = await manager.append_records(
            [AppendEntry("c", 0, client_batch([b"during"], keys=[b"k"], timestamp=now))],
            required_acks=1,
            timeout_ms=1000,
        )
        appended_during_pass.append(result.base_offset)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(producer)
        await work.compact(now + CONFIG.cleaner_backoff_ms)
        appended_when_the_pass_ended = list(appended_during_pass)
    assert appended_when_the_pass_ended == [20]
    values: list[bytes | None] = []
    offset = 0
    while offset < 21:
        read = manager.read_internal("c", 0, offset, max_bytes=1 << 20)
        values.extend(values_of(read.records))
        offset = read.next_offset
    assert values[-1] == b"during"
    assert len(values) < 21  # the pass did compact the older rounds
