"""Reads through the replica manager: limits, isolation, errors and long polling.

Long-poll tests run on trio's autojump clock: time only moves when every task waits, so "the
fetch returned after exactly 1 s of virtual time" is deterministic, not a timing assertion.
"""

from __future__ import annotations

import pytest
import trio

from tests.replication.helpers import EMPTY, NODE, client_batch, image, offsets_of, topic, values_of
from wirekafka.protocol.errors import ErrorCode
from wirekafka.records.batch import iter_batches
from wirekafka.replication.operations import (
    AppendEntry,
    FetchParams,
    FetchPartition,
    FetchPartitionResult,
    IsolationLevel,
)
from wirekafka.replication.replica_manager import ReplicaManager

CONSUMER = FetchParams()


async def produce(manager: ReplicaManager, name: str, values: list[bytes], partition: int = 0) -> int:
    (result,) = await manager.append_records(
        [AppendEntry(name, partition, client_batch(values))], required_acks=1, timeout_ms=1000
    )
    assert result.error_code == ErrorCode.NO_ERROR
    return result.base_offset


async def fetch_one(
    manager: ReplicaManager,
    name: str,
    offset: int,
    *,
    params: FetchParams = CONSUMER,
    max_bytes: int = 1 << 20,
    **kw: int,
) -> FetchPartitionResult:
    (result,) = await manager.fetch(params, [FetchPartition(name, 0, offset, max_bytes, **kw)])
    return result


