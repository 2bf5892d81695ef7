"""Records of the ``__consumer_offsets`` topic: the group coordinator's persisted state.

Declared from Apache Kafka's ``group-coordinator/src/main/resources/common/message/*.json``
(Apache-2.0). Every record is a key and a value, each written as ``int16 version`` followed by
the struct at that version (``compiler.codec(cls, version)``). The *key's* version says which
record it is, which is why each key schema has exactly one valid version:

=====  ==================================================  ===============================
key v  key                                                 value (version Kafka writes)
=====  ==================================================  ===============================
0, 1   OffsetCommitKey (group, topic, partition)           OffsetCommitValue (3; 1 with an
                                                           explicit expire timestamp)
2      GroupMetadataKey (group)                            GroupMetadataValue (3)
3      ConsumerGroupMetadataKey                            ConsumerGroupMetadataValue (0)
4      ConsumerGroupPartitionMetadataKey                   ConsumerGroupPartitionMetadataValue
5      ConsumerGroupMemberMetadataKey                      ConsumerGroupMemberMetadataValue
6      ConsumerGroupTargetAssignmentMetadataKey            ...TargetAssignmentMetadataValue
7      ConsumerGroupTargetAssignmentMemberKey              ...TargetAssignmentMemberValue
8      ConsumerGroupCurrentMemberAssignmentKey             ...CurrentMemberAssignmentValue
16     ConsumerGroupRegularExpressionKey                   ConsumerGroupRegularExpressionValue
=====  ==================================================  ===============================

A record whose value is null is a tombstone: compaction eventually removes the key, and replay
removes what the key names.
"""

from wirekafka.protocol.schema import array, field, message, struct

OffsetCommitKey = message(
    "OffsetCommitKey",
    kind="data",
    valid="0-1",
    flexible="none",
    fields=[
        field("group", "string", "0-1", kafka_name="group"),
        field("topic", "string", "0-1", kafka_name="topic"),
        field("partition", "int32", "0-1", kafka_name="partition"),
    ],
)

# Version 4 is the first flexible version.
# KIP-915: bumping the version will no longer make this record backward compatible.
OffsetCommitValue = message(
    "OffsetCommitValue",
    kind="data",
    valid="0-4",
    flexible="4+",
    fields=[
        field("offset", "int64", "0+", kafka_name="offset"),
        field("leader_epoch", "int32", "3+", default=-1, ignorable=True, kafka_name="leaderEpoch"),
        field("metadata", "string", "0+", kafka_name="metadata"),
        field("commit_timestamp", "int64", "0+", kafka_name="commitTimestamp"),
        field("expire_timestamp", "int64", "1", default=-1, ignorable=True, kafka_name="expireTimestamp"),
    ],
)

GroupMetadataKey = message(
    "GroupMetadataKey",
    kind="data",
    valid="2",
    flexible="none",
    fields=[field("group", "string", "2", kafka_name="group")],
)

# Version 4 is the first flexible version.
GroupMetadataValue = message(
    "GroupMetadataValue",
    kind="data",
    valid="0-4",
    flexible="4+",
    fields=[
        field("protocol_type", "string", "0+", kafka_name="protocolType"),
        field("generation", "int32", "0+", kafka_name="generation"),
        field("protocol", "string", "0+", nullable="0+", kafka_name="protocol"),
        field("leader", "string", "0+", nullable="0+", kafka_name="leader"),
        field(
            "current_state_timestamp",
            "int64",
            "2+",
            default=-1,
            ignorable=True,
            kafka_name="currentStateTimestamp",
        ),
        field(
            "members",
            array(
                struct(
                    "MemberMetadata",
                    [
                        field("member_id", "string", "0+", kafka_name="memberId"),
                        field(
                            "group_instance_id",
                            "string",
                            "3+",
                            nullable="3+",
                            default=None,
                            ignorable=True,
                            kafka_name="groupInstanceId",
                        ),
                        field("client_id", "string", "0+", kafka_name="clientId"),
                        field("client_host", "string", "0+", kafka_name="clientHost"),
                        field(
                            "rebalance_timeout",
                            "int32",
                            "1+",
                            default=-1,
                            ignorable=True,
                            kafka_name="rebalanceTimeout",
                        ),
                        field("session_timeout", "int32", "0+", kafka_name="sessionTimeout"),
                        field("subscription", "bytes", "0+", kafka_name="subscription"),
                        field("assignment", "bytes", "0+", kafka_name="assignment"),
                    ],
                )
            ),
            "0+",
            kafka_name="members",
        ),
    ],
)

ConsumerGroupMetadataKey = message(
    "ConsumerGroupMetadataKey",
    kind="data",
    valid="3",
    flexible="none",
    fields=[field("group_id", "string", "3")],
)

ConsumerGroupMetadataValue = message(
    "ConsumerGroupMetadataValue",
    kind="data",
    valid="0",
    flexible="0+",
    fields=[field("epoch", "int32", "0+")],
)

ConsumerGroupPartitionMetadataKey = message(
    "ConsumerGroupPartitionMetadataKey",
    kind="data",
    valid="4",
    flexible="none",
    fields=[field("group_id", "string", "4")],
)

