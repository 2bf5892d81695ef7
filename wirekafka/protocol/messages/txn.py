"""Idempotent and transactional producers.

Declared from Apache Kafka's message specs (Apache-2.0); the comments above each message are
Kafka's own notes on what each version changed. See docs/protocol.md for how to add a version.
"""

from wirekafka.protocol.schema import array, field, message, struct

# Version 1 is the same as version 0.
#
# Version 2 is the first flexible version.
#
# Version 3 adds ProducerId and ProducerEpoch, allowing producers to try to resume after an INVALID_PRODUCER_EPOCH error
#
# Version 4 adds the support for new error code PRODUCER_FENCED.
#
# Verison 5 adds support for new error code TRANSACTION_ABORTABLE (KIP-890).
InitProducerIdRequest = message(
    "InitProducerIdRequest",
    kind="request",
    api_key=22,
    valid="0-5",
    flexible="2+",
    fields=[
        field("transactional_id", "string", "0+", nullable="0+"),
        field("transaction_timeout_ms", "int32", "0+"),
        field("producer_id", "int64", "3+", default=-1),
        field("producer_epoch", "int16", "3+", default=-1),
    ],
)


# Starting in version 1, on quota violation, brokers send out responses before throttling.
#
# Version 2 is the first flexible version.
#
# Version 3 is the same as version 2.
#
# Version 4 adds the support for new error code PRODUCER_FENCED.
#
# Version 5 adds support for new error code TRANSACTION_ABORTABLE (KIP-890).
InitProducerIdResponse = message(
    "InitProducerIdResponse",
    kind="response",
    api_key=22,
    valid="0-5",
    flexible="2+",
    fields=[
        field("throttle_time_ms", "int32", "0+", ignorable=True),
        field("error_code", "int16", "0+"),
        field("producer_id", "int64", "0+", default=-1),
        field("producer_epoch", "int16", "0+"),
    ],
)


# Version 1 is the same as version 0.
#
# Version 2 adds the support for new error code PRODUCER_FENCED.
#
# Version 3 enables flexible versions.
#
# Version 4 adds VerifyOnly field to check if partitions are already in transaction and adds support to batch multiple transactions.
#
# Version 5 adds support for new error code TRANSACTION_ABORTABLE (KIP-890).
# Versions 3 and below will be exclusively used by clients and versions 4 and above will be used by brokers.
_add_partitions_to_txn_request_add_partitions_to_txn_topic = struct(
    "AddPartitionsToTxnTopic",
    [
        field("name", "string", "0+"),
        field("partitions", "[]int32", "0+"),
    ],
)
AddPartitionsToTxnRequest = message(
    "AddPartitionsToTxnRequest",
    kind="request",
    api_key=24,
    valid="0-5",
    flexible="3+",
    fields=[
        field(
            "transactions",
            array(
                struct(
                    "AddPartitionsToTxnTransaction",
                    [
                        field("transactional_id", "string", "4+"),
                        field("producer_id", "int64", "4+"),
                        field("producer_epoch", "int16", "4+"),
                        field("verify_only", "bool", "4+", default=False),
                        field(
                            "topics", array(_add_partitions_to_txn_request_add_partitions_to_txn_topic), "4+"
                        ),
                    ],
                )
            ),
            "4+",
        ),
        field("v3_and_below_transactional_id", "string", "0-3"),
        field("v3_and_below_producer_id", "int64", "0-3"),
        field("v3_and_below_producer_epoch", "int16", "0-3"),
        field(
            "v3_and_below_topics", array(_add_partitions_to_txn_request_add_partitions_to_txn_topic), "0-3"
        ),
    ],
)


# Starting in version 1, on quota violation brokers send out responses before throttling.
#
# Version 2 adds the support for new error code PRODUCER_FENCED.
#
# Version 3 enables flexible versions.
#
# Version 4 adds support to batch multiple transactions and a top level error code.
#
# Version 5 adds support for new error code TRANSACTION_ABORTABLE (KIP-890).
_add_partitions_to_txn_response_add_partitions_to_txn_partition_result = struct(
    "AddPartitionsToTxnPartitionResult",
    [
        field("partition_index", "int32", "0+"),
        field("partition_error_code", "int16", "0+"),
    ],
)
_add_partitions_to_txn_response_add_partitions_to_txn_topic_result = struct(
    "AddPartitionsToTxnTopicResult",
    [
        field("name", "string", "0+"),
        field(
            "results_by_partition",
            array(_add_partitions_to_txn_response_add_partitions_to_txn_partition_result),
            "0+",
        ),
    ],
)
AddPartitionsToTxnResponse = message(
    "AddPartitionsToTxnResponse",
    kind="response",
    api_key=24,
    valid="0-5",
    flexible="3+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "4+", ignorable=True),
        field(
            "results_by_transaction",
            array(
                struct(
                    "AddPartitionsToTxnResult",
                    [
                        field("transactional_id", "string", "4+"),
                        field(
                            "topic_results",
                            array(_add_partitions_to_txn_response_add_partitions_to_txn_topic_result),
                            "4+",
                        ),
                    ],
                )
            ),
            "4+",
        ),
        field(
            "results_by_topic_v3_and_below",
            array(_add_partitions_to_txn_response_add_partitions_to_txn_topic_result),
            "0-3",
        ),
    ],
)


