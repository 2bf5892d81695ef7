"""One ``__consumer_offsets`` partition's group coordinator: every group API over its groups.

Kafka's ``GroupCoordinatorShard``: the groups whose id hashes to this partition, their offsets
and their timers. The runtime owns one shard per loaded partition and calls it one operation at a
time; the shard answers with a ``Result`` and never performs I/O.

Lifecycle: a fresh shard is fed every record of its partition (``replay``), then ``on_loaded``
arms the session timers of the members it found and the periodic offset expiry. ``on_unloaded``
answers parked requests with NOT_COORDINATOR when the partition moves away.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wirekafka.coordinator.group import records
from wirekafka.coordinator.group.classic import ClassicGroups
from wirekafka.coordinator.group.classic_group import ClassicGroup, ClassicGroupState
from wirekafka.coordinator.group.config import GroupCoordinatorConfig
from wirekafka.coordinator.group.consumer import ConsumerGroups, TopicsView
from wirekafka.coordinator.group.consumer_group import ConsumerGroup
from wirekafka.coordinator.group.offsets import NO_PRODUCER_ID, FetchedOffsets, Offsets
from wirekafka.coordinator.group.result import ClientInfo, Reply, ReplyTo, Result, TransactionEnd
from wirekafka.coordinator.group.store import GroupStore, random_uuid
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.group import (
    DeleteGroupsResponse,
    DescribeGroupsResponse,
    LeaveGroupRequest,
    ListGroupsResponse,
)

GROUP_EXPIRATION_KEY = "expire-group-metadata"


class GroupCoordinatorShard:
    """The pure group coordinator of one ``__consumer_offsets`` partition."""

    def __init__(
        self,
        config: GroupCoordinatorConfig | None = None,
        *,
        topics: TopicsView | None = None,
        new_uuid: Callable[[], str] = random_uuid,
    ) -> None:
        self.store = GroupStore(config=config or GroupCoordinatorConfig(), new_uuid=new_uuid)
        self.config = self.store.config
        self.timers = self.store.timers
        self.consumer = ConsumerGroups(self.store, topics or TopicsView.empty())
        self.classic = ClassicGroups(self.store, self._delete_empty_consumer_group)
        self.offsets = Offsets(self.store, self.classic)
        self.consumer.offsets = self.offsets
        #: The offset the next record will get in the partition (the log end offset once loaded).
        self.next_offset = 0

    @property
    def groups(self) -> dict[str, Any]:
        return self.store.groups

    # -- classic protocol ---------------------------------------------------------------------------

    def join_group(self, request: Any, client: ClientInfo, reply_to: ReplyTo, now_ms: int) -> Result[None]:
        return self._apply(self.classic.join(request, client, reply_to, now_ms))

    def sync_group(self, request: Any, client: ClientInfo, reply_to: ReplyTo, now_ms: int) -> Result[None]:
        return self._apply(self.classic.sync(request, client, reply_to, now_ms))

    def heartbeat(self, request: Any, client: ClientInfo, now_ms: int) -> Result[Any]:
        return self._apply(self.classic.heartbeat(request, now_ms))

    def leave_group(self, request: Any, client: ClientInfo, now_ms: int) -> Result[Any]:
        """LeaveGroup; v0-v2 name one member by ``member_id``, v3+ a batch of ``members``."""
        if client.api_version < 3:
            members = [LeaveGroupRequest.MemberIdentity(member_id=request.member_id, group_instance_id=None)]
        else:
            members = list(request.members)
        return self._apply(self.classic.leave(request.group_id, members, now_ms))

    # -- KIP-848 ------------------------------------------------------------------------------------

    def consumer_group_heartbeat(self, request: Any, client: ClientInfo, now_ms: int) -> Result[Any]:
        existing = self.store.groups.get(request.group_id)
        if isinstance(existing, ClassicGroup):
            if not existing.is_empty:
                # Kafka's online migration of a live classic group is not supported.
                message = f"Group {request.group_id} is not a consumer group."
                return Result(response=self.consumer.error_response(ErrorCode.GROUP_ID_NOT_FOUND, message))
            # An empty classic group becomes a consumer group; its offsets stay.
            result: Result[Any] = Result(records=self.classic.tombstones(existing))
            self.classic.remove_group(request.group_id)
            heartbeat = self.consumer.heartbeat(request, client, now_ms)
            result.absorb(heartbeat)
            result.response = heartbeat.response
            return self._apply(result)
        return self._apply(self.consumer.heartbeat(request, client, now_ms))

    def consumer_group_describe(self, group_ids: list[str]) -> list[Any]:
        return self.consumer.describe(group_ids)

    def _delete_empty_consumer_group(self, group_id: str) -> Result[Any]:
        group = self.store.groups.get(group_id)
        if not isinstance(group, ConsumerGroup):
            return Result()
        result: Result[Any] = Result(records=self.consumer.tombstones(group))
        self.consumer.remove_group(group_id)
        return result

    # -- offsets ------------------------------------------------------------------------------------

    def offset_commit(self, request: Any, client: ClientInfo, now_ms: int) -> Result[Any]:
        return self._apply(self.offsets.commit(request, client, now_ms))

    def offset_fetch(
        self,
        group_id: str,
        topics: list[tuple[str, list[int]]] | None,
        *,
        require_stable: bool = False,
        member_id: str | None = None,
        member_epoch: int = -1,
    ) -> FetchedOffsets:
        return self.offsets.fetch(
            group_id, topics, require_stable=require_stable, member_id=member_id, member_epoch=member_epoch
        )

    def offset_delete(self, request: Any, client: ClientInfo, now_ms: int) -> Result[Any]:
        return self._apply(self.offsets.delete(request))

    # -- transactions -------------------------------------------------------------------------------

    def txn_offset_commit(self, request: Any, client: ClientInfo, now_ms: int) -> Result[Any]:
        return self._apply(self.offsets.commit_transactional(request, client, now_ms))

    def complete_transaction(
        self, producer_id: int, producer_epoch: int, coordinator_epoch: int, committed: bool
    ) -> Result[int]:
        """Write the COMMIT/ABORT marker of a transaction that committed offsets here."""
        end = TransactionEnd(producer_id, producer_epoch, coordinator_epoch, committed)
        return self._apply(Result(response=ErrorCode.NO_ERROR, end_transaction=end))

    # -- admin --------------------------------------------------------------------------------------

    def describe_groups(self, group_ids: list[str]) -> list[Any]:
        """DescribeGroups: unknown groups are reported Dead with no error, as Kafka does."""
        described = []
        for group_id in group_ids:
            group = self.store.groups.get(group_id)
            if not isinstance(group, ClassicGroup):
                described.append(
                    DescribeGroupsResponse.DescribedGroup(
                        error_code=ErrorCode.NO_ERROR,
                        group_id=group_id,
                        group_state=ClassicGroupState.DEAD.value,
                    )
                )
                continue
            stable = group.is_in(ClassicGroupState.STABLE)
            described.append(
                DescribeGroupsResponse.DescribedGroup(
                    error_code=ErrorCode.NO_ERROR,
                    group_id=group_id,
                    group_state=group.state.value,
                    protocol_type=group.protocol_type or "",
                    protocol_data=(group.protocol_name or "") if stable else "",
                    members=[
                        DescribeGroupsResponse.DescribedGroupMember(
                            member_id=m.member_id,
                            group_instance_id=m.group_instance_id,
                            client_id=m.client_id,
                            client_host=m.client_host,
                            member_metadata=m.metadata(group.protocol_name) if stable else b"",
                            member_assignment=m.assignment,
                        )
                        for m in group.members.values()
                    ],
                )
            )
        return described

    def list_groups(self, states_filter: list[str], types_filter: list[str]) -> list[Any]:
        """ListGroups with KIP-518 state and KIP-848 type filters (case-insensitive, as Kafka)."""
        states = {s.strip().lower() for s in states_filter}
        types = {t.strip().lower() for t in types_filter}
        listed = []
        for group_id, group in self.store.groups.items():
            if isinstance(group, ClassicGroup):
                state, group_type, protocol_type = group.state.value, "classic", group.protocol_type or ""
            else:
                state, group_type, protocol_type = group.state_name, "consumer", "consumer"
            if states and state.lower() not in states:
                continue
            if types and group_type not in types:
                continue
            listed.append(
                ListGroupsResponse.ListedGroup(
                    group_id=group_id, protocol_type=protocol_type, group_state=state, group_type=group_type
                )
            )
        return listed

    def delete_groups(self, group_ids: list[str], now_ms: int) -> Result[list[Any]]:
        """DeleteGroups: Empty groups lose their offsets and metadata; others get NON_EMPTY_GROUP."""
        result: Result[list[Any]] = Result(response=[])
        assert result.response is not None
        for group_id in group_ids:
            group = self.store.groups.get(group_id)
            if group is None or (isinstance(group, ClassicGroup) and group.is_in(ClassicGroupState.DEAD)):
                error = ErrorCode.GROUP_ID_NOT_FOUND
            elif not group.is_empty:
                error = ErrorCode.NON_EMPTY_GROUP
            else:
                error = ErrorCode.NO_ERROR
                result.records.extend(self.offsets.delete_all(group_id))
                result.records.extend(self._group_tombstones(group))
            result.response.append(
                DeleteGroupsResponse.DeletableGroupResult(group_id=group_id, error_code=error)
            )
        return self._apply(result)

    def _group_tombstones(self, group: Any) -> list[records.CoordinatorRecord]:
        if isinstance(group, ClassicGroup):
            return self.classic.tombstones(group)
        return self.consumer.tombstones(group)

    # -- expiry -------------------------------------------------------------------------------------

    def cleanup_group_metadata(self, now_ms: int) -> Result[None]:
        """Expire offsets past retention and delete groups left with neither members nor offsets.

        Runs as a timer (every ``offsets.retention.check.interval.ms``); ``expire_timers`` replays
        what it returns.
        """
        result: Result[None] = Result()
        for group_id in list(self.store.groups):
            expired, all_expired = self.offsets.cleanup_expired(group_id, now_ms)
            result.records.extend(expired)
            group = self.store.groups[group_id]
            if all_expired and group.is_empty:
                result.records.extend(self._group_tombstones(group))
        self._schedule_group_metadata_expiration(now_ms)
        return result

    def _schedule_group_metadata_expiration(self, now_ms: int) -> None:
        self.timers.schedule(
            GROUP_EXPIRATION_KEY,
            now_ms + self.config.offsets_retention_check_interval_ms,
            self.cleanup_group_metadata,
        )

    # -- timers -------------------------------------------------------------------------------------

    def next_deadline(self) -> int | None:
        return self.timers.next_deadline()

    def expire_timers(self, now_ms: int) -> Result[None]:
        """Run every timer due at ``now_ms`` (a timer may schedule another, due now too)."""
        result: Result[None] = Result()
        while True:
            due = self.timers.pop_expired(now_ms)
            if not due:
                return result
            for timer in due:
                result.absorb(self._apply(timer.action(now_ms)))

    # -- records ------------------------------------------------------------------------------------

    def _apply(self, result: Result[Any]) -> Result[Any]:
        """Replay the records an operation emits, at the offsets the runtime will append them to.

        The in-memory state thus always equals the replay of the partition up to ``next_offset``.
        Classic ``GroupMetadata`` values are the exception: the classic protocol keeps soft state
        (parked requests, pending members) that the record does not carry, so the operation has
        already updated the group and the record is only its durable image.
        """
        end = result.end_transaction
        if end is not None:
            self.replay_end_transaction(end.producer_id, end.committed)
            self.next_offset += 1
            return result
        for record in result.records:
            if not (record.key_version == records.GROUP_METADATA_KEY_VERSION and record.value is not None):
                self.replay(record, self.next_offset, result.producer_id)
            self.next_offset += 1
        return result

    # -- load / unload ------------------------------------------------------------------------------

    def replay(
        self, record: records.CoordinatorRecord, offset: int = -1, producer_id: int = NO_PRODUCER_ID
    ) -> None:
        """Apply one record of the partition: at load, and for each record an operation emits."""
        key = record.key
        key_version = record.key_version
        if key_version in (0, 1):
            self.offsets.replay(key, record.value, offset, producer_id)
        elif key_version == records.GROUP_METADATA_KEY_VERSION:
            self.classic.replay(key.group, record.value)
        else:
            self.consumer.replay(record)

    def replay_end_transaction(self, producer_id: int, committed: bool) -> None:
        self.offsets.replay_end_transaction(producer_id, committed)

    def on_loaded(self, now_ms: int) -> Result[None]:
        result = self.classic.on_loaded(now_ms)
        self.consumer.on_loaded(now_ms)
        self._schedule_group_metadata_expiration(now_ms)
        return self._apply(result)

    def on_unloaded(self) -> list[Reply]:
        replies = self.classic.on_unloaded()
        self.timers.clear()
        return replies
