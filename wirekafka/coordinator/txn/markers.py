"""Writing a COMMIT or ABORT marker into one partition of a finished transaction.

Kafka's ``TransactionMarkerChannelManager`` sends WriteTxnMarkers to each partition leader; the
leader appends a control batch (``producer id``, ``producer epoch``, coordinator epoch) whose
producer-state check fences zombie coordinators (TRANSACTION_COORDINATOR_FENCED) and whose
transaction index entry (for an abort) tells ``read_committed`` consumers what to drop.

Here a marker for a partition this node leads is appended directly through the replica manager
(the same path the WriteTxnMarkers handler uses). A marker for ``__consumer_offsets`` goes through
the group coordinator (its ``complete_transaction``, Kafka's
``GroupCoordinator.completeTransaction``), so the group shard sees the
transactional offsets become committed or vanish at once; partitions led by another node are not reachable yet
(NOT_LEADER_OR_FOLLOWER: the caller retries), see docs/transactions.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from wirekafka.metadata.image import MetadataImage
from wirekafka.protocol.errors import ErrorCode
from wirekafka.records.control import ControlType, build_end_txn_marker
from wirekafka.replication.operations import ReplicaManagerError

__all__ = ["GROUP_METADATA_TOPIC", "MarkerWriter", "marker_outcome"]

logger = logging.getLogger("wirekafka.coordinator.txn")

GROUP_METADATA_TOPIC = "__consumer_offsets"

# Kafka's TransactionMarkerRequestCompletionHandler, per partition error:
_DONE = frozenset({ErrorCode.NO_ERROR})
_GIVE_UP = frozenset({ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.TRANSACTION_COORDINATOR_FENCED})
"""A newer coordinator or producer epoch owns the partition: stop sending, do not complete."""
_DROP = frozenset({ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT, ErrorCode.UNSUPPORTED_VERSION})
"""The partition cannot take markers: remove it from the transaction."""


def marker_outcome(error: ErrorCode, topic_exists: bool) -> str:
    """``"done"``, ``"drop"`` (forget the partition), ``"give_up"`` or ``"retry"``."""
    if error in _DONE:
        return "done"
    if error in _GIVE_UP:
        return "give_up"
    if error in _DROP or (error == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION and not topic_exists):
        return "drop"
    return "retry"


class MarkerWriter:
    """Appends transaction markers to the partitions this node leads."""

    def __init__(
        self,
        replica_manager: Any,
        *,
        node_id: int,
        metadata: Callable[[], MetadataImage],
        group_coordinator: Callable[[], Any],
        clock: Callable[[], int],
    ) -> None:
        self._replica_manager = replica_manager
        self._node_id = node_id
        self._metadata = metadata
        self._group_coordinator = group_coordinator
        self._clock = clock

    def topic_exists(self, topic: str) -> bool:
        return topic in self._metadata().topics

    async def write(
        self,
        topic: str,
        partition: int,
        *,
        producer_id: int,
        producer_epoch: int,
        coordinator_epoch: int,
        committed: bool,
    ) -> ErrorCode:
        """Append one marker; returns the partition's error (NO_ERROR once it is in the log)."""
        assignment = self._metadata().partition(topic, partition)
        if assignment is None:
            return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        if assignment.leader_id != self._node_id:
            return ErrorCode.NOT_LEADER_OR_FOLLOWER
        group_coordinator = self._group_coordinator() if topic == GROUP_METADATA_TOPIC else None
        if group_coordinator is not None:
            return ErrorCode(
                await group_coordinator.complete_transaction(
                    partition, producer_id, producer_epoch, coordinator_epoch, committed
                )
            )
        batch = build_end_txn_marker(
            ControlType.COMMIT if committed else ControlType.ABORT,
            producer_id=producer_id,
            producer_epoch=producer_epoch,
            coordinator_epoch=coordinator_epoch,
            timestamp_ms=self._clock(),
        )
        try:
            await self._replica_manager.append_internal(topic, partition, batch, required_acks=-1)
        except ReplicaManagerError as exc:
            logger.debug("marker for %s-%d failed: %s", topic, partition, exc)
            return ErrorCode(exc.error_code)
        return ErrorCode.NO_ERROR
