"""The transaction coordinator with a real replica manager, on trio's autojump clock.

No sockets: the coordinator appends ``__transaction_state`` records and markers through a real
``ReplicaManager`` over a temp log dir, and the test produces and fetches through the same manager
-- so commit, abort, fencing, timeouts and recovery are checked against what a consumer reads.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trio

from tests.replication.helpers import EMPTY, client_batch, image, topic
from wirekafka.config import BrokerConfig
from wirekafka.coordinator.txn.coordinator import TRANSACTION_STATE_TOPIC, TransactionCoordinator
from wirekafka.coordinator.txn.markers import MarkerWriter
from wirekafka.coordinator.txn.producer_ids import ProducerIdManager
from wirekafka.coordinator.txn.shard import InitProducerIdResult, TransactionConfig
from wirekafka.coordinator.txn.state import TransactionState
from wirekafka.metadata.image import MetadataImage
from wirekafka.protocol.errors import ErrorCode
from wirekafka.records.batch import iter_batches
from wirekafka.records.record import iter_records
from wirekafka.replication.operations import (
    AppendEntry,
    FetchParams,
    FetchPartition,
    IsolationLevel,
    ReplicaManagerError,
)
from wirekafka.replication.replica_manager import ReplicaManager

E = ErrorCode
S = TransactionState
TXN = "orders-app"
EPOCH_MS = 1_700_000_000_000
COMMITTED = FetchParams(isolation_level=IsolationLevel.READ_COMMITTED)
UNCOMMITTED = FetchParams()
IMAGE = image(topic("t", 2), topic(TRANSACTION_STATE_TOPIC, 1, leader_epoch=3))
CONFIG = TransactionConfig(
    transaction_max_timeout_ms=60_000,
    abort_timed_out_transactions_interval_ms=500,
    offsets_topic_partitions=1,
)


def values_of(records: bytes) -> list[bytes | None]:
    """The data records' values, as a consumer hands them out (control batches skipped)."""
    return [
        record.value
        for header in iter_batches(records)
        if not header.is_control
        for record in iter_records(header)
    ]


def now_ms() -> int:
    return EPOCH_MS + int(trio.current_time() * 1000)


class Blocks:
    """The controller's side: consecutive blocks of ten ids."""

    def __init__(self) -> None:
        self.next = 5000
        self.calls = 0

    async def __call__(self) -> tuple[int, int]:
        self.calls += 1
        first, self.next = self.next, self.next + 10
        return first, 10


