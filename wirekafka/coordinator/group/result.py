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


@dataclass(slots=True)
class Result(Generic[T]):
    """Records to append, the direct response (if any) and replies to parked requests."""

    records: list[CoordinatorRecord] = field(default_factory=list)
    response: T | None = None
    replies: list[Reply] = field(default_factory=list)

    def absorb(self, other: Result[Any]) -> None:
        """Add another result's records and replies to this one (its response is dropped)."""
        self.records.extend(other.records)
        self.replies.extend(other.replies)
