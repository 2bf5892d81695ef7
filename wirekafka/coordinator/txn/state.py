"""A transactional id's state at the coordinator: Kafka's ``TransactionState`` and ``TransactionMetadata``.

Pure data and the transition rules between states; :mod:`.shard` decides which transition a
request asks for. The state ids and names are Kafka's (they are written to ``__transaction_state``
and shown by DescribeTransactions / ListTransactions)::

    Empty --AddPartitions/AddOffsets--> Ongoing --EndTxn(commit)--> PrepareCommit --markers--> CompleteCommit
                                           |    --EndTxn(abort), timeout, fencing--> PrepareAbort --markers--> CompleteAbort
    Empty/CompleteCommit/CompleteAbort --InitProducerId--> Empty (epoch + 1)
    Empty/CompleteCommit/CompleteAbort --transactional.id.expiration.ms--> Dead (tombstone)

``PrepareEpochFence`` is Kafka's transient mark while a fencing abort is prepared; it is never
written, as in Kafka (the PrepareAbort record carries the bumped epoch instead).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Final

__all__ = [
    "NO_PRODUCER_EPOCH",
    "NO_PRODUCER_ID",
    "TopicPartition",
    "TransactionMetadata",
    "TransactionState",
    "is_epoch_exhausted",
]

NO_PRODUCER_ID: Final = -1
NO_PRODUCER_EPOCH: Final = -1
_SHORT_MAX: Final = 2**15 - 1

TopicPartition = tuple[str, int]


class TransactionState(IntEnum):
    """Kafka's ``TransactionState`` ids (the ``transaction_status`` byte of the log value)."""

    EMPTY = 0
    ONGOING = 1
    PREPARE_COMMIT = 2
    PREPARE_ABORT = 3
    COMPLETE_COMMIT = 4
    COMPLETE_ABORT = 5
    DEAD = 6
    PREPARE_EPOCH_FENCE = 7

    @property
    def kafka_name(self) -> str:
        """The name DescribeTransactions and ListTransactions use (``"CompleteCommit"``)."""
        return _NAMES[self]

    @classmethod
    def from_name(cls, name: str) -> TransactionState | None:
        return _BY_NAME.get(name)

    @property
    def expiration_allowed(self) -> bool:
        """Whether an idle transactional id in this state may expire."""
        return self in (
            TransactionState.EMPTY,
            TransactionState.COMPLETE_COMMIT,
            TransactionState.COMPLETE_ABORT,
        )

    @property
    def is_prepare(self) -> bool:
        """Markers are being written: the transaction is decided but not complete."""
        return self in (TransactionState.PREPARE_COMMIT, TransactionState.PREPARE_ABORT)


_NAMES: Final = {
    TransactionState.EMPTY: "Empty",
    TransactionState.ONGOING: "Ongoing",
    TransactionState.PREPARE_COMMIT: "PrepareCommit",
    TransactionState.PREPARE_ABORT: "PrepareAbort",
    TransactionState.COMPLETE_COMMIT: "CompleteCommit",
    TransactionState.COMPLETE_ABORT: "CompleteAbort",
    TransactionState.DEAD: "Dead",
    TransactionState.PREPARE_EPOCH_FENCE: "PrepareEpochFence",
}
_BY_NAME: Final = {name: state for state, name in _NAMES.items()}

VALID_PREVIOUS_STATES: Final[dict[TransactionState, frozenset[TransactionState]]] = {
    TransactionState.EMPTY: frozenset(
        {TransactionState.EMPTY, TransactionState.COMPLETE_COMMIT, TransactionState.COMPLETE_ABORT}
    ),
    TransactionState.ONGOING: frozenset(
        {
            TransactionState.ONGOING,
            TransactionState.EMPTY,
            TransactionState.COMPLETE_COMMIT,
            TransactionState.COMPLETE_ABORT,
        }
    ),
    TransactionState.PREPARE_COMMIT: frozenset({TransactionState.ONGOING}),
    TransactionState.PREPARE_ABORT: frozenset(
        {
            TransactionState.ONGOING,
            TransactionState.PREPARE_EPOCH_FENCE,
            TransactionState.EMPTY,
            TransactionState.COMPLETE_COMMIT,
            TransactionState.COMPLETE_ABORT,
        }
    ),
    TransactionState.COMPLETE_COMMIT: frozenset({TransactionState.PREPARE_COMMIT}),
    TransactionState.COMPLETE_ABORT: frozenset({TransactionState.PREPARE_ABORT}),
    TransactionState.DEAD: frozenset(
        {TransactionState.EMPTY, TransactionState.COMPLETE_ABORT, TransactionState.COMPLETE_COMMIT}
    ),
    TransactionState.PREPARE_EPOCH_FENCE: frozenset({TransactionState.ONGOING}),
}
"""Kafka's ``TransactionState.validPreviousStates``: a transition from anywhere else is a bug."""


def is_epoch_exhausted(producer_epoch: int) -> bool:
    """Kafka keeps the last epoch free so that it can always fence the current producer."""
    return producer_epoch >= _SHORT_MAX - 1


@dataclass(frozen=True, slots=True)
class TransactionMetadata:
    """Everything the coordinator knows about one transactional id (immutable; transitions copy).

    ``last_producer_epoch`` lets a producer that retries InitProducerId with the epoch it was just
    given (KIP-360) get the same answer instead of being fenced; it is not persisted (Kafka
    neither writes it in value version 0/1).
    """

    transactional_id: str
    producer_id: int
    producer_epoch: int
    transaction_timeout_ms: int
    state: TransactionState
    partitions: frozenset[TopicPartition] = field(default_factory=frozenset)
    transaction_start_timestamp: int = -1
    transaction_last_update_timestamp: int = -1
    previous_producer_id: int = NO_PRODUCER_ID
    last_producer_epoch: int = NO_PRODUCER_EPOCH
    client_transaction_version: int = 0

    def transition(self, state: TransactionState, **changes: object) -> TransactionMetadata:
        """The metadata in ``state`` with ``changes``.

        Raises:
            ValueError: ``state`` cannot follow the current state (a coordinator bug).
        """
        if self.state not in VALID_PREVIOUS_STATES[state]:
            raise ValueError(
                f"{self.transactional_id}: illegal transition {self.state.kafka_name} -> {state.kafka_name}"
            )
        return replace(self, state=state, **changes)  # type: ignore[arg-type]

    @property
    def epoch_exhausted(self) -> bool:
        return is_epoch_exhausted(self.producer_epoch)

    def partitions_by_topic(self) -> dict[str, list[int]]:
        by_topic: dict[str, list[int]] = {}
        for topic, partition in sorted(self.partitions):
            by_topic.setdefault(topic, []).append(partition)
        return by_topic