# Version 1 is the same as version 0.
#
# Version 2 adds the support for new error code PRODUCER_FENCED.
#
# Version 3 enables flexible versions.
#
# Version 4 adds support for new error code TRANSACTION_ABORTABLE (KIP-890).
AddOffsetsToTxnRequest = message(
    "AddOffsetsToTxnRequest",
    kind="request",
    api_key=25,
    valid="0-4",
    flexible="3+",
    fields=[
        field("transactional_id", "string", "0+"),
        field("producer_id", "int64", "0+"),
        field("producer_epoch", "int16", "0+"),
        field("group_id", "string", "0+"),
    ],
)


# Starting in version 1, on quota violation brokers send out responses before throttling.
#
# Version 2 adds the support for new error code PRODUCER_FENCED.
#
# Version 3 enables flexible versions.
#
# Version 4 adds support for new error code TRANSACTION_ABORTABLE (KIP-890).
AddOffsetsToTxnResponse = message(
    "AddOffsetsToTxnResponse",
    kind="response",
    api_key=25,
    valid="0-4",
    flexible="3+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
    ],
)


# Version 1 is the same as version 0.
#
# Version 2 adds the support for new error code PRODUCER_FENCED.
#
# Version 3 enables flexible versions.
#
# Version 4 adds support for new error code TRANSACTION_ABORTABLE (KIP-890).
#
# Version 5 enables bumping epoch on every transaction (KIP-890 Part 2)
EndTxnRequest = message(
    "EndTxnRequest",
    kind="request",
    api_key=26,
    valid="0-5",
    flexible="3+",
    fields=[
        field("transactional_id", "string", "0+"),
        field("producer_id", "int64", "0+"),
        field("producer_epoch", "int16", "0+"),
        field("committed", "bool", "0+"),
    ],
)


# Starting in version 1, on quota violation, brokers send out responses before throttling.
#
# Version 2 adds the support for new error code PRODUCER_FENCED.
#
# Version 3 enables flexible versions.
#
# Version 4 adds support for new error code TRANSACTION_ABORTABLE (KIP-890).
#
# Version 5 enables bumping epoch on every transaction (KIP-890 Part 2), so producer ID and epoch are included in the response.
EndTxnResponse = message(
    "EndTxnResponse",
    kind="response",
    api_key=26,
    valid="0-5",
    flexible="3+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
        field("producer_id", "int64", "5+", default=-1, ignorable=True),
        field("producer_epoch", "int16", "5+", default=-1, ignorable=True),
    ],
)


