"""kafka-python 3 workload: admin, produce per codec (zstd needs ``zstandard``), idempotent and
transactional producers, consumer group with commits and offset lookups, group admin, delete.

Run by ``python -m tools.capture``; alone: ``python -m tools.capture.clients.kafka_python
--bootstrap 127.0.0.1:PORT --prefix golden-x`` (then answer each ``@@step`` line on stdin).
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import kafka
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import (
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ConfigResource,
    ConfigResourceType,
    KafkaAdminClient,
    NewPartitions,
    NewTopic,
    OffsetSpec,
    ResourcePatternFilter,
    ResourceType,
)
from kafka.structs import OffsetAndMetadata

from tools.capture.clients._steps import CODECS, arguments, attempt, note, step, version

HEADERS = [("trace-id", b"abc123"), ("empty", b"")]  # kafka-python refuses None header values


def value(codec: str, index: int) -> bytes:
    return (f"{codec} value {index} ".encode() * 8)[:120]


def produce(producer: KafkaProducer, topic: str, codec: str) -> None:
    producer.send(topic, key=b"key-0", value=value(codec, 0), partition=0)
    producer.send(topic, key=b"key-null-value", value=None, partition=0)
    producer.send(topic, key=None, value=value(codec, 2), headers=HEADERS, partition=0)
    future = producer.send(topic, key=b"key-3", value=value(codec, 3), headers=[("h", b"v")], partition=0)
    producer.flush(15)
    if producer.config["acks"] != 0:
        future.get(timeout=15)


def produce_with(conf: dict[str, Any], topic: str, codec: str) -> None:
    producer = KafkaProducer(**conf)
    try:
        produce(producer, topic, codec)
    finally:
        producer.close(5)


def main() -> None:
    args = arguments(__doc__ or "")
    version(kafka.__version__)
    topic, extra, group = f"{args.prefix}", f"{args.prefix}-extra", f"{args.prefix}-group"
    base: dict[str, Any] = {"bootstrap_servers": args.bootstrap, "client_id": "golden-kafka-python"}
    admin = KafkaAdminClient(**base)

    attempt("admin: CreateTopics (1 and 2 partitions)", lambda: admin.create_topics(
        [NewTopic(topic, 1, 1), NewTopic(extra, 2, 1, topic_configs={"retention.ms": "3600000"})],
        timeout_ms=10_000))
    attempt("admin: list topics (Metadata)", admin.list_topics)
    attempt("admin: describe topics", lambda: admin.describe_topics([topic]))
    attempt("admin: DescribeCluster", admin.describe_cluster)
    attempt("admin: DescribeTopicPartitions", lambda: admin.describe_topic_partitions([topic, extra]))
    attempt("admin: DescribeConfigs topic (all)", lambda: admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, topic)], include_synonyms=True, config_filter="all"))
    attempt("admin: IncrementalAlterConfigs topic", lambda: admin.alter_configs(
        [ConfigResource(ConfigResourceType.TOPIC, extra, configs={"retention.ms": ("SET", "7200000")})]))
    attempt("admin: DescribeAcls", lambda: admin.describe_acls(ACLFilter(
        None, None, ACLOperation.ANY, ACLPermissionType.ANY,
        ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))))
    attempt("admin: CreatePartitions 2 -> 3", lambda: admin.create_partitions(
        {extra: NewPartitions(3)}, timeout_ms=10_000))

    for codec in CODECS:
        conf = {**base, "compression_type": None if codec == "none" else codec, "linger_ms": 50,
                "enable_idempotence": False, "acks": "all"}
        attempt(f"produce {codec}: acks=all, keys, a null value, headers", partial(produce_with, conf, topic, codec))
    attempt("produce acks=0 (no response expected)", lambda: produce_with(
        {**base, "acks": 0, "linger_ms": 50, "enable_idempotence": False}, topic, "none"))
    attempt("produce acks=1 gzip", lambda: produce_with(
        {**base, "acks": 1, "linger_ms": 50, "enable_idempotence": False, "compression_type": "gzip"},
        topic, "gzip"))
    attempt("idempotent producer: InitProducerId + Produce with sequence", lambda: produce_with(
        {**base, "enable_idempotence": True, "linger_ms": 50, "compression_type": "lz4"}, topic, "lz4"))

    def transactions() -> None:
        producer = KafkaProducer(**base, transactional_id=f"{args.prefix}-txn", linger_ms=20)
        producer.init_transactions()
        step("transaction: begin, produce, send offsets, commit")
        producer.begin_transaction()
        producer.send(topic, key=b"txn-key", value=b"committed value", partition=0)
        metadata_consumer = KafkaConsumer(**base, group_id=f"{group}-txn")
        producer.send_offsets_to_transaction(
            {TopicPartition(topic, 0): OffsetAndMetadata(1, "txn-meta", -1)}, metadata_consumer.group_metadata())
        producer.commit_transaction()
        metadata_consumer.close()
        step("transaction: begin, produce, abort")
        producer.begin_transaction()
        producer.send(topic, key=b"txn-key", value=b"aborted value", partition=0)
        producer.flush(10)
        producer.abort_transaction()
        producer.close(5)

    attempt("transactional producer: InitProducerId", transactions)

    def group_consumer() -> None:
        consumer = KafkaConsumer(**base, group_id=group, auto_offset_reset="earliest",
                                 enable_auto_commit=False, isolation_level="read_committed",
                                 session_timeout_ms=10_000, heartbeat_interval_ms=1_000,
                                 fetch_max_wait_ms=200)
        consumer.subscribe([topic])
        got, deadline = 0, time.monotonic() + 25
        while got < 12 and time.monotonic() < deadline:
            got += sum(len(batch) for batch in consumer.poll(500).values())
        if got == 0:
            note("group consumer: no message consumed")
        partition = TopicPartition(topic, 0)
        step("consumer: OffsetCommit (sync, with metadata)")
        consumer.commit({partition: OffsetAndMetadata(got, "golden metadata", -1)})
        step("consumer: OffsetFetch (committed)")
        consumer.committed(partition)
        step("consumer: ListOffsets (beginning, end, by timestamp)")
        consumer.beginning_offsets([partition])
        consumer.end_offsets([partition])
        consumer.offsets_for_times({partition: int(time.time() * 1000) - 60_000})
        step("consumer: heartbeats while idle")
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            consumer.poll(300)
        step("consumer: close (LeaveGroup)")
        consumer.close()

    attempt("consumer group (read_committed): FindCoordinator, JoinGroup, SyncGroup, Fetch", group_consumer)

    def assigned_consumer() -> None:
        consumer = KafkaConsumer(**base, group_id=f"{group}-assign", enable_auto_commit=True,
                                 auto_commit_interval_ms=500)
        consumer.assign([TopicPartition(topic, 0)])
        consumer.seek(TopicPartition(topic, 0), 0)
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            consumer.poll(300)
        consumer.close()

    attempt("assigned consumer (read_uncommitted, auto commit)", assigned_consumer)

    attempt("admin: ListGroups", admin.list_groups)
    attempt("admin: DescribeGroups", lambda: admin.describe_groups([group], include_authorized_operations=True))
    attempt("admin: OffsetFetch for group", lambda: admin.list_group_offsets({group: None}))
    attempt("admin: ListOffsets (earliest, latest)", lambda: admin.list_partition_offsets(
        {TopicPartition(topic, 0): OffsetSpec.EARLIEST, TopicPartition(extra, 0): OffsetSpec.LATEST}))
    attempt("admin: DeleteRecords", lambda: admin.delete_records({TopicPartition(extra, 0): 0}))
    attempt("admin: DeleteGroups", lambda: admin.delete_groups([f"{group}-assign"]))
    attempt("admin: ListOffsets (max timestamp)", lambda: KafkaAdminClient(**base).list_partition_offsets(
        {TopicPartition(extra, 1): OffsetSpec.MAX_TIMESTAMP}))
    attempt("admin: DeleteTopics", lambda: KafkaAdminClient(**base).delete_topics([extra], timeout_ms=10_000))


if __name__ == "__main__":
    main()