class GatedMarkers(MarkerWriter):
    """Marker writes wait while ``gate`` is closed (to catch a transaction between its decision
    and its markers)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.open = trio.Event()
        self.open.set()

    async def write(self, topic: str, partition: int, **kwargs: Any) -> ErrorCode:
        await self.open.wait()
        return await super().write(topic, partition, **kwargs)


@asynccontextmanager
async def replica_manager(directory: Path) -> AsyncIterator[ReplicaManager]:
    manager = ReplicaManager(BrokerConfig({"log.dirs": str(directory), "node.id": "1"}), clock=now_ms)
    async with trio.open_nursery() as nursery:
        await nursery.start(manager.run)
        yield manager
        nursery.cancel_scope.cancel()


@asynccontextmanager
async def transaction_coordinator(
    manager: ReplicaManager, blocks: Blocks | None = None, log: Any = None
) -> AsyncIterator[TransactionCoordinator]:
    current: list[MetadataImage] = [IMAGE]
    markers = GatedMarkers(
        manager, node_id=1, metadata=lambda: current[0], group_coordinator=lambda: None, clock=now_ms
    )
    coordinator = TransactionCoordinator(
        CONFIG,
        log if log is not None else manager,
        clock=now_ms,
        partition_count=1,
        producer_ids=ProducerIdManager(blocks or Blocks()),
        markers=markers,
        coordinator_epoch=lambda index: 3,
        append_timeout_ms=1_000,
    )
    manager.add_leadership_listener(coordinator.on_leadership)
    manager.transaction_verifier = coordinator.verify_partition
    async with trio.open_nursery() as nursery:
        await nursery.start(coordinator.run)
        hosted = manager.partition(TRANSACTION_STATE_TOPIC, 0)
        if hosted is None:
            manager.apply_metadata(EMPTY, IMAGE)
        else:
            coordinator.on_leadership(TRANSACTION_STATE_TOPIC, 0, hosted.state.leader_epoch)
        await wait_for(lambda: coordinator.runtime.shard(0) is not None)
        yield coordinator
        nursery.cancel_scope.cancel()


async def wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    """Poll ``condition`` on the (virtual) clock: the coordinator offers no event to wait on."""
    for _ in range(int(seconds * 100)):
        if condition():
            return
        await trio.sleep(0.01)
    raise AssertionError(f"not true after {seconds} s")


def state_of(coordinator: TransactionCoordinator) -> TransactionState:
    shard = coordinator.runtime.shard(0)
    assert shard is not None
    return shard.transactions[TXN].state


async def produce(
    manager: ReplicaManager, partition: int, values: list[bytes], producer: tuple[int, int], sequence: int
) -> ErrorCode:
    batch = client_batch(
        values,
        producer_id=producer[0],
        producer_epoch=producer[1],
        base_sequence=sequence,
        transactional=True,
    )
    (result,) = await manager.append_records(
        [AppendEntry("t", partition, batch)], required_acks=-1, timeout_ms=1_000, transactional_id=TXN
    )
    return result.error_code


async def read(manager: ReplicaManager, partition: int, params: FetchParams = COMMITTED) -> Any:
    (result,) = await manager.fetch(params, [FetchPartition("t", partition, 0, 1 << 20)])
    return result


async def begin(coordinator: TransactionCoordinator, timeout_ms: int = 30_000) -> tuple[int, int]:
    result = await coordinator.init_producer_id(TXN, timeout_ms, None)
    assert result.error_code == E.NO_ERROR
    return result.producer_id, result.producer_epoch


async def test_commit_reaches_every_partition_and_read_committed_sees_it_whole(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    async with replica_manager(tmp_path) as manager, transaction_coordinator(manager) as coordinator:
        producer = await begin(coordinator)
        assert producer == (5000, 0)
        assert await coordinator.add_partitions(TXN, *producer, [("t", 0), ("t", 1)]) == E.NO_ERROR
        assert await produce(manager, 0, [b"a", b"b"], producer, 0) == E.NO_ERROR
        assert await produce(manager, 1, [b"c"], producer, 0) == E.NO_ERROR
        for partition in (0, 1):
            pending = await read(manager, partition)
            assert (pending.last_stable_offset, values_of(pending.records)) == (0, [])
        assert await coordinator.end_transaction(TXN, *producer, commit=True) == E.NO_ERROR
        await wait_for(lambda: state_of(coordinator) == S.COMPLETE_COMMIT)
        first, second = await read(manager, 0), await read(manager, 1)
        assert values_of(first.records) == [b"a", b"b"] and first.aborted_transactions == []
        assert values_of(second.records) == [b"c"]
        assert (first.last_stable_offset, second.last_stable_offset) == (3, 2), "past each marker"
        # the marker carries the coordinator epoch (the __transaction_state leader epoch)
        entry = manager.partition("t", 0).transactions.state.entry(producer[0])  # type: ignore[union-attr]
        assert entry is not None and entry.coordinator_epoch == 3


async def test_abort_is_hidden_from_read_committed_only(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    async with replica_manager(tmp_path) as manager, transaction_coordinator(manager) as coordinator:
        producer = await begin(coordinator)
        await coordinator.add_partitions(TXN, *producer, [("t", 0)])
        await produce(manager, 0, [b"x", b"y"], producer, 0)
        assert await coordinator.end_transaction(TXN, *producer, commit=False) == E.NO_ERROR
        await wait_for(lambda: state_of(coordinator) == S.COMPLETE_ABORT)
        committed = await read(manager, 0)
        assert committed.aborted_transactions == [(producer[0], 0)]
        assert committed.last_stable_offset == 3
        uncommitted = await read(manager, 0, UNCOMMITTED)
        assert uncommitted.aborted_transactions is None
        assert values_of(uncommitted.records) == [b"x", b"y"]


async def test_a_partition_never_added_cannot_take_transactional_data(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    """KIP-890 part 1: the leader asks the coordinator before a transaction opens on a partition."""
    async with replica_manager(tmp_path) as manager, transaction_coordinator(manager) as coordinator:
        producer = await begin(coordinator)
        await coordinator.add_partitions(TXN, *producer, [("t", 0)])
        assert await produce(manager, 1, [b"stray"], producer, 0) == E.INVALID_TXN_STATE
        assert await produce(manager, 0, [b"ok"], producer, 0) == E.NO_ERROR
        assert manager.offsets("t", 1)[2] == 0, "nothing was written to partition 1"


async def test_a_zombie_producer_is_fenced_by_a_new_instance(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    async with replica_manager(tmp_path) as manager, transaction_coordinator(manager) as coordinator:
        zombie = await begin(coordinator)
        await coordinator.add_partitions(TXN, *zombie, [("t", 0)])
        await produce(manager, 0, [b"zombie-1"], zombie, 0)
        # a new instance with the same transactional id: the open transaction is aborted first
        retry = await coordinator.init_producer_id(TXN, 30_000, None)
        assert retry == InitProducerIdResult(E.CONCURRENT_TRANSACTIONS)
        await wait_for(lambda: state_of(coordinator) == S.COMPLETE_ABORT)
        fresh = await begin(coordinator)
        assert fresh == (zombie[0], zombie[1] + 2)
        # the zombie is fenced everywhere: the partition (by the abort marker's epoch) and the coordinator
        assert await produce(manager, 0, [b"zombie-2"], zombie, 1) == E.INVALID_PRODUCER_EPOCH
        assert await coordinator.end_transaction(TXN, *zombie, commit=True) == E.PRODUCER_FENCED
        assert await coordinator.add_partitions(TXN, *zombie, [("t", 1)]) == E.PRODUCER_FENCED
        result = await read(manager, 0)
        assert result.aborted_transactions == [(zombie[0], 0)]
        assert values_of(result.records) == [b"zombie-1"], "the client drops it using the aborted list"


async def test_a_transaction_past_its_timeout_is_aborted(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    async with replica_manager(tmp_path) as manager, transaction_coordinator(manager) as coordinator:
        producer = await begin(coordinator, timeout_ms=2_000)
        await coordinator.add_partitions(TXN, *producer, [("t", 0)])
        await produce(manager, 0, [b"late"], producer, 0)
        started = trio.current_time()
        await wait_for(lambda: state_of(coordinator) == S.COMPLETE_ABORT)
        waited = trio.current_time() - started
        assert 2.0 <= waited <= 2.0 + 0.5 + 0.5, "within one check interval after the timeout"
        assert await coordinator.end_transaction(TXN, *producer, commit=True) == E.PRODUCER_FENCED
        assert await produce(manager, 0, [b"later"], producer, 1) == E.INVALID_PRODUCER_EPOCH
        result = await read(manager, 0)
        assert result.aborted_transactions == [(producer[0], 0)] and result.last_stable_offset == 2


async def test_a_decided_transaction_is_completed_after_a_coordinator_restart(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    """EndTxn was answered (PrepareCommit written) but the markers never went out: the next
    coordinator finds PrepareCommit in the log and finishes the job."""
    async with replica_manager(tmp_path) as manager:
        async with transaction_coordinator(manager) as first:
            producer = await begin(first)
            await first.add_partitions(TXN, *producer, [("t", 0), ("t", 1)])
            await produce(manager, 0, [b"p0"], producer, 0)
            await produce(manager, 1, [b"p1"], producer, 0)
            assert isinstance(first.markers, GatedMarkers)
            first.markers.open = trio.Event()  # the markers hang, then the coordinator goes away
            assert await first.end_transaction(TXN, *producer, commit=True) == E.NO_ERROR
            await trio.sleep(1)
            assert state_of(first) == S.PREPARE_COMMIT
            assert (await read(manager, 0)).last_stable_offset == 0
            first.runtime.unload(0)
        async with transaction_coordinator(manager) as second:
            await wait_for(lambda: state_of(second) == S.COMPLETE_COMMIT)
            assert values_of((await read(manager, 0)).records) == [b"p0"]
            assert values_of((await read(manager, 1)).records) == [b"p1"]


async def test_producer_ids_come_from_controller_blocks_and_are_never_reused(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    blocks = Blocks()
    async with replica_manager(tmp_path) as manager, transaction_coordinator(manager, blocks) as coordinator:
        idempotent = [await coordinator.init_producer_id(None, 0, None) for _ in range(25)]
        assert [r.producer_id for r in idempotent] == list(range(5000, 5025))
        assert all(r.producer_epoch == 0 and r.error_code == E.NO_ERROR for r in idempotent)
        assert blocks.calls == 3
        # KIP-360: an idempotent producer resuming with its id gets a new one (Kafka ignores it)
        resumed = await coordinator.init_producer_id(None, 0, (5000, 0))
        assert resumed.producer_id == 5025


@pytest.mark.parametrize("timeout_ms", [0, 60_001])
async def test_transaction_timeout_above_the_maximum_is_refused(
    tmp_path: Path, autojump_clock: trio.testing.MockClock, timeout_ms: int
) -> None:
    async with replica_manager(tmp_path) as manager, transaction_coordinator(manager) as coordinator:
        result = await coordinator.init_producer_id(TXN, timeout_ms, None)
        assert result == InitProducerIdResult(E.INVALID_TRANSACTION_TIMEOUT)


class FailingStateLog:
    """The replica manager, except that the next ``__transaction_state`` append hangs for a second
    and then fails, as an append that cannot reach ``min.insync.replicas`` does."""

    def __init__(self, manager: ReplicaManager) -> None:
        self.manager = manager
        self.fail_next = False

    async def append_internal(
        self, topic: str, partition: int, batches: bytes, **kwargs: Any
    ) -> tuple[int, int]:
        if topic == TRANSACTION_STATE_TOPIC and self.fail_next:
            self.fail_next = False
            await trio.sleep(1)
            raise ReplicaManagerError(E.NOT_ENOUGH_REPLICAS, "not enough replicas")
        result: tuple[int, int] = await self.manager.append_internal(topic, partition, batches, **kwargs)
        return result

    def read_internal(self, *args: Any, **kwargs: Any) -> Any:
        return self.manager.read_internal(*args, **kwargs)

    def offsets(self, *args: Any) -> Any:
        return self.manager.offsets(*args)


async def test_no_marker_is_written_for_a_decision_that_failed_to_be_logged(
    tmp_path: Path, autojump_clock: trio.testing.MockClock
) -> None:
    """EndTxn changes the shard before its PrepareCommit record is appended; if that append fails
    the decision never happened, so no COMMIT marker may reach the partitions meanwhile."""
    async with replica_manager(tmp_path) as manager:
        log = FailingStateLog(manager)
        async with transaction_coordinator(manager, log=log) as coordinator:
            producer = await begin(coordinator)
            await coordinator.add_partitions(TXN, *producer, [("t", 0)])
            await produce(manager, 0, [b"undecided"], producer, 0)
            log.fail_next = True
            assert (
                await coordinator.end_transaction(TXN, *producer, commit=True) == E.COORDINATOR_NOT_AVAILABLE
            )
            await wait_for(lambda: coordinator.runtime.shard(0) is not None)
            await trio.sleep(2)
            assert state_of(coordinator) == S.ONGOING, "reloaded from the log: still undecided"
            pending = await read(manager, 0)
            assert pending.last_stable_offset == 0 and manager.offsets("t", 0)[2] == 1, "no marker written"
            # the client, told the commit failed, aborts: nothing ever becomes visible
            assert await coordinator.end_transaction(TXN, *producer, commit=False) == E.NO_ERROR
            await wait_for(lambda: state_of(coordinator) == S.COMPLETE_ABORT)
            result = await read(manager, 0)
            assert result.aborted_transactions == [(producer[0], 0)]