async def test_fetch_returns_stored_batches_and_offsets(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t")))
    await produce(manager, "t", [b"a", b"b"])
    await produce(manager, "t", [b"c"])
    result = await fetch_one(manager, "t", 0)
    assert result.error_code == ErrorCode.NO_ERROR
    assert (result.high_watermark, result.last_stable_offset, result.log_start_offset) == (3, 3, 0)
    assert values_of(result.records) == [b"a", b"b", b"c"]
    assert result.aborted_transactions is None
    # A fetch inside a batch returns the whole batch (the consumer skips what it has).
    inside = await fetch_one(manager, "t", 1)
    assert offsets_of(inside.records) == [0, 1, 2]
    at_end = await fetch_one(manager, "t", 3)
    assert (at_end.error_code, at_end.records) == (ErrorCode.NO_ERROR, b"")


async def test_read_committed_returns_an_empty_aborted_list(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t")))
    await produce(manager, "t", [b"a"])
    committed = FetchParams(isolation_level=IsolationLevel.READ_COMMITTED)
    result = await fetch_one(manager, "t", 0, params=committed)
    assert result.aborted_transactions == []
    assert values_of(result.records) == [b"a"]


async def test_a_caught_up_read_reports_the_partition_as_a_read_does(manager: ReplicaManager) -> None:
    # Reads at the readable end skip the log (most reads of a live consumer's long polls); the
    # answer must still carry the watermarks, the log start and, for read_committed, a list.
    manager.apply_metadata(EMPTY, image(topic("t")))
    await produce(manager, "t", [b"a", b"b"])
    at_end = await fetch_one(manager, "t", 2)
    assert (at_end.error_code, at_end.records, at_end.aborted_transactions) == (ErrorCode.NO_ERROR, b"", None)
    assert (at_end.high_watermark, at_end.last_stable_offset, at_end.log_start_offset) == (2, 2, 0)
    committed = await fetch_one(
        manager, "t", 2, params=FetchParams(isolation_level=IsolationLevel.READ_COMMITTED)
    )
    assert (committed.records, committed.aborted_transactions) == (b"", [])
    manager.delete_records("t", 0, -1)  # the log start moves up to the end: still readable there
    emptied = await fetch_one(manager, "t", 2)
    assert (emptied.error_code, emptied.records) == (ErrorCode.NO_ERROR, b"")
    assert (emptied.high_watermark, emptied.log_start_offset) == (2, 2)
    below = await fetch_one(manager, "t", 1)
    assert below.error_code == ErrorCode.OFFSET_OUT_OF_RANGE


async def test_out_of_range_offsets(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t")))
    for _ in range(3):
        await produce(manager, "t", [b"x"])
    beyond = await fetch_one(manager, "t", 4)
    assert beyond.error_code == ErrorCode.OFFSET_OUT_OF_RANGE
    assert (beyond.high_watermark, beyond.log_start_offset, beyond.records) == (-1, -1, b"")
    assert manager.delete_records("t", 0, 2).low_watermark == 2
    below = await fetch_one(manager, "t", 1)
    assert below.error_code == ErrorCode.OFFSET_OUT_OF_RANGE
    ok = await fetch_one(manager, "t", 2)
    assert (ok.error_code, ok.log_start_offset) == (ErrorCode.NO_ERROR, 2)


async def test_partition_max_bytes_still_returns_the_first_batch(manager: ReplicaManager) -> None:
    """KIP-74: the first batch of the response comes back whole even when larger than any limit."""
    manager.apply_metadata(EMPTY, image(topic("t")))
    await produce(manager, "t", [b"v" * 500])
    await produce(manager, "t", [b"w" * 500])
    result = await fetch_one(manager, "t", 0, max_bytes=10)
    assert offsets_of(result.records) == [0]


async def test_max_bytes_is_a_budget_across_partitions(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t", 3)))
    for partition in range(3):
        await produce(manager, "t", [b"v" * 400], partition)
        await produce(manager, "t", [b"w" * 400], partition)
    batch_size = len(client_batch([b"v" * 400]))
    params = FetchParams(max_bytes=batch_size * 3)
    results = await manager.fetch(params, [FetchPartition("t", p, 0, 1 << 20) for p in range(3)])
    # Partition 0 takes two batches, partition 1 gets the one that still fits, partition 2 none:
    # once a partition returned data, the limits are hard.
    assert [len(list(iter_batches(r.records))) for r in results] == [2, 1, 0]
    tiny = FetchParams(max_bytes=1)
    results = await manager.fetch(tiny, [FetchPartition("t", p, 0, 1 << 20) for p in range(3)])
    assert [len(list(iter_batches(r.records))) for r in results] == [1, 0, 0]


async def test_leader_epoch_checks(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t", leader_epoch=5)))
    assert (
        await fetch_one(manager, "t", 0, current_leader_epoch=4)
    ).error_code == ErrorCode.FENCED_LEADER_EPOCH
    assert (
        await fetch_one(manager, "t", 0, current_leader_epoch=6)
    ).error_code == ErrorCode.UNKNOWN_LEADER_EPOCH
    assert (await fetch_one(manager, "t", 0, current_leader_epoch=5)).error_code == ErrorCode.NO_ERROR
    assert (await fetch_one(manager, "t", 0, current_leader_epoch=-1)).error_code == ErrorCode.NO_ERROR


async def test_followers_and_leaders(manager: ReplicaManager) -> None:
    manager.apply_metadata(
        EMPTY, image(topic("followed", leader=2, replicas=(2, NODE)), topic("gone", leader=2, replicas=(2,)))
    )
    assert (await fetch_one(manager, "followed", 0)).error_code == ErrorCode.NOT_LEADER_OR_FOLLOWER
    assert (await fetch_one(manager, "gone", 0)).error_code == ErrorCode.NOT_LEADER_OR_FOLLOWER
    assert (await fetch_one(manager, "nope", 0)).error_code == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    # KIP-392: a v11+ consumer may read from a follower replica.
    from_follower = FetchParams(fetch_only_leader=False)
    assert (await fetch_one(manager, "followed", 0, params=from_follower)).error_code == ErrorCode.NO_ERROR


async def test_diverging_epoch_is_reported_without_records(manager: ReplicaManager) -> None:
    first = image(topic("t", leader_epoch=1))
    manager.apply_metadata(EMPTY, first)
    await produce(manager, "t", [b"a", b"b"])
    manager.apply_metadata(first, image(topic("t", leader_epoch=3)))
    await produce(manager, "t", [b"c"])
    # The fetcher believes epoch 2 wrote up to offset 3; this log's epoch 1 ended at 2.
    result = await fetch_one(manager, "t", 3, last_fetched_epoch=2)
    assert result.diverging_epoch == (1, 2)
    assert result.records == b""
    fine = await fetch_one(manager, "t", 2, last_fetched_epoch=1)
    assert fine.diverging_epoch is None and offsets_of(fine.records) == [2]


async def test_long_poll_wakes_on_append(manager: ReplicaManager, autojump_clock: object) -> None:
    manager.apply_metadata(EMPTY, image(topic("t")))
    params = FetchParams(max_wait_ms=10_000, min_bytes=1)
    got: list[FetchPartitionResult] = []
    start = trio.current_time()

    async def poll() -> None:
        got.extend(await manager.fetch(params, [FetchPartition("t", 0, 0, 1 << 20)]))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll)
        await trio.sleep(1.5)
        assert got == []
        await produce(manager, "t", [b"hello"])
    assert trio.current_time() - start == pytest.approx(1.5)
    assert values_of(got[0].records) == [b"hello"]


async def test_long_poll_waits_for_min_bytes(manager: ReplicaManager, autojump_clock: object) -> None:
    manager.apply_metadata(EMPTY, image(topic("t", 2)))
    one = len(client_batch([b"v" * 100]))
    params = FetchParams(max_wait_ms=10_000, min_bytes=one * 2 + 1)
    got: list[FetchPartitionResult] = []
    start = trio.current_time()

    async def poll() -> None:
        got.extend(await manager.fetch(params, [FetchPartition("t", p, 0, 1 << 20) for p in range(2)]))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll)
        for partition in (0, 1, 0):
            await trio.sleep(1)
            assert got == []
            await produce(manager, "t", [b"v" * 100], partition)
    assert trio.current_time() - start == pytest.approx(3.0)
    assert [len(list(iter_batches(r.records))) for r in got] == [2, 1]


async def test_long_poll_times_out_empty(manager: ReplicaManager, autojump_clock: object) -> None:
    manager.apply_metadata(EMPTY, image(topic("t")))
    start = trio.current_time()
    result = await fetch_one(manager, "t", 0, params=FetchParams(max_wait_ms=2500, min_bytes=1))
    assert trio.current_time() - start == pytest.approx(2.5)
    assert (result.error_code, result.records, result.high_watermark) == (ErrorCode.NO_ERROR, b"", 0)


async def test_appends_to_other_partitions_do_not_wake_a_poll(
    manager: ReplicaManager, autojump_clock: object
) -> None:
    manager.apply_metadata(EMPTY, image(topic("t", 2)))
    start = trio.current_time()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(produce_later, manager)
        result = await fetch_one(manager, "t", 0, params=FetchParams(max_wait_ms=3000, min_bytes=1))
    assert trio.current_time() - start == pytest.approx(3.0)
    assert result.records == b""


async def produce_later(manager: ReplicaManager) -> None:
    await trio.sleep(1)
    await produce(manager, "t", [b"elsewhere"], partition=1)


async def test_long_poll_answers_when_leadership_moves(
    manager: ReplicaManager, autojump_clock: object
) -> None:
    first = image(topic("t", replicas=(NODE, 2)))
    manager.apply_metadata(EMPTY, first)
    got: list[FetchPartitionResult] = []

    async def poll() -> None:
        got.extend(await manager.fetch(FetchParams(max_wait_ms=60_000), [FetchPartition("t", 0, 0, 1 << 20)]))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll)
        await trio.sleep(1)
        manager.apply_metadata(first, image(topic("t", leader=2, leader_epoch=1, replicas=(NODE, 2))))
    assert trio.current_time() == pytest.approx(1.0)
    assert got[0].error_code == ErrorCode.NOT_LEADER_OR_FOLLOWER


async def test_long_poll_answers_when_the_topic_is_deleted(
    manager: ReplicaManager, autojump_clock: object
) -> None:
    first = image(topic("t"))
    manager.apply_metadata(EMPTY, first)
    got: list[FetchPartitionResult] = []

    async def poll() -> None:
        got.extend(await manager.fetch(FetchParams(max_wait_ms=60_000), [FetchPartition("t", 0, 0, 1 << 20)]))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll)
        await trio.sleep(1)
        manager.apply_metadata(first, image())
    assert got[0].error_code == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    assert manager.offsets("t", 0) is None


async def test_follower_fetch_reads_to_the_log_end(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t", replicas=(NODE, 2), isr=(NODE, 2))))
    await produce(manager, "t", [b"a"])
    consumer = await fetch_one(manager, "t", 0)
    assert (consumer.high_watermark, consumer.records) == (0, b"")
    follower = await fetch_one(manager, "t", 0, params=FetchParams(replica_id=2))
    assert values_of(follower.records) == [b"a"]
    stranger = await fetch_one(manager, "t", 0, params=FetchParams(replica_id=9))
    assert stranger.error_code == ErrorCode.NOT_LEADER_OR_FOLLOWER
