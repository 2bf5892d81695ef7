"""Per-partition producer state: idempotent sequencing, epochs and open transactions. Pure.

Kafka's ``ProducerStateManager`` / ``ProducerAppendInfo`` / ``ProducerStateEntry``, judged from
batch headers only (ARCHITECTURE.md principle 3): a data batch is never decoded; a control batch
(a transaction marker, written by the broker itself) has its one record read for the marker type
and coordinator epoch. No file I/O here: snapshots are :mod:`.producer_snapshot`, the glue with
the log is :mod:`.partition_transactions`.

Rules, all from Kafka 4.x (``ProducerAppendInfo.checkProducerEpoch`` / ``checkSequence``,
``UnifiedLog.analyzeAndValidateProducerState``):

1. A producer's state is its epoch, the sequence/offset ranges of its last five batches
   (:data:`NUM_BATCHES_TO_RETAIN`), the first offset of its open transaction, the epoch of the
   coordinator that wrote its last marker, and the timestamp of its last write.
2. A client batch whose epoch and sequence range equal one of those five is a **duplicate**: the
   append is acknowledged with the original offsets and nothing is written.
3. An epoch below the producer's is INVALID_PRODUCER_EPOCH (since Kafka 2.7 the produce path no
   longer answers PRODUCER_FENCED; the coordinator does).
4. Sequences: a new epoch must start at sequence 0 (else OUT_OF_ORDER_SEQUENCE_NUMBER), except for
   a producer this partition has no epoch for; the same epoch must continue at last sequence + 1,
   wrapping from ``2**31 - 1`` to 0. A producer with no state here is accepted at **any**
   sequence: that is KIP-360 (Kafka 2.5+), which replaced the old UNKNOWN_PRODUCER_ID answer --
   the client cannot tell expired state from a fresh partition, and refusing would strand it.
   So this module never answers UNKNOWN_PRODUCER_ID, like Kafka.
5. A transactional batch opens a transaction at its first offset; a non-transactional batch while
   one is open is INVALID_TXN_STATE. A COMMIT/ABORT marker closes it (even an empty one, which
   completes nothing) and is refused with TRANSACTION_COORDINATOR_FENCED if its coordinator epoch
   is older than the last seen. Epoch and sequence are checked for client appends, epochs only for
   coordinator appends (markers, offset commits), nothing for replication and log recovery.
6. KIP-890 part 1: a transactional batch that would *open* a transaction needs the verification
   guard handed out when the leader asked the coordinator whether the partition is in the
   transaction (:meth:`ProducerStateManager.maybe_start_verification`); without it the append is
   INVALID_TXN_STATE. Any transactional append by the producer clears the guard, so a stale
   verification can never open a transaction the coordinator already ended.
7. The first unstable offset is the first offset of the oldest open transaction, or of a
   completed one whose marker is not yet below the high watermark; the last stable offset is
   ``min(first unstable offset, high watermark)``.
8. A producer with no open transaction expires ``producer.id.expiration.ms`` after its last write.

Changes are two-phase so that a failed write leaves the state untouched: :meth:`prepare_append`
validates and computes the new entries; :meth:`apply` installs them once the log took the bytes.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import ClassVar, Final, NamedTuple, Protocol

from wirekafka.log.errors import LogError
from wirekafka.records.batch import (
    NO_PRODUCER_EPOCH,
    NO_PRODUCER_ID,
    NO_SEQUENCE,
    NO_TIMESTAMP,
    BatchHeader,
)
from wirekafka.records.control import ControlType, parse_control_record
from wirekafka.records.record import iter_records

__all__ = [
    "NUM_BATCHES_TO_RETAIN",
    "SENTINEL_GUARD",
    "AbortedTransaction",
    "AppendOrigin",
    "BatchMetadata",
    "CompletedTransaction",
    "EndTransactionMarker",
    "InvalidProducerEpochError",
    "InvalidTxnStateError",
    "OutOfOrderSequenceError",
    "PendingAppend",
    "ProducerBatch",
    "ProducerStateEntry",
    "ProducerStateError",
    "ProducerStateManager",
    "TransactionCoordinatorFencedError",
    "VerificationGuard",
    "end_transaction_marker",
]

NUM_BATCHES_TO_RETAIN: Final = 5
"""Batches remembered per producer: the client keeps at most five in flight per partition."""

_INT32_MAX: Final = 2**31 - 1


# ---- errors ------------------------------------------------------------------------------------


class ProducerStateError(LogError):
    """A batch the producer state refuses; nothing of the append is written."""


class OutOfOrderSequenceError(ProducerStateError):
    kafka_error = "OUT_OF_ORDER_SEQUENCE_NUMBER"


class InvalidProducerEpochError(ProducerStateError):
    kafka_error = "INVALID_PRODUCER_EPOCH"


class InvalidTxnStateError(ProducerStateError):
    kafka_error = "INVALID_TXN_STATE"


class TransactionCoordinatorFencedError(ProducerStateError):
    kafka_error = "TRANSACTION_COORDINATOR_FENCED"


# ---- values --------------------------------------------------------------------------------------


class AppendOrigin(Enum):
    """Who appends, which decides what is checked (Kafka's ``AppendOrigin``)."""

    CLIENT = "client"
    """A producer: epochs, sequences, duplicates, transactions and verification."""
    COORDINATOR = "coordinator"
    """The broker's coordinators (markers, offset commits): epochs and transactions, no sequences."""
    REPLICATION = "replication"
    """A follower copying the leader, or recovery replaying the log: the leader already checked."""


class ProducerBatch(Protocol):
    """The header fields the producer state reads (``BatchHeader`` has them all)."""

    @property
    def producer_id(self) -> int: ...
    @property
    def producer_epoch(self) -> int: ...
    @property
    def base_sequence(self) -> int: ...
    @property
    def last_sequence(self) -> int: ...
    @property
    def base_offset(self) -> int: ...
    @property
    def last_offset_delta(self) -> int: ...
    @property
    def max_timestamp(self) -> int: ...
    @property
    def is_transactional(self) -> bool: ...
    @property
    def is_control(self) -> bool: ...


class EndTransactionMarker(NamedTuple):
    """What a COMMIT/ABORT control record says (Kafka's ``EndTransactionMarker``)."""

    control_type: ControlType
    coordinator_epoch: int
    timestamp: int


def end_transaction_marker(batch: BatchHeader) -> EndTransactionMarker | None:
    """The marker in a control batch; ``None`` for an empty one (its transaction was cleaned away)
    or for a control record that is not a transaction marker (leader change...)."""
    for record in iter_records(batch):
        parsed = parse_control_record(record)
        if (
            parsed.control_type not in (ControlType.ABORT, ControlType.COMMIT)
            or parsed.coordinator_epoch is None
        ):
            return None
        return EndTransactionMarker(parsed.control_type, parsed.coordinator_epoch, record.timestamp)
    return None


@dataclass(frozen=True, slots=True)
class BatchMetadata:
    """One remembered batch (Kafka's ``BatchMetadata``): enough to answer its retry."""

    last_sequence: int
    last_offset: int
    offset_delta: int
    timestamp: int

    @property
    def first_sequence(self) -> int:
        """Kafka's ``DefaultRecordBatch.decrementSequence``: wraps below 0 to ``2**31 - 1``."""
        if self.last_sequence - self.offset_delta < 0:
            return _INT32_MAX - (self.offset_delta - self.last_sequence) + 1
        return self.last_sequence - self.offset_delta

    @property
    def first_offset(self) -> int:
        return self.last_offset - self.offset_delta


@dataclass(frozen=True, slots=True)
class CompletedTransaction:
    """A marker closed a transaction that had data here (Kafka's ``CompletedTxn``)."""

    producer_id: int
    first_offset: int
    last_offset: int
    """Offset of the marker."""
    is_aborted: bool


@dataclass(frozen=True, slots=True)
class AbortedTransaction:
    """One entry of the aborted-transaction index (Kafka's ``AbortedTxn``).

    ``last_stable_offset`` is the LSO right after the abort: a fetch whose range ends at or below
    it needs no later index entry.
    """

    producer_id: int
    first_offset: int
    last_offset: int
    last_stable_offset: int


class VerificationGuard(int):
    """A token for one verification of one producer on one partition (KIP-890 part 1).

    ``SENTINEL_GUARD`` (0) verifies nothing; every real guard is a fresh number.
    """


SENTINEL_GUARD: Final = VerificationGuard(0)
_GUARDS = itertools.count(1)


@dataclass(slots=True)
class _VerificationState:
    """Kafka's ``VerificationStateEntry``: a started verification, its lowest sequence and epoch."""

    timestamp_ms: int
    guard: VerificationGuard
    lowest_sequence: int
    epoch: int

    def observe(self, sequence: int, epoch: int) -> None:
        if epoch > self.epoch:
            self.lowest_sequence, self.epoch = sequence, epoch
        elif epoch == self.epoch and sequence < self.lowest_sequence:
            self.lowest_sequence = sequence


# ---- per-producer state ------------------------------------------------------------------------


class ProducerStateEntry:
    """One producer's state on one partition (rule 1)."""

    __slots__ = (
        "batches",
        "coordinator_epoch",
        "current_txn_first_offset",
        "last_timestamp",
        "producer_epoch",
        "producer_id",
    )

    def __init__(
        self,
        producer_id: int,
        *,
        producer_epoch: int = NO_PRODUCER_EPOCH,
        coordinator_epoch: int = -1,
        last_timestamp: int = NO_TIMESTAMP,
        current_txn_first_offset: int | None = None,
        batches: Iterable[BatchMetadata] = (),
    ) -> None:
        self.producer_id = producer_id
        self.producer_epoch = producer_epoch
        self.coordinator_epoch = coordinator_epoch
        self.last_timestamp = last_timestamp
        self.current_txn_first_offset = current_txn_first_offset
        self.batches: deque[BatchMetadata] = deque(batches, maxlen=NUM_BATCHES_TO_RETAIN)

    def copy(self) -> ProducerStateEntry:
        return ProducerStateEntry(
            self.producer_id,
            producer_epoch=self.producer_epoch,
            coordinator_epoch=self.coordinator_epoch,
            last_timestamp=self.last_timestamp,
            current_txn_first_offset=self.current_txn_first_offset,
            batches=self.batches,
        )

    @property
    def is_empty(self) -> bool:
        """No batch remembered (a new producer, a new epoch, or only a marker so far)."""
        return not self.batches

    @property
    def first_sequence(self) -> int:
        return self.batches[0].first_sequence if self.batches else NO_SEQUENCE

    @property
    def last_sequence(self) -> int:
        return self.batches[-1].last_sequence if self.batches else NO_SEQUENCE

    @property
    def last_data_offset(self) -> int:
        return self.batches[-1].last_offset if self.batches else -1

    @property
    def last_offset_delta(self) -> int:
        return self.batches[-1].offset_delta if self.batches else 0

    def _maybe_bump_epoch(self, producer_epoch: int) -> None:
        """A new epoch forgets the old epoch's batches (their sequences start over)."""
        if producer_epoch != self.producer_epoch:
            self.batches.clear()
            self.producer_epoch = producer_epoch

    def add_batch(
        self, producer_epoch: int, last_sequence: int, last_offset: int, offset_delta: int, timestamp: int
    ) -> None:
        self._maybe_bump_epoch(producer_epoch)
        self.batches.append(BatchMetadata(last_sequence, last_offset, offset_delta, timestamp))
        self.last_timestamp = timestamp

    def end_transaction(self, producer_epoch: int, coordinator_epoch: int, timestamp: int) -> None:
        """A marker was written (Kafka's ``ProducerStateEntry.update(epoch, coordinatorEpoch, ts)``)."""
        self._maybe_bump_epoch(producer_epoch)
        self.coordinator_epoch = coordinator_epoch
        self.current_txn_first_offset = None
        self.last_timestamp = timestamp

    def find_duplicate(
        self, producer_epoch: int, first_sequence: int, last_sequence: int
    ) -> BatchMetadata | None:
        """The remembered batch with exactly this epoch and sequence range (rule 2)."""
        if producer_epoch != self.producer_epoch:
            return None
        for batch in self.batches:
            if batch.first_sequence == first_sequence and batch.last_sequence == last_sequence:
                return batch
        return None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProducerStateEntry):
            return NotImplemented
        return (
            self.producer_id == other.producer_id
            and self.producer_epoch == other.producer_epoch
            and self.coordinator_epoch == other.coordinator_epoch
            and self.last_timestamp == other.last_timestamp
            and self.current_txn_first_offset == other.current_txn_first_offset
            and list(self.batches) == list(other.batches)
        )

    __hash__: ClassVar[None] = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"ProducerStateEntry(producer_id={self.producer_id}, producer_epoch={self.producer_epoch}, "
            f"coordinator_epoch={self.coordinator_epoch}, last_timestamp={self.last_timestamp}, "
            f"current_txn_first_offset={self.current_txn_first_offset}, batches={list(self.batches)})"
        )


