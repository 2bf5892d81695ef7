"""Consumer groups: FindCoordinator (10), JoinGroup (11), Heartbeat (12), LeaveGroup (13),
SyncGroup (14), DescribeGroups (15), ListGroups (16), DeleteGroups (42),
ConsumerGroupHeartbeat (68) and ConsumerGroupDescribe (69).

Thin: each handler turns the request into a call on ``ctx.broker.group_coordinator`` (see
``wirekafka/coordinator/group``) and shapes the answer for the request's version:

- FindCoordinator: v0 knows groups only; v1 adds ``key_type`` (0 group, 1 transaction) and
  ``error_message``; v4+ batches ``coordinator_keys``. The coordinator of a key is the leader of
  its partition of ``__consumer_offsets`` / ``__transaction_state``; the topic is created on the
  first lookup (COORDINATOR_NOT_AVAILABLE meanwhile; clients retry), as in Kafka.
- JoinGroup: v4+ first join answers MEMBER_ID_REQUIRED (older versions get a member id at once);
  v5 ``group_instance_id``; ``protocol_name`` is nullable from v7 (an empty string before);
  v9 ``skip_assignment``.
- LeaveGroup: v0-v2 name one ``member_id`` and report its error at the top level; v3+ batch.
- DescribeGroups: v3 ``include_authorized_operations`` (INT32_MIN unless asked), v4 instance ids.
- ListGroups: v4 state filter and ``group_state``, v5 type filter and ``group_type``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wirekafka.broker.context import RequestContext
from wirekafka.broker.registry import handles
from wirekafka.coordinator.group.partitioner import partition_for
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.group import (
    ConsumerGroupDescribeResponse,
    ConsumerGroupHeartbeatResponse,
    DeleteGroupsResponse,
    DescribeGroupsResponse,
    FindCoordinatorResponse,
    HeartbeatResponse,
    JoinGroupResponse,
    LeaveGroupResponse,
    ListGroupsResponse,
    SyncGroupResponse,
)

if TYPE_CHECKING:
    from wirekafka.coordinator.group.result import ClientInfo

GROUP_KEY_TYPE = 0
TRANSACTION_KEY_TYPE = 1
GROUP_METADATA_TOPIC = "__consumer_offsets"
TRANSACTION_STATE_TOPIC = "__transaction_state"
AUTHORIZED_OPERATIONS_OMITTED = -(2**31)
#: READ, DELETE, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS: what a group allows without an authorizer.
GROUP_OPERATIONS = sum(1 << code for code in (3, 6, 8, 10, 11))


def client_info(ctx: RequestContext) -> ClientInfo:
    """Kafka writes the client address as ``InetAddress.toString()``: ``/127.0.0.1``.

    Imported here, not at the top: the coordinator's modules load after the broker answers.
    """
    from wirekafka.coordinator.group.result import ClientInfo

    return ClientInfo(ctx.client_id, f"/{ctx.client_host}", ctx.api_version)


def coordinators_loading(ctx: RequestContext) -> bool:
    """The broker still starts its coordinators in the background (``Broker.run``)."""
    return bool(getattr(ctx.broker, "coordinators_loading", False))


def unavailable(ctx: RequestContext) -> ErrorCode:
    """A coordinator API's error when there is no coordinator to ask.

    COORDINATOR_LOAD_IN_PROGRESS while the coordinators start in the background, the answer of a
    coordinator partition that is still loading (clients retry, as Kafka's do at its startup);
    COORDINATOR_NOT_AVAILABLE on a broker assembled without coordinators.
    """
    if coordinators_loading(ctx):
        return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
    return ErrorCode.COORDINATOR_NOT_AVAILABLE


def coordinator_or_none(ctx: RequestContext) -> Any:
    """The group coordinator, or None (answer ``unavailable(ctx)`` then)."""
    if coordinators_loading(ctx):
        return None
    return getattr(ctx.broker, "group_coordinator", None)


# -- FindCoordinator -------------------------------------------------------------------------------


async def locate(ctx: RequestContext, key: str, key_type: int) -> tuple[int, str | None, int, str, int]:
    """(error, message, node id, host, port) of the coordinator of ``key``."""
    if key_type == GROUP_KEY_TYPE:
        topic, partitions = GROUP_METADATA_TOPIC, int(ctx.broker.config["offsets.topic.num.partitions"])
    elif key_type == TRANSACTION_KEY_TYPE:
        topic, partitions = (
            TRANSACTION_STATE_TOPIC,
            int(ctx.broker.config["transaction.state.log.num.partitions"]),
        )
    else:
        return ErrorCode.INVALID_REQUEST, f"Unsupported key type {key_type}", -1, "", -1
    image = ctx.broker.metadata_image
    topic_image = image.topics.get(topic)
    if topic_image is None:
        controller = getattr(ctx.broker, "controller", None)
        if controller is not None:
            await controller.auto_create_topics([topic])
        return ErrorCode.COORDINATOR_NOT_AVAILABLE, None, -1, "", -1
    index = partition_for(key, len(topic_image.partitions) or partitions)
    assignment = topic_image.partitions.get(index)
    if assignment is None or assignment.leader_id < 0:
        return ErrorCode.COORDINATOR_NOT_AVAILABLE, None, -1, "", -1
    if assignment.leader_id == ctx.broker.node_id:
        endpoint = ctx.broker.advertised_endpoint(ctx.listener_name)
        return ErrorCode.NO_ERROR, None, endpoint.node_id, endpoint.host, endpoint.port
    broker = image.brokers.get(assignment.leader_id)
    address = None if broker is None else broker.endpoint(ctx.listener_name)
    if address is None:
        return ErrorCode.COORDINATOR_NOT_AVAILABLE, None, -1, "", -1
    return ErrorCode.NO_ERROR, None, assignment.leader_id, address.host, address.port


@handles(ApiKey.FIND_COORDINATOR, versions=(0, 6))
async def find_coordinator(ctx: RequestContext, request: Any) -> Any:
    if ctx.api_version < 4:
        error, message, node_id, host, port = await locate(ctx, request.key, request.key_type)
        return FindCoordinatorResponse(
            error_code=error,
            error_message=message if ctx.api_version >= 1 else None,
            node_id=node_id,
            host=host,
            port=port,
        )
    coordinators = []
    for key in request.coordinator_keys:
        error, message, node_id, host, port = await locate(ctx, key, request.key_type)
        coordinators.append(
            FindCoordinatorResponse.Coordinator(
                key=key, node_id=node_id, host=host, port=port, error_code=error, error_message=message
            )
        )
    return FindCoordinatorResponse(coordinators=coordinators)


# -- classic protocol ------------------------------------------------------------------------------


@handles(ApiKey.JOIN_GROUP, versions=(0, 9))
async def join_group(ctx: RequestContext, request: Any) -> Any:
    coordinator = coordinator_or_none(ctx)
    if coordinator is None:
        response = JoinGroupResponse(error_code=unavailable(ctx), member_id=request.member_id)
    else:
        response = await coordinator.join_group(request, client_info(ctx))
    version = ctx.api_version
    if version < 7:
        # Not nullable before v7: Kafka writes an empty name; the type is not sent at all.
        response.protocol_name = response.protocol_name or ""
        response.protocol_type = None
    if version < 9:
        response.skip_assignment = False
    return response


@handles(ApiKey.SYNC_GROUP, versions=(0, 5))
async def sync_group(ctx: RequestContext, request: Any) -> Any:
    coordinator = coordinator_or_none(ctx)
    if coordinator is None:
        return SyncGroupResponse(error_code=unavailable(ctx))
    return await coordinator.sync_group(request, client_info(ctx))


@handles(ApiKey.HEARTBEAT, versions=(0, 4))
async def heartbeat(ctx: RequestContext, request: Any) -> Any:
    coordinator = coordinator_or_none(ctx)
    if coordinator is None:
        return HeartbeatResponse(error_code=unavailable(ctx))
    return await coordinator.heartbeat(request, client_info(ctx))


@handles(ApiKey.LEAVE_GROUP, versions=(0, 5))
async def leave_group(ctx: RequestContext, request: Any) -> Any:
    coordinator = coordinator_or_none(ctx)
    if coordinator is None:
        response = LeaveGroupResponse(error_code=unavailable(ctx))
    else:
        response = await coordinator.leave_group(request, client_info(ctx))
    if ctx.api_version < 3:
        # One member, no member list: its error is the response's (Kafka's LeaveGroupResponse).
        if response.error_code == ErrorCode.NO_ERROR:
            response.error_code = next(
                (m.error_code for m in response.members if m.error_code), ErrorCode.NO_ERROR
            )
        response.members = []
    return response


@handles(ApiKey.DESCRIBE_GROUPS, versions=(0, 5))
async def describe_groups(ctx: RequestContext, request: Any) -> Any:
    coordinator = coordinator_or_none(ctx)
    if coordinator is None:
        groups = [
            DescribeGroupsResponse.DescribedGroup(error_code=unavailable(ctx), group_id=g)
            for g in request.groups
        ]
    else:
        groups = await coordinator.describe_groups(list(request.groups))
    asked = ctx.api_version >= 3 and request.include_authorized_operations
    for group in groups:
        group.authorized_operations = GROUP_OPERATIONS if asked else AUTHORIZED_OPERATIONS_OMITTED
    return DescribeGroupsResponse(groups=groups)


@handles(ApiKey.LIST_GROUPS, versions=(0, 5))
async def list_groups(ctx: RequestContext, request: Any) -> Any:
    coordinator = coordinator_or_none(ctx)
    if coordinator is None:
        return ListGroupsResponse(error_code=unavailable(ctx))
    states = list(request.states_filter) if ctx.api_version >= 4 else []
    types = list(request.types_filter) if ctx.api_version >= 5 else []
    error, groups = await coordinator.list_groups(states, types)
    return ListGroupsResponse(error_code=error, groups=groups)


@handles(ApiKey.DELETE_GROUPS, versions=(0, 2))
async def delete_groups(ctx: RequestContext, request: Any) -> Any:
    coordinator = coordinator_or_none(ctx)
    if coordinator is None:
        results = [
            DeleteGroupsResponse.DeletableGroupResult(group_id=g, error_code=unavailable(ctx))
            for g in request.groups_names
        ]
    else:
        results = await coordinator.delete_groups(list(request.groups_names))
    return DeleteGroupsResponse(results=results)


# -- KIP-848 ---------------------------------------------------------------------------------------


@handles(ApiKey.CONSUMER_GROUP_HEARTBEAT, versions=(0, 1))
async def consumer_group_heartbeat(ctx: RequestContext, request: Any) -> Any:
    coordinator = coordinator_or_none(ctx)
    if coordinator is None:
        return ConsumerGroupHeartbeatResponse(error_code=unavailable(ctx))
    return await coordinator.consumer_group_heartbeat(request, client_info(ctx))


@handles(ApiKey.CONSUMER_GROUP_DESCRIBE, versions=(0, 0))
async def consumer_group_describe(ctx: RequestContext, request: Any) -> Any:
    coordinator = coordinator_or_none(ctx)
    if coordinator is None:
        groups = [
            ConsumerGroupDescribeResponse.DescribedGroup(error_code=unavailable(ctx), group_id=g)
            for g in request.group_ids
        ]
    else:
        groups = await coordinator.consumer_group_describe(list(request.group_ids))
    for group in groups:
        group.authorized_operations = (
            GROUP_OPERATIONS if request.include_authorized_operations else AUTHORIZED_OPERATIONS_OMITTED
        )
    return ConsumerGroupDescribeResponse(groups=groups)
