"""The classic group protocol: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and their timers.

A port of the classic half of Kafka's ``GroupMetadataManager`` (3.7+ coordinator), as a pure
state machine: every entry point takes ``now_ms`` and returns a ``Result`` (records to append,
replies to parked requests); deadlines go to ``store.timers`` under Kafka's keys.

The rebalance, in Kafka's words and order:
1. A member joins (or the leader rejoins, or a member changes its protocols, leaves or dies):
   the group goes to PreparingRebalance and every member's JoinGroup is parked. The first
   rebalance of an Empty group waits ``group.initial.rebalance.delay.ms`` (extended while members
   keep arriving, up to the rebalance timeout) so that consumers starting together land in one
   generation. Later rebalances complete as soon as every member has rejoined, or after the
   rebalance timeout, dropping the dynamic members that did not.
2. Completing the join phase bumps the generation, selects the protocol, answers every parked
   JoinGroup (the leader gets the members and their metadata) and waits for SyncGroups.
3. The leader's SyncGroup carries the assignment: it is written as a ``GroupMetadata`` record and,
   once appended, every member's SyncGroup is answered with its share. The group is Stable.
4. Heartbeats keep sessions alive and tell members about a rebalance (REBALANCE_IN_PROGRESS).
   A member silent for its session timeout is removed, which starts a rebalance.

JoinGroup v4+ with an empty member id is answered MEMBER_ID_REQUIRED with a fresh id (the member
is "pending" until it joins with it); v0-v3 get the id directly. Static members
(``group.instance.id``) keep their place: rejoining with a new member id while the group is
Stable replaces the old id without a rebalance when the selected protocol is unchanged, and
requests carrying the replaced id are fenced (FENCED_INSTANCE_ID).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wirekafka.coordinator.group import records
from wirekafka.coordinator.group.classic_group import (
    ClassicGroup,
    ClassicGroupMember,
    ClassicGroupState,
    GroupError,
    Protocol,
)
from wirekafka.coordinator.group.result import ClientInfo, Reply, ReplyTo, Result
from wirekafka.coordinator.group.store import GroupStore
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.group import (
    HeartbeatResponse,
    JoinGroupResponse,
    LeaveGroupResponse,
    SyncGroupResponse,
)

EMPTY = ClassicGroupState.EMPTY
PREPARING_REBALANCE = ClassicGroupState.PREPARING_REBALANCE
COMPLETING_REBALANCE = ClassicGroupState.COMPLETING_REBALANCE
STABLE = ClassicGroupState.STABLE
DEAD = ClassicGroupState.DEAD

UNKNOWN_MEMBER_ID = ""


def heartbeat_key(group_id: str, member_id: str) -> str:
    return f"heartbeat-{group_id}-{member_id}"


def join_key(group_id: str) -> str:
    return f"join-{group_id}"


def sync_key(group_id: str) -> str:
    return f"sync-{group_id}"


def join_error(error: int, member_id: str = UNKNOWN_MEMBER_ID) -> Any:
    return JoinGroupResponse(error_code=error, member_id=member_id)


class ClassicGroups:
    """The classic protocol over the groups of one shard."""

    def __init__(self, store: GroupStore, delete_empty_consumer_group: Callable[[str], Result[Any]]) -> None:
        self.store = store
        self.config = store.config
        self.timers = store.timers
        self._delete_empty_consumer_group = delete_empty_consumer_group

    # -- lookups ----------------------------------------------------------------------------------

    def group(self, group_id: str) -> ClassicGroup | None:
        group = self.store.groups.get(group_id)
        return group if isinstance(group, ClassicGroup) else None

    def get_or_create(self, group_id: str) -> ClassicGroup:
        """The classic group, created Empty if absent (offset commits outside group management)."""
        group = self.group(group_id)
        if group is None:
            group = ClassicGroup(group_id)
            self.store.groups[group_id] = group
        return group

    # -- JoinGroup --------------------------------------------------------------------------------

    def join(self, request: Any, client: ClientInfo, reply_to: ReplyTo, now_ms: int) -> Result[None]:
        """Handle a JoinGroup; the answer arrives as a ``Reply`` to ``reply_to``, now or later."""
        result: Result[None] = Result()
        group_id = request.group_id
        member_id = request.member_id
        if not group_id:
            return self._reply(result, reply_to, join_error(ErrorCode.INVALID_GROUP_ID, member_id))
        if (
            not self.config.min_session_timeout_ms
            <= request.session_timeout_ms
            <= self.config.max_session_timeout_ms
        ):
            return self._reply(result, reply_to, join_error(ErrorCode.INVALID_SESSION_TIMEOUT, member_id))
        existing = self.store.groups.get(group_id)
        if existing is not None and not isinstance(existing, ClassicGroup):
            if not existing.is_empty:
                # Mixed classic/consumer groups (KIP-848 online migration) are not supported.
                return self._reply(result, reply_to, join_error(ErrorCode.INCONSISTENT_GROUP_PROTOCOL))
            result.absorb(self._delete_empty_consumer_group(group_id))
        is_unknown_member = member_id == UNKNOWN_MEMBER_ID
        group = self.group(group_id)
        is_new_group = group is None
        if group is None:
            if not is_unknown_member:
                return self._reply(result, reply_to, join_error(ErrorCode.UNKNOWN_MEMBER_ID, member_id))
            group = self.get_or_create(group_id)
        if not self._accept_joining_member(group, member_id):
            group.remove(member_id)
            self._reply(result, reply_to, join_error(ErrorCode.GROUP_MAX_SIZE_REACHED))
        elif is_unknown_member:
            result.absorb(self._join_new_member(group, request, client, reply_to, now_ms))
        else:
            result.absorb(self._join_existing_member(group, request, client, reply_to, now_ms))
        if is_new_group and not result.records:
            # Kafka writes the new group right away so that it exists once the join is answered.
            result.records.append(self._empty_group_record(group))
        return result

    def _accept_joining_member(self, group: ClassicGroup, member_id: str) -> bool:
        """``group.max.size``: existing members always fit; new ones up to the limit."""
        if group.is_in(EMPTY, DEAD):
            return True
        if group.is_in(PREPARING_REBALANCE):
            # Awaiting members are counted: the group may exceed a lowered max size.
            return (
                group.has_member(member_id) and group.member(member_id).is_awaiting_join
            ) or group.num_awaiting_join() < self.config.max_size
        return group.has_member(member_id) or len(group.members) < self.config.max_size

    def _join_new_member(
        self, group: ClassicGroup, request: Any, client: ClientInfo, reply_to: ReplyTo, now_ms: int
    ) -> Result[None]:
        result: Result[None] = Result()
        protocols = _protocols(request)
        if group.is_in(DEAD):
            return self._reply(result, reply_to, join_error(ErrorCode.COORDINATOR_NOT_AVAILABLE))
        if not group.supports_protocols(request.protocol_type, {name for name, _ in protocols}):
            return self._reply(result, reply_to, join_error(ErrorCode.INCONSISTENT_GROUP_PROTOCOL))
        instance_id = request.group_instance_id
        new_member_id = (
            f"{instance_id if instance_id is not None else client.client_id}-{self.store.new_uuid()}"
        )
        if instance_id is not None:
            existing = group.static_member_id(instance_id)
            if existing is not None:
                return self._update_static_member(
                    group, request, client, existing, new_member_id, reply_to, now_ms
                )
            return self._add_member(group, request, client, new_member_id, reply_to, now_ms)
        if client.api_version >= 4:
            # KIP-394: the member must come back with this id, so a client that retries a timed-out
            # first join does not leave a trail of phantom members behind.
            group.pending_join_members.add(new_member_id)
            self._schedule_heartbeat(group.group_id, new_member_id, now_ms + request.session_timeout_ms)
            return self._reply(result, reply_to, join_error(ErrorCode.MEMBER_ID_REQUIRED, new_member_id))
        return self._add_member(group, request, client, new_member_id, reply_to, now_ms)

    def _join_existing_member(
        self, group: ClassicGroup, request: Any, client: ClientInfo, reply_to: ReplyTo, now_ms: int
    ) -> Result[None]:
        result: Result[None] = Result()
        member_id = request.member_id
        protocols = _protocols(request)
        if group.is_in(DEAD):
            return self._reply(result, reply_to, join_error(ErrorCode.COORDINATOR_NOT_AVAILABLE, member_id))
        if not group.supports_protocols(request.protocol_type, {name for name, _ in protocols}):
            return self._reply(result, reply_to, join_error(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, member_id))
        if group.is_pending_member(member_id):
            if request.group_instance_id is not None:
                return self._reply(result, reply_to, join_error(ErrorCode.UNKNOWN_SERVER_ERROR, member_id))
            return self._add_member(group, request, client, member_id, reply_to, now_ms)
        try:
            group.validate_member(member_id, request.group_instance_id)
        except GroupError as exc:
            return self._reply(result, reply_to, join_error(exc.error, member_id))
        member = group.member(member_id)
        if group.is_in(PREPARING_REBALANCE):
            return self._update_member_then_rebalance(group, member, request, reply_to, now_ms)
        if group.is_in(COMPLETING_REBALANCE):
            if member.matches(protocols):
                # The member lost the JoinGroup response: answer again with the current generation.
                members = self._join_members(group) if group.is_leader(member_id) else []
                return self._reply(result, reply_to, self._join_response(group, member_id, members))
            return self._update_member_then_rebalance(group, member, request, reply_to, now_ms)
        if group.is_in(STABLE):
            if group.is_leader(member_id) or not member.matches(protocols):
                # A rejoining leader asks for a new assignment (e.g. the topics' partitions changed).
                return self._update_member_then_rebalance(group, member, request, reply_to, now_ms)
            return self._reply(result, reply_to, self._join_response(group, member_id, []))
        # Empty: the member belongs to a generation that is gone; it must rejoin from scratch.
        return self._reply(result, reply_to, join_error(ErrorCode.UNKNOWN_MEMBER_ID, member_id))

    def _add_member(
        self,
        group: ClassicGroup,
        request: Any,
        client: ClientInfo,
        member_id: str,
        reply_to: ReplyTo,
        now_ms: int,
    ) -> Result[None]:
        member = ClassicGroupMember(
            member_id=member_id,
            group_instance_id=request.group_instance_id,
            client_id=client.client_id,
            client_host=client.client_host,
            rebalance_timeout_ms=_rebalance_timeout(request),
            session_timeout_ms=request.session_timeout_ms,
            protocol_type=request.protocol_type,
            supported_protocols=_protocols(request),
            awaiting_join=reply_to,
            is_new=True,
        )
        if group.is_in(PREPARING_REBALANCE) and group.previous_state is EMPTY:
            group.new_member_added = True
        group.add(member)
        # A new member cannot heartbeat while its JoinGroup is parked, and a client that gave up
        # would leave it behind forever: bound its wait (Kafka's new-member join timeout).
        self._schedule_heartbeat(group.group_id, member_id, now_ms + self.config.new_member_join_timeout_ms)
        return self._maybe_prepare_rebalance_or_complete_join(group, now_ms)

    def _update_member_then_rebalance(
        self, group: ClassicGroup, member: ClassicGroupMember, request: Any, reply_to: ReplyTo, now_ms: int
    ) -> Result[None]:
        result: Result[None] = Result()
        self._update_member(
            result,
            member,
            _protocols(request),
            _rebalance_timeout(request),
            request.session_timeout_ms,
            reply_to,
        )
        result.absorb(self._maybe_prepare_rebalance_or_complete_join(group, now_ms))
        return result

    def _update_member(
        self,
        result: Result[Any],
        member: ClassicGroupMember,
        protocols: list[Protocol],
        rebalance_timeout_ms: int,
        session_timeout_ms: int,
        reply_to: ReplyTo | None,
    ) -> None:
        member.supported_protocols = protocols
        member.rebalance_timeout_ms = rebalance_timeout_ms
        member.session_timeout_ms = session_timeout_ms
        if member.awaiting_join is not None and reply_to is not None and member.awaiting_join != reply_to:
            # A second JoinGroup while one is parked (a client that timed out and retried on a new
            # connection): the older request is answered so that no handler waits forever.
            result.replies.append(
                Reply(member.awaiting_join, join_error(ErrorCode.REBALANCE_IN_PROGRESS, member.member_id))
            )
        member.awaiting_join = reply_to

    def _update_static_member(
        self,
        group: ClassicGroup,
        request: Any,
        client: ClientInfo,
        old_member_id: str,
        new_member_id: str,
        reply_to: ReplyTo,
        now_ms: int,
    ) -> Result[None]:
        """A known static member joins with an unknown member id: it takes the old member's place."""
        result: Result[None] = Result()
        current_leader = group.leader_id
        old, new = group.replace_static_member(request.group_instance_id, old_member_id, new_member_id)
        if old.awaiting_join is not None:
            result.replies.append(
                Reply(
                    old.awaiting_join,
                    JoinGroupResponse(
                        error_code=ErrorCode.FENCED_INSTANCE_ID,
                        member_id=old_member_id,
                        protocol_name=None,
                        leader="",
                    ),
                )
            )
        if old.awaiting_sync is not None:
            result.replies.append(
                Reply(
                    old.awaiting_sync,
                    SyncGroupResponse(error_code=ErrorCode.FENCED_INSTANCE_ID, assignment=b""),
                )
            )
        self.timers.cancel(heartbeat_key(group.group_id, old_member_id))
        self._schedule_heartbeat(group.group_id, new_member_id, now_ms + new.session_timeout_ms)
        self._update_member(
            result,
            new,
            _protocols(request),
            _rebalance_timeout(request),
            request.session_timeout_ms,
            reply_to,
        )
        if group.is_in(STABLE):
            if group.protocol_name == group.select_protocol():
                # Same protocol for the next generation: persist the new member id, no rebalance.
                result.records.append(self._group_record(group))
                new.awaiting_join = None
                if client.api_version >= 9:
                    is_leader = group.is_leader(new_member_id)
                    response = self._join_response(
                        group,
                        new_member_id,
                        self._join_members(group) if is_leader else [],
                        skip_assignment=is_leader,
                    )
                else:
                    # Older clients are told the old leader id, so a returning leader does not
                    # recompute an assignment for a generation that did not change.
                    response = self._join_response(group, new_member_id, [])
                    response.leader = current_leader or ""
                result.replies.append(Reply(reply_to, response))
                return result
            result.absorb(self._maybe_prepare_rebalance_or_complete_join(group, now_ms))
            return result
        if group.is_in(COMPLETING_REBALANCE):
            # The leader may already hold an assignment for the old member id: start over.
            result.absorb(self._prepare_rebalance(group, now_ms))
            return result
        result.absorb(self._maybe_complete_join_phase(group, now_ms))
        return result

    # -- the rebalance ----------------------------------------------------------------------------

    def _maybe_prepare_rebalance_or_complete_join(self, group: ClassicGroup, now_ms: int) -> Result[None]:
        if group.can_rebalance():
            return self._prepare_rebalance(group, now_ms)
        return self._maybe_complete_join_phase(group, now_ms)

    def _prepare_rebalance(self, group: ClassicGroup, now_ms: int) -> Result[None]:
        result: Result[None] = Result()
        if group.is_in(COMPLETING_REBALANCE):
            # Members waiting in SyncGroup must rejoin: their assignment is obsolete.
            for member in group.members.values():
                member.assignment = b""
            result.absorb(self._propagate_assignment(group, ErrorCode.REBALANCE_IN_PROGRESS, now_ms))
        group.pending_sync_members.clear()
        self.timers.cancel(sync_key(group.group_id))
        initial = group.is_in(EMPTY)
        if initial:
            delay = self.config.initial_rebalance_delay_ms
            remaining = max(group.rebalance_timeout_ms() - delay, 0)
            group_id = group.group_id

            def initial_join(now: int) -> Result[None]:
                return self._try_complete_initial_rebalance(group_id, delay, remaining, now)

            self.timers.schedule(join_key(group_id), now_ms + delay, initial_join)
        group.transition_to(PREPARING_REBALANCE, now_ms)
        if not initial:
            result.absorb(self._maybe_complete_join_else_schedule(group, now_ms))
        return result

    def _maybe_complete_join_else_schedule(self, group: ClassicGroup, now_ms: int) -> Result[None]:
        if group.has_all_members_joined():
            return self._complete_join(group, now_ms)
        group_id = group.group_id
        self.timers.schedule(
            join_key(group_id),
            now_ms + group.rebalance_timeout_ms(),
            lambda now: self._complete_join_by_id(group_id, now),
        )
        return Result()

    def _maybe_complete_join_phase(self, group: ClassicGroup, now_ms: int) -> Result[None]:
        if not group.is_in(PREPARING_REBALANCE):
            return Result()
        if group.previous_state is EMPTY:
            return Result()  # the initial rebalance completes on its (delayed) timer
        if not group.has_all_members_joined():
            return Result()
        return self._complete_join(group, now_ms)

    def _try_complete_initial_rebalance(
        self, group_id: str, delay_ms: int, remaining_ms: int, now_ms: int
    ) -> Result[None]:
        group = self.group(group_id)
        if group is None:
            return Result()
        if group.new_member_added and remaining_ms != 0:
            group.new_member_added = False
            new_delay = min(self.config.initial_rebalance_delay_ms, remaining_ms)
            new_remaining = max(remaining_ms - delay_ms, 0)
            self.timers.schedule(
                join_key(group_id),
                now_ms + new_delay,
                lambda now: self._try_complete_initial_rebalance(group_id, new_delay, new_remaining, now),
            )
            return Result()
        return self._complete_join(group, now_ms)

    def _complete_join_by_id(self, group_id: str, now_ms: int) -> Result[None]:
        group = self.group(group_id)
        return Result() if group is None else self._complete_join(group, now_ms)

    def _complete_join(self, group: ClassicGroup, now_ms: int) -> Result[None]:
        result: Result[None] = Result()
        group_id = group.group_id
        self.timers.cancel(join_key(group_id))
        for member in group.not_yet_rejoined():
            if not member.is_static:
                group.remove(member.member_id)
                self.timers.cancel(heartbeat_key(group_id, member.member_id))
        if group.is_in(DEAD):
            return result
        if not group.maybe_elect_new_joined_leader() and group.members:
            # Nobody rejoined (only static members remain): wait another rebalance timeout for the
            # session timeouts to clear them out.
            self.timers.schedule(
                join_key(group_id),
                now_ms + group.rebalance_timeout_ms(),
                lambda now: self._complete_join_by_id(group_id, now),
            )
            return result
        group.init_next_generation(now_ms)
        if group.is_in(EMPTY):
            result.records.append(self._group_record(group))
            return result
        leader_members = self._join_members(group)
        for member in group.members.values():
            if member.awaiting_join is not None:
                members = leader_members if group.is_leader(member.member_id) else []
                result.replies.append(
                    Reply(member.awaiting_join, self._join_response(group, member.member_id, members))
                )
                member.awaiting_join = None
            self._schedule_heartbeat(group_id, member.member_id, now_ms + member.session_timeout_ms)
            member.is_new = False
            group.pending_sync_members.add(member.member_id)
        generation = group.generation_id
        self.timers.schedule(
            sync_key(group_id),
            now_ms + group.rebalance_timeout_ms(),
            lambda now: self._expire_pending_sync(group_id, generation, now),
        )
        return result

    def _expire_pending_sync(self, group_id: str, generation_id: int, now_ms: int) -> Result[None]:
        """Members that got the JoinGroup response but never sent SyncGroup are dropped."""
        group = self.group(group_id)
        if group is None or generation_id != group.generation_id:
            return Result()
        if group.is_in(COMPLETING_REBALANCE, STABLE) and group.pending_sync_members:
            for member_id in sorted(group.pending_sync_members):
                self._drop_member(Result(), group, member_id)
            return self._prepare_rebalance(group, now_ms)
        return Result()

    def _expire_heartbeat(self, group_id: str, member_id: str, now_ms: int) -> Result[None]:
        group = self.group(group_id)
        if group is None or group.is_in(DEAD):
            return Result()
        if group.is_pending_member(member_id):
            group.remove(member_id)
            if group.is_in(PREPARING_REBALANCE) and group.has_all_members_joined():
                return self._complete_join(group, now_ms)
            return Result()
        if not group.has_member(member_id):
            return Result()
        if group.member(member_id).has_satisfied_heartbeat():
            return Result()
        return self._remove_member_and_update_group(group, member_id, now_ms)

    def _remove_member_and_update_group(
        self, group: ClassicGroup, member_id: str, now_ms: int
    ) -> Result[None]:
        result: Result[None] = Result()
        self._drop_member(result, group, member_id)
        if group.is_in(STABLE, COMPLETING_REBALANCE):
            result.absorb(self._maybe_prepare_rebalance_or_complete_join(group, now_ms))
        elif group.is_in(PREPARING_REBALANCE) and group.has_all_members_joined():
            result.absorb(self._complete_join(group, now_ms))
        return result

    def _drop_member(self, result: Result[Any], group: ClassicGroup, member_id: str) -> None:
        """Remove a member, answering whatever it has parked (UNKNOWN_MEMBER_ID: it may rejoin)."""
        member = group.members.get(member_id)
        if member is not None:
            if member.awaiting_join is not None:
                result.replies.append(Reply(member.awaiting_join, join_error(ErrorCode.UNKNOWN_MEMBER_ID)))
                member.awaiting_join = None
            if member.awaiting_sync is not None:
                result.replies.append(
                    Reply(member.awaiting_sync, SyncGroupResponse(error_code=ErrorCode.UNKNOWN_MEMBER_ID))
                )
                member.awaiting_sync = None
        group.remove(member_id)
        self.timers.cancel(heartbeat_key(group.group_id, member_id))

    def _schedule_heartbeat(self, group_id: str, member_id: str, deadline_ms: int) -> None:
        self.timers.schedule(
            heartbeat_key(group_id, member_id),
            deadline_ms,
            lambda now: self._expire_heartbeat(group_id, member_id, now),
        )

    def reschedule_heartbeat(self, group: ClassicGroup, member_id: str, now_ms: int) -> None:
        """Restart a member's session (a heartbeat, or an offset commit, proves it is alive)."""
        member = group.member(member_id)
        self._schedule_heartbeat(group.group_id, member_id, now_ms + member.session_timeout_ms)

    # -- SyncGroup --------------------------------------------------------------------------------

    def sync(self, request: Any, client: ClientInfo, reply_to: ReplyTo, now_ms: int) -> Result[None]:
        result: Result[None] = Result()
        if not request.group_id:
            return self._reply(result, reply_to, SyncGroupResponse(error_code=ErrorCode.INVALID_GROUP_ID))
        group = self.group(request.group_id)
        if group is None or group.is_empty:
            return self._reply(result, reply_to, SyncGroupResponse(error_code=ErrorCode.UNKNOWN_MEMBER_ID))
        error = self._validate_sync(group, request)
        if error is not None:
            return self._reply(result, reply_to, SyncGroupResponse(error_code=error))
        member_id = request.member_id
        if group.is_in(PREPARING_REBALANCE):
            return self._reply(
                result, reply_to, SyncGroupResponse(error_code=ErrorCode.REBALANCE_IN_PROGRESS)
            )
        member = group.member(member_id)
        if group.is_in(COMPLETING_REBALANCE):
            if member.awaiting_sync is not None:
                result.replies.append(
                    Reply(member.awaiting_sync, SyncGroupResponse(error_code=ErrorCode.REBALANCE_IN_PROGRESS))
                )
            member.awaiting_sync = reply_to
            self._remove_pending_sync_member(group, member_id)
            if group.is_leader(member_id):
                assignment = {a.member_id: bytes(a.assignment) for a in request.assignments}
                for other_id in group.members:
                    assignment.setdefault(other_id, b"")
                result.records.append(self._group_record(group, assignment))
                # The runtime answers only once the record is appended; if the append fails it
                # reloads the partition, which undoes this transition.
                for other in group.members.values():
                    other.assignment = assignment[other.member_id]
                result.absorb(self._propagate_assignment(group, ErrorCode.NO_ERROR, now_ms))
                group.transition_to(STABLE, now_ms)
            return result
        # Stable: a member that lost its SyncGroup response asks again.
        self._remove_pending_sync_member(group, member_id)
        return self._reply(
            result,
            reply_to,
            SyncGroupResponse(
                error_code=ErrorCode.NO_ERROR,
                protocol_type=group.protocol_type,
                protocol_name=group.protocol_name,
                assignment=member.assignment,
            ),
        )

    def _validate_sync(self, group: ClassicGroup, request: Any) -> int | None:
        if group.is_in(DEAD):
            return ErrorCode.COORDINATOR_NOT_AVAILABLE
        try:
            group.validate_member(request.member_id, request.group_instance_id)
        except GroupError as exc:
            return exc.error
        if request.generation_id != group.generation_id:
            return ErrorCode.ILLEGAL_GENERATION
        if _inconsistent(request.protocol_type, group.protocol_type) or _inconsistent(
            request.protocol_name, group.protocol_name
        ):
            return ErrorCode.INCONSISTENT_GROUP_PROTOCOL
        return None

    def _remove_pending_sync_member(self, group: ClassicGroup, member_id: str) -> None:
        group.pending_sync_members.discard(member_id)
        if not group.is_in(COMPLETING_REBALANCE, STABLE) or not group.pending_sync_members:
            self.timers.cancel(sync_key(group.group_id))

    def _propagate_assignment(self, group: ClassicGroup, error: ErrorCode, now_ms: int) -> Result[None]:
        result: Result[None] = Result()
        ok = error is ErrorCode.NO_ERROR
        for member in group.members.values():
            if member.awaiting_sync is None:
                continue
            result.replies.append(
                Reply(
                    member.awaiting_sync,
                    SyncGroupResponse(
                        error_code=error,
                        protocol_type=group.protocol_type if ok else None,
                        protocol_name=group.protocol_name if ok else None,
                        assignment=member.assignment,
                    ),
                )
            )
            member.awaiting_sync = None
            # Sessions that expired while the member waited for the leader were spared; start anew.
            self._schedule_heartbeat(group.group_id, member.member_id, now_ms + member.session_timeout_ms)
        return result

    # -- Heartbeat --------------------------------------------------------------------------------

    def heartbeat(self, request: Any, now_ms: int) -> Result[Any]:
        if not request.group_id:
            return Result(response=HeartbeatResponse(error_code=ErrorCode.INVALID_GROUP_ID))
        group = self.group(request.group_id)
        if group is None:
            return Result(response=HeartbeatResponse(error_code=ErrorCode.UNKNOWN_MEMBER_ID))
        if group.is_in(DEAD):
            return Result(response=HeartbeatResponse(error_code=ErrorCode.COORDINATOR_NOT_AVAILABLE))
        try:
            group.validate_member(request.member_id, request.group_instance_id)
        except GroupError as exc:
            return Result(response=HeartbeatResponse(error_code=exc.error))
        if request.generation_id != group.generation_id:
            return Result(response=HeartbeatResponse(error_code=ErrorCode.ILLEGAL_GENERATION))
        if group.is_in(EMPTY):
            return Result(response=HeartbeatResponse(error_code=ErrorCode.UNKNOWN_MEMBER_ID))
        self.reschedule_heartbeat(group, request.member_id, now_ms)
        if group.is_in(PREPARING_REBALANCE):
            return Result(response=HeartbeatResponse(error_code=ErrorCode.REBALANCE_IN_PROGRESS))
        return Result(response=HeartbeatResponse(error_code=ErrorCode.NO_ERROR))

    # -- LeaveGroup -------------------------------------------------------------------------------

    def leave(self, group_id: str, members: list[Any], now_ms: int) -> Result[Any]:
        """Remove members (``MemberIdentity`` structs; v0-v2 requests are turned into one)."""
        if not group_id:
            return Result(response=LeaveGroupResponse(error_code=ErrorCode.INVALID_GROUP_ID))
        group = self.group(group_id)
        if group is None:
            return Result(response=LeaveGroupResponse(error_code=ErrorCode.UNKNOWN_MEMBER_ID))
        if group.is_in(DEAD):
            return Result(response=LeaveGroupResponse(error_code=ErrorCode.COORDINATOR_NOT_AVAILABLE))
        result: Result[Any] = Result()
        responses = []
        left_any = False
        for identity in members:
            error: int = ErrorCode.NO_ERROR
            if identity.member_id == UNKNOWN_MEMBER_ID:
                # Administrative removal of a static member by its instance id (kafka-consumer-groups).
                static_id = (
                    group.static_member_id(identity.group_instance_id) if identity.group_instance_id else None
                )
                if static_id is None:
                    error = ErrorCode.UNKNOWN_MEMBER_ID
                else:
                    self._drop_member(result, group, static_id)
            elif group.is_pending_member(identity.member_id):
                group.remove(identity.member_id)
                self.timers.cancel(heartbeat_key(group_id, identity.member_id))
            else:
                try:
                    group.validate_member(identity.member_id, identity.group_instance_id)
                except GroupError as exc:
                    error = exc.error
                else:
                    self._drop_member(result, group, identity.member_id)
            left_any = left_any or error is ErrorCode.NO_ERROR
            responses.append(
                LeaveGroupResponse.MemberResponse(
                    member_id=identity.member_id,
                    group_instance_id=identity.group_instance_id,
                    error_code=error,
                )
            )
        if left_any:
            if group.is_in(STABLE, COMPLETING_REBALANCE):
                result.absorb(self._maybe_prepare_rebalance_or_complete_join(group, now_ms))
            elif group.is_in(PREPARING_REBALANCE):
                result.absorb(self._maybe_complete_join_phase(group, now_ms))
        result.response = LeaveGroupResponse(error_code=ErrorCode.NO_ERROR, members=responses)
        return result

    # -- load, unload, delete ---------------------------------------------------------------------

    def replay(self, group_id: str, value: Any) -> None:
        """Apply a ``GroupMetadata`` record (None = tombstone) to the in-memory groups."""
        if value is None:
            self.remove_group(group_id)
            return
        group = ClassicGroup(
            group_id,
            state=STABLE if value.members else EMPTY,
            generation_id=value.generation,
            protocol_type=value.protocol_type or None,
            protocol_name=value.protocol,
            leader_id=value.leader,
            current_state_timestamp_ms=None
            if value.current_state_timestamp == -1
            else value.current_state_timestamp,
        )
        for m in value.members:
            group.add(
                ClassicGroupMember(
                    member_id=m.member_id,
                    group_instance_id=m.group_instance_id,
                    client_id=m.client_id,
                    client_host=m.client_host,
                    rebalance_timeout_ms=m.session_timeout
                    if m.rebalance_timeout == -1
                    else m.rebalance_timeout,
                    session_timeout_ms=m.session_timeout,
                    protocol_type=value.protocol_type,
                    supported_protocols=[(value.protocol or "", bytes(m.subscription))],
                    assignment=bytes(m.assignment),
                )
            )
        group.leader_id = value.leader if value.leader in group.members else next(iter(group.members), None)
        self.store.groups[group_id] = group

    def on_loaded(self, now_ms: int) -> Result[None]:
        """Arm every loaded member's session; an over-capacity group rebalances (Kafka's onLoaded)."""
        result: Result[None] = Result()
        for group in [g for g in self.store.groups.values() if isinstance(g, ClassicGroup)]:
            for member in group.members.values():
                self._schedule_heartbeat(group.group_id, member.member_id, now_ms + member.session_timeout_ms)
            if len(group.members) > self.config.max_size and group.can_rebalance():
                result.absorb(self._prepare_rebalance(group, now_ms))
        return result

    def on_unloaded(self) -> list[Reply]:
        """The partition moves away: parked requests are told NOT_COORDINATOR, so clients look again."""
        replies = []
        for group in [g for g in self.store.groups.values() if isinstance(g, ClassicGroup)]:
            for member in group.members.values():
                if member.awaiting_join is not None:
                    replies.append(
                        Reply(member.awaiting_join, join_error(ErrorCode.NOT_COORDINATOR, member.member_id))
                    )
                if member.awaiting_sync is not None:
                    replies.append(
                        Reply(member.awaiting_sync, SyncGroupResponse(error_code=ErrorCode.NOT_COORDINATOR))
                    )
        return replies

    def remove_group(self, group_id: str) -> None:
        if self.group(group_id) is not None:
            del self.store.groups[group_id]
            self.timers.cancel(join_key(group_id))
            self.timers.cancel(sync_key(group_id))
            self.timers.cancel_prefix(f"heartbeat-{group_id}-")

    def tombstones(self, group: ClassicGroup) -> list[records.CoordinatorRecord]:
        return [records.group_metadata_tombstone(group.group_id)]

    # -- helpers ----------------------------------------------------------------------------------

    def _reply(self, result: Result[None], reply_to: ReplyTo, response: Any) -> Result[None]:
        result.replies.append(Reply(reply_to, response))
        return result

    def _join_members(self, group: ClassicGroup) -> list[Any]:
        return [
            JoinGroupResponse.JoinGroupResponseMember(
                member_id=m.member_id,
                group_instance_id=m.group_instance_id,
                metadata=m.metadata(group.protocol_name),
            )
            for m in group.members.values()
        ]

    def _join_response(
        self, group: ClassicGroup, member_id: str, members: list[Any], *, skip_assignment: bool = False
    ) -> Any:
        return JoinGroupResponse(
            error_code=ErrorCode.NO_ERROR,
            generation_id=group.generation_id,
            protocol_type=group.protocol_type,
            protocol_name=group.protocol_name,
            leader=group.leader_id or "",
            skip_assignment=skip_assignment,
            member_id=member_id,
            members=members,
        )

    def _group_record(
        self, group: ClassicGroup, assignment: dict[str, bytes] | None = None
    ) -> records.CoordinatorRecord:
        return records.group_metadata(
            group.group_id,
            protocol_type=group.protocol_type,
            generation=group.generation_id,
            protocol=group.protocol_name,
            leader=group.leader_id,
            current_state_timestamp_ms=group.current_state_timestamp_ms,
            members=group.snapshot_members(assignment),
        )

    def _empty_group_record(self, group: ClassicGroup) -> records.CoordinatorRecord:
        return records.group_metadata(
            group.group_id,
            protocol_type=None,
            generation=0,
            protocol=None,
            leader=None,
            current_state_timestamp_ms=group.current_state_timestamp_ms,
            members=[],
        )


def _protocols(request: Any) -> list[Protocol]:
    return [(p.name, bytes(p.metadata)) for p in request.protocols]


def _rebalance_timeout(request: Any) -> int:
    """JoinGroup v0 has no rebalance timeout: Kafka uses the session timeout."""
    timeout: int = (
        request.session_timeout_ms if request.rebalance_timeout_ms == -1 else request.rebalance_timeout_ms
    )
    return timeout


def _inconsistent(requested: str | None, actual: str | None) -> bool:
    return requested is not None and actual is not None and requested != actual