def _in_sequence(last_sequence: int, next_sequence: int) -> bool:
    return next_sequence == last_sequence + 1 or (next_sequence == 0 and last_sequence == _INT32_MAX)


# ---- one append --------------------------------------------------------------------------------


@dataclass(slots=True)
class PendingAppend:
    """What :meth:`ProducerStateManager.prepare_append` found, to :meth:`~ProducerStateManager.apply`
    once the log wrote the batches.

    ``duplicate`` set means nothing must be written: answer with its offsets.
    """

    duplicate: BatchMetadata | None = None
    updated: dict[int, ProducerStateEntry] = field(default_factory=dict)
    started: list[tuple[int, int]] = field(default_factory=list)
    """(first offset, producer id) of the transactions this append opens."""
    completed: list[CompletedTransaction] = field(default_factory=list)
    transactional_producers: set[int] = field(default_factory=set)
    next_offset: int | None = None
    """One past the last offset of the append (the new map end offset)."""


class _Checker:
    """Kafka's ``ProducerAppendInfo`` for one producer within one append."""

    __slots__ = ("current", "origin", "updated", "verification")

    def __init__(
        self,
        current: ProducerStateEntry | None,
        producer_id: int,
        origin: AppendOrigin,
        verification: _VerificationState | None,
    ) -> None:
        self.current = current if current is not None else ProducerStateEntry(producer_id)
        self.updated = self.current.copy()
        self.origin = origin
        self.verification = verification

    def check_epoch(self, producer_epoch: int, offset: int) -> None:
        current = self.updated.producer_epoch
        if producer_epoch < current and self.origin is not AppendOrigin.REPLICATION:
            raise InvalidProducerEpochError(
                f"epoch of producer {self.updated.producer_id} at offset {offset} is {producer_epoch}, "
                f"which is smaller than the last seen epoch {current}"
            )

    def check_sequence(self, producer_epoch: int, first_sequence: int, offset: int) -> None:
        producer_id = self.updated.producer_id
        verification = self.verification
        if verification is not None and first_sequence > verification.lowest_sequence:
            raise OutOfOrderSequenceError(
                f"out of order sequence number for producer {producer_id} at offset {offset}: "
                f"{first_sequence} (incoming), {verification.lowest_sequence} (earliest seen)"
            )
        if producer_epoch != self.updated.producer_epoch:
            if first_sequence != 0 and self.updated.producer_epoch != NO_PRODUCER_EPOCH:
                raise OutOfOrderSequenceError(
                    f"invalid sequence number for new epoch of producer {producer_id} at offset {offset}: "
                    f"{producer_epoch} (request epoch), {first_sequence} (sequence), "
                    f"{self.updated.producer_epoch} (current epoch)"
                )
            return
        if not self.updated.is_empty:
            last_sequence = self.updated.last_sequence
        elif producer_epoch == self.current.producer_epoch:
            last_sequence = self.current.last_sequence
        else:
            last_sequence = NO_SEQUENCE
        # No current epoch: the producer's records were all deleted (retention, DeleteRecords) or
        # this partition never saw it; any sequence is accepted (KIP-360, rule 4).
        if self.current.producer_epoch != NO_PRODUCER_EPOCH and not _in_sequence(
            last_sequence, first_sequence
        ):
            raise OutOfOrderSequenceError(
                f"out of order sequence number for producer {producer_id} at offset {offset}: "
                f"{first_sequence} (incoming), {last_sequence} (current end sequence number)"
            )

    def append_data(
        self, batch: ProducerBatch, first_offset: int, last_offset: int, pending: PendingAppend
    ) -> None:
        epoch = batch.producer_epoch
        self.check_epoch(epoch, first_offset)
        if self.origin is AppendOrigin.CLIENT:
            self.check_sequence(epoch, batch.base_sequence, first_offset)
        entry = self.updated
        entry.add_batch(
            epoch, batch.last_sequence, last_offset, last_offset - first_offset, batch.max_timestamp
        )
        if entry.current_txn_first_offset is not None and not batch.is_transactional:
            raise InvalidTxnStateError(
                f"expected a transactional write from producer {entry.producer_id} at offset {first_offset}"
            )
        if entry.current_txn_first_offset is None and batch.is_transactional:
            entry.current_txn_first_offset = first_offset
            pending.started.append((first_offset, entry.producer_id))

    def append_marker(
        self, marker: EndTransactionMarker, producer_epoch: int, offset: int, pending: PendingAppend
    ) -> None:
        self.check_epoch(producer_epoch, offset)
        entry = self.updated
        if entry.coordinator_epoch > marker.coordinator_epoch and self.origin is not AppendOrigin.REPLICATION:
            raise TransactionCoordinatorFencedError(
                f"invalid coordinator epoch for producer {entry.producer_id} at offset {offset}: "
                f"{marker.coordinator_epoch} (zombie), {entry.coordinator_epoch} (current)"
            )
        if entry.current_txn_first_offset is not None:
            pending.completed.append(
                CompletedTransaction(
                    entry.producer_id,
                    entry.current_txn_first_offset,
                    offset,
                    marker.control_type == ControlType.ABORT,
                )
            )
        entry.end_transaction(producer_epoch, marker.coordinator_epoch, marker.timestamp)


