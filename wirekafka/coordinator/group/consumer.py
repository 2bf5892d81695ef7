"""The KIP-848 consumer protocol: ConsumerGroupHeartbeat, ConsumerGroupDescribe, records and replay.

A port of the consumer-group half of Kafka's ``GroupMetadataManager``. One heartbeat:
1. validates the request and finds or creates the member (epoch 0 joins; -1 leaves; -2 is a
   static member leaving temporarily, keeping its assignment for a rejoin with the same instance id);
2. records the member's subscription if it changed; recomputes the subscribed topics' metadata
   (topic names and regular expressions resolved against the current topics); bumps the group
   epoch when either changed;
3. recomputes the target assignment with the server-side assignor when the group epoch is ahead
   of the assignment epoch, recording only the members whose target changed;
4. moves the member towards its target (``reconciliation.py``): revocation first, then new
   partitions once their previous owners released them;
5. re-arms the member's session timeout and answers with its epoch and, when it changed (or on a
   full request), its assignment.

Operations here never change the group: they return records, and the shard replays them
(``replay``), which is also how a partition is loaded. Members that stop heartbeating for
``group.consumer.session.timeout.ms``, or that hold partitions to revoke past their rebalance
timeout, are fenced: removed, and the group epoch bumped so others take their partitions.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from wirekafka.coordinator.group import records
from wirekafka.coordinator.group.assignors import ASSIGNORS, AssignorError, MemberSubscription
from wirekafka.coordinator.group.classic_group import GroupError
from wirekafka.coordinator.group.consumer_group import (
    LEAVE_GROUP_MEMBER_EPOCH,
    LEAVE_GROUP_STATIC_MEMBER_EPOCH,
    Assignment,
    ConsumerGroup,
    ConsumerGroupMember,
    MemberState,
    TopicMetadata,
    freeze,
)
from wirekafka.coordinator.group.reconciliation import owned_partitions, reconcile
from wirekafka.coordinator.group.result import ClientInfo, Result
from wirekafka.coordinator.group.store import GroupStore
from wirekafka.coordinator.group.topic_regex import InvalidTopicRegex, TopicRegex, compile_topic_regex
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages import group_records as schemas
from wirekafka.protocol.messages.group import ConsumerGroupDescribeResponse, ConsumerGroupHeartbeatResponse

if TYPE_CHECKING:
    from wirekafka.coordinator.group.offsets import Offsets

INVALID_REGULAR_EXPRESSION = ErrorCode.INVALID_REGULAR_EXPRESSION


@dataclass(frozen=True, slots=True)
class TopicsView:
    """The topics a coordinator can see: name -> (topic id, partition count).

    The broker builds one from its metadata image and hands it to the coordinator whenever the
    image changes; the next heartbeat of an affected group then notices the change.
    """

    topics: Mapping[str, tuple[uuid.UUID, int]]

    @classmethod
    def empty(cls) -> TopicsView:
        return cls({})

    def get(self, name: str) -> tuple[uuid.UUID, int] | None:
        return self.topics.get(name)

    def name_of(self, topic_id: uuid.UUID) -> str | None:
        for name, (candidate, _) in self.topics.items():
            if candidate == topic_id:
                return name
        return None

    def matching(self, pattern: TopicRegex) -> set[str]:
        """Topics whose whole name matches (RE2/Java ``matches()``); internal topics never do."""
        return {name for name in self.topics if not name.startswith("__") and pattern.fullmatch(name)}


def session_timeout_key(group_id: str, member_id: str) -> str:
    return f"session-timeout-{group_id}-{member_id}"


def rebalance_timeout_key(group_id: str, member_id: str) -> str:
    return f"rebalance-timeout-{group_id}-{member_id}"


class ConsumerGroups:
    """The consumer protocol over the KIP-848 groups of one shard."""

    def __init__(self, store: GroupStore, topics: TopicsView) -> None:
        self.store = store
        self.config = store.config
        self.timers = store.timers
        self.topics = topics
        self.offsets: Offsets | None = None

    def group(self, group_id: str) -> ConsumerGroup | None:
        group = self.store.groups.get(group_id)
        return group if isinstance(group, ConsumerGroup) else None

    def error_response(self, error: ErrorCode | int, message: str | None = None) -> Any:
        return ConsumerGroupHeartbeatResponse(error_code=int(error), error_message=message)

    # -- ConsumerGroupHeartbeat ---------------------------------------------------------------------

    def heartbeat(self, request: Any, client: ClientInfo, now_ms: int) -> Result[Any]:
        try:
            self._validate(request)
            if request.member_epoch in (LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH):
                return self._leave(request)
            return self._heartbeat(request, client, now_ms)
        except GroupError as exc:
            return Result(response=self.error_response(exc.error, str(exc)))

    def _validate(self, request: Any) -> None:
        def invalid(message: str) -> GroupError:
            return GroupError(ErrorCode.INVALID_REQUEST, message)

        if not request.group_id:
            raise invalid("GroupId can't be empty.")
        if request.instance_id == "":
            raise invalid("InstanceId can't be empty.")
        if request.rack_id == "":
            raise invalid("RackId can't be empty.")
        epoch = request.member_epoch
        if epoch > 0 or epoch == LEAVE_GROUP_MEMBER_EPOCH:
            if not request.member_id:
                raise invalid("MemberId can't be empty.")
        elif epoch == 0:
            if request.rebalance_timeout_ms == -1:
                raise invalid("RebalanceTimeoutMs must be provided in first request.")
            if request.topic_partitions is None or request.topic_partitions:
                raise invalid("TopicPartitions must be empty when (re-)joining.")
            if not request.subscribed_topic_names and not request.subscribed_topic_regex:
                raise invalid("SubscribedTopicNames or SubscribedTopicRegex must be set in first request.")
        elif epoch == LEAVE_GROUP_STATIC_MEMBER_EPOCH:
            if not request.member_id:
                raise invalid("MemberId can't be empty.")
            if request.instance_id is None:
                raise invalid("InstanceId can't be null.")
        else:
            raise invalid("MemberEpoch is invalid.")
        if (
            request.server_assignor is not None
            and request.server_assignor not in self.config.consumer_assignors
        ):
            raise GroupError(
                ErrorCode.UNSUPPORTED_ASSIGNOR,
                f"ServerAssignor {request.server_assignor} is not supported. Supported assignors: "
                f"{', '.join(self.config.consumer_assignors)}.",
            )
        if request.subscribed_topic_regex:
            try:
                compile_topic_regex(request.subscribed_topic_regex)
            except InvalidTopicRegex as exc:
                raise GroupError(INVALID_REGULAR_EXPRESSION, str(exc)) from None

    def _heartbeat(self, request: Any, client: ClientInfo, now_ms: int) -> Result[Any]:
        result: Result[Any] = Result()
        group_id = request.group_id
        epoch = request.member_epoch
        joining = epoch == 0
        group = self.group(group_id)
        if group is None:
            if not joining:
                raise GroupError(ErrorCode.GROUP_ID_NOT_FOUND, f"Consumer group {group_id} not found.")
            group = ConsumerGroup(group_id)  # materialised when its records are replayed
        member_id = request.member_id or self.store.new_uuid()
        if len(group.members) >= self.config.consumer_max_size and member_id not in group.members:
            raise GroupError(
                ErrorCode.GROUP_MAX_SIZE_REACHED,
                f"The consumer group has reached its maximum capacity of {self.config.consumer_max_size} members.",
            )
        owned = owned_partitions(request.topic_partitions)
        member, replaced = self._member(group, member_id, request, joining, owned, result)
        updated = replace(
            member,
            instance_id=request.instance_id if request.instance_id is not None else member.instance_id,
            rack_id=request.rack_id if request.rack_id is not None else member.rack_id,
            rebalance_timeout_ms=(
                request.rebalance_timeout_ms
                if request.rebalance_timeout_ms != -1
                else member.rebalance_timeout_ms
            ),
            server_assignor=request.server_assignor
            if request.server_assignor is not None
            else member.server_assignor,
            subscribed_topic_names=(
                tuple(sorted(request.subscribed_topic_names))
                if request.subscribed_topic_names is not None
                else member.subscribed_topic_names
            ),
            subscribed_topic_regex=(
                (request.subscribed_topic_regex or None)
                if request.subscribed_topic_regex is not None
                else member.subscribed_topic_regex
            ),
            client_id=client.client_id,
            client_host=client.client_host,
        )
        bump = False
        if member_id not in group.members or not updated.same_subscription(member):
            result.records.append(
                records.consumer_group_member_subscription(group_id, member_id, _member_value(updated))
            )
            bump = (
                updated.subscribed_topic_names != member.subscribed_topic_names
                or updated.subscribed_topic_regex != member.subscribed_topic_regex
            )
        members_after = dict(group.members)
        if replaced is not None:
            members_after.pop(replaced.member_id, None)
        members_after[member_id] = updated
        metadata = self._subscription_metadata(members_after.values())
        if metadata != group.subscription_metadata:
            result.records.append(
                records.consumer_group_subscription_metadata(
                    group_id, [(t.topic_id, t.name, t.partition_count) for t in metadata.values()]
                )
            )
            bump = True
        group_epoch = group.group_epoch
        if bump:
            group_epoch += 1
            result.records.append(records.consumer_group_epoch(group_id, group_epoch))
        if group_epoch > group.assignment_epoch:
            target = self._update_target_assignment(
                group, group_epoch, members_after, metadata, updated, replaced, result
            )
            target_epoch = group_epoch
        else:
            target_owner = replaced.member_id if replaced is not None else member_id
            target = group.target_assignment.get(target_owner, {})
            target_epoch = group.assignment_epoch
        previous = group.members.get(member_id)

        def partition_epoch(topic_id: uuid.UUID, partition: int) -> int:
            """Who holds a partition, not counting this member's own (possibly reset) state."""
            if previous is not None and partition in _held(previous).get(topic_id, frozenset()):
                return -1
            return group.current_partition_epoch(topic_id, partition)

        reconciled = updated
        if not updated.is_reconciled_to(target_epoch):
            reconciled = reconcile(updated, target_epoch, target, partition_epoch, owned)
        if not reconciled.same_assignment_state(member) or member_id not in group.members:
            result.records.append(_current_assignment_record(group_id, reconciled))
            if reconciled.state is MemberState.UNREVOKED_PARTITIONS:
                self._schedule_rebalance_timeout(
                    group_id, member_id, reconciled.member_epoch, reconciled.rebalance_timeout_ms, now_ms
                )
            else:
                self.timers.cancel(rebalance_timeout_key(group_id, member_id))
        self._schedule_session_timeout(group_id, member_id, now_ms)
        response = ConsumerGroupHeartbeatResponse(
            error_code=ErrorCode.NO_ERROR,
            member_id=member_id,
            member_epoch=reconciled.member_epoch,
            heartbeat_interval_ms=self.config.consumer_heartbeat_interval_ms,
        )
        full_request = joining or (
            request.rebalance_timeout_ms != -1
            and request.subscribed_topic_names is not None
            and request.topic_partitions is not None
        )
        if full_request or reconciled.assigned != member.assigned:
            response.assignment = ConsumerGroupHeartbeatResponse.Assignment(
                topic_partitions=[
                    ConsumerGroupHeartbeatResponse.TopicPartitions(topic_id=topic_id, partitions=sorted(ids))
                    for topic_id, ids in sorted(reconciled.assigned.items(), key=lambda item: str(item[0]))
                ]
            )
        result.response = response
        return result

    def _member(
        self,
        group: ConsumerGroup,
        member_id: str,
        request: Any,
        joining: bool,
        owned: dict[uuid.UUID, set[int]] | None,
        result: Result[Any],
    ) -> tuple[ConsumerGroupMember, ConsumerGroupMember | None]:
        """The member the heartbeat is about, and the static member it replaces (if any)."""
        instance_id = request.instance_id
        if instance_id is None:
            member = group.members.get(member_id)
            if member is None:
                if not joining:
                    raise GroupError(
                        ErrorCode.UNKNOWN_MEMBER_ID,
                        f"Member {member_id} is not a member of group {group.group_id}.",
                    )
                return ConsumerGroupMember(member_id), None
            if joining:
                return _rejoining(member), None
            _check_epoch(member, request.member_epoch, owned)
            return member, None
        existing = group.static_member(instance_id)
        if joining:
            if existing is None:
                member = group.members.get(member_id)
                return (ConsumerGroupMember(member_id) if member is None else _rejoining(member)), None
            if existing.member_id == member_id:
                return _rejoining(existing), None
            if existing.member_epoch != LEAVE_GROUP_STATIC_MEMBER_EPOCH:
                raise GroupError(
                    ErrorCode.UNRELEASED_INSTANCE_ID,
                    f"Static member {member_id} with instance id {instance_id} cannot join the group because "
                    f"the instance id is owned by {existing.member_id} member.",
                )
            # The instance comes back: it takes the departed member's place and assignment.
            new_member = replace(existing, member_id=member_id, member_epoch=0, previous_member_epoch=0)
            result.records.extend(_member_removal_records(group.group_id, existing.member_id))
            result.records.append(
                records.consumer_group_member_subscription(
                    group.group_id, member_id, _member_value(new_member)
                )
            )
            result.records.append(
                records.consumer_group_target_assignment(
                    group.group_id, member_id, group.target_assignment.get(existing.member_id, {})
                )
            )
            result.records.append(_current_assignment_record(group.group_id, new_member))
            return new_member, existing
        if existing is None:
            raise GroupError(ErrorCode.UNKNOWN_MEMBER_ID, f"Instance id {instance_id} is unknown.")
        if existing.member_id != member_id:
            raise GroupError(
                ErrorCode.FENCED_INSTANCE_ID,
                f"Static member {member_id} with instance id {instance_id} was fenced by member {existing.member_id}.",
            )
        _check_epoch(existing, request.member_epoch, owned)
        return existing, None

    def _subscription_metadata(self, members: Iterable[ConsumerGroupMember]) -> dict[str, TopicMetadata]:
        names: set[str] = set()
        for member in members:
            names.update(self._member_topics(member))
        metadata = {}
        for name in sorted(names):
            found = self.topics.get(name)
            if found is not None:
                metadata[name] = TopicMetadata(found[0], name, found[1])
        return metadata

    def _member_topics(self, member: ConsumerGroupMember) -> set[str]:
        topics = set(member.subscribed_topic_names)
        if member.subscribed_topic_regex:
            topics |= self.topics.matching(compile_topic_regex(member.subscribed_topic_regex))
        return topics

    def _update_target_assignment(
        self,
        group: ConsumerGroup,
        group_epoch: int,
        members: dict[str, ConsumerGroupMember],
        metadata: dict[str, TopicMetadata],
        updated: ConsumerGroupMember,
        replaced: ConsumerGroupMember | None,
        result: Result[Any],
    ) -> Assignment:
        previous = dict(group.target_assignment)
        if replaced is not None:
            previous[updated.member_id] = previous.get(replaced.member_id, {})
        subscriptions = [
            MemberSubscription(
                member.member_id,
                member.instance_id,
                frozenset(
                    metadata[name].topic_id for name in self._member_topics(member) if name in metadata
                ),
            )
            for member in members.values()
        ]
        assignor_name = self._preferred_assignor(members.values())
        try:
            target = ASSIGNORS[assignor_name](
                subscriptions, {t.topic_id: t.partition_count for t in metadata.values()}, previous
            )
        except AssignorError as exc:
            raise GroupError(
                ErrorCode.UNKNOWN_SERVER_ERROR, f"Failed to compute a new target assignment: {exc}"
            ) from None
        for member_id in members:
            new = target.get(member_id, {})
            if member_id not in group.target_assignment or new != group.target_assignment.get(member_id):
                result.records.append(
                    records.consumer_group_target_assignment(group.group_id, member_id, new)
                )
        result.records.append(records.consumer_group_target_assignment_epoch(group.group_id, group_epoch))
        return target.get(updated.member_id, {})

    def _preferred_assignor(self, members: Iterable[ConsumerGroupMember]) -> str:
        """The assignor most members ask for (ties by name); the first configured one otherwise."""
        counts: dict[str, int] = {}
        for member in members:
            if member.server_assignor is not None:
                counts[member.server_assignor] = counts.get(member.server_assignor, 0) + 1
        if counts:
            return max(sorted(counts), key=lambda name: counts[name])
        return self.config.consumer_assignors[0]

    # -- leaving and fencing ------------------------------------------------------------------------

    def _leave(self, request: Any) -> Result[Any]:
        group = self.group(request.group_id)
        if group is None:
            raise GroupError(ErrorCode.GROUP_ID_NOT_FOUND, f"Consumer group {request.group_id} not found.")
        response = ConsumerGroupHeartbeatResponse(
            error_code=ErrorCode.NO_ERROR, member_id=request.member_id, member_epoch=request.member_epoch
        )
        if request.instance_id is None:
            member = group.members.get(request.member_id)
            if member is None:
                raise GroupError(
                    ErrorCode.UNKNOWN_MEMBER_ID, f"Member {request.member_id} is not a member of group."
                )
            result = self.fence(group, member.member_id)
            result.response = response
            return result
        member = group.static_member(request.instance_id)
        if member is None:
            raise GroupError(ErrorCode.UNKNOWN_MEMBER_ID, f"Instance id {request.instance_id} is unknown.")
        if member.member_id != request.member_id:
            raise GroupError(ErrorCode.FENCED_INSTANCE_ID, f"Static member {request.member_id} was fenced.")
        if request.member_epoch == LEAVE_GROUP_STATIC_MEMBER_EPOCH:
            # A static member leaving temporarily keeps its assignment for when it comes back.
            leaving = replace(member, member_epoch=LEAVE_GROUP_STATIC_MEMBER_EPOCH, pending_revocation={})
            return Result(
                records=[_current_assignment_record(group.group_id, leaving)],
                response=ConsumerGroupHeartbeatResponse(
                    error_code=ErrorCode.NO_ERROR,
                    member_id=member.member_id,
                    member_epoch=LEAVE_GROUP_STATIC_MEMBER_EPOCH,
                ),
            )
        result = self.fence(group, member.member_id)
        result.response = response
        return result

    def fence(self, group: ConsumerGroup, member_id: str) -> Result[Any]:
        """Remove a member and bump the group epoch so that the others take over its partitions."""
        result: Result[Any] = Result(records=_member_removal_records(group.group_id, member_id))
        remaining = [m for m in group.members.values() if m.member_id != member_id]
        metadata = self._subscription_metadata(remaining)
        if metadata != group.subscription_metadata:
            result.records.append(
                records.consumer_group_subscription_metadata(
                    group.group_id, [(t.topic_id, t.name, t.partition_count) for t in metadata.values()]
                )
            )
        result.records.append(records.consumer_group_epoch(group.group_id, group.group_epoch + 1))
        self.timers.cancel(session_timeout_key(group.group_id, member_id))
        self.timers.cancel(rebalance_timeout_key(group.group_id, member_id))
        return result

    def _schedule_session_timeout(self, group_id: str, member_id: str, now_ms: int) -> None:
        def expire(now: int) -> Result[Any]:
            group = self.group(group_id)
            if group is None or member_id not in group.members:
                return Result()
            return self.fence(group, member_id)

        self.timers.schedule(
            session_timeout_key(group_id, member_id), now_ms + self.config.consumer_session_timeout_ms, expire
        )

    def _schedule_rebalance_timeout(
        self, group_id: str, member_id: str, member_epoch: int, timeout_ms: int, now_ms: int
    ) -> None:
        def expire(now: int) -> Result[Any]:
            group = self.group(group_id)
            member = None if group is None else group.members.get(member_id)
            if group is None or member is None or member.member_epoch != member_epoch:
                return Result()
            return self.fence(group, member_id)

        self.timers.schedule(rebalance_timeout_key(group_id, member_id), now_ms + max(timeout_ms, 0), expire)

    # -- ConsumerGroupDescribe ----------------------------------------------------------------------

    def describe(self, group_ids: list[str]) -> list[Any]:
        described = []
        for group_id in group_ids:
            group = self.group(group_id)
            if not group_id:
                described.append(
                    ConsumerGroupDescribeResponse.DescribedGroup(
                        error_code=ErrorCode.INVALID_GROUP_ID, group_id=group_id
                    )
                )
                continue
            if group is None:
                described.append(
                    ConsumerGroupDescribeResponse.DescribedGroup(
                        error_code=ErrorCode.GROUP_ID_NOT_FOUND,
                        error_message=f"Group {group_id} not found.",
                        group_id=group_id,
                    )
                )
                continue
            described.append(
                ConsumerGroupDescribeResponse.DescribedGroup(
                    error_code=ErrorCode.NO_ERROR,
                    group_id=group_id,
                    group_state=group.state_name,
                    group_epoch=group.group_epoch,
                    assignment_epoch=group.assignment_epoch,
                    assignor_name=self._preferred_assignor(group.members.values()),
                    members=[self._describe_member(group, m) for m in group.members.values()],
                )
            )
        return described

    def _describe_member(self, group: ConsumerGroup, member: ConsumerGroupMember) -> Any:
        return ConsumerGroupDescribeResponse.Member(
            member_id=member.member_id,
            instance_id=member.instance_id,
            rack_id=member.rack_id,
            member_epoch=member.member_epoch,
            client_id=member.client_id,
            client_host=member.client_host,
            subscribed_topic_names=list(member.subscribed_topic_names),
            subscribed_topic_regex=member.subscribed_topic_regex,
            assignment=self._describe_assignment(member.assigned),
            target_assignment=self._describe_assignment(group.target_assignment.get(member.member_id, {})),
        )

    def _describe_assignment(self, assignment: Assignment) -> Any:
        return ConsumerGroupDescribeResponse.Assignment(
            topic_partitions=[
                ConsumerGroupDescribeResponse.TopicPartitions(
                    topic_id=topic_id, topic_name=self.topics.name_of(topic_id) or "", partitions=sorted(ids)
                )
                for topic_id, ids in sorted(assignment.items(), key=lambda item: str(item[0]))
            ]
        )

    # -- records ------------------------------------------------------------------------------------

    def replay(self, record: records.CoordinatorRecord) -> None:
        key, value, kind = record.key, record.value, record.key_version
        group = self.group(key.group_id)
        if group is None:
            if value is None:
                return  # a tombstone for a group already gone
            group = ConsumerGroup(key.group_id)
            self.store.groups[key.group_id] = group
        if kind == records.CONSUMER_GROUP_METADATA_KEY_VERSION:
            if value is None:
                self.remove_group(key.group_id)
            else:
                group.group_epoch = value.epoch
        elif kind == records.CONSUMER_GROUP_PARTITION_METADATA_KEY_VERSION:
            group.subscription_metadata = (
                {}
                if value is None
                else {
                    t.topic_name: TopicMetadata(t.topic_id, t.topic_name, t.num_partitions)
                    for t in value.topics
                }
            )
        elif kind == records.CONSUMER_GROUP_MEMBER_METADATA_KEY_VERSION:
            if value is None:
                group.remove_member(key.member_id)
            else:
                old = group.members.get(key.member_id) or ConsumerGroupMember(key.member_id)
                group.update_member(
                    replace(
                        old,
                        instance_id=value.instance_id,
                        rack_id=value.rack_id,
                        client_id=value.client_id,
                        client_host=value.client_host,
                        subscribed_topic_names=tuple(value.subscribed_topic_names),
                        subscribed_topic_regex=value.subscribed_topic_regex,
                        rebalance_timeout_ms=value.rebalance_timeout_ms,
                        server_assignor=value.server_assignor,
                    )
                )
        elif kind == records.CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA_KEY_VERSION:
            group.assignment_epoch = -1 if value is None else value.assignment_epoch
        elif kind == records.CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER_KEY_VERSION:
            if value is None:
                group.target_assignment.pop(key.member_id, None)
            else:
                group.target_assignment[key.member_id] = _assignment_of(value.topic_partitions)
        elif kind == records.CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT_KEY_VERSION:
            current = group.members.get(key.member_id)
            if value is None:
                if current is not None:
                    group.update_member(
                        replace(
                            current,
                            member_epoch=LEAVE_GROUP_MEMBER_EPOCH,
                            previous_member_epoch=LEAVE_GROUP_MEMBER_EPOCH,
                            assigned={},
                            pending_revocation={},
                        )
                    )
            else:
                group.update_member(
                    replace(
                        current or ConsumerGroupMember(key.member_id),
                        member_epoch=value.member_epoch,
                        previous_member_epoch=value.previous_member_epoch,
                        state=MemberState.of(value.state),
                        assigned=_assignment_of(value.assigned_partitions),
                        pending_revocation=_assignment_of(value.partitions_pending_revocation),
                    )
                )
        # Regular-expression records (key 16) carry a cache Kafka keeps; topics are resolved live here.

    def tombstones(self, group: ConsumerGroup) -> list[records.CoordinatorRecord]:
        """Kafka's order: current assignments, targets, target epoch, members, metadata, epoch."""
        group_id = group.group_id
        found = [records.consumer_group_current_assignment_tombstone(group_id, m) for m in group.members]
        found += [records.consumer_group_target_assignment_tombstone(group_id, m) for m in group.members]
        found.append(records.consumer_group_target_assignment_epoch_tombstone(group_id))
        found += [records.consumer_group_member_subscription_tombstone(group_id, m) for m in group.members]
        found.append(records.consumer_group_subscription_metadata_tombstone(group_id))
        found.append(records.consumer_group_epoch_tombstone(group_id))
        return found

    def remove_group(self, group_id: str) -> None:
        group = self.group(group_id)
        if group is None:
            return
        del self.store.groups[group_id]
        self.timers.cancel_prefix(f"session-timeout-{group_id}-")
        self.timers.cancel_prefix(f"rebalance-timeout-{group_id}-")

    def on_loaded(self, now_ms: int) -> None:
        for group in [g for g in self.store.groups.values() if isinstance(g, ConsumerGroup)]:
            for member in group.members.values():
                self._schedule_session_timeout(group.group_id, member.member_id, now_ms)
                if member.state is MemberState.UNREVOKED_PARTITIONS:
                    self._schedule_rebalance_timeout(
                        group.group_id,
                        member.member_id,
                        member.member_epoch,
                        member.rebalance_timeout_ms,
                        now_ms,
                    )


