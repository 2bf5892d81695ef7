"""The trio shell of a coordinator: operation -> records -> append -> reply, per internal partition.

ARCHITECTURE.md principle 5, Kafka's ``CoordinatorRuntime``. A coordinator keeps one pure shard
per partition of its internal topic (``__consumer_offsets`` for groups) that this node leads. The
runtime:

1. **loads** a shard when the replica manager says this node leads the partition: it reads the
   partition from its start, replays every record (transactional ones wait for their marker), then
   calls ``on_loaded``. Until then operations fail with COORDINATOR_LOAD_IN_PROGRESS; partitions
   this node does not lead fail with NOT_COORDINATOR.
2. **serialises** operations per partition (a ``trio.Lock``): an operation runs against the shard,
   the records it returns are appended as one batch, and only then are its response and the
   replies to parked requests (JoinGroup, SyncGroup) released. Nothing else touches the shard
   between the operation and its append, so the shard never holds state the log does not.
3. **drives time**: a task per partition sleeps until the shard's next deadline (session and
   rebalance timeouts, delayed joins, offset expiry) and runs the due timers as an operation.
4. **recovers** from a failed append by answering every parked request with the mapped error and
   reloading the partition from the log, which undoes whatever the failed operation changed.

The runtime knows nothing about groups: a shard is anything with the ``Shard`` methods, records
anything with ``encode()``, so the transaction coordinator can use it as well.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, Protocol, TypeVar

import trio

from wirekafka.protocol.errors import DecodeError, ErrorCode
from wirekafka.records.batch import NO_SEQUENCE, BatchHeader, iter_batches
from wirekafka.records.builder import build_batch
from wirekafka.records.control import ControlType, build_end_txn_marker, parse_control_record
from wirekafka.records.record import Record, iter_records

logger = logging.getLogger("wirekafka.coordinator")

NO_PRODUCER_ID = -1
_LOAD_CHUNK_BYTES = 4 * 1024 * 1024


class ResultLike(Protocol):
    """What an operation returns (``wirekafka.coordinator.group.result.Result`` is one).

    Optional attributes: ``producer_id``/``producer_epoch`` (when >= 0) make the records one
    transactional batch; ``end_transaction`` (producer id, epoch, coordinator epoch, committed)
    asks for a control marker instead of records.
    """

    records: list[Any]
    response: Any
    replies: list[Any]


class Shard(Protocol):
    """The pure state machine of one internal partition."""

    next_offset: int

    def replay(self, record: Any, offset: int = ..., producer_id: int = ...) -> None: ...

    def replay_end_transaction(self, producer_id: int, committed: bool) -> None: ...

    def on_loaded(self, now_ms: int) -> Any: ...

    def on_unloaded(self) -> list[Any]: ...

    def next_deadline(self) -> int | None: ...

    def expire_timers(self, now_ms: int) -> Any: ...


class InternalLog(Protocol):
    """The replica manager's side: append to and read from internal partitions, leadership news."""

    async def append_internal(
        self, topic: str, partition: int, batches: bytes, *, required_acks: int = -1, timeout_ms: int = 30_000
    ) -> tuple[int, int]: ...

    def read_internal(
        self, topic: str, partition: int, fetch_offset: int, *, max_bytes: int = ...
    ) -> Any: ...

    def offsets(self, topic: str, partition: int) -> tuple[int, int, int] | None: ...


S = TypeVar("S", bound=Shard)
T = TypeVar("T")


class CoordinatorError(Exception):
    """The operation could not run here; the caller answers with ``error_code``."""

    def __init__(self, error_code: int, message: str = "") -> None:
        self.error_code = error_code
        super().__init__(message or ErrorCode(error_code).name)


class PartitionNotHosted(CoordinatorError):
    """The coordinator's partition is no longer on this broker's log (NOT_COORDINATOR)."""


def append_error_to_response_error(error: int) -> int:
    """Kafka's ``appendGroupMetadataErrorToResponseError``: what clients can act upon."""
    if error in (
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        ErrorCode.NOT_ENOUGH_REPLICAS,
        ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        ErrorCode.REQUEST_TIMED_OUT,
    ):
        return ErrorCode.COORDINATOR_NOT_AVAILABLE
    if error in (ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.KAFKA_STORAGE_ERROR):
        return ErrorCode.NOT_COORDINATOR
    if error in (ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.RECORD_LIST_TOO_LARGE, ErrorCode.INVALID_FETCH_SIZE):
        return ErrorCode.UNKNOWN_SERVER_ERROR
    return error


