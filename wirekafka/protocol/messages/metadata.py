"""Cluster and topic metadata.

Declared from Apache Kafka's message specs (Apache-2.0); the comments above each message are
Kafka's own notes on what each version changed. See docs/protocol.md for how to add a version.
"""

from wirekafka.protocol.schema import array, field, message, struct

# In version 0, an empty array indicates "request metadata for all topics."  In version 1 and
# higher, an empty array indicates "request metadata for no topics," and a null array is used to
# indicate "request metadata for all topics."
#
# Version 2 and 3 are the same as version 1.
#
# Version 4 adds AllowAutoTopicCreation.
#
# Starting in version 8, authorized operations can be requested for cluster and topic resource.
#
# Version 9 is the first flexible version.
#
# Version 10 adds topicId and allows name field to be null. However, this functionality was not implemented on the server.
# Versions 10 and 11 should not use the topicId field or set topic name to null.
#
# Version 11 deprecates IncludeClusterAuthorizedOperations field. This is now exposed
# by the DescribeCluster API (KIP-700).
# Version 12 supports topic Id.
MetadataRequest = message(
    "MetadataRequest",
    kind="request",
    api_key=3,
    valid="0-12",
    flexible="9+",
    fields=[
        field(
            "topics",
            array(
                struct(
                    "MetadataRequestTopic",
                    [
                        field("topic_id", "uuid", "10+", ignorable=True),
                        field("name", "string", "0+", nullable="10+"),
                    ],
                )
            ),
            "0+",
            nullable="1+",
        ),
        field("allow_auto_topic_creation", "bool", "4+", default=True),
        field("include_cluster_authorized_operations", "bool", "8-10"),
        field("include_topic_authorized_operations", "bool", "8+"),
    ],
)


# Version 1 adds fields for the rack of each broker, the controller id, and
# whether or not the topic is internal.
#
# Version 2 adds the cluster ID field.
#
# Version 3 adds the throttle time.
#
# Version 4 is the same as version 3.
#
# Version 5 adds a per-partition offline_replicas field. This field specifies
# the list of replicas that are offline.
#
# Starting in version 6, on quota violation, brokers send out responses before throttling.
#
# Version 7 adds the leader epoch to the partition metadata.
#
# Starting in version 8, brokers can send authorized operations for topic and cluster.
#
# Version 9 is the first flexible version.
#
# Version 10 adds topicId.
#
# Version 11 deprecates ClusterAuthorizedOperations. This is now exposed
# by the DescribeCluster API (KIP-700).
# Version 12 supports topicId.
MetadataResponse = message(
    "MetadataResponse",
    kind="response",
    api_key=3,
    valid="0-12",
    flexible="9+",
    fields=[
        field("throttle_time_ms", "int32", "3+", ignorable=True),
        field(
            "brokers",
            array(
                struct(
                    "MetadataResponseBroker",
                    [
                        field("node_id", "int32", "0+"),
                        field("host", "string", "0+"),
                        field("port", "int32", "0+"),
                        field("rack", "string", "1+", nullable="1+", default=None, ignorable=True),
                    ],
                )
            ),
            "0+",
        ),
        field("cluster_id", "string", "2+", nullable="2+", default=None, ignorable=True),
        field("controller_id", "int32", "1+", default=-1, ignorable=True),
        field(
            "topics",
            array(
                struct(
                    "MetadataResponseTopic",
                    [
                        field("error_code", "int16", "0+"),
                        field("name", "string", "0+", nullable="12+"),
                        field("topic_id", "uuid", "10+", ignorable=True),
                        field("is_internal", "bool", "1+", default=False, ignorable=True),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "MetadataResponsePartition",
                                    [
                                        field("error_code", "int16", "0+"),
                                        field("partition_index", "int32", "0+"),
                                        field("leader_id", "int32", "0+"),
                                        field("leader_epoch", "int32", "7+", default=-1, ignorable=True),
                                        field("replica_nodes", "[]int32", "0+"),
                                        field("isr_nodes", "[]int32", "0+"),
                                        field("offline_replicas", "[]int32", "5+", ignorable=True),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                        field("topic_authorized_operations", "int32", "8+", default=-2147483648),
                    ],
                )
            ),
            "0+",
        ),
        field("cluster_authorized_operations", "int32", "8-10", default=-2147483648),
    ],
)


#
# Version 1 adds EndpointType for KIP-919 support.
#
DescribeClusterRequest = message(
    "DescribeClusterRequest",
    kind="request",
    api_key=60,
    valid="0-1",
    flexible="0+",
    fields=[
        field("include_cluster_authorized_operations", "bool", "0+"),
        field("endpoint_type", "int8", "1+", default=1),
    ],
)


#
# Version 1 adds the EndpointType field, and makes MISMATCHED_ENDPOINT_TYPE and
# UNSUPPORTED_ENDPOINT_TYPE valid top-level response error codes.
#
DescribeClusterResponse = message(
    "DescribeClusterResponse",
    kind="response",
    api_key=60,
    valid="0-1",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
        field("error_message", "string", "0+", nullable="0+", default=None),
        field("endpoint_type", "int8", "1+", default=1),
        field("cluster_id", "string", "0+"),
        field("controller_id", "int32", "0+", default=-1),
        field(
            "brokers",
            array(
                struct(
                    "DescribeClusterBroker",
                    [
                        field("broker_id", "int32", "0+"),
                        field("host", "string", "0+"),
                        field("port", "int32", "0+"),
                        field("rack", "string", "0+", nullable="0+", default=None),
                    ],
                )
            ),
            "0+",
        ),
        field("cluster_authorized_operations", "int32", "0+", default=-2147483648),
    ],
)


