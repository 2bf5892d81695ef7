"""What an operation of the group coordinator returns: records to append, and replies.

Principle 5: an operation never writes anything itself. It returns the records the runtime must
append to ``__consumer_offsets`` and the replies to send once they are appended. A reply names
the request it answers by a ``ReplyTo`` token the runtime handed in: JoinGroup and SyncGroup
requests are parked until the rebalance moves on, so one operation may answer requests that
arrived earlier (every member's JoinGroup completes when the last member joins).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from wirekafka.coordinator.group.records import CoordinatorRecord

T = TypeVar("T")

#: Opaque token identifying a parked request; the runtime maps it back to the waiting handler.
ReplyTo = int


@dataclass(frozen=True, slots=True)
class Reply:
    """The response to a parked request."""

    to: ReplyTo
    response: Any


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Who sent a request: Kafka's ``RequestContext`` fields that group state keeps."""

    client_id: str = ""
    client_host: str = ""
    api_version: int = 0


@dataclass(frozen=True, slots=True)
class TransactionEnd:
    """The COMMIT or ABORT marker an operation writes instead of records (end of a transaction)."""

    producer_id: int
    producer_epoch: int
    coordinator_epoch: int
    committed: bool


@dataclass(slots=True)
class Result(Generic[T]):
    """Records to append, the direct response (if any) and replies to parked requests.

    ``producer_id``/``producer_epoch`` make the records one transactional batch (TxnOffsetCommit);
    ``end_transaction`` asks for a control marker instead of records. Either way the batch takes
    ``record_count`` offsets.
    """

    records: list[CoordinatorRecord] = field(default_factory=list)
    response: T | None = None
    replies: list[Reply] = field(default_factory=list)
    producer_id: int = -1
    producer_epoch: int = -1
    end_transaction: TransactionEnd | None = None

    @property
    def record_count(self) -> int:
        return 1 if self.end_transaction is not None else len(self.records)

    def absorb(self, other: Result[Any]) -> None:
        """Add another result's records and replies to this one (its response is dropped)."""
        self.records.extend(other.records)
        self.replies.extend(other.replies)
