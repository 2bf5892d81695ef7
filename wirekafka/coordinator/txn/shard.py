"""One ``__transaction_state`` partition's transaction coordinator: a pure state machine.

Kafka's ``TransactionCoordinator`` + ``TransactionStateManager`` for the transactional ids hashing
to one partition, with ``transaction.version`` 0/1 semantics (the epoch is bumped by
InitProducerId and by fencing, not per transaction: KIP-890 part 2 is not implemented, see
docs/transactions.md). The coordinator runtime (``wirekafka/coordinator/runtime.py``) calls one
operation at a time; each returns a :class:`TxnResult` whose records the runtime appends before
the response is released, and the state changes at once (a failed append makes the runtime reload
the partition from the log, which undoes them).

Rules, from Kafka's ``TransactionCoordinator`` (Scala, 4.x):

1. A request naming an unknown transactional id or another producer id is
   INVALID_PRODUCER_ID_MAPPING; another epoch is PRODUCER_FENCED (handlers turn it into
   INVALID_PRODUCER_EPOCH for client versions that predate it).
2. While markers are being written (PrepareCommit / PrepareAbort) AddPartitionsToTxn,
   AddOffsetsToTxn and InitProducerId answer CONCURRENT_TRANSACTIONS, so the client retries; a
   repeated EndTxn with the same outcome too.
3. InitProducerId bumps the epoch (or hands out a new producer id once the epoch is exhausted).
   On an Ongoing transaction it first fences: the epoch is bumped, the transaction moves to
   PrepareAbort with that epoch (the markers then fence the old producer on every partition), and
   the answer is CONCURRENT_TRANSACTIONS; the retry finds CompleteAbort and bumps again.
4. EndTxn moves Ongoing to PrepareCommit / PrepareAbort; the answer is sent once that record is
   written; the markers follow (:meth:`pending_completions`), then :meth:`complete_transaction`
   writes CompleteCommit / CompleteAbort. EndTxn on Empty, or with the other outcome on a
   finished transaction, is INVALID_TXN_STATE; a retry of a finished one is answered NONE.
5. Every ``transaction.abort.timed.out.transaction.cleanup.interval.ms`` the Ongoing transactions
   older than their ``transaction.timeout.ms`` are fenced and aborted as in rule 3; every
   ``transaction.remove.expired.transaction.cleanup.interval.ms`` ids idle in Empty / Complete*
   for ``transactional.id.expiration.ms`` are removed with a tombstone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from wirekafka.coordinator.group.partitioner import partition_for
from wirekafka.coordinator.txn.records import TransactionRecord
from wirekafka.coordinator.txn.state import (
    NO_PRODUCER_EPOCH,
    NO_PRODUCER_ID,
    TopicPartition,
    TransactionMetadata,
    TransactionState,
)
from wirekafka.protocol.errors import ErrorCode

__all__ = [
    "GROUP_METADATA_TOPIC",
    "DescribedTransaction",
    "InitProducerIdResult",
    "ListedTransaction",
    "ProducerIdUnavailableError",
    "TransactionConfig",
    "TransactionCoordinatorShard",
    "TxnResult",
]

GROUP_METADATA_TOPIC = "__consumer_offsets"
_SHORT_MAX = 2**15 - 1

T = TypeVar("T")


class ProducerIdUnavailableError(Exception):
    """No producer id can be handed out right now; the request fails with ``error_code``."""

    def __init__(self, error_code: ErrorCode = ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) -> None:
        super().__init__(error_code.name)
        self.error_code = error_code


@dataclass(frozen=True, slots=True)
class TransactionConfig:
    """The broker settings the coordinator reads, under Kafka's names and defaults."""

    transaction_max_timeout_ms: int = 900_000
    """``transaction.max.timeout.ms``"""
    transactional_id_expiration_ms: int = 604_800_000
    """``transactional.id.expiration.ms``"""
    abort_timed_out_transactions_interval_ms: int = 10_000
    """``transaction.abort.timed.out.transaction.cleanup.interval.ms``"""
    remove_expired_transactional_ids_interval_ms: int = 3_600_000
    """``transaction.remove.expired.transaction.cleanup.interval.ms``"""
    offsets_topic_partitions: int = 50
    """``offsets.topic.num.partitions``: where AddOffsetsToTxn puts a group's offsets."""


@dataclass(slots=True)
class TxnResult(Generic[T]):
    """Records to append and the response to release once they are written."""

    records: list[TransactionRecord] = field(default_factory=list)
    response: T | None = None
    replies: list[Any] = field(default_factory=list)
    """Always empty: no transaction request is parked (the runtime's ``ResultLike`` asks for it)."""


