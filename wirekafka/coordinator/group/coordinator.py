"""The group coordinator component of a broker: routes group requests to their partition's shard.

Kafka's ``GroupCoordinatorService``. A group id hashes to one ``__consumer_offsets`` partition;
the node leading that partition coordinates the group (``partition_for``). Each entry point checks
what Kafka checks before scheduling (empty group id, session timeout bounds), runs the operation
through the ``CoordinatorRuntime`` and turns runtime errors (NOT_COORDINATOR,
COORDINATOR_LOAD_IN_PROGRESS, a failed append) into the API's error response.

Composition (``build_group_coordinator`` is the ``assembly.py`` factory): the coordinator listens
to the replica manager's leadership changes to load and unload partitions, and to metadata
images to keep KIP-848 groups' view of topics current.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import trio

from wirekafka.coordinator.group.config import GroupCoordinatorConfig
from wirekafka.coordinator.group.consumer import TopicsView
from wirekafka.coordinator.group.offsets import (
    FetchedOffsets,
    commit_error_response,
    txn_commit_error_response,
)
from wirekafka.coordinator.group.partitioner import partition_for
from wirekafka.coordinator.group.records import decode_record
from wirekafka.coordinator.group.result import ClientInfo
from wirekafka.coordinator.group.shard import GroupCoordinatorShard
from wirekafka.coordinator.runtime import CoordinatorError, CoordinatorRuntime, InternalLog
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.group import (
    ConsumerGroupDescribeResponse,
    ConsumerGroupHeartbeatResponse,
    DeleteGroupsResponse,
    DescribeGroupsResponse,
    HeartbeatResponse,
    JoinGroupResponse,
    LeaveGroupResponse,
    SyncGroupResponse,
)
from wirekafka.protocol.messages.offsets import OffsetDeleteResponse

if TYPE_CHECKING:
    from wirekafka.broker.broker import Broker
    from wirekafka.metadata.image import MetadataImage

logger = logging.getLogger("wirekafka.coordinator.group")

GROUP_METADATA_TOPIC = "__consumer_offsets"
T = TypeVar("T")


def topics_view(image: MetadataImage) -> TopicsView:
    """The topics KIP-848 groups subscribe to: name -> (topic id, partition count)."""
    return TopicsView({name: (topic.topic_id, len(topic.partitions)) for name, topic in image.topics.items()})


class GroupCoordinator:
    """Every group API, for the groups whose partition this node leads."""

    def __init__(
        self,
        config: GroupCoordinatorConfig,
        log: InternalLog,
        *,
        clock: Callable[[], int],
        topics: TopicsView | None = None,
    ) -> None:
        self.config = config
        self._topics = topics or TopicsView.empty()
        self.runtime: CoordinatorRuntime[GroupCoordinatorShard] = CoordinatorRuntime(
            topic=GROUP_METADATA_TOPIC,
            log=log,
            shard_factory=self._new_shard,
            decode=_decode,
            clock=clock,
            append_timeout_ms=config.offsets_commit_timeout_ms,
        )

    def _new_shard(self, index: int) -> GroupCoordinatorShard:
        return GroupCoordinatorShard(self.config, topics=self._topics)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Serve until cancelled (the runtime's loading and timer tasks live here)."""
        await self.runtime.run(task_status=task_status)

    def partition_for(self, group_id: str) -> int:
        return partition_for(group_id, self.config.offsets_topic_num_partitions)

    def on_leadership(self, topic: str, partition: int, leader_epoch: int | None) -> None:
        """Replica manager listener: load the partitions this node starts leading."""
        self.runtime.on_leadership(topic, partition, leader_epoch)

    def set_topics(self, topics: TopicsView) -> None:
        """A new metadata image: KIP-848 groups see the new topics on their next heartbeat."""
        self._topics = topics
        for index in self.runtime.active_partitions():
            shard = self.runtime.shard(index)
            if shard is not None:
                shard.consumer.topics = topics

    def on_metadata_change(self, previous: MetadataImage, image: MetadataImage) -> None:
        if previous.topics is not image.topics:
            self.set_topics(topics_view(image))

    # -- classic protocol ---------------------------------------------------------------------------

    async def join_group(self, request: Any, client: ClientInfo) -> Any:
        def error(code: int) -> Any:
            return JoinGroupResponse(error_code=code, member_id=request.member_id)

        if not request.group_id:
            return error(ErrorCode.INVALID_GROUP_ID)
        return await self._parked(
            request.group_id,
            lambda shard, reply_to, now: shard.join_group(request, client, reply_to, now),
            error,
        )

    async def sync_group(self, request: Any, client: ClientInfo) -> Any:
        def error(code: int) -> Any:
            return SyncGroupResponse(error_code=code)

        if not request.group_id:
            return error(ErrorCode.INVALID_GROUP_ID)
        return await self._parked(
            request.group_id,
            lambda shard, reply_to, now: shard.sync_group(request, client, reply_to, now),
            error,
        )

    async def heartbeat(self, request: Any, client: ClientInfo) -> Any:
        if not request.group_id:
            return HeartbeatResponse(error_code=ErrorCode.INVALID_GROUP_ID)
        return await self._write(
            request.group_id,
            lambda shard, now: shard.heartbeat(request, client, now),
            lambda code: HeartbeatResponse(error_code=code),
        )

    async def leave_group(self, request: Any, client: ClientInfo) -> Any:
        if not request.group_id:
            return LeaveGroupResponse(error_code=ErrorCode.INVALID_GROUP_ID)
        return await self._write(
            request.group_id,
            lambda shard, now: shard.leave_group(request, client, now),
            lambda code: LeaveGroupResponse(error_code=code),
        )

    # -- KIP-848 ------------------------------------------------------------------------------------

    async def consumer_group_heartbeat(self, request: Any, client: ClientInfo) -> Any:
        def error(code: int) -> Any:
            return ConsumerGroupHeartbeatResponse(error_code=code)

        if "consumer" not in self.config.rebalance_protocols:
            return error(ErrorCode.UNSUPPORTED_VERSION)
        if not request.group_id:
            return ConsumerGroupHeartbeatResponse(
                error_code=ErrorCode.INVALID_REQUEST, error_message="GroupId can't be empty."
            )
        return await self._write(
            request.group_id, lambda shard, now: shard.consumer_group_heartbeat(request, client, now), error
        )

    async def consumer_group_describe(self, group_ids: list[str]) -> list[Any]:
        described: list[Any] = []
        for group_id in group_ids:
            if not group_id:
                described.append(
                    ConsumerGroupDescribeResponse.DescribedGroup(
                        error_code=ErrorCode.INVALID_GROUP_ID, group_id=""
                    )
                )
                continue
            try:
                described.extend(
                    await self.runtime.read(
                        self.partition_for(group_id), partial(_consumer_group_describe, group_id)
                    )
                )
            except CoordinatorError as exc:
                described.append(
                    ConsumerGroupDescribeResponse.DescribedGroup(error_code=exc.error_code, group_id=group_id)
                )
        return described

    # -- offsets ------------------------------------------------------------------------------------

    async def offset_commit(self, request: Any, client: ClientInfo) -> Any:
        return await self._write(
            request.group_id,
            lambda shard, now: shard.offset_commit(request, client, now),
            lambda code: commit_error_response(request, code),
        )

    async def offset_fetch(
        self,
        group_id: str,
        topics: list[tuple[str, list[int]]] | None,
        *,
        require_stable: bool = False,
        member_id: str | None = None,
        member_epoch: int = -1,
    ) -> FetchedOffsets:
        """One group's committed offsets (every partition when ``topics`` is None)."""
        try:
            return await self.runtime.read(
                self.partition_for(group_id),
                lambda shard: shard.offset_fetch(
                    group_id,
                    topics,
                    require_stable=require_stable,
                    member_id=member_id,
                    member_epoch=member_epoch,
                ),
            )
        except CoordinatorError as exc:
            return FetchedOffsets(group_id, error=exc.error_code)

    async def offset_delete(self, request: Any, client: ClientInfo) -> Any:
        if not request.group_id:
            return OffsetDeleteResponse(error_code=ErrorCode.INVALID_GROUP_ID)
        return await self._write(
            request.group_id,
            lambda shard, now: shard.offset_delete(request, client, now),
            lambda code: OffsetDeleteResponse(error_code=code),
        )

    # -- transactions -------------------------------------------------------------------------------

    async def txn_offset_commit(self, request: Any, client: ClientInfo) -> Any:
        """TxnOffsetCommit, once the transaction coordinator verified the producer's transaction."""

        if not request.group_id:
            return txn_commit_error_response(request, ErrorCode.INVALID_GROUP_ID)
        return await self._write(
            request.group_id,
            lambda shard, now: shard.txn_offset_commit(request, client, now),
            lambda code: txn_commit_error_response(request, code),
        )

    async def complete_transaction(
        self, partition: int, producer_id: int, producer_epoch: int, coordinator_epoch: int, committed: bool
    ) -> int:
        """WriteTxnMarkers for a ``__consumer_offsets`` partition: the marker goes through the shard."""
        try:
            result: int = await self.runtime.write(
                partition,
                lambda shard, now: shard.complete_transaction(
                    producer_id, producer_epoch, coordinator_epoch, committed
                ),
            )
            return result
        except CoordinatorError as exc:
            return exc.error_code

    # -- admin --------------------------------------------------------------------------------------

    async def describe_groups(self, group_ids: list[str]) -> list[Any]:
        described: list[Any] = []
        for group_id in group_ids:
            try:
                described.extend(
                    await self.runtime.read(self.partition_for(group_id), partial(_describe_group, group_id))
                )
            except CoordinatorError as exc:
                described.append(
                    DescribeGroupsResponse.DescribedGroup(error_code=exc.error_code, group_id=group_id)
                )
        return described

    async def list_groups(self, states_filter: list[str], types_filter: list[str]) -> tuple[int, list[Any]]:
        """Groups of every partition this node leads; an error if some partition is still loading."""
        if self.runtime.loading_partitions():
            return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, []
        listed: list[Any] = []
        for index in self.runtime.active_partitions():
            try:
                listed.extend(
                    await self.runtime.read(
                        index, lambda shard: shard.list_groups(states_filter, types_filter)
                    )
                )
            except CoordinatorError:
                continue  # moved away meanwhile: its groups are listed by their new coordinator
        return ErrorCode.NO_ERROR, listed

    async def delete_groups(self, group_ids: list[str]) -> list[Any]:
        results: list[Any] = []
        for group_id in group_ids:
            try:
                results.extend(
                    await self.runtime.write(self.partition_for(group_id), partial(_delete_group, group_id))
                )
            except CoordinatorError as exc:
                results.append(
                    DeleteGroupsResponse.DeletableGroupResult(group_id=group_id, error_code=exc.error_code)
                )
        return results

    # -- plumbing -----------------------------------------------------------------------------------

    async def _write(
        self, group_id: str, operation: Callable[[Any, int], Any], error: Callable[[int], T]
    ) -> T:
        try:
            response: T = await self.runtime.write(self.partition_for(group_id), operation)
            return response
        except CoordinatorError as exc:
            return error(exc.error_code)

    async def _parked(
        self, group_id: str, operation: Callable[[Any, int, int], Any], error: Callable[[int], T]
    ) -> T:
        try:
            response: T = await self.runtime.write_parked(self.partition_for(group_id), operation, error)
            return response
        except CoordinatorError as exc:
            return error(exc.error_code)

    def statistics(self) -> dict[str, int]:
        return self.runtime.statistics()


