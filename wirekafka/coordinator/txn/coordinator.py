"""The transaction coordinator component: requests -> shard operations, markers, completion.

Kafka's ``TransactionCoordinator`` service around the pure :mod:`.shard`. A transactional id
hashes to one ``__transaction_state`` partition; the node leading it coordinates the id. Each
request runs as one operation through the shared :class:`~wirekafka.coordinator.runtime.CoordinatorRuntime`
(serialised per partition; the response is released once its record is written), which also
loads a partition by replaying it when this node starts leading it.

Between EndTxn (or a fencing InitProducerId, or a timeout) and the next operation on the id, the
transaction sits in PrepareCommit / PrepareAbort: a background task here finds those
(:meth:`TransactionCoordinatorShard.pending_completions`, after a load too), writes the markers
with :class:`~.markers.MarkerWriter` (retrying what can be retried), then writes
CompleteCommit / CompleteAbort. The coordinator epoch in the markers is the leader epoch of the
``__transaction_state`` partition, as in Kafka.

KIP-890 part 1: :meth:`TransactionCoordinator.verify_partition` answers the replica manager's
"is this partition in the producer's transaction?" before a transactional batch opens a
transaction on a partition.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import trio

from wirekafka.coordinator.group.partitioner import partition_for
from wirekafka.coordinator.runtime import CoordinatorError, CoordinatorRuntime, InternalLog
from wirekafka.coordinator.txn.markers import MarkerWriter, marker_outcome
from wirekafka.coordinator.txn.producer_ids import ProducerIdManager
from wirekafka.coordinator.txn.records import decode_record
from wirekafka.coordinator.txn.shard import (
    DescribedTransaction,
    InitProducerIdResult,
    ListedTransaction,
    ProducerIdUnavailableError,
    TransactionConfig,
    TransactionCoordinatorShard,
    TxnResult,
)
from wirekafka.coordinator.txn.state import TopicPartition, TransactionMetadata, TransactionState
from wirekafka.protocol.errors import ErrorCode

if TYPE_CHECKING:
    from wirekafka.broker.broker import Broker
    from wirekafka.config import BrokerConfig

__all__ = [
    "TRANSACTION_STATE_TOPIC",
    "TransactionCoordinator",
    "build_transaction_coordinator",
    "transaction_config",
    "verification_error_for_produce",
]

logger = logging.getLogger("wirekafka.coordinator.txn")

TRANSACTION_STATE_TOPIC = "__transaction_state"
COMPLETION_POLL_MS = 200
"""How often the completion task looks for decided transactions besides being woken."""
MARKER_RETRY_BACKOFF_MS = 100


def _setting(config: BrokerConfig, name: str, default: int) -> int:
    try:
        return int(config[name])
    except KeyError:
        return default


def transaction_config(config: BrokerConfig) -> TransactionConfig:
    """The coordinator's settings from the broker config (Kafka's names and defaults)."""
    return TransactionConfig(
        transaction_max_timeout_ms=_setting(config, "transaction.max.timeout.ms", 900_000),
        transactional_id_expiration_ms=_setting(config, "transactional.id.expiration.ms", 604_800_000),
        abort_timed_out_transactions_interval_ms=_setting(
            config, "transaction.abort.timed.out.transaction.cleanup.interval.ms", 10_000
        ),
        remove_expired_transactional_ids_interval_ms=_setting(
            config, "transaction.remove.expired.transaction.cleanup.interval.ms", 3_600_000
        ),
        offsets_topic_partitions=_setting(config, "offsets.topic.num.partitions", 50),
    )


_RETRIABLE_VERIFICATION = frozenset(
    {
        ErrorCode.CONCURRENT_TRANSACTIONS,
        ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
        ErrorCode.COORDINATOR_NOT_AVAILABLE,
        ErrorCode.NOT_COORDINATOR,
        ErrorCode.NETWORK_EXCEPTION,
    }
)


def verification_error_for_produce(error: ErrorCode) -> ErrorCode:
    """What a failed verification turns into in a Produce response (Kafka's ``ReplicaManager`` and
    ``AddPartitionsToTxnManager``): retriable coordinator errors become NOT_ENOUGH_REPLICAS (the
    producer retries without a metadata refresh), PRODUCER_FENCED the produce path's
    INVALID_PRODUCER_EPOCH, a partition not in the transaction INVALID_TXN_STATE."""
    if error in _RETRIABLE_VERIFICATION:
        return ErrorCode.NOT_ENOUGH_REPLICAS
    if error == ErrorCode.PRODUCER_FENCED:
        return ErrorCode.INVALID_PRODUCER_EPOCH
    if error == ErrorCode.TRANSACTION_ABORTABLE:
        return ErrorCode.INVALID_TXN_STATE
    return error


class TransactionCoordinator:
    """Every transaction API for the transactional ids whose partition this node leads."""

    def __init__(
        self,
        config: TransactionConfig,
        log: InternalLog,
        *,
        clock: Callable[[], int],
        partition_count: int,
        producer_ids: ProducerIdManager,
        markers: MarkerWriter,
        coordinator_epoch: Callable[[int], int],
        append_timeout_ms: int = 30_000,
    ) -> None:
        self.config = config
        self.partition_count = partition_count
        self.producer_ids = producer_ids
        self.markers = markers
        self._clock = clock
        self._coordinator_epoch = coordinator_epoch
        self.runtime: CoordinatorRuntime[TransactionCoordinatorShard] = CoordinatorRuntime(
            topic=TRANSACTION_STATE_TOPIC,
            log=log,
            shard_factory=self._new_shard,
            decode=decode_record,
            clock=clock,
            append_timeout_ms=append_timeout_ms,
        )
        self._completing: set[tuple[int, str, int, int]] = set()
        self._wakeup = trio.Event()
        self._nursery: trio.Nursery | None = None

    def _new_shard(self, index: int) -> TransactionCoordinatorShard:
        return TransactionCoordinatorShard(self.config, allocate_producer_id=self.producer_ids.next_nowait)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            await nursery.start(self.runtime.run)
            nursery.start_soon(self._complete_decided_transactions)
            task_status.started()

    def partition_for(self, transactional_id: str) -> int:
        return partition_for(transactional_id, self.partition_count)

    def on_leadership(self, topic: str, partition: int, leader_epoch: int | None) -> None:
        self.runtime.on_leadership(topic, partition, leader_epoch)
        self._wakeup.set()

    # ---- requests ----------------------------------------------------------------------------

    async def init_producer_id(
        self, transactional_id: str | None, transaction_timeout_ms: int, expected: tuple[int, int] | None
    ) -> InitProducerIdResult:
        """InitProducerId. Without a transactional id: a fresh producer id at epoch 0 (Kafka
        ignores a given id and epoch then: an idempotent producer bumps its epoch itself)."""
        try:
            if transactional_id is None:
                return InitProducerIdResult(ErrorCode.NO_ERROR, await self.producer_ids.next(), 0)
            if transactional_id:
                await self.producer_ids.ensure()
        except ProducerIdUnavailableError as error:
            return InitProducerIdResult(error.error_code)

        def operation(shard: TransactionCoordinatorShard, now_ms: int) -> Any:
            return shard.init_producer_id(transactional_id or "", transaction_timeout_ms, expected, now_ms)

        if not transactional_id:
            return InitProducerIdResult(ErrorCode.INVALID_REQUEST)
        try:
            result: InitProducerIdResult = await self.runtime.write(
                self.partition_for(transactional_id), operation
            )
        except CoordinatorError as error:
            return InitProducerIdResult(ErrorCode(error.error_code))
        self._wakeup.set()
        return result

    async def add_partitions(
        self,
        transactional_id: str,
        producer_id: int,
        producer_epoch: int,
        partitions: Iterable[TopicPartition],
    ) -> ErrorCode:
        wanted = list(partitions)

        def operation(shard: TransactionCoordinatorShard, now_ms: int) -> Any:
            return shard.add_partitions(transactional_id, producer_id, producer_epoch, wanted, now_ms)

        return await self._write_error(transactional_id, operation)

    async def add_offsets(
        self, transactional_id: str, producer_id: int, producer_epoch: int, group_id: str
    ) -> ErrorCode:
        def operation(shard: TransactionCoordinatorShard, now_ms: int) -> Any:
            return shard.add_offsets(transactional_id, producer_id, producer_epoch, group_id, now_ms)

        return await self._write_error(transactional_id, operation)

    async def end_transaction(
        self, transactional_id: str, producer_id: int, producer_epoch: int, commit: bool
    ) -> ErrorCode:
        def operation(shard: TransactionCoordinatorShard, now_ms: int) -> Any:
            return shard.end_transaction(transactional_id, producer_id, producer_epoch, commit, now_ms)

        error = await self._write_error(transactional_id, operation)
        self._wakeup.set()
        return error

    async def _write_error(self, transactional_id: str, operation: Callable[[Any, int], Any]) -> ErrorCode:
        if not transactional_id:
            return ErrorCode.INVALID_REQUEST
        try:
            return ErrorCode(await self.runtime.write(self.partition_for(transactional_id), operation))
        except CoordinatorError as error:
            return ErrorCode(error.error_code)

    async def verify_partitions(
        self, transactional_id: str, producer_id: int, producer_epoch: int, partitions: list[TopicPartition]
    ) -> dict[TopicPartition, ErrorCode]:
        """AddPartitionsToTxn ``verify_only``: whether each partition is in the transaction."""
        if not transactional_id:
            return dict.fromkeys(partitions, ErrorCode.INVALID_REQUEST)
        try:
            return await self.runtime.read(
                self.partition_for(transactional_id),
                lambda shard: shard.verify_partitions(
                    transactional_id, producer_id, producer_epoch, partitions
                ),
            )
        except CoordinatorError as error:
            return dict.fromkeys(partitions, ErrorCode(error.error_code))

    async def verify_partition(
        self, transactional_id: str, producer_id: int, producer_epoch: int, topic: str, partition: int
    ) -> ErrorCode:
        """The replica manager's KIP-890 hook: the Produce error for a transactional batch that
        would open a transaction on ``topic``-``partition`` (NO_ERROR: go ahead)."""
        answer = await self.verify_partitions(
            transactional_id, producer_id, producer_epoch, [(topic, partition)]
        )
        return verification_error_for_produce(answer[(topic, partition)])

    async def describe(self, transactional_ids: list[str]) -> list[DescribedTransaction]:
        described = []
        for transactional_id in transactional_ids:
            if not transactional_id:
                described.append(DescribedTransaction(transactional_id, ErrorCode.INVALID_REQUEST))
                continue
            try:
                described.append(
                    await self.runtime.read(self.partition_for(transactional_id), _describe(transactional_id))
                )
            except CoordinatorError as error:
                described.append(DescribedTransaction(transactional_id, ErrorCode(error.error_code)))
        return described

    async def list_transactions(
        self,
        states: frozenset[TransactionState] | None,
        producer_ids: frozenset[int] | None,
        duration_ms: int,
    ) -> tuple[ErrorCode, list[ListedTransaction]]:
        """ListTransactions over every partition this node coordinates (Kafka answers
        COORDINATOR_LOAD_IN_PROGRESS while one is loading)."""
        if self.runtime.loading_partitions():
            return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, []
        found: list[ListedTransaction] = []
        now = self._clock()
        for index in self.runtime.active_partitions():
            try:
                found += await self.runtime.read(
                    index, lambda shard: shard.list_transactions(states, producer_ids, duration_ms, now)
                )
            except CoordinatorError:
                continue
        return ErrorCode.NO_ERROR, sorted(found, key=lambda t: t.transactional_id)

    # ---- markers and completion ----------------------------------------------------------------

    async def _complete_decided_transactions(self) -> None:
        """Find PrepareCommit / PrepareAbort transactions and complete each in its own task.

        The shard is read under the partition's lock (``runtime.read``): an operation changes the
        shard before its record is appended, so only with no write in flight is a Prepare* state
        known to be in the log. Markers for a decision that might still fail to be written would
        commit data the coordinator then forgets it decided.
        """
        while True:
            assert self._nursery is not None
            for index in self.runtime.active_partitions():
                try:
                    decided = await self.runtime.read(index, _pending_completions)
                except CoordinatorError:
                    continue
                for metadata in decided:
                    key = (index, metadata.transactional_id, metadata.producer_id, metadata.producer_epoch)
                    if key not in self._completing:
                        self._completing.add(key)
                        self._nursery.start_soon(self._complete, index, metadata, key)
            with trio.move_on_after(COMPLETION_POLL_MS / 1000):
                await self._wakeup.wait()
            self._wakeup = trio.Event()

    async def _complete(
        self, index: int, metadata: TransactionMetadata, key: tuple[int, str, int, int]
    ) -> None:
        try:
            if await self._write_markers(index, metadata):
                await self.runtime.write(
                    index,
                    lambda shard, now_ms: shard.complete_transaction(
                        metadata.transactional_id, metadata.producer_id, metadata.producer_epoch, now_ms
                    ),
                )
        except CoordinatorError as error:
            logger.info(
                "completing %s stopped: %s", metadata.transactional_id, ErrorCode(error.error_code).name
            )
        finally:
            self._completing.discard(key)
            self._wakeup.set()

    async def _write_markers(self, index: int, metadata: TransactionMetadata) -> bool:
        """Every partition's marker, retrying what can be retried; False when a newer epoch owns
        a partition (the transaction is not completed, as in Kafka)."""
        committed = metadata.state == TransactionState.PREPARE_COMMIT
        remaining = set(metadata.partitions)
        while remaining:
            if self.runtime.shard(index) is None:
                raise CoordinatorError(ErrorCode.NOT_COORDINATOR)
            coordinator_epoch = self._coordinator_epoch(index)
            dropped: list[TopicPartition] = []
            for topic, partition in sorted(remaining):
                error = await self.markers.write(
                    topic,
                    partition,
                    producer_id=metadata.producer_id,
                    producer_epoch=metadata.producer_epoch,
                    coordinator_epoch=coordinator_epoch,
                    committed=committed,
                )
                outcome = marker_outcome(error, self.markers.topic_exists(topic))
                if outcome == "give_up":
                    logger.warning(
                        "marker for %s-%d of %s refused (%s): not completing",
                        topic,
                        partition,
                        metadata.transactional_id,
                        error.name,
                    )
                    return False
                if outcome in ("done", "drop"):
                    remaining.discard((topic, partition))
                    if outcome == "drop":
                        dropped.append((topic, partition))
            if dropped:
                await self.runtime.write(index, _removing(metadata, dropped))
            if remaining:
                await trio.sleep(MARKER_RETRY_BACKOFF_MS / 1000)
        return True

    def statistics(self) -> dict[str, int]:
        stats = self.runtime.statistics()
        stats["completing_transactions"] = len(self._completing)
        return stats


def _pending_completions(shard: TransactionCoordinatorShard) -> list[TransactionMetadata]:
    return shard.pending_completions()


def _removing(
    metadata: TransactionMetadata, partitions: list[TopicPartition]
) -> Callable[[TransactionCoordinatorShard, int], TxnResult[None]]:
    """An operation (no record) forgetting partitions whose marker can never be written."""

    def operation(shard: TransactionCoordinatorShard, now_ms: int) -> TxnResult[None]:
        shard.remove_partitions(
            metadata.transactional_id, metadata.producer_id, metadata.producer_epoch, partitions
        )
        return TxnResult()

    return operation


def _describe(transactional_id: str) -> Callable[[TransactionCoordinatorShard], DescribedTransaction]:
    return lambda shard: shard.describe(transactional_id)


# ---- assembly --------------------------------------------------------------------------------------


def build_transaction_coordinator(broker: Broker) -> _TransactionCoordinatorComponent:
    """Component factory for ``assembly.py``: attaches ``broker.transaction_coordinator``.

    Comes after the replica manager (it appends to and reads ``__transaction_state``) and the
    group coordinator (markers for ``__consumer_offsets`` go through it).
    """
    config = broker.config
    manager = broker.replica_manager

    async def fetch_block() -> tuple[int, int]:
        controller = broker.controller
        if controller is None:
            raise ProducerIdUnavailableError(ErrorCode.COORDINATOR_NOT_AVAILABLE)
        block = await controller.allocate_producer_ids(broker.node_id)
        return block.first_producer_id, block.size

    def coordinator_epoch(index: int) -> int:
        hosted = manager.partition(TRANSACTION_STATE_TOPIC, index)
        return max(hosted.state.leader_epoch, 0) if hosted is not None else 0

    coordinator = TransactionCoordinator(
        transaction_config(config),
        manager,
        clock=broker.now_ms,
        partition_count=_setting(config, "transaction.state.log.num.partitions", 50),
        producer_ids=ProducerIdManager(fetch_block),
        markers=MarkerWriter(
            manager,
            node_id=broker.node_id,
            metadata=lambda: broker.metadata_image,
            group_coordinator=lambda: broker.group_coordinator,
            clock=broker.now_ms,
        ),
        coordinator_epoch=coordinator_epoch,
        append_timeout_ms=_setting(config, "request.timeout.ms", 30_000),
    )
    broker.transaction_coordinator = coordinator
    return _TransactionCoordinatorComponent(broker, coordinator)


class _TransactionCoordinatorComponent:
    """Wires a ``TransactionCoordinator`` to the broker's replica manager."""

    def __init__(self, broker: Broker, coordinator: TransactionCoordinator) -> None:
        self.broker = broker
        self.coordinator = coordinator

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        manager = self.broker.replica_manager
        manager.add_leadership_listener(self.coordinator.on_leadership)
        if hasattr(manager, "transaction_verifier"):
            manager.transaction_verifier = self.coordinator.verify_partition
        # Partitions led before this component started were announced to nobody: look them up.
        for index in range(self.coordinator.partition_count):
            hosted = manager.partition(TRANSACTION_STATE_TOPIC, index)
            if hosted is not None and hosted.state.is_leader:
                self.coordinator.on_leadership(TRANSACTION_STATE_TOPIC, index, hosted.state.leader_epoch)
        await self.coordinator.run(task_status=task_status)
