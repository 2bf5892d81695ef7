"""Produce: writing record batches.

Declared from Apache Kafka's message specs (Apache-2.0); the comments above each message are
Kafka's own notes on what each version changed. See docs/protocol.md for how to add a version.
"""

from wirekafka.protocol.schema import array, field, message, struct

# Version 1 and 2 are the same as version 0.
#
# Version 3 adds the transactional ID, which is used for authorization when attempting to write
# transactional data.  Version 3 also adds support for Kafka Message Format v2.
#
# Version 4 is the same as version 3, but the requester must be prepared to handle a
# KAFKA_STORAGE_ERROR.
#
# Version 5 and 6 are the same as version 3.
#
# Starting in version 7, records can be produced using ZStandard compression.  See KIP-110.
#
# Starting in Version 8, response has RecordErrors and ErrorMessage. See KIP-467.
#
# Version 9 enables flexible versions.
#
# Version 10 is the same as version 9 (KIP-951).
#
# Version 11 adds support for new error code TRANSACTION_ABORTABLE (KIP-890).
ProduceRequest = message(
    "ProduceRequest",
    kind="request",
    api_key=0,
    valid="0-11",
    flexible="9+",
    fields=[
        field("transactional_id", "string", "3+", nullable="3+", default=None),
        field("acks", "int16", "0+"),
        field("timeout_ms", "int32", "0+"),
        field(
            "topic_data",
            array(
                struct(
                    "TopicProduceData",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partition_data",
                            array(
                                struct(
                                    "PartitionProduceData",
                                    [
                                        field("index", "int32", "0+"),
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
    ],
)


# Version 1 added the throttle time.
#
# Version 2 added the log append time.
#
# Version 3 is the same as version 2.
#
# Version 4 added KAFKA_STORAGE_ERROR as a possible error code.
#
# Version 5 added LogStartOffset to filter out spurious
# OutOfOrderSequenceExceptions on the client.
#
# Version 8 added RecordErrors and ErrorMessage to include information about
# records that cause the whole batch to be dropped.  See KIP-467 for details.
#
# Version 9 enables flexible versions.
#
# Version 10 adds 'CurrentLeader' and 'NodeEndpoints' as tagged fields (KIP-951)
#
# Version 11 adds support for new error code TRANSACTION_ABORTABLE (KIP-890).
ProduceResponse = message(
    "ProduceResponse",
    kind="response",
    api_key=0,
    valid="0-11",
    flexible="9+",
    fields=[
        field(
            "responses",
            array(
                struct(
                    "TopicProduceResponse",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partition_responses",
                            array(
                                struct(
                                    "PartitionProduceResponse",
                                    [
                                        field("index", "int32", "0+"),
                                        field("error_code", "int16", "0+"),
                                        field("base_offset", "int64", "0+"),
                                        field(
                                            "log_append_time_ms", "int64", "2+", default=-1, ignorable=True
                                        ),
                                        field("log_start_offset", "int64", "5+", default=-1, ignorable=True),
                                        field(
                                            "record_errors",
                                            array(
                                                struct(
                                                    "BatchIndexAndErrorMessage",
                                                    [
                                                        field("batch_index", "int32", "8+"),
                                                        field(
                                                            "batch_index_error_message",
                                                            "string",
                                                            "8+",
                                                            nullable="8+",
                                                            default=None,
                                                        ),
                                                    ],
                                                )
                                            ),
                                            "8+",
                                            ignorable=True,
                                        ),
                                        field(
                                            "error_message",
                                            "string",
                                            "8+",
                                            nullable="8+",
                                            default=None,
                                            ignorable=True,
                                        ),
                                        field(
                                            "current_leader",
                                            struct(
                                                "LeaderIdAndEpoch",
                                                [
                                                    field("leader_id", "int32", "10+", default=-1),
                                                    field("leader_epoch", "int32", "10+", default=-1),
                                                ],
                                            ),
                                            "10+",
                                            tag=0,
                                            tagged="10+",
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
        field("throttle_time_ms", "int32", "1+", default=0, ignorable=True),
        field(
            "node_endpoints",
            array(
                struct(
                    "NodeEndpoint",
                    [
                        field("node_id", "int32", "10+"),
                        field("host", "string", "10+"),
                        field("port", "int32", "10+"),
                        field("rack", "string", "10+", nullable="10+", default=None),
                    ],
                )
            ),
            "10+",
            tag=0,
            tagged="10+",
        ),
    ],
)

__all__ = [
    "ProduceRequest",
    "ProduceResponse",
]
