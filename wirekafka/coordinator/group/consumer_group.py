"""A KIP-848 consumer group: members, epochs, target assignment — the state its records describe.

Every field here is set only by replaying records (``ConsumerGroups.replay``), as in Kafka's
``ConsumerGroup``/``ConsumerGroupMember``: the heartbeat computes records from this state and the
state follows the records. Members are immutable values replaced on each change.

Vocabulary (Kafka's):
- *group epoch*: bumped whenever subscriptions or the subscribed topics' metadata change;
- *assignment epoch*: the group epoch the current target assignment was computed for;
- *member epoch*: the epoch the member has reconciled to; a member moves to a newer epoch only
  after revoking the partitions it must give up (UNREVOKED_PARTITIONS), and gets partitions still
  owned by another member only once that member has released them (UNRELEASED_PARTITIONS).
- *partition epochs*: which member epoch currently owns each partition, so that no partition is
  handed to two members at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum, IntEnum

from wirekafka.coordinator.group.classic_group import GroupError
from wirekafka.protocol.errors import ErrorCode

Assignment = Mapping[uuid.UUID, frozenset[int]]
EMPTY_ASSIGNMENT: Assignment = {}

LEAVE_GROUP_MEMBER_EPOCH = -1
LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2


class MemberState(IntEnum):
    """Kafka's ``MemberState``; the value is stored in ``ConsumerGroupCurrentMemberAssignmentValue``."""

    STABLE = 0
    UNREVOKED_PARTITIONS = 1
    UNRELEASED_PARTITIONS = 2
    UNKNOWN = 127

    @classmethod
    def of(cls, value: int) -> MemberState:
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN


class ConsumerGroupState(Enum):
    EMPTY = "Empty"
    ASSIGNING = "Assigning"
    RECONCILING = "Reconciling"
    STABLE = "Stable"
    DEAD = "Dead"


def freeze(partitions: Mapping[uuid.UUID, Iterable[int]]) -> Assignment:
    """A canonical assignment: no empty topics, frozensets of partitions."""
    return {topic_id: frozenset(ids) for topic_id, ids in partitions.items() if ids}


@dataclass(frozen=True, slots=True)
class ConsumerGroupMember:
    member_id: str
    instance_id: str | None = None
    rack_id: str | None = None
    client_id: str = ""
    client_host: str = ""
    subscribed_topic_names: tuple[str, ...] = ()
    subscribed_topic_regex: str | None = None
    rebalance_timeout_ms: int = -1
    server_assignor: str | None = None
    member_epoch: int = 0
    previous_member_epoch: int = 0
    state: MemberState = MemberState.STABLE
    assigned: Assignment = field(default_factory=dict)
    pending_revocation: Assignment = field(default_factory=dict)

    def is_reconciled_to(self, target_assignment_epoch: int) -> bool:
        return self.state is MemberState.STABLE and self.member_epoch == target_assignment_epoch

    def same_subscription(self, other: ConsumerGroupMember) -> bool:
        return (
            self.instance_id == other.instance_id
            and self.rack_id == other.rack_id
            and self.client_id == other.client_id
            and self.client_host == other.client_host
            and self.subscribed_topic_names == other.subscribed_topic_names
            and self.subscribed_topic_regex == other.subscribed_topic_regex
            and self.rebalance_timeout_ms == other.rebalance_timeout_ms
            and self.server_assignor == other.server_assignor
        )

    def same_assignment_state(self, other: ConsumerGroupMember) -> bool:
        return (
            self.member_epoch == other.member_epoch
            and self.previous_member_epoch == other.previous_member_epoch
            and self.state == other.state
            and self.assigned == other.assigned
            and self.pending_revocation == other.pending_revocation
        )

    def with_epoch(self, member_epoch: int) -> ConsumerGroupMember:
        """Kafka's ``updateMemberEpoch``: the old epoch becomes the previous one."""
        return replace(self, previous_member_epoch=self.member_epoch, member_epoch=member_epoch)


@dataclass(frozen=True, slots=True)
class TopicMetadata:
    """A subscribed topic as the group saw it: its id and partition count."""

    topic_id: uuid.UUID
    name: str
    partition_count: int


