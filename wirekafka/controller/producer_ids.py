"""Blocks of producer ids for idempotent and transactional producers (``ProducerIdControlManager``).

Each broker asks the controller for a block of 1000 ids and hands them out itself; the
controller records where the next block starts (ProducerIdsRecord), so ids are never reused,
across restarts too.
"""

from __future__ import annotations

from dataclasses import dataclass

from wirekafka.controller.results import ControllerError, ControllerResult
from wirekafka.metadata.image import MetadataImage
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.metadata_records import ProducerIdsRecord

PRODUCER_ID_BLOCK_SIZE = 1000
_LONG_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True)
class ProducerIdsBlock:
    """Ids ``first_producer_id`` .. ``first_producer_id + size - 1`` belong to ``assigned_broker_id``."""

    assigned_broker_id: int
    first_producer_id: int
    size: int

    @property
    def last_producer_id(self) -> int:
        return self.first_producer_id + self.size - 1


def allocate_producer_ids(
    image: MetadataImage, broker_id: int, broker_epoch: int = -1
) -> ControllerResult[ProducerIdsBlock]:
    """The next block for ``broker_id``. ``broker_epoch`` -1 skips the epoch check (a local caller).

    Raises:
        ControllerError: STALE_BROKER_EPOCH for an unregistered broker or another epoch;
            UNKNOWN_SERVER_ERROR when the int64 range is exhausted.
    """
    broker = image.brokers.get(broker_id)
    if broker is None:
        raise ControllerError(
            ErrorCode.STALE_BROKER_EPOCH, f"No broker registration found for broker {broker_id}"
        )
    if broker_epoch != -1 and broker_epoch != broker.epoch:
        raise ControllerError(
            ErrorCode.STALE_BROKER_EPOCH, f"Expected broker epoch {broker.epoch}, but got {broker_epoch}"
        )
    first = image.next_producer_id
    if first > _LONG_MAX - PRODUCER_ID_BLOCK_SIZE:
        raise ControllerError(
            ErrorCode.UNKNOWN_SERVER_ERROR,
            "Exhausted all producerIds as the next block's end producerId has exceeded the int64 type limit",
        )
    block = ProducerIdsBlock(broker_id, first, PRODUCER_ID_BLOCK_SIZE)
    record = ProducerIdsRecord(
        broker_id=broker_id, broker_epoch=broker_epoch, next_producer_id=first + PRODUCER_ID_BLOCK_SIZE
    )
    return ControllerResult([record], block)
