"""A classic (JoinGroup/SyncGroup) group: its members, generation, protocol and state.

This module holds the data and its invariants; ``classic.py`` holds the protocol (what each
request and timer does). It follows Kafka's ``ClassicGroup`` / ``ClassicGroupMember``.

Rules:
1. States and legal transitions are Kafka's (``VALID_PREVIOUS_STATES``): Empty -> PreparingRebalance
   -> CompletingRebalance -> Stable, back to PreparingRebalance from Stable or CompletingRebalance,
   to Empty when a rebalance ends with no member, and to Dead from anywhere.
2. The leader is the first member added; when it leaves, the next member (insertion order) leads;
   a leader that does not rejoin a rebalance is replaced by a member that did.
3. A member parked in JoinGroup (``awaiting_join``) or SyncGroup (``awaiting_sync``) holds the
   token of its request; ``numAwaitingJoinResponse`` is derived, never counted by hand.
4. The protocol is chosen among those every member supports, by one vote per member for its most
   preferred candidate (Kafka's ``selectProtocol``); ties go to the leader's preference order.
5. ``protocol_type`` is None for a "simple" group, created by committing offsets without joining.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum

from wirekafka.coordinator.group.records import GroupMemberSnapshot
from wirekafka.coordinator.group.result import ReplyTo
from wirekafka.protocol.errors import ErrorCode


class ClassicGroupState(Enum):
    """Kafka's ``ClassicGroupState``; the value is the name clients see in Describe/ListGroups."""

    EMPTY = "Empty"
    PREPARING_REBALANCE = "PreparingRebalance"
    COMPLETING_REBALANCE = "CompletingRebalance"
    STABLE = "Stable"
    DEAD = "Dead"


VALID_PREVIOUS_STATES: dict[ClassicGroupState, frozenset[ClassicGroupState]] = {
    ClassicGroupState.EMPTY: frozenset({ClassicGroupState.PREPARING_REBALANCE}),
    ClassicGroupState.PREPARING_REBALANCE: frozenset(
        {ClassicGroupState.STABLE, ClassicGroupState.COMPLETING_REBALANCE, ClassicGroupState.EMPTY}
    ),
    ClassicGroupState.COMPLETING_REBALANCE: frozenset({ClassicGroupState.PREPARING_REBALANCE}),
    ClassicGroupState.STABLE: frozenset({ClassicGroupState.COMPLETING_REBALANCE}),
    ClassicGroupState.DEAD: frozenset(ClassicGroupState),
}


class GroupError(Exception):
    """A request rejected with a Kafka error code (Kafka's ``ApiException`` subclasses)."""

    def __init__(self, error: int, message: str | None = None) -> None:
        self.error = error
        super().__init__(message or (error.name if isinstance(error, ErrorCode) else f"error {error}"))


Protocol = tuple[str, bytes]  # (name, metadata), in the member's order of preference


@dataclass(slots=True, eq=False)
class ClassicGroupMember:
    member_id: str
    group_instance_id: str | None
    client_id: str
    client_host: str
    rebalance_timeout_ms: int
    session_timeout_ms: int
    protocol_type: str
    supported_protocols: list[Protocol]
    assignment: bytes = b""
    awaiting_join: ReplyTo | None = None
    awaiting_sync: ReplyTo | None = None
    #: Joined but not yet through a completed join phase: its session is not yet trusted.
    is_new: bool = False

    @property
    def is_static(self) -> bool:
        return self.group_instance_id is not None

    @property
    def is_awaiting_join(self) -> bool:
        return self.awaiting_join is not None

    @property
    def is_awaiting_sync(self) -> bool:
        return self.awaiting_sync is not None

    def metadata(self, protocol_name: str | None) -> bytes:
        for name, metadata in self.supported_protocols:
            if name == protocol_name:
                return metadata
        return b""

    def protocol_names(self) -> set[str]:
        return {name for name, _ in self.supported_protocols}

    def matches(self, protocols: list[Protocol]) -> bool:
        """Same protocols, same metadata, same order: a rejoin that changes nothing."""
        return [(n, bytes(m)) for n, m in protocols] == [(n, bytes(m)) for n, m in self.supported_protocols]

    def has_satisfied_heartbeat(self) -> bool:
        """Whether a session expiry should spare this member (Kafka's ``hasSatisfiedHeartbeat``).

        New members can expire even while parked in JoinGroup; established members parked in
        JoinGroup or SyncGroup are waiting on the group, not dead.
        """
        if self.is_new:
            return False
        return self.is_awaiting_join or self.is_awaiting_sync

    def vote(self, candidates: set[str]) -> str:
        for name, _ in self.supported_protocols:
            if name in candidates:
                return name
        raise ValueError("member supports none of the candidate protocols")