@dataclass(slots=True, eq=False)
class ConsumerGroup:
    group_id: str
    group_epoch: int = 0
    assignment_epoch: int = -1
    members: dict[str, ConsumerGroupMember] = field(default_factory=dict)
    static_members: dict[str, str] = field(default_factory=dict)  # instance id -> member id
    target_assignment: dict[str, Assignment] = field(default_factory=dict)
    subscription_metadata: dict[str, TopicMetadata] = field(default_factory=dict)
    #: (topic id, partition) -> epoch of the member owning it (assigned or pending revocation).
    partition_epochs: dict[tuple[uuid.UUID, int], int] = field(default_factory=dict)

    @property
    def state(self) -> ConsumerGroupState:
        if not self.members:
            return ConsumerGroupState.EMPTY
        if self.group_epoch > self.assignment_epoch:
            return ConsumerGroupState.ASSIGNING
        if any(not m.is_reconciled_to(self.assignment_epoch) for m in self.members.values()):
            return ConsumerGroupState.RECONCILING
        return ConsumerGroupState.STABLE

    @property
    def state_name(self) -> str:
        return self.state.value

    @property
    def is_empty(self) -> bool:
        return not self.members

    def static_member(self, instance_id: str | None) -> ConsumerGroupMember | None:
        if instance_id is None:
            return None
        member_id = self.static_members.get(instance_id)
        return None if member_id is None else self.members.get(member_id)

    def current_partition_epoch(self, topic_id: uuid.UUID, partition: int) -> int:
        return self.partition_epochs.get((topic_id, partition), -1)

    def update_member(self, member: ConsumerGroupMember) -> None:
        old = self.members.get(member.member_id)
        if old is not None:
            self._release(old)
            if old.instance_id is not None and old.instance_id != member.instance_id:
                self.static_members.pop(old.instance_id, None)
        self.members[member.member_id] = member
        if member.instance_id is not None:
            self.static_members[member.instance_id] = member.member_id
        self._claim(member)

    def remove_member(self, member_id: str) -> None:
        old = self.members.pop(member_id, None)
        if old is None:
            return
        self._release(old)
        if old.instance_id is not None and self.static_members.get(old.instance_id) == member_id:
            del self.static_members[old.instance_id]

    def _claim(self, member: ConsumerGroupMember) -> None:
        for assignment in (member.assigned, member.pending_revocation):
            for topic_id, partitions in assignment.items():
                for partition in partitions:
                    self.partition_epochs[(topic_id, partition)] = member.member_epoch

    def _release(self, member: ConsumerGroupMember) -> None:
        for assignment in (member.assigned, member.pending_revocation):
            for topic_id, partitions in assignment.items():
                for partition in partitions:
                    if self.partition_epochs.get((topic_id, partition)) == member.member_epoch:
                        del self.partition_epochs[(topic_id, partition)]

    def subscribed_topic_names(self) -> set[str]:
        """Topics named by any member (regex subscriptions are resolved by the coordinator)."""
        names: set[str] = set()
        for member in self.members.values():
            names.update(member.subscribed_topic_names)
        return names

    def is_subscribed_to_topic(self, topic: str) -> bool:
        return topic in self.subscription_metadata or topic in self.subscribed_topic_names()

    def validate_offset_commit(
        self, member_id: str, member_epoch: int, api_version: int, *, transactional: bool = False
    ) -> None:
        """Kafka's ``ConsumerGroup.validateOffsetCommit``.

        Raises:
            GroupError: UNKNOWN_MEMBER_ID, UNSUPPORTED_VERSION (a KIP-848 member must use
                OffsetCommit v9+) or STALE_MEMBER_EPOCH.
        """
        if member_epoch < 0 and not self.members:
            return  # the admin client, or a consumer outside group management
        member = self.members.get(member_id)
        if member is None:
            raise GroupError(
                ErrorCode.UNKNOWN_MEMBER_ID, f"Member {member_id} is not a member of group {self.group_id}."
            )
        if api_version < 9 and not transactional:
            raise GroupError(
                ErrorCode.UNSUPPORTED_VERSION,
                "OffsetCommit version 9 or above must be used by consumer group members.",
            )
        if member_epoch != member.member_epoch:
            raise GroupError(ErrorCode.STALE_MEMBER_EPOCH, f"The member epoch {member_epoch} is stale.")

    def validate_offset_fetch(self, member_id: str | None, member_epoch: int) -> None:
        """Members fetching with their id must be at their current epoch; others are admins."""
        if member_id is None and member_epoch < 0:
            return
        member = self.members.get(member_id or "")
        if member is None:
            raise GroupError(
                ErrorCode.UNKNOWN_MEMBER_ID, f"Member {member_id} is not a member of group {self.group_id}."
            )
        if member_epoch != member.member_epoch:
            raise GroupError(ErrorCode.STALE_MEMBER_EPOCH, f"The member epoch {member_epoch} is stale.")