@dataclass(frozen=True, slots=True)
class InitProducerIdResult:
    error_code: ErrorCode
    producer_id: int = NO_PRODUCER_ID
    producer_epoch: int = NO_PRODUCER_EPOCH


@dataclass(frozen=True, slots=True)
class DescribedTransaction:
    """DescribeTransactions' view of one id."""

    transactional_id: str
    error_code: ErrorCode
    state: str = ""
    transaction_timeout_ms: int = 0
    transaction_start_time_ms: int = -1
    producer_id: int = NO_PRODUCER_ID
    producer_epoch: int = NO_PRODUCER_EPOCH
    partitions: dict[str, list[int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ListedTransaction:
    transactional_id: str
    producer_id: int
    state: str


class TransactionCoordinatorShard:
    """The transactional ids of one ``__transaction_state`` partition (see module rules)."""

    def __init__(
        self,
        config: TransactionConfig | None = None,
        *,
        allocate_producer_id: Callable[[], int],
    ) -> None:
        self.config = config or TransactionConfig()
        self._allocate_producer_id = allocate_producer_id
        self.transactions: dict[str, TransactionMetadata] = {}
        #: The offset the next record gets (the runtime keeps it at the log end offset).
        self.next_offset = 0
        self._next_abort_check: int | None = None
        self._next_expiration_check: int | None = None

    # ---- runtime hooks ---------------------------------------------------------------------

    def replay(self, record: Any, offset: int = 0, producer_id: int = NO_PRODUCER_ID) -> None:
        """Apply one record read back from the log (load) -- the last value of an id wins."""
        if not isinstance(record, TransactionRecord):
            return
        if record.metadata is None:
            self.transactions.pop(record.transactional_id, None)
        else:
            self.transactions[record.transactional_id] = record.metadata
        self.next_offset = max(self.next_offset, offset + 1)

    def replay_end_transaction(self, producer_id: int, committed: bool) -> None:
        """``__transaction_state`` holds no transactional data: nothing to do."""

    def on_loaded(self, now_ms: int) -> TxnResult[None]:
        self._next_abort_check = now_ms + self.config.abort_timed_out_transactions_interval_ms
        self._next_expiration_check = now_ms + self.config.remove_expired_transactional_ids_interval_ms
        return TxnResult()

    def on_unloaded(self) -> list[Any]:
        return []

    def next_deadline(self) -> int | None:
        checks = [c for c in (self._next_abort_check, self._next_expiration_check) if c is not None]
        return min(checks, default=None)

    def expire_timers(self, now_ms: int) -> TxnResult[None]:
        """Rule 5: the periodic abort of timed-out transactions and expiry of idle ids."""
        result: TxnResult[None] = TxnResult()
        if self._next_abort_check is not None and now_ms >= self._next_abort_check:
            result.records += self.abort_timed_out_transactions(now_ms).records
            self._next_abort_check = now_ms + self.config.abort_timed_out_transactions_interval_ms
        if self._next_expiration_check is not None and now_ms >= self._next_expiration_check:
            result.records += self.expire_transactional_ids(now_ms).records
            self._next_expiration_check = now_ms + self.config.remove_expired_transactional_ids_interval_ms
        return result

    # ---- helpers -----------------------------------------------------------------------------

    def _write(self, metadata: TransactionMetadata) -> TransactionRecord:
        self.transactions[metadata.transactional_id] = metadata
        self.next_offset += 1
        return TransactionRecord(metadata.transactional_id, metadata)

    def _current(self, transactional_id: str) -> TransactionMetadata | None:
        metadata = self.transactions.get(transactional_id)
        if metadata is None or metadata.state == TransactionState.DEAD:
            return None
        return metadata

    def valid_timeout(self, transaction_timeout_ms: int) -> bool:
        return 0 < transaction_timeout_ms <= self.config.transaction_max_timeout_ms

    # ---- InitProducerId ------------------------------------------------------------------------

    def init_producer_id(
        self,
        transactional_id: str,
        transaction_timeout_ms: int,
        expected: tuple[int, int] | None,
        now_ms: int,
    ) -> TxnResult[InitProducerIdResult]:
        """Rule 3. ``expected`` is the (producer id, epoch) a v3+ client resumes with (KIP-360)."""
        if not transactional_id:
            return TxnResult(response=InitProducerIdResult(ErrorCode.INVALID_REQUEST))
        if not self.valid_timeout(transaction_timeout_ms):
            return TxnResult(response=InitProducerIdResult(ErrorCode.INVALID_TRANSACTION_TIMEOUT))
        metadata = self._current(transactional_id)
        try:
            if metadata is None:
                metadata = TransactionMetadata(
                    transactional_id=transactional_id,
                    producer_id=self._allocate_producer_id(),
                    producer_epoch=NO_PRODUCER_EPOCH,
                    transaction_timeout_ms=transaction_timeout_ms,
                    state=TransactionState.EMPTY,
                    transaction_last_update_timestamp=now_ms,
                )
            return self._init_transition(metadata, transaction_timeout_ms, expected, now_ms)
        except ProducerIdUnavailableError as error:
            return TxnResult(response=InitProducerIdResult(error.error_code))

    def _init_transition(
        self,
        metadata: TransactionMetadata,
        timeout_ms: int,
        expected: tuple[int, int] | None,
        now_ms: int,
    ) -> TxnResult[InitProducerIdResult]:
        if expected is not None and not (
            metadata.producer_epoch == NO_PRODUCER_EPOCH
            or expected[0] == metadata.producer_id
            or (expected[0] == metadata.previous_producer_id and expected[1] >= _SHORT_MAX - 1)
        ):
            return TxnResult(response=InitProducerIdResult(ErrorCode.PRODUCER_FENCED))
        state = metadata.state
        if state.is_prepare:
            return TxnResult(response=InitProducerIdResult(ErrorCode.CONCURRENT_TRANSACTIONS))
        if state == TransactionState.ONGOING:
            record = self._write(self._fence_and_abort(metadata, now_ms))
            return TxnResult([record], InitProducerIdResult(ErrorCode.CONCURRENT_TRANSACTIONS))
        if state not in (
            TransactionState.EMPTY,
            TransactionState.COMPLETE_COMMIT,
            TransactionState.COMPLETE_ABORT,
        ):
            raise AssertionError(f"{metadata.transactional_id} found in state {state.kafka_name}")
        reset = {
            "transaction_timeout_ms": timeout_ms,
            "partitions": frozenset(),
            "transaction_start_timestamp": -1,
            "transaction_last_update_timestamp": now_ms,
            "previous_producer_id": metadata.producer_id,
        }
        if metadata.epoch_exhausted and (expected is None or expected[1] == metadata.producer_epoch):
            new = metadata.transition(
                TransactionState.EMPTY,
                producer_id=self._allocate_producer_id(),
                producer_epoch=0,
                last_producer_epoch=metadata.producer_epoch if expected is not None else NO_PRODUCER_EPOCH,
                **reset,
            )
        elif expected is None:
            new = metadata.transition(
                TransactionState.EMPTY,
                producer_epoch=metadata.producer_epoch + 1,
                last_producer_epoch=NO_PRODUCER_EPOCH,
                **reset,
            )
        elif metadata.producer_epoch == NO_PRODUCER_EPOCH or expected[1] == metadata.producer_epoch:
            # a producer continuing after an error, no other producer initialised since
            new = metadata.transition(
                TransactionState.EMPTY,
                producer_epoch=metadata.producer_epoch + 1,
                last_producer_epoch=metadata.producer_epoch,
                **reset,
            )
        elif expected[1] == metadata.last_producer_epoch:
            # a retry of a bump that succeeded: same answer
            new = metadata.transition(TransactionState.EMPTY, **reset)
        else:
            return TxnResult(response=InitProducerIdResult(ErrorCode.PRODUCER_FENCED))
        record = self._write(new)
        return TxnResult(
            [record], InitProducerIdResult(ErrorCode.NO_ERROR, new.producer_id, new.producer_epoch)
        )

    def _fence_and_abort(self, metadata: TransactionMetadata, now_ms: int) -> TransactionMetadata:
        """Kafka's ``prepareFenceProducerEpoch`` then the fencing ``PrepareAbort`` of ``endTransaction``."""
        bumped = (
            metadata.producer_epoch if metadata.producer_epoch == _SHORT_MAX else metadata.producer_epoch + 1
        )
        fenced = metadata.transition(TransactionState.PREPARE_EPOCH_FENCE)
        return fenced.transition(
            TransactionState.PREPARE_ABORT,
            producer_epoch=bumped,
            last_producer_epoch=NO_PRODUCER_EPOCH,
            transaction_last_update_timestamp=now_ms,
        )

    # ---- AddPartitionsToTxn / AddOffsetsToTxn ------------------------------------------------

    def _check_producer(
        self, metadata: TransactionMetadata | None, producer_id: int, producer_epoch: int
    ) -> ErrorCode:
        if metadata is None or metadata.producer_id != producer_id:
            return ErrorCode.INVALID_PRODUCER_ID_MAPPING
        if metadata.producer_epoch != producer_epoch:
            return ErrorCode.PRODUCER_FENCED
        return ErrorCode.NO_ERROR

    def add_partitions(
        self,
        transactional_id: str,
        producer_id: int,
        producer_epoch: int,
        partitions: Iterable[TopicPartition],
        now_ms: int,
    ) -> TxnResult[ErrorCode]:
        """AddPartitionsToTxn (rules 1, 2): the partitions join the transaction, which starts if needed."""
        if not transactional_id:
            return TxnResult(response=ErrorCode.INVALID_REQUEST)
        metadata = self._current(transactional_id)
        error = self._check_producer(metadata, producer_id, producer_epoch)
        if error != ErrorCode.NO_ERROR or metadata is None:
            return TxnResult(response=error)
        if metadata.state.is_prepare:
            return TxnResult(response=ErrorCode.CONCURRENT_TRANSACTIONS)
        added = frozenset(partitions)
        if metadata.state == TransactionState.ONGOING and added <= metadata.partitions:
            return TxnResult(response=ErrorCode.NO_ERROR)
        starting = metadata.state in (
            TransactionState.EMPTY,
            TransactionState.COMPLETE_COMMIT,
            TransactionState.COMPLETE_ABORT,
        )
        new = metadata.transition(
            TransactionState.ONGOING,
            partitions=metadata.partitions | added,
            transaction_start_timestamp=now_ms if starting else metadata.transaction_start_timestamp,
            transaction_last_update_timestamp=now_ms,
            previous_producer_id=metadata.producer_id,
        )
        return TxnResult([self._write(new)], ErrorCode.NO_ERROR)

    def add_offsets(
        self, transactional_id: str, producer_id: int, producer_epoch: int, group_id: str, now_ms: int
    ) -> TxnResult[ErrorCode]:
        """AddOffsetsToTxn: the group's ``__consumer_offsets`` partition joins the transaction."""
        partition = partition_for(group_id, self.config.offsets_topic_partitions)
        return self.add_partitions(
            transactional_id, producer_id, producer_epoch, [(GROUP_METADATA_TOPIC, partition)], now_ms
        )

    def verify_partitions(
        self,
        transactional_id: str,
        producer_id: int,
        producer_epoch: int,
        partitions: Sequence[TopicPartition],
    ) -> dict[TopicPartition, ErrorCode]:
        """AddPartitionsToTxn v4+ ``verify_only`` (KIP-890 part 1): is each partition in the
        transaction? Read-only; TRANSACTION_ABORTABLE for one that is not."""
        if not transactional_id:
            return dict.fromkeys(partitions, ErrorCode.INVALID_REQUEST)
        metadata = self._current(transactional_id)
        error = self._check_producer(metadata, producer_id, producer_epoch)
        if error == ErrorCode.NO_ERROR and metadata is not None and metadata.state.is_prepare:
            error = ErrorCode.CONCURRENT_TRANSACTIONS
        if error != ErrorCode.NO_ERROR or metadata is None:
            return dict.fromkeys(partitions, error)
        return {
            partition: ErrorCode.NO_ERROR
            if partition in metadata.partitions
            else ErrorCode.TRANSACTION_ABORTABLE
            for partition in partitions
        }

    # ---- EndTxn ------------------------------------------------------------------------------

    def end_transaction(
        self, transactional_id: str, producer_id: int, producer_epoch: int, commit: bool, now_ms: int
    ) -> TxnResult[ErrorCode]:
        """Rule 4 (Kafka's ``endTransactionWithTV1`` for a client request)."""
        if not transactional_id:
            return TxnResult(response=ErrorCode.INVALID_REQUEST)
        metadata = self._current(transactional_id)
        error = self._check_producer(metadata, producer_id, producer_epoch)
        if error != ErrorCode.NO_ERROR or metadata is None:
            return TxnResult(response=error)
        state = metadata.state
        if state == TransactionState.ONGOING:
            target = TransactionState.PREPARE_COMMIT if commit else TransactionState.PREPARE_ABORT
            new = metadata.transition(target, transaction_last_update_timestamp=now_ms)
            return TxnResult([self._write(new)], ErrorCode.NO_ERROR)
        finished = TransactionState.COMPLETE_COMMIT if commit else TransactionState.COMPLETE_ABORT
        preparing = TransactionState.PREPARE_COMMIT if commit else TransactionState.PREPARE_ABORT
        if state == finished:
            return TxnResult(response=ErrorCode.NO_ERROR)
        if state == preparing:
            return TxnResult(response=ErrorCode.CONCURRENT_TRANSACTIONS)
        return TxnResult(response=ErrorCode.INVALID_TXN_STATE)

    def pending_completions(self) -> list[TransactionMetadata]:
        """Transactions whose markers must be written (PrepareCommit / PrepareAbort), oldest first."""
        return sorted(
            (m for m in self.transactions.values() if m.state.is_prepare),
            key=lambda m: (m.transaction_last_update_timestamp, m.transactional_id),
        )

    def complete_transaction(
        self, transactional_id: str, producer_id: int, producer_epoch: int, now_ms: int
    ) -> TxnResult[bool]:
        """Every marker is written: CompleteCommit / CompleteAbort. A stale call (the transaction
        moved on meanwhile) writes nothing and answers False."""
        metadata = self._current(transactional_id)
        if (
            metadata is None
            or not metadata.state.is_prepare
            or metadata.producer_id != producer_id
            or metadata.producer_epoch != producer_epoch
        ):
            return TxnResult(response=False)
        target = (
            TransactionState.COMPLETE_COMMIT
            if metadata.state == TransactionState.PREPARE_COMMIT
            else TransactionState.COMPLETE_ABORT
        )
        new = metadata.transition(target, partitions=frozenset(), transaction_last_update_timestamp=now_ms)
        return TxnResult([self._write(new)], True)

    def remove_partitions(
        self,
        transactional_id: str,
        producer_id: int,
        producer_epoch: int,
        partitions: Iterable[TopicPartition],
    ) -> None:
        """Forget partitions whose marker can never be written (their topic was deleted). In memory
        only, as Kafka's ``removePartition``: the Complete* record drops the partitions anyway."""
        metadata = self._current(transactional_id)
        if (
            metadata is not None
            and metadata.state.is_prepare
            and metadata.producer_id == producer_id
            and metadata.producer_epoch == producer_epoch
        ):
            self.transactions[transactional_id] = replace(
                metadata, partitions=metadata.partitions - frozenset(partitions)
            )

    # ---- timers ------------------------------------------------------------------------------

    def abort_timed_out_transactions(self, now_ms: int) -> TxnResult[None]:
        """Rule 5: fence and abort every Ongoing transaction past its timeout."""
        records = [
            self._write(self._fence_and_abort(metadata, now_ms))
            for metadata in list(self.transactions.values())
            if metadata.state == TransactionState.ONGOING
            and metadata.transaction_start_timestamp + metadata.transaction_timeout_ms < now_ms
        ]
        return TxnResult(records)

    def expire_transactional_ids(self, now_ms: int) -> TxnResult[None]:
        """Rule 5: tombstones for ids idle past ``transactional.id.expiration.ms``."""
        limit = now_ms - self.config.transactional_id_expiration_ms
        expired = [
            metadata.transactional_id
            for metadata in self.transactions.values()
            if metadata.state.expiration_allowed and metadata.transaction_last_update_timestamp <= limit
        ]
        records = []
        for transactional_id in expired:
            del self.transactions[transactional_id]
            self.next_offset += 1
            records.append(TransactionRecord(transactional_id, None))
        return TxnResult(records)

    # ---- reads -------------------------------------------------------------------------------

    def describe(self, transactional_id: str) -> DescribedTransaction:
        if not transactional_id:
            return DescribedTransaction(transactional_id, ErrorCode.INVALID_REQUEST)
        metadata = self._current(transactional_id)
        if metadata is None:
            return DescribedTransaction(transactional_id, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND)
        return DescribedTransaction(
            transactional_id,
            ErrorCode.NO_ERROR,
            state=metadata.state.kafka_name,
            transaction_timeout_ms=metadata.transaction_timeout_ms,
            transaction_start_time_ms=metadata.transaction_start_timestamp,
            producer_id=metadata.producer_id,
            producer_epoch=metadata.producer_epoch,
            partitions=metadata.partitions_by_topic(),
        )

    def list_transactions(
        self,
        states: frozenset[TransactionState] | None,
        producer_ids: frozenset[int] | None,
        min_duration_ms: int,
        now_ms: int,
    ) -> list[ListedTransaction]:
        """ListTransactions: filters are ANDed; an empty filter matches everything; a duration
        filter (v1, KIP-994) keeps transactions started longer ago than it."""
        found = []
        for metadata in self.transactions.values():
            if metadata.state == TransactionState.DEAD:
                continue
            if states and metadata.state not in states:
                continue
            if producer_ids and metadata.producer_id not in producer_ids:
                continue
            if min_duration_ms >= 0 and now_ms - metadata.transaction_start_timestamp <= min_duration_ms:
                continue
            found.append(
                ListedTransaction(metadata.transactional_id, metadata.producer_id, metadata.state.kafka_name)
            )
        return sorted(found, key=lambda t: t.transactional_id)