# Version 1 enables flexible versions.
WriteTxnMarkersRequest = message(
    "WriteTxnMarkersRequest",
    kind="request",
    api_key=27,
    valid="0-1",
    flexible="1+",
    fields=[
        field(
            "markers",
            array(
                struct(
                    "WritableTxnMarker",
                    [
                        field("producer_id", "int64", "0+"),
                        field("producer_epoch", "int16", "0+"),
                        field("transaction_result", "bool", "0+"),
                        field(
                            "topics",
                            array(
                                struct(
                                    "WritableTxnMarkerTopic",
                                    [
                                        field("name", "string", "0+"),
                                        field("partition_indexes", "[]int32", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                        field("coordinator_epoch", "int32", "0+"),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 enables flexible versions.
WriteTxnMarkersResponse = message(
    "WriteTxnMarkersResponse",
    kind="response",
    api_key=27,
    valid="0-1",
    flexible="1+",
    fields=[
        field(
            "markers",
            array(
                struct(
                    "WritableTxnMarkerResult",
                    [
                        field("producer_id", "int64", "0+"),
                        field(
                            "topics",
                            array(
                                struct(
                                    "WritableTxnMarkerTopicResult",
                                    [
                                        field("name", "string", "0+"),
                                        field(
                                            "partitions",
                                            array(
                                                struct(
                                                    "WritableTxnMarkerPartitionResult",
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
            ),
            "0+",
        ),
    ],
)


# Version 1 is the same as version 0.
#
# Version 2 adds the committed leader epoch.
#
# Version 3 adds the member.id, group.instance.id and generation.id.
#
# Version 4 adds support for new error code TRANSACTION_ABORTABLE (KIP-890).
TxnOffsetCommitRequest = message(
    "TxnOffsetCommitRequest",
    kind="request",
    api_key=28,
    valid="0-4",
    flexible="3+",
    fields=[
        field("transactional_id", "string", "0+"),
        field("group_id", "string", "0+"),
        field("producer_id", "int64", "0+"),
        field("producer_epoch", "int16", "0+"),
        field("generation_id", "int32", "3+", default=-1),
        field("member_id", "string", "3+", default=""),
        field("group_instance_id", "string", "3+", nullable="3+", default=None),
        field(
            "topics",
            array(
                struct(
                    "TxnOffsetCommitRequestTopic",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "TxnOffsetCommitRequestPartition",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("committed_offset", "int64", "0+"),
                                        field(
                                            "committed_leader_epoch",
                                            "int32",
                                            "2+",
                                            default=-1,
                                            ignorable=True,
                                        ),
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


# Starting in version 1, on quota violation, brokers send out responses before throttling.
#
# Version 2 is the same as version 1.
#
# Version 3 adds illegal generation, fenced instance id, and unknown member id errors.
#
# Version 4 adds support for new error code TRANSACTION_ABORTABLE (KIP-890).
TxnOffsetCommitResponse = message(
    "TxnOffsetCommitResponse",
    kind="response",
    api_key=28,
    valid="0-4",
    flexible="3+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field(
            "topics",
            array(
                struct(
                    "TxnOffsetCommitResponseTopic",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "TxnOffsetCommitResponsePartition",
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


DescribeTransactionsRequest = message(
    "DescribeTransactionsRequest",
    kind="request",
    api_key=65,
    valid="0",
    flexible="0+",
    fields=[
        field("transactional_ids", "[]string", "0+"),
    ],
)


DescribeTransactionsResponse = message(
    "DescribeTransactionsResponse",
    kind="response",
    api_key=65,
    valid="0",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field(
            "transaction_states",
            array(
                struct(
                    "TransactionState",
                    [
                        field("error_code", "int16", "0+"),
                        field("transactional_id", "string", "0+"),
                        field("transaction_state", "string", "0+"),
                        field("transaction_timeout_ms", "int32", "0+"),
                        field("transaction_start_time_ms", "int64", "0+"),
                        field("producer_id", "int64", "0+"),
                        field("producer_epoch", "int16", "0+"),
                        field(
                            "topics",
                            array(
                                struct(
                                    "TopicData",
                                    [
                                        field("topic", "string", "0+"),
                                        field("partitions", "[]int32", "0+"),
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


# Version 1: adds DurationFilter to list transactions older than specified duration
ListTransactionsRequest = message(
    "ListTransactionsRequest",
    kind="request",
    api_key=66,
    valid="0-1",
    flexible="0+",
    fields=[
        field("state_filters", "[]string", "0+"),
        field("producer_id_filters", "[]int64", "0+"),
        field("duration_filter", "int64", "1+", default=-1),
    ],
)


# Version 1 is the same as version 0 (KIP-994).
ListTransactionsResponse = message(
    "ListTransactionsResponse",
    kind="response",
    api_key=66,
    valid="0-1",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
        field("unknown_state_filters", "[]string", "0+"),
        field(
            "transaction_states",
            array(
                struct(
                    "TransactionState",
                    [
                        field("transactional_id", "string", "0+"),
                        field("producer_id", "int64", "0+"),
                        field("transaction_state", "string", "0+"),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


DescribeProducersRequest = message(
    "DescribeProducersRequest",
    kind="request",
    api_key=61,
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
                        field("partition_indexes", "[]int32", "0+"),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


DescribeProducersResponse = message(
    "DescribeProducersResponse",
    kind="response",
    api_key=61,
    valid="0",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field(
            "topics",
            array(
                struct(
                    "TopicResponse",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "PartitionResponse",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("error_code", "int16", "0+"),
                                        field("error_message", "string", "0+", nullable="0+", default=None),
                                        field(
                                            "active_producers",
                                            array(
                                                struct(
                                                    "ProducerState",
                                                    [
                                                        field("producer_id", "int64", "0+"),
                                                        field("producer_epoch", "int32", "0+"),
                                                        field("last_sequence", "int32", "0+", default=-1),
                                                        field("last_timestamp", "int64", "0+", default=-1),
                                                        field("coordinator_epoch", "int32", "0+"),
                                                        field(
                                                            "current_txn_start_offset",
                                                            "int64",
                                                            "0+",
                                                            default=-1,
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
                    ],
                )
            ),
            "0+",
        ),
    ],
)

__all__ = [
    "AddOffsetsToTxnRequest",
    "AddOffsetsToTxnResponse",
    "AddPartitionsToTxnRequest",
    "AddPartitionsToTxnResponse",
    "DescribeProducersRequest",
    "DescribeProducersResponse",
    "DescribeTransactionsRequest",
    "DescribeTransactionsResponse",
    "EndTxnRequest",
    "EndTxnResponse",
    "InitProducerIdRequest",
    "InitProducerIdResponse",
    "ListTransactionsRequest",
    "ListTransactionsResponse",
    "TxnOffsetCommitRequest",
    "TxnOffsetCommitResponse",
    "WriteTxnMarkersRequest",
    "WriteTxnMarkersResponse",
]