# ---- the partition's state -----------------------------------------------------------------------


class ProducerStateManager:
    """Every producer's state on one partition, and the partition's open transactions."""

    def __init__(
        self,
        *,
        producer_id_expiration_ms: int = 86_400_000,
        transaction_verification_enabled: bool = True,
    ) -> None:
        self.producer_id_expiration_ms = producer_id_expiration_ms
        self.transaction_verification_enabled = transaction_verification_enabled
        self._producers: dict[int, ProducerStateEntry] = {}
        self._ongoing: dict[int, int] = {}
        """first offset -> producer id of each open transaction (kept small: one per producer)."""
        self._unreplicated: dict[int, CompletedTransaction] = {}
        """first offset -> completed transaction whose marker is not yet below the high watermark."""
        self._verifications: dict[int, _VerificationState] = {}
        self.map_end_offset = 0
        """The log offset this state reflects: everything below it has been applied."""

    # ---- reading ---------------------------------------------------------------------------

    @property
    def producers(self) -> Mapping[int, ProducerStateEntry]:
        """The active producers (DescribeProducers reads this)."""
        return self._producers

    def entry(self, producer_id: int) -> ProducerStateEntry | None:
        return self._producers.get(producer_id)

    def has_ongoing_transaction(self, producer_id: int, producer_epoch: int) -> bool:
        entry = self._producers.get(producer_id)
        return (
            entry is not None
            and entry.current_txn_first_offset is not None
            and entry.producer_epoch == producer_epoch
        )

    @property
    def first_undecided_offset(self) -> int | None:
        """First offset of the oldest open transaction, ignoring replication (rule 7)."""
        return min(self._ongoing, default=None)

    @property
    def first_unstable_offset(self) -> int | None:
        """First offset a ``read_committed`` consumer may not pass yet (rule 7)."""
        return min(itertools.chain(self._ongoing, self._unreplicated), default=None)

    def last_stable_offset(self, high_watermark: int) -> int:
        unstable = self.first_unstable_offset
        return high_watermark if unstable is None else min(unstable, high_watermark)

    def ongoing_transactions(self) -> Iterator[tuple[int, int]]:
        """(first offset, producer id) of every open transaction, oldest first."""
        return iter(sorted(self._ongoing.items()))

    # ---- appending -------------------------------------------------------------------------

    def maybe_start_verification(
        self, producer_id: int, sequence: int, producer_epoch: int, now_ms: int
    ) -> VerificationGuard:
        """Before a transactional client append: the guard to present once the coordinator confirmed
        the partition is in the transaction, or the sentinel when a transaction is already open here
        (rule 6; Kafka's ``UnifiedLog.maybeStartTransactionVerification``).

        Raises:
            InvalidProducerEpochError: the epoch is older than this partition's.
        """
        entry = self._producers.get(producer_id)
        if entry is not None and producer_epoch < entry.producer_epoch:
            raise InvalidProducerEpochError(
                f"epoch of producer {producer_id} is {producer_epoch}, which is smaller than the last "
                f"seen epoch {entry.producer_epoch}"
            )
        if self.has_ongoing_transaction(producer_id, producer_epoch):
            return SENTINEL_GUARD
        state = self._verifications.get(producer_id)
        if state is None:
            state = _VerificationState(now_ms, VerificationGuard(next(_GUARDS)), sequence, producer_epoch)
            self._verifications[producer_id] = state
        else:
            state.observe(sequence, producer_epoch)
        return state.guard

    def verification_guard(self, producer_id: int) -> VerificationGuard:
        state = self._verifications.get(producer_id)
        return SENTINEL_GUARD if state is None else state.guard

    def prepare_append(
        self,
        batches: Sequence[ProducerBatch],
        *,
        origin: AppendOrigin,
        first_offset: int | None = None,
        verification_guard: VerificationGuard = SENTINEL_GUARD,
        markers: Mapping[int, EndTransactionMarker | None] | None = None,
    ) -> PendingAppend:
        """Check an append batch by batch and compute the producers' new state; change nothing.

        Args:
            batches: the batches in log order.
            first_offset: the offset the first batch will get (a leader append, whose headers still
                carry the client's base offset 0); ``None`` takes the headers' own offsets.
            verification_guard: the guard of a verified transactional client append (rule 6).
            markers: the end-transaction marker of each control batch, by its index in
                ``batches``; missing ones are read from the batch (which must be a ``BatchHeader``).

        Raises:
            ProducerStateError: a batch breaks a rule; the append must be refused whole.
        """
        pending = PendingAppend()
        checkers: dict[int, _Checker] = {}
        next_offset = first_offset
        for index, batch in enumerate(batches):
            if next_offset is None:
                base = batch.base_offset
            else:
                base = next_offset
            last = base + batch.last_offset_delta
            if next_offset is not None:
                next_offset = last + 1
            pending.next_offset = last + 1
            producer_id = batch.producer_id
            if producer_id <= NO_PRODUCER_ID:
                continue
            current = self._producers.get(producer_id)
            if origin is AppendOrigin.CLIENT and current is not None:
                duplicate = current.find_duplicate(
                    batch.producer_epoch, batch.base_sequence, batch.last_sequence
                )
                if duplicate is not None:
                    return PendingAppend(duplicate=duplicate)
            checker = checkers.get(producer_id)
            if checker is None:
                checker = _Checker(current, producer_id, origin, self._verifications.get(producer_id))
                checkers[producer_id] = checker
            if batch.is_transactional and origin is not AppendOrigin.REPLICATION:
                self._check_verified(checker, batch, verification_guard, origin)
            if batch.is_control:
                if markers is not None and index in markers:
                    marker = markers[index]
                else:
                    marker = end_transaction_marker(batch) if isinstance(batch, BatchHeader) else None
                if marker is not None:
                    checker.append_marker(marker, batch.producer_epoch, base, pending)
            else:
                checker.append_data(batch, base, last, pending)
            if batch.is_transactional:
                pending.transactional_producers.add(producer_id)
        pending.updated = {producer_id: checker.updated for producer_id, checker in checkers.items()}
        return pending

    def _check_verified(
        self, checker: _Checker, batch: ProducerBatch, guard: VerificationGuard, origin: AppendOrigin
    ) -> None:
        """Rule 6, Kafka's check in ``analyzeAndValidateProducerState``: judged against the state
        before this append, as Kafka's ``hasOngoingTransaction`` is.

        Only client appends need a guard here: the transactional offset commits the group
        coordinator writes are verified by the TxnOffsetCommit handler before they reach it.
        """
        entry = checker.current
        if entry.current_txn_first_offset is not None and entry.producer_epoch == batch.producer_epoch:
            return
        if entry.producer_epoch != NO_PRODUCER_EPOCH and batch.producer_epoch < entry.producer_epoch:
            raise InvalidProducerEpochError(
                f"epoch of producer {entry.producer_id} is {batch.producer_epoch}, which is smaller than "
                f"the last seen epoch {entry.producer_epoch}"
            )
        if not self.transaction_verification_enabled or batch.is_control or origin is not AppendOrigin.CLIENT:
            return
        if checker.verification is None or guard == SENTINEL_GUARD or checker.verification.guard != guard:
            raise InvalidTxnStateError("record was not part of an ongoing transaction")

    def apply(self, pending: PendingAppend) -> list[AbortedTransaction]:
        """Install a prepared append after the log wrote it.

        Returns the aborted transactions to add to the segment's transaction index, each with the
        last stable offset right after it (Kafka's ``lastStableOffset(completedTxn)``).
        """
        if pending.duplicate is not None:
            return []
        producers = self._producers
        for producer_id, updated in pending.updated.items():
            producers[producer_id] = updated
        for first_offset, producer_id in pending.started:
            self._ongoing[first_offset] = producer_id
        for producer_id in pending.transactional_producers:
            self._verifications.pop(producer_id, None)
        aborted: list[AbortedTransaction] = []
        for completed in pending.completed:
            if completed.is_aborted:
                aborted.append(
                    AbortedTransaction(
                        completed.producer_id,
                        completed.first_offset,
                        completed.last_offset,
                        self._stable_offset_after(completed),
                    )
                )
            self._ongoing.pop(completed.first_offset, None)
            self._unreplicated[completed.first_offset] = completed
        if pending.next_offset is not None and pending.next_offset > self.map_end_offset:
            self.map_end_offset = pending.next_offset
        return aborted

    def _stable_offset_after(self, completed: CompletedTransaction) -> int:
        """The first open transaction of another producer, or just past the marker."""
        for first_offset, producer_id in sorted(self._ongoing.items()):
            if producer_id != completed.producer_id:
                return first_offset
        return completed.last_offset + 1

    def on_high_watermark_updated(self, high_watermark: int) -> None:
        """Completed transactions whose marker is below the high watermark are stable now."""
        if not self._unreplicated:
            return
        self._unreplicated = {
            first: txn for first, txn in self._unreplicated.items() if txn.last_offset >= high_watermark
        }

    def on_log_start_offset_incremented(self, log_start_offset: int) -> None:
        """Kafka keeps producers whose data was deleted (KAFKA-7190) but forgets completed
        transactions below the new start."""
        self.on_high_watermark_updated(log_start_offset)
        self.map_end_offset = max(self.map_end_offset, log_start_offset)

    # ---- housekeeping ----------------------------------------------------------------------

    def is_expired(self, entry: ProducerStateEntry, now_ms: int) -> bool:
        return (
            entry.current_txn_first_offset is None
            and now_ms - entry.last_timestamp >= self.producer_id_expiration_ms
        )

    def remove_expired_producers(self, now_ms: int) -> list[int]:
        """Rule 8 (and stale verifications); returns the expired producer ids."""
        expired = [pid for pid, entry in self._producers.items() if self.is_expired(entry, now_ms)]
        for producer_id in expired:
            del self._producers[producer_id]
        self._verifications = {
            pid: state
            for pid, state in self._verifications.items()
            if now_ms - state.timestamp_ms < self.producer_id_expiration_ms
        }
        return expired

    def load(self, entries: Iterable[ProducerStateEntry], *, map_end_offset: int, now_ms: int) -> None:
        """Replace the state by a snapshot's entries (expired ones are dropped, as Kafka does)."""
        self.clear(map_end_offset)
        for entry in entries:
            if self.is_expired(entry, now_ms):
                continue
            self._producers[entry.producer_id] = entry
            if entry.current_txn_first_offset is not None:
                self._ongoing[entry.current_txn_first_offset] = entry.producer_id

    def clear(self, map_end_offset: int) -> None:
        """Forget everything (a truncation reloads from a snapshot and the log after this)."""
        self._producers.clear()
        self._ongoing.clear()
        self._unreplicated.clear()
        self._verifications.clear()
        self.map_end_offset = map_end_offset
