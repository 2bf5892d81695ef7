"""Topic, config, log-dir, leadership and feature administration.

Declared from Apache Kafka's message specs (Apache-2.0); the comments above each message are
Kafka's own notes on what each version changed. See docs/protocol.md for how to add a version.
"""

from wirekafka.protocol.schema import array, field, message, struct

# Version 1 adds validateOnly.
#
# Version 4 makes partitions/replicationFactor optional even when assignments are not present (KIP-464)
#
# Version 5 is the first flexible version.
# Version 5 also returns topic configs in the response (KIP-525).
#
# Version 6 is identical to version 5 but may return a THROTTLING_QUOTA_EXCEEDED error
# in the response if the topics creation is throttled (KIP-599).
#
# Version 7 is the same as version 6.
CreateTopicsRequest = message(
    "CreateTopicsRequest",
    kind="request",
    api_key=19,
    valid="0-7",
    flexible="5+",
    fields=[
        field(
            "topics",
            array(
                struct(
                    "CreatableTopic",
                    [
                        field("name", "string", "0+"),
                        field("num_partitions", "int32", "0+"),
                        field("replication_factor", "int16", "0+"),
                        field(
                            "assignments",
                            array(
                                struct(
                                    "CreatableReplicaAssignment",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("broker_ids", "[]int32", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                        field(
                            "configs",
                            array(
                                struct(
                                    "CreatableTopicConfig",
                                    [
                                        field("name", "string", "0+"),
                                        field("value", "string", "0+", nullable="0+"),
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
        field("timeout_ms", "int32", "0+", default=60000, kafka_name="timeoutMs"),
        field("validate_only", "bool", "1+", default=False, kafka_name="validateOnly"),
    ],
)


# Version 1 adds a per-topic error message string.
#
# Version 2 adds the throttle time.
#
# Starting in version 3, on quota violation, brokers send out responses before throttling.
#
# Version 4 makes partitions/replicationFactor optional even when assignments are not present (KIP-464).
#
# Version 5 is the first flexible version.
# Version 5 also returns topic configs in the response (KIP-525).
#
# Version 6 is identical to version 5 but may return a THROTTLING_QUOTA_EXCEEDED error
# in the response if the topics creation is throttled (KIP-599).
#
# Version 7 returns the topic ID of the newly created topic if creation is successful.
CreateTopicsResponse = message(
    "CreateTopicsResponse",
    kind="response",
    api_key=19,
    valid="0-7",
    flexible="5+",
    fields=[
        field("throttle_time_ms", "int32", "2+", ignorable=True),
        field(
            "topics",
            array(
                struct(
                    "CreatableTopicResult",
                    [
                        field("name", "string", "0+"),
                        field("topic_id", "uuid", "7+", ignorable=True),
                        field("error_code", "int16", "0+"),
                        field("error_message", "string", "1+", nullable="0+", ignorable=True),
                        field("topic_config_error_code", "int16", "5+", tag=0, tagged="5+", ignorable=True),
                        field("num_partitions", "int32", "5+", default=-1, ignorable=True),
                        field("replication_factor", "int16", "5+", default=-1, ignorable=True),
                        field(
                            "configs",
                            array(
                                struct(
                                    "CreatableTopicConfigs",
                                    [
                                        field("name", "string", "5+"),
                                        field("value", "string", "5+", nullable="5+"),
                                        field("read_only", "bool", "5+"),
                                        field("config_source", "int8", "5+", default=-1, ignorable=True),
                                        field("is_sensitive", "bool", "5+"),
                                    ],
                                )
                            ),
                            "5+",
                            nullable="5+",
                            ignorable=True,
                        ),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Versions 0, 1, 2, and 3 are the same.
#
# Version 4 is the first flexible version.
#
# Version 5 adds ErrorMessage in the response and may return a THROTTLING_QUOTA_EXCEEDED error
# in the response if the topics deletion is throttled (KIP-599).
#
# Version 6 reorganizes topics, adds topic IDs and allows topic names to be null.
DeleteTopicsRequest = message(
    "DeleteTopicsRequest",
    kind="request",
    api_key=20,
    valid="0-6",
    flexible="4+",
    fields=[
        field(
            "topics",
            array(
                struct(
                    "DeleteTopicState",
                    [
                        field("name", "string", "6+", nullable="6+", default=None),
                        field("topic_id", "uuid", "6+"),
                    ],
                )
            ),
            "6+",
        ),
        field("topic_names", "[]string", "0-5", ignorable=True),
        field("timeout_ms", "int32", "0+"),
    ],
)


# Version 1 adds the throttle time.
#
# Starting in version 2, on quota violation, brokers send out responses before throttling.
#
# Starting in version 3, a TOPIC_DELETION_DISABLED error code may be returned.
#
# Version 4 is the first flexible version.
#
# Version 5 adds ErrorMessage in the response and may return a THROTTLING_QUOTA_EXCEEDED error
# in the response if the topics deletion is throttled (KIP-599).
#
# Version 6 adds topic ID to responses. An UNSUPPORTED_VERSION error code will be returned when attempting to
# delete using topic IDs when IBP < 2.8. UNKNOWN_TOPIC_ID error code will be returned when IBP is at least 2.8, but
# the topic ID was not found.
DeleteTopicsResponse = message(
    "DeleteTopicsResponse",
    kind="response",
    api_key=20,
    valid="0-6",
    flexible="4+",
    fields=[
        field("throttle_time_ms", "int32", "1+", ignorable=True),
        field(
            "responses",
            array(
                struct(
                    "DeletableTopicResult",
                    [
                        field("name", "string", "0+", nullable="6+"),
                        field("topic_id", "uuid", "6+", ignorable=True),
                        field("error_code", "int16", "0+"),
                        field("error_message", "string", "5+", nullable="5+", default=None, ignorable=True),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 is the same as version 0.
#
# Version 2 adds flexible version support
#
# Version 3 is identical to version 2 but may return a THROTTLING_QUOTA_EXCEEDED error
# in the response if the partitions creation is throttled (KIP-599).
CreatePartitionsRequest = message(
    "CreatePartitionsRequest",
    kind="request",
    api_key=37,
    valid="0-3",
    flexible="2+",
    fields=[
        field(
            "topics",
            array(
                struct(
                    "CreatePartitionsTopic",
                    [
                        field("name", "string", "0+"),
                        field("count", "int32", "0+"),
                        field(
                            "assignments",
                            array(
                                struct(
                                    "CreatePartitionsAssignment",
                                    [
                                        field("broker_ids", "[]int32", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                            nullable="0+",
                        ),
                    ],
                )
            ),
            "0+",
        ),
        field("timeout_ms", "int32", "0+"),
        field("validate_only", "bool", "0+"),
    ],
)


# Starting in version 1, on quota violation, brokers send out responses before throttling.
#
# Version 2 adds flexible version support
#
# Version 3 is identical to version 2 but may return a THROTTLING_QUOTA_EXCEEDED error
# in the response if the partitions creation is throttled (KIP-599).
CreatePartitionsResponse = message(
    "CreatePartitionsResponse",
    kind="response",
    api_key=37,
    valid="0-3",
    flexible="2+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field(
            "results",
            array(
                struct(
                    "CreatePartitionsTopicResult",
                    [
                        field("name", "string", "0+"),
                        field("error_code", "int16", "0+"),
                        field("error_message", "string", "0+", nullable="0+", default=None),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 adds IncludeSynonyms.
# Version 2 is the same as version 1.
# Version 4 enables flexible versions.
DescribeConfigsRequest = message(
    "DescribeConfigsRequest",
    kind="request",
    api_key=32,
    valid="0-4",
    flexible="4+",
    fields=[
        field(
            "resources",
            array(
                struct(
                    "DescribeConfigsResource",
                    [
                        field("resource_type", "int8", "0+"),
                        field("resource_name", "string", "0+"),
                        field("configuration_keys", "[]string", "0+", nullable="0+"),
                    ],
                )
            ),
            "0+",
        ),
        field("include_synonyms", "bool", "1+", default=False),
        field("include_documentation", "bool", "3+", default=False),
    ],
)


# Version 1 adds ConfigSource and the synonyms.
# Starting in version 2, on quota violation, brokers send out responses before throttling.
# Version 4 enables flexible versions.
# Note: the v0 default for this field that should be exposed to callers is
# context-dependent. For example, if the resource is a broker, this should default to 4.
# -1 is just a placeholder value.
DescribeConfigsResponse = message(
    "DescribeConfigsResponse",
    kind="response",
    api_key=32,
    valid="0-4",
    flexible="4+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field(
            "results",
            array(
                struct(
                    "DescribeConfigsResult",
                    [
                        field("error_code", "int16", "0+"),
                        field("error_message", "string", "0+", nullable="0+"),
                        field("resource_type", "int8", "0+"),
                        field("resource_name", "string", "0+"),
                        field(
                            "configs",
                            array(
                                struct(
                                    "DescribeConfigsResourceResult",
                                    [
                                        field("name", "string", "0+"),
                                        field("value", "string", "0+", nullable="0+"),
                                        field("read_only", "bool", "0+"),
                                        field("is_default", "bool", "0"),
                                        field("config_source", "int8", "1+", default=-1, ignorable=True),
                                        field("is_sensitive", "bool", "0+"),
                                        field(
                                            "synonyms",
                                            array(
                                                struct(
                                                    "DescribeConfigsSynonym",
                                                    [
                                                        field("name", "string", "1+"),
                                                        field("value", "string", "1+", nullable="0+"),
                                                        field("source", "int8", "1+"),
                                                    ],
                                                )
                                            ),
                                            "1+",
                                            ignorable=True,
                                        ),
                                        field("config_type", "int8", "3+", default=0, ignorable=True),
                                        field("documentation", "string", "3+", nullable="0+", ignorable=True),
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


# Version 1 is the same as version 0.
# Version 2 enables flexible versions.
AlterConfigsRequest = message(
    "AlterConfigsRequest",
    kind="request",
    api_key=33,
    valid="0-2",
    flexible="2+",
    fields=[
        field(
            "resources",
            array(
                struct(
                    "AlterConfigsResource",
                    [
                        field("resource_type", "int8", "0+"),
                        field("resource_name", "string", "0+"),
                        field(
                            "configs",
                            array(
                                struct(
                                    "AlterableConfig",
                                    [
                                        field("name", "string", "0+"),
                                        field("value", "string", "0+", nullable="0+"),
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
        field("validate_only", "bool", "0+"),
    ],
)


# Starting in version 1, on quota violation brokers send out responses before throttling.
# Version 2 enables flexible versions.
AlterConfigsResponse = message(
    "AlterConfigsResponse",
    kind="response",
    api_key=33,
    valid="0-2",
    flexible="2+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field(
            "responses",
            array(
                struct(
                    "AlterConfigsResourceResponse",
                    [
                        field("error_code", "int16", "0+"),
                        field("error_message", "string", "0+", nullable="0+"),
                        field("resource_type", "int8", "0+"),
                        field("resource_name", "string", "0+"),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 is the first flexible version.
IncrementalAlterConfigsRequest = message(
    "IncrementalAlterConfigsRequest",
    kind="request",
    api_key=44,
    valid="0-1",
    flexible="1+",
    fields=[
        field(
            "resources",
            array(
                struct(
                    "AlterConfigsResource",
                    [
                        field("resource_type", "int8", "0+"),
                        field("resource_name", "string", "0+"),
                        field(
                            "configs",
                            array(
                                struct(
                                    "AlterableConfig",
                                    [
                                        field("name", "string", "0+"),
                                        field("config_operation", "int8", "0+"),
                                        field("value", "string", "0+", nullable="0+"),
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
        field("validate_only", "bool", "0+"),
    ],
)


# Version 1 is the first flexible version.
IncrementalAlterConfigsResponse = message(
    "IncrementalAlterConfigsResponse",
    kind="response",
    api_key=44,
    valid="0-1",
    flexible="1+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field(
            "responses",
            array(
                struct(
                    "AlterConfigsResourceResponse",
                    [
                        field("error_code", "int16", "0+"),
                        field("error_message", "string", "0+", nullable="0+"),
                        field("resource_type", "int8", "0+"),
                        field("resource_name", "string", "0+"),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 is the same as version 0.
# Version 2 is the first flexible version.
# Version 3 is the same as version 2 (new field in response).
# Version 4 is the same as version 2 (new fields in response).
DescribeLogDirsRequest = message(
    "DescribeLogDirsRequest",
    kind="request",
    api_key=35,
    valid="0-4",
    flexible="2+",
    fields=[
        field(
            "topics",
            array(
                struct(
                    "DescribableLogDirTopic",
                    [
                        field("topic", "string", "0+"),
                        field("partitions", "[]int32", "0+"),
                    ],
                )
            ),
            "0+",
            nullable="0+",
        ),
    ],
)


# Starting in version 1, on quota violation, brokers send out responses before throttling.
# Version 2 is the first flexible version.
# Version 3 adds the top-level ErrorCode field
# Version 4 adds the TotalBytes and UsableBytes fields
DescribeLogDirsResponse = message(
    "DescribeLogDirsResponse",
    kind="response",
    api_key=35,
    valid="0-4",
    flexible="2+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "3+", ignorable=True),
        field(
            "results",
            array(
                struct(
                    "DescribeLogDirsResult",
                    [
                        field("error_code", "int16", "0+"),
                        field("log_dir", "string", "0+"),
                        field(
                            "topics",
                            array(
                                struct(
                                    "DescribeLogDirsTopic",
                                    [
                                        field("name", "string", "0+"),
                                        field(
                                            "partitions",
                                            array(
                                                struct(
                                                    "DescribeLogDirsPartition",
                                                    [
                                                        field("partition_index", "int32", "0+"),
                                                        field("partition_size", "int64", "0+"),
                                                        field("offset_lag", "int64", "0+"),
                                                        field("is_future_key", "bool", "0+"),
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
                        field("total_bytes", "int64", "4+", default=-1, ignorable=True),
                        field("usable_bytes", "int64", "4+", default=-1, ignorable=True),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 implements multiple leader election types, as described by KIP-460.
#
# Version 2 is the first flexible version.
ElectLeadersRequest = message(
    "ElectLeadersRequest",
    kind="request",
    api_key=43,
    valid="0-2",
    flexible="2+",
    fields=[
        field("election_type", "int8", "1+"),
        field(
            "topic_partitions",
            array(
                struct(
                    "TopicPartitions",
                    [
                        field("topic", "string", "0+"),
                        field("partitions", "[]int32", "0+"),
                    ],
                )
            ),
            "0+",
            nullable="0+",
        ),
        field("timeout_ms", "int32", "0+", default=60000),
    ],
)


# Version 1 adds a top-level error code.
#
# Version 2 is the first flexible version.
ElectLeadersResponse = message(
    "ElectLeadersResponse",
    kind="response",
    api_key=43,
    valid="0-2",
    flexible="2+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "1+"),
        field(
            "replica_election_results",
            array(
                struct(
                    "ReplicaElectionResult",
                    [
                        field("topic", "string", "0+"),
                        field(
                            "partition_result",
                            array(
                                struct(
                                    "PartitionResult",
                                    [
                                        field("partition_id", "int32", "0+"),
                                        field("error_code", "int16", "0+"),
                                        field("error_message", "string", "0+", nullable="0+"),
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


AlterPartitionReassignmentsRequest = message(
    "AlterPartitionReassignmentsRequest",
    kind="request",
    api_key=45,
    valid="0",
    flexible="0+",
    fields=[
        field("timeout_ms", "int32", "0+", default=60000),
        field(
            "topics",
            array(
                struct(
                    "ReassignableTopic",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "ReassignablePartition",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("replicas", "[]int32", "0+", nullable="0+", default=None),
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


AlterPartitionReassignmentsResponse = message(
    "AlterPartitionReassignmentsResponse",
    kind="response",
    api_key=45,
    valid="0",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
        field("error_message", "string", "0+", nullable="0+"),
        field(
            "responses",
            array(
                struct(
                    "ReassignableTopicResponse",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "ReassignablePartitionResponse",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("error_code", "int16", "0+"),
                                        field("error_message", "string", "0+", nullable="0+"),
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


ListPartitionReassignmentsRequest = message(
    "ListPartitionReassignmentsRequest",
    kind="request",
    api_key=46,
    valid="0",
    flexible="0+",
    fields=[
        field("timeout_ms", "int32", "0+", default=60000),
        field(
            "topics",
            array(
                struct(
                    "ListPartitionReassignmentsTopics",
                    [
                        field("name", "string", "0+"),
                        field("partition_indexes", "[]int32", "0+"),
                    ],
                )
            ),
            "0+",
            nullable="0+",
            default=None,
        ),
    ],
)


ListPartitionReassignmentsResponse = message(
    "ListPartitionReassignmentsResponse",
    kind="response",
    api_key=46,
    valid="0",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
        field("error_message", "string", "0+", nullable="0+"),
        field(
            "topics",
            array(
                struct(
                    "OngoingTopicReassignment",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "OngoingPartitionReassignment",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("replicas", "[]int32", "0+"),
                                        field("adding_replicas", "[]int32", "0+"),
                                        field("removing_replicas", "[]int32", "0+"),
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


# Version 1 adds validate only field.
#
# Version 2 changes the response to not return feature level results.
UpdateFeaturesRequest = message(
    "UpdateFeaturesRequest",
    kind="request",
    api_key=57,
    valid="0-2",
    flexible="0+",
    fields=[
        field("timeout_ms", "int32", "0+", default=60000, kafka_name="timeoutMs"),
        field(
            "feature_updates",
            array(
                struct(
                    "FeatureUpdateKey",
                    [
                        field("feature", "string", "0+"),
                        field("max_version_level", "int16", "0+"),
                        field("allow_downgrade", "bool", "0"),
                        field("upgrade_type", "int8", "1+", default=1),
                    ],
                )
            ),
            "0+",
        ),
        field("validate_only", "bool", "1+", default=False),
    ],
)


UpdateFeaturesResponse = message(
    "UpdateFeaturesResponse",
    kind="response",
    api_key=57,
    valid="0-2",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
        field("error_message", "string", "0+", nullable="0+"),
        field(
            "results",
            array(
                struct(
                    "UpdatableFeatureResult",
                    [
                        field("feature", "string", "0+"),
                        field("error_code", "int16", "0+"),
                        field("error_message", "string", "0+", nullable="0+"),
                    ],
                )
            ),
            "0-1",
            ignorable=True,
        ),
    ],
)

__all__ = [
    "AlterConfigsRequest",
    "AlterConfigsResponse",
    "AlterPartitionReassignmentsRequest",
    "AlterPartitionReassignmentsResponse",
    "CreatePartitionsRequest",
    "CreatePartitionsResponse",
    "CreateTopicsRequest",
    "CreateTopicsResponse",
    "DeleteTopicsRequest",
    "DeleteTopicsResponse",
    "DescribeConfigsRequest",
    "DescribeConfigsResponse",
    "DescribeLogDirsRequest",
    "DescribeLogDirsResponse",
    "ElectLeadersRequest",
    "ElectLeadersResponse",
    "IncrementalAlterConfigsRequest",
    "IncrementalAlterConfigsResponse",
    "ListPartitionReassignmentsRequest",
    "ListPartitionReassignmentsResponse",
    "UpdateFeaturesRequest",
    "UpdateFeaturesResponse",
]
