"""Fetch: reading record batches (consumers, followers and the metadata quorum).

Declared from Apache Kafka's message specs (Apache-2.0); the comments above each message are
Kafka's own notes on what each version changed. See docs/protocol.md for how to add a version.
"""

from wirekafka.protocol.schema import array, field, message, struct

#
# Version 1 is the same as version 0.
#
# Starting in Version 2, the requester must be able to handle Kafka Log
# Message format version 1.
#
# Version 3 adds MaxBytes.  Starting in version 3, the partition ordering in
# the request is now relevant.  Partitions will be processed in the order
# they appear in the request.
#
# Version 4 adds IsolationLevel.  Starting in version 4, the reqestor must be
# able to handle Kafka log message format version 2.
#
# Version 5 adds LogStartOffset to indicate the earliest available offset of
# partition data that can be consumed.
#
# Version 6 is the same as version 5.
#
# Version 7 adds incremental fetch request support.
#
# Version 8 is the same as version 7.
#
# Version 9 adds CurrentLeaderEpoch, as described in KIP-320.
#
# Version 10 indicates that we can use the ZStd compression algorithm, as
# described in KIP-110.
# Version 12 adds flexible versions support as well as epoch validation through
# the `LastFetchedEpoch` field
#
# Version 13 replaces topic names with topic IDs (KIP-516). May return UNKNOWN_TOPIC_ID error code.
#
# Version 14 is the same as version 13 but it also receives a new error called OffsetMovedToTieredStorageException(KIP-405)
#
# Version 15 adds the ReplicaState which includes new field ReplicaEpoch and the ReplicaId. Also,
# deprecate the old ReplicaId field and set its default value to -1. (KIP-903)
#
# Version 16 is the same as version 15 (KIP-951).
#
# Version 17 adds directory id support from KIP-853
FetchRequest = message(
    "FetchRequest",
    kind="request",
    api_key=1,
    valid="0-17",
    flexible="12+",
    fields=[
        field(
            "cluster_id", "string", "12+", nullable="12+", tag=0, tagged="12+", default=None, ignorable=True
        ),
        field("replica_id", "int32", "0-14", default=-1),
        field(
            "replica_state",
            struct(
                "ReplicaState",
                [
                    field("replica_id", "int32", "15+", default=-1),
                    field("replica_epoch", "int64", "15+", default=-1),
                ],
            ),
            "15+",
            tag=1,
            tagged="15+",
        ),
        field("max_wait_ms", "int32", "0+"),
        field("min_bytes", "int32", "0+"),
        field("max_bytes", "int32", "3+", default=2147483647, ignorable=True),
        field("isolation_level", "int8", "4+", default=0, ignorable=True),
        field("session_id", "int32", "7+", default=0, ignorable=True),
        field("session_epoch", "int32", "7+", default=-1, ignorable=True),
        field(
            "topics",
            array(
                struct(
                    "FetchTopic",
                    [
                        field("topic", "string", "0-12", ignorable=True),
                        field("topic_id", "uuid", "13+", ignorable=True),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "FetchPartition",
                                    [
                                        field("partition", "int32", "0+"),
                                        field(
                                            "current_leader_epoch", "int32", "9+", default=-1, ignorable=True
                                        ),
                                        field("fetch_offset", "int64", "0+"),
                                        field("last_fetched_epoch", "int32", "12+", default=-1),
                                        field("log_start_offset", "int64", "5+", default=-1, ignorable=True),
                                        field("partition_max_bytes", "int32", "0+"),
                                        field(
                                            "replica_directory_id",
                                            "uuid",
                                            "17+",
                                            tag=0,
                                            tagged="17+",
                                            ignorable=True,
                                        ),
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
        field(
            "forgotten_topics_data",
            array(
                struct(
                    "ForgottenTopic",
                    [
                        field("topic", "string", "7-12", ignorable=True),
                        field("topic_id", "uuid", "13+", ignorable=True),
                        field("partitions", "[]int32", "7+"),
                    ],
                )
            ),
            "7+",
        ),
        field("rack_id", "string", "11+", default="", ignorable=True),
    ],
)


#
# Version 1 adds throttle time.
#
# Version 2 and 3 are the same as version 1.
#
# Version 4 adds features for transactional consumption.
#
# Version 5 adds LogStartOffset to indicate the earliest available offset of
# partition data that can be consumed.
#
# Starting in version 6, we may return KAFKA_STORAGE_ERROR as an error code.
#
# Version 7 adds incremental fetch request support.
#
# Starting in version 8, on quota violation, brokers send out responses before throttling.
#
# Version 9 is the same as version 8.
#
# Version 10 indicates that the response data can use the ZStd compression
# algorithm, as described in KIP-110.
# Version 12 adds support for flexible versions, epoch detection through the `TruncationOffset` field,
# and leader discovery through the `CurrentLeader` field
#
# Version 13 replaces the topic name field with topic ID (KIP-516).
#
# Version 14 is the same as version 13 but it also receives a new error called OffsetMovedToTieredStorageException (KIP-405)
#
# Version 15 is the same as version 14 (KIP-903).
#
# Version 16 adds the 'NodeEndpoints' field (KIP-951).
#
# Version 17 no changes to the response (KIP-853).
FetchResponse = message(
    "FetchResponse",
    kind="response",
    api_key=1,
    valid="0-17",
    flexible="12+",
    fields=[
        field("throttle_time_ms", "int32", "1+", ignorable=True),
        field("error_code", "int16", "7+", ignorable=True),
        field("session_id", "int32", "7+", default=0),
        field(
            "responses",
            array(
                struct(
                    "FetchableTopicResponse",
                    [
                        field("topic", "string", "0-12", ignorable=True),
                        field("topic_id", "uuid", "13+", ignorable=True),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "PartitionData",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("error_code", "int16", "0+"),
                                        field("high_watermark", "int64", "0+"),
                                        field(
                                            "last_stable_offset", "int64", "4+", default=-1, ignorable=True
                                        ),
                                        field("log_start_offset", "int64", "5+", default=-1, ignorable=True),
                                        field(
                                            "diverging_epoch",
                                            struct(
                                                "EpochEndOffset",
                                                [
                                                    field("epoch", "int32", "12+", default=-1),
                                                    field("end_offset", "int64", "12+", default=-1),
                                                ],
                                            ),
                                            "12+",
                                            tag=0,
                                            tagged="12+",
                                        ),
                                        field(
                                            "current_leader",
                                            struct(
                                                "LeaderIdAndEpoch",
                                                [
                                                    field("leader_id", "int32", "12+", default=-1),
                                                    field("leader_epoch", "int32", "12+", default=-1),
                                                ],
                                            ),
                                            "12+",
                                            tag=1,
                                            tagged="12+",
                                        ),
                                        field(
                                            "snapshot_id",
                                            struct(
                                                "SnapshotId",
                                                [
                                                    field("end_offset", "int64", "0+", default=-1),
                                                    field("epoch", "int32", "0+", default=-1),
                                                ],
                                            ),
                                            "12+",
                                            tag=2,
                                            tagged="12+",
                                        ),
                                        field(
                                            "aborted_transactions",
                                            array(
                                                struct(
                                                    "AbortedTransaction",
                                                    [
                                                        field("producer_id", "int64", "4+"),
                                                        field("first_offset", "int64", "4+"),
                                                    ],
                                                )
                                            ),
                                            "4+",
                                            nullable="4+",
                                            ignorable=True,
                                        ),
                                        field("preferred_read_replica", "int32", "11+", default=-1),
                                        field("records", "records", "0+", nullable="0+"),
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
        field(
            "node_endpoints",
            array(
                struct(
                    "NodeEndpoint",
                    [
                        field("node_id", "int32", "16+"),
                        field("host", "string", "16+"),
                        field("port", "int32", "16+"),
                        field("rack", "string", "16+", nullable="16+", default=None),
                    ],
                )
            ),
            "16+",
            tag=0,
            tagged="16+",
        ),
    ],
)

__all__ = [
    "FetchRequest",
    "FetchResponse",
]