@dataclass(slots=True, eq=False)
class ClassicGroup:
    group_id: str
    state: ClassicGroupState = ClassicGroupState.EMPTY
    previous_state: ClassicGroupState | None = None
    current_state_timestamp_ms: int | None = None
    generation_id: int = 0
    protocol_type: str | None = None
    protocol_name: str | None = None
    leader_id: str | None = None
    members: dict[str, ClassicGroupMember] = field(default_factory=dict)
    static_members: dict[str, str] = field(default_factory=dict)  # group instance id -> member id
    pending_join_members: set[str] = field(default_factory=set)
    pending_sync_members: set[str] = field(default_factory=set)
    #: During the initial (delayed) rebalance: whether a member joined since the delay was armed.
    new_member_added: bool = False

    # -- states -----------------------------------------------------------------------------------

    def is_in(self, *states: ClassicGroupState) -> bool:
        return self.state in states

    def transition_to(self, target: ClassicGroupState, now_ms: int) -> None:
        if self.state not in VALID_PREVIOUS_STATES[target]:
            raise AssertionError(
                f"group {self.group_id}: illegal transition {self.state.value} -> {target.value}"
            )
        self.previous_state = self.state
        self.state = target
        self.current_state_timestamp_ms = now_ms

    def can_rebalance(self) -> bool:
        return self.state in VALID_PREVIOUS_STATES[ClassicGroupState.PREPARING_REBALANCE]

    @property
    def is_empty(self) -> bool:
        return self.state is ClassicGroupState.EMPTY

    @property
    def is_simple(self) -> bool:
        """Created by an offset commit outside group management: no protocol type."""
        return self.protocol_type is None

    # -- members ----------------------------------------------------------------------------------

    def has_member(self, member_id: str) -> bool:
        return member_id in self.members

    def member(self, member_id: str) -> ClassicGroupMember:
        return self.members[member_id]

    def is_leader(self, member_id: str) -> bool:
        return self.leader_id == member_id

    def add(self, member: ClassicGroupMember) -> None:
        if member.group_instance_id is not None:
            if member.group_instance_id in self.static_members:
                raise AssertionError(f"static member {member.group_instance_id} is already in the group")
            self.static_members[member.group_instance_id] = member.member_id
        if not self.members:
            self.protocol_type = member.protocol_type
        if self.protocol_type != member.protocol_type:
            raise AssertionError("the group and the member must have the same protocol type")
        if self.leader_id is None:
            self.leader_id = member.member_id
        self.members[member.member_id] = member
        self.pending_join_members.discard(member.member_id)

    def remove(self, member_id: str) -> None:
        removed = self.members.pop(member_id, None)
        if removed is not None and removed.group_instance_id is not None:
            self.static_members.pop(removed.group_instance_id, None)
        if self.leader_id == member_id:
            self.leader_id = next(iter(self.members), None)
        self.pending_join_members.discard(member_id)
        self.pending_sync_members.discard(member_id)

    def replace_static_member(
        self, group_instance_id: str, old_member_id: str, new_member_id: str
    ) -> tuple[ClassicGroupMember, ClassicGroupMember]:
        """Give a static member a new member id, keeping its place, protocols and assignment.

        Returns the (removed, new) members; the caller fences requests parked by the old one.
        """
        old = self.members.pop(old_member_id)
        new = ClassicGroupMember(
            member_id=new_member_id,
            group_instance_id=old.group_instance_id,
            client_id=old.client_id,
            client_host=old.client_host,
            rebalance_timeout_ms=old.rebalance_timeout_ms,
            session_timeout_ms=old.session_timeout_ms,
            protocol_type=old.protocol_type,
            supported_protocols=list(old.supported_protocols),
            assignment=old.assignment,
        )
        self.members[new_member_id] = new
        if self.leader_id == old_member_id:
            self.leader_id = new_member_id
        self.static_members[group_instance_id] = new_member_id
        self.pending_sync_members.discard(old_member_id)
        return old, new

    def static_member_id(self, group_instance_id: str) -> str | None:
        return self.static_members.get(group_instance_id)

    def is_pending_member(self, member_id: str) -> bool:
        return member_id in self.pending_join_members

    def num_awaiting_join(self) -> int:
        return sum(1 for m in self.members.values() if m.is_awaiting_join)

    def has_all_members_joined(self) -> bool:
        return self.num_awaiting_join() == len(self.members) and not self.pending_join_members

    def not_yet_rejoined(self) -> list[ClassicGroupMember]:
        return [m for m in self.members.values() if not m.is_awaiting_join]

    def rebalance_timeout_ms(self) -> int:
        return max((m.rebalance_timeout_ms for m in self.members.values()), default=0)

    def validate_member(self, member_id: str, group_instance_id: str | None) -> None:
        """Kafka's ``validateMember``: a static id must map to this member id; the member must exist.

        Raises:
            GroupError: UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID.
        """
        if group_instance_id is not None:
            existing = self.static_members.get(group_instance_id)
            if existing is None:
                raise GroupError(ErrorCode.UNKNOWN_MEMBER_ID)
            if existing != member_id:
                raise GroupError(ErrorCode.FENCED_INSTANCE_ID)
        if member_id not in self.members:
            raise GroupError(ErrorCode.UNKNOWN_MEMBER_ID)

    # -- protocols --------------------------------------------------------------------------------

    def _supported_counts(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for member in self.members.values():
            counts.update(member.protocol_names())
        return counts

    def supports_protocols(self, protocol_type: str, protocol_names: set[str]) -> bool:
        """Whether a member with these protocols may join (Kafka's ``supportsProtocols``)."""
        if self.is_empty:
            return protocol_type != "" and bool(protocol_names)
        counts = self._supported_counts()
        return self.protocol_type == protocol_type and any(
            counts[name] == len(self.members) for name in protocol_names
        )

    def select_protocol(self) -> str:
        if not self.members:
            raise AssertionError("cannot select a protocol for an empty group")
        counts = self._supported_counts()
        candidates = {name for name, count in counts.items() if count == len(self.members)}
        votes = Counter(member.vote(candidates) for member in self.members.values())
        best = max(votes.values())
        tied = {name for name, count in votes.items() if count == best}
        leader = self.members.get(self.leader_id or "") or next(iter(self.members.values()))
        for name, _ in leader.supported_protocols:
            if name in tied:
                return name
        return sorted(tied)[0]

    def subscribed_topics(self) -> set[str] | None:
        """Topics of every member's consumer subscription; None when unknown (not "consumer")."""
        from wirekafka.coordinator.group.consumer_protocol import subscribed_topics

        if self.protocol_type != "consumer":
            return None
        if not self.members:
            return set()
        if self.protocol_name is None:
            return None
        topics: set[str] = set()
        for member in self.members.values():
            member_topics = subscribed_topics(member.metadata(self.protocol_name))
            if member_topics is None:
                return None
            topics |= member_topics
        return topics

    def is_subscribed_to_topic(self, topic: str) -> bool:
        topics = self.subscribed_topics()
        if topics is None:
            return self.protocol_type == "consumer"
        return topic in topics

    # -- generations ------------------------------------------------------------------------------

    def init_next_generation(self, now_ms: int) -> None:
        self.generation_id += 1
        if self.members:
            self.protocol_name = self.select_protocol()
            self.transition_to(ClassicGroupState.COMPLETING_REBALANCE, now_ms)
        else:
            self.protocol_name = None
            self.transition_to(ClassicGroupState.EMPTY, now_ms)
        self.pending_sync_members.clear()

    def maybe_elect_new_joined_leader(self) -> bool:
        """Replace a leader that did not rejoin by one that did; False when no member rejoined."""
        if self.leader_id is None:
            return False
        leader = self.members[self.leader_id]
        if leader.is_awaiting_join:
            return True
        for member in self.members.values():
            if member.is_awaiting_join:
                self.leader_id = member.member_id
                return True
        return False

    def snapshot_members(self, assignments: dict[str, bytes] | None = None) -> list[GroupMemberSnapshot]:
        """Members as a ``GroupMetadataValue`` keeps them (subscription = the chosen protocol's metadata)."""
        return [
            GroupMemberSnapshot(
                member_id=m.member_id,
                group_instance_id=m.group_instance_id,
                client_id=m.client_id,
                client_host=m.client_host,
                rebalance_timeout_ms=m.rebalance_timeout_ms,
                session_timeout_ms=m.session_timeout_ms,
                subscription=m.metadata(self.protocol_name),
                assignment=(assignments or {}).get(m.member_id, m.assignment),
            )
            for m in self.members.values()
        ]
