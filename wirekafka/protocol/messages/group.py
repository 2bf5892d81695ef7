"""Consumer groups: the classic protocol and KIP-848, and the consumer protocol data.

Declared from Apache Kafka's message specs (Apache-2.0); the comments above each message are
Kafka's own notes on what each version changed. See docs/protocol.md for how to add a version.
"""

from wirekafka.protocol.schema import array, field, message, struct

# Version 1 adds KeyType.
#
# Version 2 is the same as version 1.
#
# Version 3 is the first flexible version.
#
# Version 4 adds support for batching via CoordinatorKeys (KIP-699)
#
# Version 5 adds support for new error code TRANSACTION_ABORTABLE (KIP-890).
#
# Version 6 adds support for share groups (KIP-932).
FindCoordinatorRequest = message(
    "FindCoordinatorRequest",
    kind="request",
    api_key=10,
    valid="0-6",
    flexible="3+",
    fields=[
        field("key", "string", "0-3"),
        field("key_type", "int8", "1+", default=0),
        field("coordinator_keys", "[]string", "4+"),
    ],
)


# Version 1 adds throttle time and error messages.
#
# Starting in version 2, on quota violation, brokers send out responses before throttling.
#
# Version 3 is the first flexible version.
#
# Version 4 adds support for batching via Coordinators (KIP-699)
#
# Version 5 adds support for new error code TRANSACTION_ABORTABLE (KIP-890).
#
# Version 6 adds support for share groups (KIP-932).
FindCoordinatorResponse = message(
    "FindCoordinatorResponse",
    kind="response",
    api_key=10,
    valid="0-6",
    flexible="3+",
    fields=[
        field("throttle_time_ms", "int32", "1+", ignorable=True),
        field("error_code", "int16", "0-3"),
        field("error_message", "string", "1-3", nullable="1-3", ignorable=True),
        field("node_id", "int32", "0-3"),
        field("host", "string", "0-3"),
        field("port", "int32", "0-3"),
        field(
            "coordinators",
            array(
                struct(
                    "Coordinator",
                    [
                        field("key", "string", "4+"),
                        field("node_id", "int32", "4+"),
                        field("host", "string", "4+"),
                        field("port", "int32", "4+"),
                        field("error_code", "int16", "4+"),
                        field("error_message", "string", "4+", nullable="4+", ignorable=True),
                    ],
                )
            ),
            "4+",
        ),
    ],
)


# Version 1 adds RebalanceTimeoutMs.
#
# Version 2 and 3 are the same as version 1.
#
# Starting from version 4, the client needs to issue a second request to join group
#
# Starting from version 5, we add a new field called groupInstanceId to indicate member identity across restarts.
# with assigned id.
#
# Version 6 is the first flexible version.
#
# Version 7 is the same as version 6.
#
# Version 8 adds the Reason field (KIP-800).
#
# Version 9 is the same as version 8.
# Note: if RebalanceTimeoutMs is not present, SessionTimeoutMs should be
# used instead.  The default of -1 here is just intended as a placeholder.
JoinGroupRequest = message(
    "JoinGroupRequest",
    kind="request",
    api_key=11,
    valid="0-9",
    flexible="6+",
    fields=[
        field("group_id", "string", "0+"),
        field("session_timeout_ms", "int32", "0+"),
        field("rebalance_timeout_ms", "int32", "1+", default=-1, ignorable=True),
        field("member_id", "string", "0+"),
        field("group_instance_id", "string", "5+", nullable="5+", default=None),
        field("protocol_type", "string", "0+"),
        field(
            "protocols",
            array(
                struct(
                    "JoinGroupRequestProtocol",
                    [
                        field("name", "string", "0+"),
                        field("metadata", "bytes", "0+"),
                    ],
                )
            ),
            "0+",
        ),
        field("reason", "string", "8+", nullable="8+", default=None, ignorable=True),
    ],
)