def _record_count(result: Any) -> int:
    """Offsets the result's batch takes: one for a transaction marker, else one per record."""
    if getattr(result, "end_transaction", None) is not None:
        return 1
    return len(result.records)


class Status(Enum):
    LOADING = "loading"
    ACTIVE = "active"
    CLOSED = "closed"


@dataclass(slots=True, eq=False)
class _Waiter:
    """A handler parked until a reply names its token."""

    error_response: Callable[[int], Any]
    done: trio.Event = field(default_factory=trio.Event)
    response: Any = None

    def resolve(self, response: Any) -> None:
        if not self.done.is_set():
            self.response = response
            self.done.set()


@dataclass(slots=True, eq=False)
class _Partition(Generic[S]):
    index: int
    leader_epoch: int
    shard: S
    status: Status = Status.LOADING
    lock: trio.Lock = field(default_factory=trio.Lock)
    waiters: dict[int, _Waiter] = field(default_factory=dict)
    wakeup: trio.Event = field(default_factory=trio.Event)
    loaded: trio.Event = field(default_factory=trio.Event)
    scope: trio.CancelScope = field(default_factory=trio.CancelScope)


class CoordinatorRuntime(Generic[S]):
    """Runs the shards of one internal topic on this node. Start with ``nursery.start(run)``."""

    def __init__(
        self,
        *,
        topic: str,
        log: InternalLog,
        shard_factory: Callable[[int], S],
        decode: Callable[[bytes | None, bytes | None], Any],
        clock: Callable[[], int],
        append_timeout_ms: int = 5_000,
    ) -> None:
        self.topic = topic
        self.log = log
        self._shard_factory = shard_factory
        self._decode = decode
        self._clock = clock
        self._append_timeout_ms = append_timeout_ms
        self._partitions: dict[int, _Partition[S]] = {}
        self._tokens = itertools.count(1)
        self._nursery: trio.Nursery | None = None
        #: Leadership news that arrived before ``run`` started: partition -> leader epoch.
        self._pending_loads: dict[int, int] = {}

    # -- lifecycle --------------------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Own the loading and timer tasks until cancelled; then unload everything."""
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                pending, self._pending_loads = self._pending_loads, {}
                for index, leader_epoch in pending.items():
                    self.load(index, leader_epoch)
                task_status.started()
                await trio.sleep_forever()
        finally:
            self._nursery = None
            for index in list(self._partitions):
                self.unload(index)

    def on_leadership(self, topic: str, partition: int, leader_epoch: int | None) -> None:
        """The replica manager's leadership listener: load what this node now leads, drop the rest."""
        if topic != self.topic:
            return
        if leader_epoch is None:
            self.unload(partition)
        else:
            self.load(partition, leader_epoch)

    def load(self, index: int, leader_epoch: int) -> None:
        """Start loading ``index`` (again, for a new leader epoch)."""
        current = self._partitions.get(index)
        if current is not None:
            if current.leader_epoch == leader_epoch and current.status is not Status.CLOSED:
                return
            self.unload(index)
        if self._nursery is None:
            self._pending_loads[index] = leader_epoch
            return
        partition: _Partition[S] = _Partition(index, leader_epoch, self._shard_factory(index))
        self._partitions[index] = partition
        self._nursery.start_soon(self._serve_partition, partition, name=f"coordinator {self.topic}-{index}")

    def unload(self, index: int) -> None:
        """Stop serving ``index``: parked requests get NOT_COORDINATOR, timers stop."""
        self._pending_loads.pop(index, None)
        partition = self._partitions.pop(index, None)
        if partition is None:
            return
        was_active = partition.status is Status.ACTIVE
        partition.status = Status.CLOSED
        partition.scope.cancel()
        if was_active:
            self._deliver(partition, partition.shard.on_unloaded())
        self._fail_waiters(partition, ErrorCode.NOT_COORDINATOR)

    def status(self, index: int) -> Status | None:
        partition = self._partitions.get(index)
        return None if partition is None else partition.status

    async def wait_active(self, index: int) -> None:
        """Wait until ``index`` has loaded (again, after a reload).

        Raises:
            CoordinatorError: NOT_COORDINATOR when this node does not lead the partition.
        """
        while True:
            partition = self._partitions.get(index)
            if partition is None or partition.status is Status.CLOSED:
                raise CoordinatorError(ErrorCode.NOT_COORDINATOR)
            if partition.status is Status.ACTIVE:
                return
            await partition.loaded.wait()

    def active_partitions(self) -> list[int]:
        return sorted(i for i, p in self._partitions.items() if p.status is Status.ACTIVE)

    def loading_partitions(self) -> list[int]:
        return sorted(i for i, p in self._partitions.items() if p.status is Status.LOADING)

    def shard(self, index: int) -> S | None:
        """The shard of an active partition (tests and tools; operations go through ``write``)."""
        partition = self._partitions.get(index)
        return partition.shard if partition is not None and partition.status is Status.ACTIVE else None

    # -- operations -------------------------------------------------------------------------------

    async def write(self, index: int, operation: Callable[[S, int], Any]) -> Any:
        """Run ``operation(shard, now_ms)``, append its records, then return its response.

        Raises:
            CoordinatorError: NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, or the (mapped) error
                of a failed append.
        """
        partition = self._active(index)
        async with partition.lock:
            self._check_still_active(partition)
            result = operation(partition.shard, self._clock())
            await self._commit(partition, result)
            return result.response

    async def write_parked(
        self,
        index: int,
        operation: Callable[[S, int, int], Any],
        error_response: Callable[[int], Any],
    ) -> Any:
        """Run ``operation(shard, reply_to, now_ms)`` and wait for the reply naming ``reply_to``.

        For requests the protocol parks (JoinGroup, SyncGroup): the reply may come from this
        operation or from a later one (another member joining, a timer). ``error_response``
        builds the answer if the partition goes away or an append fails first.
        """
        partition = self._active(index)
        token = next(self._tokens)
        waiter = _Waiter(error_response)
        partition.waiters[token] = waiter
        try:
            async with partition.lock:
                self._check_still_active(partition)
                result = operation(partition.shard, token, self._clock())
                await self._commit(partition, result)
            await waiter.done.wait()
            return waiter.response
        finally:
            partition.waiters.pop(token, None)

    async def read(self, index: int, operation: Callable[[S], T]) -> T:
        """Run a read-only ``operation(shard)`` after any operation in flight on the partition."""
        partition = self._active(index)
        async with partition.lock:
            self._check_still_active(partition)
            return operation(partition.shard)

    def _active(self, index: int) -> _Partition[S]:
        partition = self._partitions.get(index)
        if partition is None or partition.status is Status.CLOSED:
            raise CoordinatorError(ErrorCode.NOT_COORDINATOR)
        if partition.status is Status.LOADING:
            raise CoordinatorError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
        return partition

    def _check_still_active(self, partition: _Partition[S]) -> None:
        if self._partitions.get(partition.index) is not partition or partition.status is not Status.ACTIVE:
            raise CoordinatorError(ErrorCode.NOT_COORDINATOR)

    async def _commit(self, partition: _Partition[S], result: Any) -> None:
        """Append the result's records (if any), then release its replies; reload on failure."""
        count = _record_count(result)
        if count:
            first_offset = partition.shard.next_offset - count
            batch = self._batch(result, self._clock())
            try:
                base, _ = await self.log.append_internal(
                    self.topic, partition.index, batch, required_acks=-1, timeout_ms=self._append_timeout_ms
                )
            except Exception as exc:
                error = append_error_to_response_error(
                    getattr(exc, "error_code", ErrorCode.UNKNOWN_SERVER_ERROR)
                )
                logger.warning("append to %s-%d failed (%s); reloading", self.topic, partition.index, exc)
                self._restart(partition, error)
                raise CoordinatorError(error, str(exc)) from None
            if base != first_offset:
                # Someone else wrote to the partition: the shard's offsets are off; start over.
                logger.warning(
                    "%s-%d: appended at %d, expected %d; reloading",
                    self.topic,
                    partition.index,
                    base,
                    first_offset,
                )
                self._deliver(partition, result.replies)
                self._restart(partition, ErrorCode.NOT_COORDINATOR)
                return
        self._deliver(partition, result.replies)
        partition.wakeup.set()

    def _batch(self, result: Any, now_ms: int) -> bytes:
        end = getattr(result, "end_transaction", None)
        if end is not None:
            return build_end_txn_marker(
                ControlType.COMMIT if end.committed else ControlType.ABORT,
                producer_id=end.producer_id,
                producer_epoch=end.producer_epoch,
                coordinator_epoch=end.coordinator_epoch,
                timestamp_ms=now_ms,
            )
        encoded = []
        for offset, record in enumerate(result.records):
            key, value = record.encode()
            encoded.append(Record(offset=offset, timestamp=now_ms, key=key, value=value))
        producer_id = getattr(result, "producer_id", NO_PRODUCER_ID)
        if producer_id >= 0:
            return build_batch(
                encoded,
                producer_id=producer_id,
                producer_epoch=result.producer_epoch,
                base_sequence=NO_SEQUENCE,
                is_transactional=True,
            )
        return build_batch(encoded)

    def _deliver(self, partition: _Partition[S], replies: list[Any]) -> None:
        for reply in replies:
            waiter = partition.waiters.get(reply.to)
            if waiter is not None:
                waiter.resolve(reply.response)

    def _fail_waiters(self, partition: _Partition[S], error: int) -> None:
        for waiter in list(partition.waiters.values()):
            waiter.resolve(waiter.error_response(error))

    def _restart(self, partition: _Partition[S], error: int) -> None:
        """Drop the partition's state and load it again from the log (if still leader)."""
        epoch = partition.leader_epoch
        self._partitions.pop(partition.index, None)
        partition.status = Status.CLOSED
        partition.scope.cancel()
        self._fail_waiters(partition, error)
        if self._nursery is not None:
            self.load(partition.index, epoch)

    # -- per-partition tasks ----------------------------------------------------------------------

    async def _serve_partition(self, partition: _Partition[S]) -> None:
        with partition.scope:
            try:
                await self._load(partition)
            except PartitionNotHosted as exc:
                # The partition left this broker before its load began: a shutdown, a deleted
                # topic or a new leader, right after it became ours. Expected, not a fault.
                logger.info("not loading %s-%d: %s", self.topic, partition.index, exc)
                self._abandon(partition)
                return
            except Exception:
                logger.exception("loading %s-%d failed", self.topic, partition.index)
                self._abandon(partition)
                return
            await self._drive_timers(partition)

    def _abandon(self, partition: _Partition[S]) -> None:
        """Forget a partition whose load did not complete; its waiters get NOT_COORDINATOR."""
        if self._partitions.get(partition.index) is partition:
            self._partitions.pop(partition.index)
            partition.status = Status.CLOSED
            self._fail_waiters(partition, ErrorCode.NOT_COORDINATOR)

    async def _load(self, partition: _Partition[S]) -> None:
        shard = partition.shard
        offsets = self.log.offsets(self.topic, partition.index)
        if offsets is None:
            raise PartitionNotHosted(
                ErrorCode.NOT_COORDINATOR, f"{self.topic}-{partition.index} is not hosted here"
            )
        position, _, end = offsets
        count = 0
        while position < end:
            read = self.log.read_internal(self.topic, partition.index, position, max_bytes=_LOAD_CHUNK_BYTES)
            if read.next_offset <= position:
                break
            for header in iter_batches(read.records):
                count += self._replay_batch(shard, header)
            position = read.next_offset
            end = read.log_end_offset
            await trio.lowlevel.checkpoint()  # a long log must not stall the event loop
        shard.next_offset = end
        async with partition.lock:
            partition.status = Status.ACTIVE
            partition.loaded.set()
            result = shard.on_loaded(self._clock())
            await self._commit(partition, result)
        logger.info("loaded %s-%d: %d records up to offset %d", self.topic, partition.index, count, end)

    def _replay_batch(self, shard: S, header: BatchHeader) -> int:
        producer_id = header.producer_id if header.is_transactional else NO_PRODUCER_ID
        count = 0
        for record in iter_records(header):
            if header.is_control:
                marker = parse_control_record(record)
                if marker.control_type in (ControlType.COMMIT, ControlType.ABORT):
                    shard.replay_end_transaction(
                        header.producer_id, marker.control_type == ControlType.COMMIT
                    )
                continue
            if record.key is None:
                continue
            try:
                decoded = self._decode(record.key, record.value)
            except DecodeError as exc:
                logger.debug("skipping record at %d of %s: %s", record.offset, self.topic, exc)
                continue
            shard.replay(decoded, record.offset, producer_id)
            count += 1
        return count

    async def _drive_timers(self, partition: _Partition[S]) -> None:
        while True:
            deadline = partition.shard.next_deadline()
            now = self._clock()
            if deadline is not None and deadline <= now:
                async with partition.lock:
                    self._check_still_active(partition)
                    result = partition.shard.expire_timers(self._clock())
                    try:
                        await self._commit(partition, result)
                    except CoordinatorError:
                        return  # the partition is being reloaded
                continue
            wait_seconds = math.inf if deadline is None else (deadline - now) / 1000
            with trio.move_on_after(wait_seconds):
                await partition.wakeup.wait()
            partition.wakeup = trio.Event()

    def statistics(self) -> dict[str, int]:
        return {
            "active_partitions": len(self.active_partitions()),
            "loading_partitions": len(self.loading_partitions()),
            "parked_requests": sum(len(p.waiters) for p in self._partitions.values()),
        }