def _consumer_group_describe(group_id: str, shard: GroupCoordinatorShard) -> list[Any]:
    return shard.consumer_group_describe([group_id])


def _describe_group(group_id: str, shard: GroupCoordinatorShard) -> list[Any]:
    return shard.describe_groups([group_id])


def _delete_group(group_id: str, shard: GroupCoordinatorShard, now_ms: int) -> Any:
    return shard.delete_groups([group_id], now_ms)


def _decode(key: bytes | None, value: bytes | None) -> Any:
    assert key is not None
    return decode_record(key, value)


def build_group_coordinator(broker: Broker) -> _GroupCoordinatorComponent:
    """Component factory for ``assembly.py``: attaches ``broker.group_coordinator``.

    Must come after the replica manager (it appends to and reads ``__consumer_offsets``).
    """
    coordinator = GroupCoordinator(
        GroupCoordinatorConfig.from_broker_config(broker.config),
        broker.replica_manager,
        clock=broker.now_ms,
        topics=topics_view(broker.metadata_image),
    )
    broker.group_coordinator = coordinator
    return _GroupCoordinatorComponent(broker, coordinator)


class _GroupCoordinatorComponent:
    """Wires a ``GroupCoordinator`` to the broker's replica manager and metadata."""

    def __init__(self, broker: Broker, coordinator: GroupCoordinator) -> None:
        self.broker = broker
        self.coordinator = coordinator

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        manager = self.broker.replica_manager
        manager.add_leadership_listener(self.coordinator.on_leadership)
        self.broker.on_metadata_change(self.coordinator.on_metadata_change)
        # Built in an earlier scheduler step (the broker already serves): catch up on topics created since.
        self.coordinator.set_topics(topics_view(self.broker.metadata_image))
        # Partitions led before this component started were announced to nobody: look them up.
        for index in range(self.coordinator.config.offsets_topic_num_partitions):
            hosted = manager.partition(GROUP_METADATA_TOPIC, index)
            if hosted is not None and hosted.state.is_leader:
                self.coordinator.on_leadership(GROUP_METADATA_TOPIC, index, hosted.state.leader_epoch)
        await self.coordinator.run(task_status=task_status)