# Version 1 is the same as version 0.
#
# Version 2 adds throttle time.
#
# Starting in version 3, on quota violation, brokers send out responses before throttling.
#
# Starting in version 4, the client needs to issue a second request to join group
# with assigned id.
#
# Version 5 is bumped to apply group.instance.id to identify member across restarts.
#
# Version 6 is the first flexible version.
#
# Starting from version 7, the broker sends back the Protocol Type to the client (KIP-559).
#
# Version 8 is the same as version 7.
#
# Version 9 adds the SkipAssignment field.
JoinGroupResponse = message(
    "JoinGroupResponse",
    kind="response",
    api_key=11,
    valid="0-9",
    flexible="6+",
    fields=[
        field("throttle_time_ms", "int32", "2+", ignorable=True),
        field("error_code", "int16", "0+"),
        field("generation_id", "int32", "0+", default=-1),
        field("protocol_type", "string", "7+", nullable="7+", default=None, ignorable=True),
        field("protocol_name", "string", "0+", nullable="7+"),
        field("leader", "string", "0+"),
        field("skip_assignment", "bool", "9+", default=False),
        field("member_id", "string", "0+"),
        field(
            "members",
            array(
                struct(
                    "JoinGroupResponseMember",
                    [
                        field("member_id", "string", "0+"),
                        field(
                            "group_instance_id", "string", "5+", nullable="5+", default=None, ignorable=True
                        ),
                        field("metadata", "bytes", "0+"),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 and version 2 are the same as version 0.
#
# Starting from version 3, we add a new field called groupInstanceId to indicate member identity across restarts.
#
# Version 4 is the first flexible version.
HeartbeatRequest = message(
    "HeartbeatRequest",
    kind="request",
    api_key=12,
    valid="0-4",
    flexible="4+",
    fields=[
        field("group_id", "string", "0+"),
        field("generation_id", "int32", "0+"),
        field("member_id", "string", "0+"),
        field("group_instance_id", "string", "3+", nullable="3+", default=None),
    ],
)


# Version 1 adds throttle time.
#
# Starting in version 2, on quota violation, brokers send out responses before throttling.
#
# Starting from version 3, heartbeatRequest supports a new field called groupInstanceId to indicate member identity across restarts.
#
# Version 4 is the first flexible version.
HeartbeatResponse = message(
    "HeartbeatResponse",
    kind="response",
    api_key=12,
    valid="0-4",
    flexible="4+",
    fields=[
        field("throttle_time_ms", "int32", "1+", ignorable=True),
        field("error_code", "int16", "0+"),
    ],
)


# Version 1 and 2 are the same as version 0.
#
# Version 3 defines batch processing scheme with group.instance.id + member.id for identity
#
# Version 4 is the first flexible version.
#
# Version 5 adds the Reason field (KIP-800).
LeaveGroupRequest = message(
    "LeaveGroupRequest",
    kind="request",
    api_key=13,
    valid="0-5",
    flexible="4+",
    fields=[
        field("group_id", "string", "0+"),
        field("member_id", "string", "0-2"),
        field(
            "members",
            array(
                struct(
                    "MemberIdentity",
                    [
                        field("member_id", "string", "3+"),
                        field("group_instance_id", "string", "3+", nullable="3+", default=None),
                        field("reason", "string", "5+", nullable="5+", default=None, ignorable=True),
                    ],
                )
            ),
            "3+",
        ),
    ],
)


# Version 1 adds the throttle time.
#
# Starting in version 2, on quota violation, brokers send out responses before throttling.
#
# Starting in version 3, we will make leave group request into batch mode and add group.instance.id.
#
# Version 4 is the first flexible version.
#
# Version 5 is the same as version 4.
LeaveGroupResponse = message(
    "LeaveGroupResponse",
    kind="response",
    api_key=13,
    valid="0-5",
    flexible="4+",
    fields=[
        field("throttle_time_ms", "int32", "1+", ignorable=True),
        field("error_code", "int16", "0+"),
        field(
            "members",
            array(
                struct(
                    "MemberResponse",
                    [
                        field("member_id", "string", "3+"),
                        field("group_instance_id", "string", "3+", nullable="3+"),
                        field("error_code", "int16", "3+"),
                    ],
                )
            ),
            "3+",
        ),
    ],
)


# Versions 1 and 2 are the same as version 0.
#
# Starting from version 3, we add a new field called groupInstanceId to indicate member identity across restarts.
#
# Version 4 is the first flexible version.
#
# Starting from version 5, the client sends the Protocol Type and the Protocol Name
# to the broker (KIP-559). The broker will reject the request if they are inconsistent
# with the Type and Name known by the broker.
SyncGroupRequest = message(
    "SyncGroupRequest",
    kind="request",
    api_key=14,
    valid="0-5",
    flexible="4+",
    fields=[
        field("group_id", "string", "0+"),
        field("generation_id", "int32", "0+"),
        field("member_id", "string", "0+"),
        field("group_instance_id", "string", "3+", nullable="3+", default=None),
        field("protocol_type", "string", "5+", nullable="5+", default=None, ignorable=True),
        field("protocol_name", "string", "5+", nullable="5+", default=None, ignorable=True),
        field(
            "assignments",
            array(
                struct(
                    "SyncGroupRequestAssignment",
                    [
                        field("member_id", "string", "0+"),
                        field("assignment", "bytes", "0+"),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 adds throttle time.
#
# Starting in version 2, on quota violation, brokers send out responses before throttling.
#
# Starting from version 3, syncGroupRequest supports a new field called groupInstanceId to indicate member identity across restarts.
#
# Version 4 is the first flexible version.
#
# Starting from version 5, the broker sends back the Protocol Type and the Protocol Name
# to the client (KIP-559).
SyncGroupResponse = message(
    "SyncGroupResponse",
    kind="response",
    api_key=14,
    valid="0-5",
    flexible="4+",
    fields=[
        field("throttle_time_ms", "int32", "1+", ignorable=True),
        field("error_code", "int16", "0+"),
        field("protocol_type", "string", "5+", nullable="5+", default=None, ignorable=True),
        field("protocol_name", "string", "5+", nullable="5+", default=None, ignorable=True),
        field("assignment", "bytes", "0+"),
    ],
)


# Versions 1 and 2 are the same as version 0.
#
# Starting in version 3, authorized operations can be requested.
#
# Starting in version 4, the response will include group.instance.id info for members.
#
# Version 5 is the first flexible version.
DescribeGroupsRequest = message(
    "DescribeGroupsRequest",
    kind="request",
    api_key=15,
    valid="0-5",
    flexible="5+",
    fields=[
        field("groups", "[]string", "0+"),
        field("include_authorized_operations", "bool", "3+"),
    ],
)


# Version 1 added throttle time.
#
# Starting in version 2, on quota violation, brokers send out responses before throttling.
#
# Starting in version 3, brokers can send authorized operations.
#
# Starting in version 4, the response will optionally include group.instance.id info for members.
#
# Version 5 is the first flexible version.
# ProtocolData is currently only filled in if the group state is in the Stable state.
# N.B. If the group is in the Dead state, the members array will always be empty.
# This is currently only provided if the group is in the Stable state.
# This is currently only provided if the group is in the Stable state.
DescribeGroupsResponse = message(
    "DescribeGroupsResponse",
    kind="response",
    api_key=15,
    valid="0-5",
    flexible="5+",
    fields=[
        field("throttle_time_ms", "int32", "1+", ignorable=True),
        field(
            "groups",
            array(
                struct(
                    "DescribedGroup",
                    [
                        field("error_code", "int16", "0+"),
                        field("group_id", "string", "0+"),
                        field("group_state", "string", "0+"),
                        field("protocol_type", "string", "0+"),
                        field("protocol_data", "string", "0+"),
                        field(
                            "members",
                            array(
                                struct(
                                    "DescribedGroupMember",
                                    [
                                        field("member_id", "string", "0+"),
                                        field(
                                            "group_instance_id",
                                            "string",
                                            "4+",
                                            nullable="4+",
                                            default=None,
                                            ignorable=True,
                                        ),
                                        field("client_id", "string", "0+"),
                                        field("client_host", "string", "0+"),
                                        field("member_metadata", "bytes", "0+"),
                                        field("member_assignment", "bytes", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                        field("authorized_operations", "int32", "3+", default=-2147483648),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 and 2 are the same as version 0.
#
# Version 3 is the first flexible version.
#
# Version 4 adds the StatesFilter field (KIP-518).
#
# Version 5 adds the TypesFilter field (KIP-848).
ListGroupsRequest = message(
    "ListGroupsRequest",
    kind="request",
    api_key=16,
    valid="0-5",
    flexible="3+",
    fields=[
        field("states_filter", "[]string", "4+"),
        field("types_filter", "[]string", "5+"),
    ],
)


# Version 1 adds the throttle time.
#
# Starting in version 2, on quota violation, brokers send out
# responses before throttling.
#
# Version 3 is the first flexible version.
#
# Version 4 adds the GroupState field (KIP-518).
#
# Version 5 adds the GroupType field (KIP-848).
ListGroupsResponse = message(
    "ListGroupsResponse",
    kind="response",
    api_key=16,
    valid="0-5",
    flexible="3+",
    fields=[
        field("throttle_time_ms", "int32", "1+", ignorable=True),
        field("error_code", "int16", "0+"),
        field(
            "groups",
            array(
                struct(
                    "ListedGroup",
                    [
                        field("group_id", "string", "0+"),
                        field("protocol_type", "string", "0+"),
                        field("group_state", "string", "4+", ignorable=True),
                        field("group_type", "string", "5+", ignorable=True),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 is the same as version 0.
#
# Version 2 is the first flexible version.
DeleteGroupsRequest = message(
    "DeleteGroupsRequest",
    kind="request",
    api_key=42,
    valid="0-2",
    flexible="2+",
    fields=[
        field("groups_names", "[]string", "0+"),
    ],
)


# Starting in version 1, on quota violation, brokers send out responses before throttling.
#
# Version 2 is the first flexible version.
DeleteGroupsResponse = message(
    "DeleteGroupsResponse",
    kind="response",
    api_key=42,
    valid="0-2",
    flexible="2+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field(
            "results",
            array(
                struct(
                    "DeletableGroupResult",
                    [
                        field("group_id", "string", "0+"),
                        field("error_code", "int16", "0+"),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 adds SubscribedTopicRegex (KIP-848).
ConsumerGroupHeartbeatRequest = message(
    "ConsumerGroupHeartbeatRequest",
    kind="request",
    api_key=68,
    valid="0-1",
    flexible="0+",
    fields=[
        field("group_id", "string", "0+"),
        field("member_id", "string", "0+"),
        field("member_epoch", "int32", "0+"),
        field("instance_id", "string", "0+", nullable="0+", default=None),
        field("rack_id", "string", "0+", nullable="0+", default=None),
        field("rebalance_timeout_ms", "int32", "0+", default=-1),
        field("subscribed_topic_names", "[]string", "0+", nullable="0+", default=None),
        field("subscribed_topic_regex", "string", "1+", nullable="1+", default=None),
        field("server_assignor", "string", "0+", nullable="0+", default=None),
        field(
            "topic_partitions",
            array(
                struct(
                    "TopicPartitions",
                    [
                        field("topic_id", "uuid", "0+"),
                        field("partitions", "[]int32", "0+"),
                    ],
                )
            ),
            "0+",
            nullable="0+",
            default=None,
        ),
    ],
)


# Supported errors:
# - GROUP_AUTHORIZATION_FAILED (version 0+)
# - NOT_COORDINATOR (version 0+)
# - COORDINATOR_NOT_AVAILABLE (version 0+)
# - COORDINATOR_LOAD_IN_PROGRESS (version 0+)
# - INVALID_REQUEST (version 0+)
# - UNKNOWN_MEMBER_ID (version 0+)
# - FENCED_MEMBER_EPOCH (version 0+)
# - UNSUPPORTED_ASSIGNOR (version 0+)
# - UNRELEASED_INSTANCE_ID (version 0+)
# - GROUP_MAX_SIZE_REACHED (version 0+)
# - INVALID_SUBSCRIPTION_REGEX (version 1+)
_consumer_group_heartbeat_response_topic_partitions = struct(
    "TopicPartitions",
    [
        field("topic_id", "uuid", "0+"),
        field("partitions", "[]int32", "0+"),
    ],
)
ConsumerGroupHeartbeatResponse = message(
    "ConsumerGroupHeartbeatResponse",
    kind="response",
    api_key=68,
    valid="0-1",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
        field("error_message", "string", "0+", nullable="0+", default=None),
        field("member_id", "string", "0+", nullable="0+", default=None),
        field("member_epoch", "int32", "0+"),
        field("heartbeat_interval_ms", "int32", "0+"),
        field(
            "assignment",
            struct(
                "Assignment",
                [
                    field(
                        "topic_partitions", array(_consumer_group_heartbeat_response_topic_partitions), "0+"
                    ),
                ],
            ),
            "0+",
            nullable="0+",
            default=None,
        ),
    ],
)


ConsumerGroupDescribeRequest = message(
    "ConsumerGroupDescribeRequest",
    kind="request",
    api_key=69,
    valid="0",
    flexible="0+",
    fields=[
        field("group_ids", "[]string", "0+"),
        field("include_authorized_operations", "bool", "0+"),
    ],
)


# Supported errors:
# - GROUP_AUTHORIZATION_FAILED (version 0+)
# - NOT_COORDINATOR (version 0+)
# - COORDINATOR_NOT_AVAILABLE (version 0+)
# - COORDINATOR_LOAD_IN_PROGRESS (version 0+)
# - INVALID_REQUEST (version 0+)
# - INVALID_GROUP_ID (version 0+)
# - GROUP_ID_NOT_FOUND (version 0+)
_consumer_group_describe_response_topic_partitions = struct(
    "TopicPartitions",
    [
        field("topic_id", "uuid", "0+"),
        field("topic_name", "string", "0+"),
        field("partitions", "[]int32", "0+"),
    ],
)
_consumer_group_describe_response_assignment = struct(
    "Assignment",
    [
        field("topic_partitions", array(_consumer_group_describe_response_topic_partitions), "0+"),
    ],
)
ConsumerGroupDescribeResponse = message(
    "ConsumerGroupDescribeResponse",
    kind="response",
    api_key=69,
    valid="0",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field(
            "groups",
            array(
                struct(
                    "DescribedGroup",
                    [
                        field("error_code", "int16", "0+"),
                        field("error_message", "string", "0+", nullable="0+", default=None),
                        field("group_id", "string", "0+"),
                        field("group_state", "string", "0+"),
                        field("group_epoch", "int32", "0+"),
                        field("assignment_epoch", "int32", "0+"),
                        field("assignor_name", "string", "0+"),
                        field(
                            "members",
                            array(
                                struct(
                                    "Member",
                                    [
                                        field("member_id", "string", "0+"),
                                        field("instance_id", "string", "0+", nullable="0+", default=None),
                                        field("rack_id", "string", "0+", nullable="0+", default=None),
                                        field("member_epoch", "int32", "0+"),
                                        field("client_id", "string", "0+"),
                                        field("client_host", "string", "0+"),
                                        field("subscribed_topic_names", "[]string", "0+"),
                                        field(
                                            "subscribed_topic_regex",
                                            "string",
                                            "0+",
                                            nullable="0+",
                                            default=None,
                                        ),
                                        field(
                                            "assignment", _consumer_group_describe_response_assignment, "0+"
                                        ),
                                        field(
                                            "target_assignment",
                                            _consumer_group_describe_response_assignment,
                                            "0+",
                                        ),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                        field("authorized_operations", "int32", "0+", default=-2147483648),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Subscription part of the Consumer Protocol.
#
# The current implementation assumes that future versions will not break compatibility. When
# it encounters a newer version, it parses it using the current format. This basically means
# that new versions cannot remove or reorder any of the existing fields.
# Version 1 added the "OwnedPartitions" field to allow assigner know what partitions each member owned
# Version 2 added a new field "GenerationId" to indicate if the member has out-of-date ownedPartitions.
# Version 3 adds rack id to enable rack-aware assignment.
ConsumerProtocolSubscription = message(
    "ConsumerProtocolSubscription",
    kind="data",
    valid="0-3",
    flexible="none",
    fields=[
        field("topics", "[]string", "0+"),
        field("user_data", "bytes", "0+", nullable="0+", default=None),
        field(
            "owned_partitions",
            array(
                struct(
                    "TopicPartition",
                    [
                        field("topic", "string", "1+"),
                        field("partitions", "[]int32", "1+"),
                    ],
                )
            ),
            "1+",
            ignorable=True,
        ),
        field("generation_id", "int32", "2+", default=-1, ignorable=True),
        field("rack_id", "string", "3+", nullable="3+", default=None, ignorable=True),
    ],
)


# Assignment part of the Consumer Protocol.
#
# The current implementation assumes that future versions will not break compatibility. When
# it encounters a newer version, it parses it using the current format. This basically means
# that new versions cannot remove or reorder any of the existing fields.
#
# Version 2 is to support a new field "GenerationId" in ConsumerProtocolSubscription.
# Version 3 adds rack id to ConsumerProtocolSubscription.
ConsumerProtocolAssignment = message(
    "ConsumerProtocolAssignment",
    kind="data",
    valid="0-3",
    flexible="none",
    fields=[
        field(
            "assigned_partitions",
            array(
                struct(
                    "TopicPartition",
                    [
                        field("topic", "string", "0+"),
                        field("partitions", "[]int32", "0+"),
                    ],
                )
            ),
            "0+",
        ),
        field("user_data", "bytes", "0+", nullable="0+", default=None),
    ],
)

__all__ = [
    "ConsumerGroupDescribeRequest",
    "ConsumerGroupDescribeResponse",
    "ConsumerGroupHeartbeatRequest",
    "ConsumerGroupHeartbeatResponse",
    "ConsumerProtocolAssignment",
    "ConsumerProtocolSubscription",
    "DeleteGroupsRequest",
    "DeleteGroupsResponse",
    "DescribeGroupsRequest",
    "DescribeGroupsResponse",
    "FindCoordinatorRequest",
    "FindCoordinatorResponse",
    "HeartbeatRequest",
    "HeartbeatResponse",
    "JoinGroupRequest",
    "JoinGroupResponse",
    "LeaveGroupRequest",
    "LeaveGroupResponse",
    "ListGroupsRequest",
    "ListGroupsResponse",
    "SyncGroupRequest",
    "SyncGroupResponse",
]