def _rejoining(member: ConsumerGroupMember) -> ConsumerGroupMember:
    """A known member joining again with epoch 0 starts over, keeping its id and subscription.

    The Java consumer keeps its member id for its lifetime and rejoins with epoch 0 after being
    fenced, once it has given up all its partitions; starting it from scratch (rather than fencing
    it again, forever) lets it back in.
    """
    return replace(
        member,
        member_epoch=0,
        previous_member_epoch=0,
        state=MemberState.STABLE,
        assigned={},
        pending_revocation={},
    )


def _held(member: ConsumerGroupMember) -> dict[uuid.UUID, frozenset[int]]:
    held: dict[uuid.UUID, frozenset[int]] = {}
    for assignment in (member.assigned, member.pending_revocation):
        for topic_id, partitions in assignment.items():
            held[topic_id] = held.get(topic_id, frozenset()) | partitions
    return held


def _check_epoch(member: ConsumerGroupMember, received: int, owned: dict[uuid.UUID, set[int]] | None) -> None:
    """FENCED_MEMBER_EPOCH unless the member is at its epoch, or one behind having lost the bump."""
    if received > member.member_epoch:
        raise GroupError(
            ErrorCode.FENCED_MEMBER_EPOCH,
            "The consumer group member has a greater member epoch "
            f"({received}) than the one known by the group coordinator ({member.member_epoch}).",
        )
    if received < member.member_epoch:
        lost_response = (
            received == member.previous_member_epoch
            and owned is not None
            and all(ids <= set(member.assigned.get(topic_id, frozenset())) for topic_id, ids in owned.items())
        )
        if not lost_response:
            raise GroupError(
                ErrorCode.FENCED_MEMBER_EPOCH,
                "The consumer group member has a smaller member epoch "
                f"({received}) than the one known by the group coordinator ({member.member_epoch}).",
            )