ConsumerGroupPartitionMetadataValue = message(
    "ConsumerGroupPartitionMetadataValue",
    kind="data",
    valid="0",
    flexible="0+",
    fields=[
        field(
            "topics",
            array(
                struct(
                    "TopicMetadata",
                    [
                        field("topic_id", "uuid", "0+"),
                        field("topic_name", "string", "0+"),
                        field("num_partitions", "int32", "0+"),
                        field(
                            "partition_metadata",
                            array(
                                struct(
                                    "PartitionMetadata",
                                    [
                                        field("partition", "int32", "0+"),
                                        field("racks", "[]string", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                    ],
                )
            ),
            "0+",
        ),
    ],
)

ConsumerGroupMemberMetadataKey = message(
    "ConsumerGroupMemberMetadataKey",
    kind="data",
    valid="5",
    flexible="none",
    fields=[
        field("group_id", "string", "5"),
        field("member_id", "string", "5"),
    ],
)

ConsumerGroupMemberMetadataValue = message(
    "ConsumerGroupMemberMetadataValue",
    kind="data",
    valid="0",
    flexible="0+",
    fields=[
        field("instance_id", "string", "0+", nullable="0+"),
        field("rack_id", "string", "0+", nullable="0+"),
        field("client_id", "string", "0+"),
        field("client_host", "string", "0+"),
        field("subscribed_topic_names", "[]string", "0+"),
        field("subscribed_topic_regex", "string", "0+", nullable="0+"),
        field("rebalance_timeout_ms", "int32", "0+", default=-1),
        field("server_assignor", "string", "0+", nullable="0+"),
        field(
            "classic_member_metadata",
            struct(
                "ClassicMemberMetadata",
                [
                    field("session_timeout_ms", "int32", "0+"),
                    field(
                        "supported_protocols",
                        array(
                            struct(
                                "ClassicProtocol",
                                [
                                    field("name", "string", "0+"),
                                    field("metadata", "bytes", "0+"),
                                ],
                            )
                        ),
                        "0+",
                    ),
                ],
            ),
            "0+",
            nullable="0+",
            tag=0,
            tagged="0+",
            default=None,
        ),
    ],
)

ConsumerGroupTargetAssignmentMetadataKey = message(
    "ConsumerGroupTargetAssignmentMetadataKey",
    kind="data",
    valid="6",
    flexible="none",
    fields=[field("group_id", "string", "6")],
)

ConsumerGroupTargetAssignmentMetadataValue = message(
    "ConsumerGroupTargetAssignmentMetadataValue",
    kind="data",
    valid="0",
    flexible="0+",
    fields=[field("assignment_epoch", "int32", "0+")],
)

ConsumerGroupTargetAssignmentMemberKey = message(
    "ConsumerGroupTargetAssignmentMemberKey",
    kind="data",
    valid="7",
    flexible="none",
    fields=[
        field("group_id", "string", "7"),
        field("member_id", "string", "7"),
    ],
)

ConsumerGroupTargetAssignmentMemberValue = message(
    "ConsumerGroupTargetAssignmentMemberValue",
    kind="data",
    valid="0",
    flexible="0+",
    fields=[
        field(
            "topic_partitions",
            array(
                struct(
                    "TopicPartition",
                    [
                        field("topic_id", "uuid", "0+"),
                        field("partitions", "[]int32", "0+"),
                    ],
                )
            ),
            "0+",
        ),
    ],
)

ConsumerGroupCurrentMemberAssignmentKey = message(
    "ConsumerGroupCurrentMemberAssignmentKey",
    kind="data",
    valid="8",
    flexible="none",
    fields=[
        field("group_id", "string", "8"),
        field("member_id", "string", "8"),
    ],
)

_topic_partitions = struct(
    "TopicPartitions",
    [
        field("topic_id", "uuid", "0+"),
        field("partitions", "[]int32", "0+"),
    ],
)

ConsumerGroupCurrentMemberAssignmentValue = message(
    "ConsumerGroupCurrentMemberAssignmentValue",
    kind="data",
    valid="0",
    flexible="0+",
    fields=[
        field("member_epoch", "int32", "0+"),
        field("previous_member_epoch", "int32", "0+"),
        field("state", "int8", "0+"),
        field("assigned_partitions", array(_topic_partitions), "0+"),
        field("partitions_pending_revocation", array(_topic_partitions), "0+"),
    ],
)

ConsumerGroupRegularExpressionKey = message(
    "ConsumerGroupRegularExpressionKey",
    kind="data",
    valid="16",
    flexible="none",
    fields=[
        field("group_id", "string", "16"),
        field("regular_expression", "string", "16"),
    ],
)

ConsumerGroupRegularExpressionValue = message(
    "ConsumerGroupRegularExpressionValue",
    kind="data",
    valid="0",
    flexible="0+",
    fields=[
        field("topics", "[]string", "0+"),
        field("version", "int64", "0+"),
        field("timestamp", "int64", "0+"),
    ],
)

__all__ = [
    "ConsumerGroupCurrentMemberAssignmentKey",
    "ConsumerGroupCurrentMemberAssignmentValue",
    "ConsumerGroupMemberMetadataKey",
    "ConsumerGroupMemberMetadataValue",
    "ConsumerGroupMetadataKey",
    "ConsumerGroupMetadataValue",
    "ConsumerGroupPartitionMetadataKey",
    "ConsumerGroupPartitionMetadataValue",
    "ConsumerGroupRegularExpressionKey",
    "ConsumerGroupRegularExpressionValue",
    "ConsumerGroupTargetAssignmentMemberKey",
    "ConsumerGroupTargetAssignmentMemberValue",
    "ConsumerGroupTargetAssignmentMetadataKey",
    "ConsumerGroupTargetAssignmentMetadataValue",
    "GroupMetadataKey",
    "GroupMetadataValue",
    "OffsetCommitKey",
    "OffsetCommitValue",
]