DescribeTopicPartitionsRequest = message(
    "DescribeTopicPartitionsRequest",
    kind="request",
    api_key=75,
    valid="0",
    flexible="0+",
    fields=[
        field(
            "topics",
            array(
                struct(
                    "TopicRequest",
                    [
                        field("name", "string", "0+"),
                    ],
                )
            ),
            "0+",
        ),
        field("response_partition_limit", "int32", "0+", default=2000),
        field(
            "cursor",
            struct(
                "Cursor",
                [
                    field("topic_name", "string", "0+"),
                    field("partition_index", "int32", "0+"),
                ],
            ),
            "0+",
            nullable="0+",
            default=None,
        ),
    ],
)


DescribeTopicPartitionsResponse = message(
    "DescribeTopicPartitionsResponse",
    kind="response",
    api_key=75,
    valid="0",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+", ignorable=True),
        field(
            "topics",
            array(
                struct(
                    "DescribeTopicPartitionsResponseTopic",
                    [
                        field("error_code", "int16", "0+"),
                        field("name", "string", "0+", nullable="0+"),
                        field("topic_id", "uuid", "0+", ignorable=True),
                        field("is_internal", "bool", "0+", default=False, ignorable=True),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "DescribeTopicPartitionsResponsePartition",
                                    [
                                        field("error_code", "int16", "0+"),
                                        field("partition_index", "int32", "0+"),
                                        field("leader_id", "int32", "0+"),
                                        field("leader_epoch", "int32", "0+", default=-1, ignorable=True),
                                        field("replica_nodes", "[]int32", "0+"),
                                        field("isr_nodes", "[]int32", "0+"),
                                        field(
                                            "eligible_leader_replicas",
                                            "[]int32",
                                            "0+",
                                            nullable="0+",
                                            default=None,
                                        ),
                                        field("last_known_elr", "[]int32", "0+", nullable="0+", default=None),
                                        field("offline_replicas", "[]int32", "0+", ignorable=True),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                        field("topic_authorized_operations", "int32", "0+", default=-2147483648),
                    ],
                )
            ),
            "0+",
        ),
        field(
            "next_cursor",
            struct(
                "Cursor",
                [
                    field("topic_name", "string", "0+"),
                    field("partition_index", "int32", "0+"),
                ],
            ),
            "0+",
            nullable="0+",
            default=None,
        ),
    ],
)

__all__ = [
    "DescribeClusterRequest",
    "DescribeClusterResponse",
    "DescribeTopicPartitionsRequest",
    "DescribeTopicPartitionsResponse",
    "MetadataRequest",
    "MetadataResponse",
]