def _member_value(member: ConsumerGroupMember) -> Any:
    return schemas.ConsumerGroupMemberMetadataValue(
        instance_id=member.instance_id,
        rack_id=member.rack_id,
        client_id=member.client_id,
        client_host=member.client_host,
        subscribed_topic_names=list(member.subscribed_topic_names),
        subscribed_topic_regex=member.subscribed_topic_regex,
        rebalance_timeout_ms=member.rebalance_timeout_ms,
        server_assignor=member.server_assignor,
        classic_member_metadata=None,
    )


def _current_assignment_record(group_id: str, member: ConsumerGroupMember) -> records.CoordinatorRecord:
    return records.consumer_group_current_assignment(
        group_id,
        member.member_id,
        member_epoch=member.member_epoch,
        previous_member_epoch=member.previous_member_epoch,
        state=int(member.state),
        assigned=member.assigned,
        pending_revocation=member.pending_revocation,
    )


def _member_removal_records(group_id: str, member_id: str) -> list[records.CoordinatorRecord]:
    return [
        records.consumer_group_current_assignment_tombstone(group_id, member_id),
        records.consumer_group_target_assignment_tombstone(group_id, member_id),
        records.consumer_group_member_subscription_tombstone(group_id, member_id),
    ]


def _assignment_of(topic_partitions: Iterable[Any]) -> Assignment:
    return freeze({tp.topic_id: tp.partitions for tp in topic_partitions})
