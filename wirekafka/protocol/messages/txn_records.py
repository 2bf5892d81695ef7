"""Records of the ``__transaction_state`` topic: the transaction coordinator's persisted state.

Declared from Apache Kafka's ``transaction-coordinator/src/main/resources/common/message/``
``TransactionLogKey.json`` and ``TransactionLogValue.json`` (Apache-2.0). A record's key and value
are each ``int16 version`` + the struct at that version (Kafka's ``TransactionLog.keyToBytes`` /
``valueToBytes``):

=====  ==========================  ====================================================
key v  key                         value
=====  ==========================  ====================================================
0      TransactionLogKey (id)      TransactionLogValue v0 (transaction.version 0), or v1
                                   (flexible: previous/next producer id, client
                                   transaction version as tagged fields)
=====  ==========================  ====================================================

One record per transactional id, compacted: the latest value is the id's whole state. A null
value (tombstone) is written when the id expires (``transactional.id.expiration.ms``).
``transaction_status`` is Kafka's ``TransactionState`` id (0 Empty ... 7 PrepareEpochFence);
``transaction_partitions`` is null for Empty.
"""

from wirekafka.protocol.schema import array, field, message, struct

TransactionLogKey = message(
    "TransactionLogKey",
    kind="data",
    valid="0",
    flexible="none",
    fields=[field("transactional_id", "string", "0", kafka_name="TransactionalId")],
)

# Version 1 is the first flexible version.
# KIP-915: bumping the version will no longer make this record backward compatible.
# We suggest to add/remove only tagged fields to maintain backward compatibility.
TransactionLogValue = message(
    "TransactionLogValue",
    kind="data",
    valid="0-1",
    flexible="1+",
    fields=[
        field("producer_id", "int64", "0+", kafka_name="ProducerId"),
        field(
            "previous_producer_id",
            "int64",
            "1+",
            tag=0,
            tagged="1+",
            default=-1,
            ignorable=True,
            kafka_name="PreviousProducerId",
        ),
        field(
            "next_producer_id",
            "int64",
            "1+",
            tag=1,
            tagged="1+",
            default=-1,
            ignorable=True,
            kafka_name="NextProducerId",
        ),
        field("producer_epoch", "int16", "0+", kafka_name="ProducerEpoch"),
        field("transaction_timeout_ms", "int32", "0+", kafka_name="TransactionTimeoutMs"),
        field("transaction_status", "int8", "0+", kafka_name="TransactionStatus"),
        field(
            "transaction_partitions",
            array(
                struct(
                    "PartitionsSchema",
                    [
                        field("topic", "string", "0+", kafka_name="Topic"),
                        field("partition_ids", "[]int32", "0+", kafka_name="PartitionIds"),
                    ],
                )
            ),
            "0+",
            nullable="0+",
            kafka_name="TransactionPartitions",
        ),
        field(
            "transaction_last_update_timestamp_ms",
            "int64",
            "0+",
            kafka_name="TransactionLastUpdateTimestampMs",
        ),
        field("transaction_start_timestamp_ms", "int64", "0+", kafka_name="TransactionStartTimestampMs"),
        field(
            "client_transaction_version",
            "int16",
            "1+",
            tag=2,
            tagged="1+",
            default=0,
            ignorable=True,
            kafka_name="ClientTransactionVersion",
        ),
    ],
)

__all__ = ["TransactionLogKey", "TransactionLogValue"]
