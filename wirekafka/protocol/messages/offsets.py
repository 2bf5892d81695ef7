"""Offsets: listing, committing, fetching and deleting them, and DeleteRecords.

Declared from Apache Kafka's message specs (Apache-2.0); the comments above each message are
Kafka's own notes on what each version changed. See docs/protocol.md for how to add a version.
"""

from wirekafka.protocol.schema import array, field, message, struct

# Version 1 removes MaxNumOffsets.  From this version forward, only a single
# offset can be returned.
#
# Version 2 adds the isolation level, which is used for transactional reads.
#
# Version 3 is the same as version 2.
#
# Version 4 adds the current leader epoch, which is used for fencing.
#
# Version 5 is the same as version 4.
#
# Version 6 enables flexible versions.
#
# Version 7 enables listing offsets by max timestamp (KIP-734).
#
# Version 8 enables listing offsets by local log start offset (KIP-405).
#
# Version 9 enables listing offsets by last tiered offset (KIP-1005).
#
# Version 10 enables async remote list offsets support (KIP-1075)
ListOffsetsRequest = message(
    "ListOffsetsRequest",
    kind="request",
    api_key=2,
    valid="0-10",
    flexible="6+",
    fields=[
        field("replica_id", "int32", "0+"),
        field("isolation_level", "int8", "2+"),
        field(
            "topics",
            array(
                struct(
                    "ListOffsetsTopic",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "ListOffsetsPartition",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field(
                                            "current_leader_epoch", "int32", "4+", default=-1, ignorable=True
                                        ),
                                        field("timestamp", "int64", "0+"),
                                        field("max_num_offsets", "int32", "0", default=1),
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
        field("timeout_ms", "int32", "10+", ignorable=True),
    ],
)


# Version 1 removes the offsets array in favor of returning a single offset.
# Version 1 also adds the timestamp associated with the returned offset.
#
# Version 2 adds the throttle time.
#
# Starting in version 3, on quota violation, brokers send out responses before throttling.
#
# Version 4 adds the leader epoch, which is used for fencing.
#
# Version 5 adds a new error code, OFFSET_NOT_AVAILABLE.
#
# Version 6 enables flexible versions.
#
# Version 7 is the same as version 6 (KIP-734).
#
# Version 8 enables listing offsets by local log start offset.
# This is the earliest log start offset in the local log. (KIP-405).
#
# Version 9 enables listing offsets by last tiered offset (KIP-1005).
#
# Version 10 enables async remote list offsets support (KIP-1075)
ListOffsetsResponse = message(
    "ListOffsetsResponse",
    kind="response",
    api_key=2,
    valid="0-10",
    flexible="6+",
    fields=[
        field("throttle_time_ms", "int32", "2+", ignorable=True),
        field(
            "topics",
            array(
                struct(
                    "ListOffsetsTopicResponse",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "ListOffsetsPartitionResponse",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("error_code", "int16", "0+"),
                                        field("old_style_offsets", "[]int64", "0"),
                                        field("timestamp", "int64", "1+", default=-1),
                                        field("offset", "int64", "1+", default=-1),
                                        field("leader_epoch", "int32", "4+", default=-1),
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


# Version 1 adds timestamp and group membership information, as well as the commit timestamp.
#
# Version 2 adds retention time.  It removes the commit timestamp added in version 1.
#
# Version 3 and 4 are the same as version 2.
#
# Version 5 removes the retention time, which is now controlled only by a broker configuration.
#
# Version 6 adds the leader epoch for fencing.
#
# version 7 adds a new field called groupInstanceId to indicate member identity across restarts.
#
# Version 8 is the first flexible version.
#
# Version 9 is the first version that can be used with the new consumer group protocol (KIP-848). The
# request is the same as version 8.
# CommitTimestamp has been removed from v2 and later.
OffsetCommitRequest = message(
    "OffsetCommitRequest",
    kind="request",
    api_key=8,
    valid="0-9",
    flexible="8+",
    fields=[
        field("group_id", "string", "0+"),
        field("generation_id_or_member_epoch", "int32", "1+", default=-1, ignorable=True),
        field("member_id", "string", "1+", ignorable=True),
        field("group_instance_id", "string", "7+", nullable="7+", default=None),
        field("retention_time_ms", "int64", "2-4", default=-1, ignorable=True),
        field(
            "topics",
            array(
                struct(
                    "OffsetCommitRequestTopic",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "OffsetCommitRequestPartition",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("committed_offset", "int64", "0+"),
                                        field(
                                            "committed_leader_epoch",
                                            "int32",
                                            "6+",
                                            default=-1,
                                            ignorable=True,
                                        ),
                                        field("commit_timestamp", "int64", "1", default=-1),
                                        field("committed_metadata", "string", "0+", nullable="0+"),
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


# Versions 1 and 2 are the same as version 0.
#
# Version 3 adds the throttle time to the response.
#
# Starting in version 4, on quota violation, brokers send out responses before throttling.
#
# Versions 5 and 6 are the same as version 4.
#
# Version 7 offsetCommitRequest supports a new field called groupInstanceId to indicate member identity across restarts.
#
# Version 8 is the first flexible version.
#
# Version 9 is the first version that can be used with the new consumer group protocol (KIP-848). The response is
# the same as version 8 but can return STALE_MEMBER_EPOCH when the new consumer group protocol is used and
# GROUP_ID_NOT_FOUND when the group does not exist for both protocols.
# Supported errors:
# - GROUP_AUTHORIZATION_FAILED (version 0+)
# - NOT_COORDINATOR (version 0+)
# - COORDINATOR_NOT_AVAILABLE (version 0+)
# - COORDINATOR_LOAD_IN_PROGRESS (version 0+)
# - ILLEGAL_GENERATION (version 1+)
# - UNKNOWN_MEMBER_ID (version 1+)
# - INVALID_COMMIT_OFFSET_SIZE (version 0+)
# - FENCED_MEMBER_EPOCH (version 7+)
# - GROUP_ID_NOT_FOUND (version 9+)
# - STALE_MEMBER_EPOCH (version 9+)
OffsetCommitResponse = message(
    "OffsetCommitResponse",
    kind="response",
    api_key=8,
    valid="0-9",
    flexible="8+",
    fields=[
        field("throttle_time_ms", "int32", "3+", ignorable=True),
        field(
            "topics",
            array(
                struct(
                    "OffsetCommitResponseTopic",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "OffsetCommitResponsePartition",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("error_code", "int16", "0+"),
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


# In version 0, the request read offsets from ZK.
#
# Starting in version 1, the broker supports fetching offsets from the internal __consumer_offsets topic.
#
# Starting in version 2, the request can contain a null topics array to indicate that offsets
# for all topics should be fetched. It also returns a top level error code
# for group or coordinator level errors.
#
# Version 3, 4, and 5 are the same as version 2.
#
# Version 6 is the first flexible version.
#
# Version 7 is adding the require stable flag.
#
# Version 8 is adding support for fetching offsets for multiple groups at a time.
#
# Version 9 is the first version that can be used with the new consumer group protocol (KIP-848). It adds
# the MemberId and MemberEpoch fields. Those are filled in and validated when the new consumer protocol is used.
OffsetFetchRequest = message(
    "OffsetFetchRequest",
    kind="request",
    api_key=9,
    valid="0-9",
    flexible="6+",
    fields=[
        field("group_id", "string", "0-7"),
        field(
            "topics",
            array(
                struct(
                    "OffsetFetchRequestTopic",
                    [
                        field("name", "string", "0-7"),
                        field("partition_indexes", "[]int32", "0-7"),
                    ],
                )
            ),
            "0-7",
            nullable="2-7",
        ),
        field(
            "groups",
            array(
                struct(
                    "OffsetFetchRequestGroup",
                    [
                        field("group_id", "string", "8+"),
                        field("member_id", "string", "9+", nullable="9+", default=None, ignorable=True),
                        field("member_epoch", "int32", "9+", default=-1, ignorable=True),
                        field(
                            "topics",
                            array(
                                struct(
                                    "OffsetFetchRequestTopics",
                                    [
                                        field("name", "string", "8+"),
                                        field("partition_indexes", "[]int32", "8+"),
                                    ],
                                )
                            ),
                            "8+",
                            nullable="8+",
                        ),
                    ],
                )
            ),
            "8+",
        ),
        field("require_stable", "bool", "7+", default=False),
    ],
)


# Version 1 is the same as version 0.
#
# Version 2 adds a top-level error code.
#
# Version 3 adds the throttle time.
#
# Starting in version 4, on quota violation, brokers send out responses before throttling.
#
# Version 5 adds the leader epoch to the committed offset.
#
# Version 6 is the first flexible version.
#
# Version 7 adds pending offset commit as new error response on partition level.
#
# Version 8 is adding support for fetching offsets for multiple groups
#
# Version 9 is the first version that can be used with the new consumer group protocol (KIP-848). The response is
# the same as version 8 but can return STALE_MEMBER_EPOCH and UNKNOWN_MEMBER_ID errors when the new consumer group
# protocol is used.
# Supported errors:
# - GROUP_AUTHORIZATION_FAILED (version 0+)
# - NOT_COORDINATOR (version 0+)
# - COORDINATOR_NOT_AVAILABLE (version 0+)
# - COORDINATOR_LOAD_IN_PROGRESS (version 0+)
# - GROUP_ID_NOT_FOUND (version 0+)
# - UNSTABLE_OFFSET_COMMIT (version 7+)
# - UNKNOWN_MEMBER_ID (version 9+)
# - STALE_MEMBER_EPOCH (version 9+)
OffsetFetchResponse = message(
    "OffsetFetchResponse",
    kind="response",
    api_key=9,
    valid="0-9",
    flexible="6+",
    fields=[
        field("throttle_time_ms", "int32", "3+", ignorable=True),
        field(
            "topics",
            array(
                struct(
                    "OffsetFetchResponseTopic",
                    [
                        field("name", "string", "0-7"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "OffsetFetchResponsePartition",
                                    [
                                        field("partition_index", "int32", "0-7"),
                                        field("committed_offset", "int64", "0-7"),
                                        field(
                                            "committed_leader_epoch",
                                            "int32",
                                            "5-7",
                                            default=-1,
                                            ignorable=True,
                                        ),
                                        field("metadata", "string", "0-7", nullable="0-7"),
                                        field("error_code", "int16", "0-7"),
                                    ],
                                )
                            ),
                            "0-7",
                        ),
                    ],
                )
            ),
            "0-7",
        ),
        field("error_code", "int16", "2-7", default=0, ignorable=True),
        field(
            "groups",
            array(
                struct(
                    "OffsetFetchResponseGroup",
                    [
                        field("group_id", "string", "8+"),
                        field(
                            "topics",
                            array(
                                struct(
                                    "OffsetFetchResponseTopics",
                                    [
                                        field("name", "string", "8+"),
                                        field(
                                            "partitions",
                                            array(
                                                struct(
                                                    "OffsetFetchResponsePartitions",
                                                    [
                                                        field("partition_index", "int32", "8+"),
                                                        field("committed_offset", "int64", "8+"),
                                                        field(
                                                            "committed_leader_epoch",
                                                            "int32",
                                                            "8+",
                                                            default=-1,
                                                            ignorable=True,
                                                        ),
                                                        field("metadata", "string", "8+", nullable="8+"),
                                                        field("error_code", "int16", "8+"),
                                                    ],
                                                )
                                            ),
                                            "8+",
                                        ),
                                    ],
                                )
                            ),
                            "8+",
                        ),
                        field("error_code", "int16", "8+", default=0),
                    ],
                )
            ),
            "8+",
        ),
    ],
)


OffsetDeleteRequest = message(
    "OffsetDeleteRequest",
    kind="request",
    api_key=47,
    valid="0",
    flexible="none",
    fields=[
        field("group_id", "string", "0+"),
        field(
            "topics",
            array(
                struct(
                    "OffsetDeleteRequestTopic",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "OffsetDeleteRequestPartition",
                                    [
                                        field("partition_index", "int32", "0+"),
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


OffsetDeleteResponse = message(
    "OffsetDeleteResponse",
    kind="response",
    api_key=47,
    valid="0",
    flexible="none",
    fields=[
        field("error_code", "int16", "0+"),
        field("throttle_time_ms", "int32", "0+", ignorable=True),
        field(
            "topics",
            array(
                struct(
                    "OffsetDeleteResponseTopic",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "OffsetDeleteResponsePartition",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("error_code", "int16", "0+"),
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
#
# Version 2 adds the current leader epoch to support fencing.
#
# Version 3 adds ReplicaId (the default is -2 which conventionally represents a
# "debug" consumer which is allowed to see offsets beyond the high watermark).
# Followers will use this replicaId when using an older version of the protocol.
#
# Version 4 enables flexible versions.
OffsetForLeaderEpochRequest = message(
    "OffsetForLeaderEpochRequest",
    kind="request",
    api_key=23,
    valid="0-4",
    flexible="4+",
    fields=[
        field("replica_id", "int32", "3+", default=-2, ignorable=True),
        field(
            "topics",
            array(
                struct(
                    "OffsetForLeaderTopic",
                    [
                        field("topic", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "OffsetForLeaderPartition",
                                    [
                                        field("partition", "int32", "0+"),
                                        field(
                                            "current_leader_epoch", "int32", "2+", default=-1, ignorable=True
                                        ),
                                        field("leader_epoch", "int32", "0+"),
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


# Version 1 added the leader epoch to the response.
#
# Version 2 added the throttle time.
#
# Version 3 is the same as version 2.
#
# Version 4 enables flexible versions.
OffsetForLeaderEpochResponse = message(
    "OffsetForLeaderEpochResponse",
    kind="response",
    api_key=23,
    valid="0-4",
    flexible="4+",
    fields=[
        field("throttle_time_ms", "int32", "2+", ignorable=True),
        field(
            "topics",
            array(
                struct(
                    "OffsetForLeaderTopicResult",
                    [
                        field("topic", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "EpochEndOffset",
                                    [
                                        field("error_code", "int16", "0+"),
                                        field("partition", "int32", "0+"),
                                        field("leader_epoch", "int32", "1+", default=-1, ignorable=True),
                                        field("end_offset", "int64", "0+", default=-1),
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
# Version 2 is the first flexible version.
DeleteRecordsRequest = message(
    "DeleteRecordsRequest",
    kind="request",
    api_key=21,
    valid="0-2",
    flexible="2+",
    fields=[
        field(
            "topics",
            array(
                struct(
                    "DeleteRecordsTopic",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "DeleteRecordsPartition",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("offset", "int64", "0+"),
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
        field("timeout_ms", "int32", "0+"),
    ],
)


# Starting in version 1, on quota violation, brokers send out responses before throttling.
# Version 2 is the first flexible version.
DeleteRecordsResponse = message(
    "DeleteRecordsResponse",
    kind="response",
    api_key=21,
    valid="0-2",
    flexible="2+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field(
            "topics",
            array(
                struct(
                    "DeleteRecordsTopicResult",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "DeleteRecordsPartitionResult",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("low_watermark", "int64", "0+"),
                                        field("error_code", "int16", "0+"),
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

__all__ = [
    "DeleteRecordsRequest",
    "DeleteRecordsResponse",
    "ListOffsetsRequest",
    "ListOffsetsResponse",
    "OffsetCommitRequest",
    "OffsetCommitResponse",
    "OffsetDeleteRequest",
    "OffsetDeleteResponse",
    "OffsetFetchRequest",
    "OffsetFetchResponse",
    "OffsetForLeaderEpochRequest",
    "OffsetForLeaderEpochResponse",
]
