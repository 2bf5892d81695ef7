"""confluent-kafka (librdkafka) workload: admin, produce per codec, idempotent and transactional
producers, consumer group with commits, group admin, delete.

Run by ``python -m tools.capture``; alone: ``python -m tools.capture.clients.confluent --bootstrap
127.0.0.1:PORT --prefix golden-x`` (then answer each ``@@step`` line on stdin).
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import confluent_kafka
from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, Producer, TopicCollection, TopicPartition
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # not re-exported in its stubs
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewPartitions,
    NewTopic,
    OffsetSpec,
    ResourcePatternType,
    ResourceType,
)

from tools.capture.clients._steps import CODECS, arguments, attempt, note, step, version

HEADERS: list[tuple[str, str | bytes | None]] = [("trace-id", b"abc123"), ("empty", b""), ("null", None)]


def value(codec: str, index: int) -> bytes:
    return (f"{codec} value {index} ".encode() * 8)[:120]


def wait(futures: dict[Any, Any]) -> None:
    for future in futures.values():
        future.result(timeout=15)


def produce(conf: dict[str, Any], topic: str, codec: str) -> None:
    producer = Producer(conf)
    producer.produce(topic, key=b"key-0", value=value(codec, 0), partition=0)
    producer.produce(topic, key=b"key-null-value", value=None, partition=0)
    producer.produce(topic, key=None, value=value(codec, 2), headers=HEADERS, partition=0)
    producer.produce(topic, key=b"key-3", value=value(codec, 3), headers=[("h", b"v")], partition=0)
    if producer.flush(15) != 0:
        raise RuntimeError("messages left unflushed")


def consume(consumer: Consumer, want: int, seconds: float) -> int:
    got = 0
    deadline = time.monotonic() + seconds
    while got < want and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is not None and message.error() is None:
            got += 1
    return got


def main() -> None:
    args = arguments(__doc__ or "")
    version(f"{confluent_kafka.__version__} (librdkafka {confluent_kafka.libversion()[0]})")
    topic, extra, group = f"{args.prefix}", f"{args.prefix}-extra", f"{args.prefix}-group"
    base = {"bootstrap.servers": args.bootstrap, "client.id": "golden-confluent"}
    admin = AdminClient(base)

    attempt("admin: CreateTopics (1 and 2 partitions)", lambda: wait(admin.create_topics(
        [NewTopic(topic, 1, 1), NewTopic(extra, 2, 1, config={"retention.ms": "3600000"})],
        operation_timeout=10)))
    cluster = attempt("admin: list topics (Metadata)", lambda: admin.list_topics(timeout=10))
    broker_id = str(next(iter(cluster.brokers))) if cluster else "0"
    attempt("admin: DescribeConfigs topic + broker", lambda: wait(admin.describe_configs(
        [ConfigResource(ResourceType.TOPIC, topic), ConfigResource(ResourceType.BROKER, broker_id)])))
    attempt("admin: IncrementalAlterConfigs topic", lambda: wait(admin.incremental_alter_configs(
        [ConfigResource(ResourceType.TOPIC, extra, incremental_configs=[
            ConfigEntry("retention.ms", "7200000", incremental_operation=AlterConfigOpType.SET)])])))
    attempt("admin: DescribeAcls", lambda: admin.describe_acls(AclBindingFilter(  # None = any
        ResourceType.ANY, None, ResourcePatternType.ANY, None, None, AclOperation.ANY,  # type: ignore[arg-type]
        AclPermissionType.ANY)).result(timeout=10))
    attempt("admin: DescribeCluster", lambda: admin.describe_cluster().result(timeout=10))
    attempt("admin: describe topics", lambda: wait(admin.describe_topics(TopicCollection([topic]))))
    attempt("admin: CreatePartitions 2 -> 3", lambda: wait(admin.create_partitions([NewPartitions(extra, 3)])))

    for codec in CODECS:
        conf = {**base, "compression.type": codec, "linger.ms": 50, "enable.idempotence": False, "acks": "all"}
        attempt(f"produce {codec}: acks=all, keys, a null value, headers", partial(produce, conf, topic, codec))
    attempt("produce acks=0 (no response expected)", lambda: produce(
        {**base, "acks": 0, "linger.ms": 50, "enable.idempotence": False}, topic, "none"))
    attempt("idempotent producer: InitProducerId + Produce with sequence", lambda: produce(
        {**base, "enable.idempotence": True, "linger.ms": 50, "compression.type": "lz4"}, topic, "lz4"))

    def transactions() -> None:
        producer = Producer({**base, "transactional.id": f"{args.prefix}-txn", "linger.ms": 20})
        producer.init_transactions(15)
        step("transaction: begin, produce, send offsets, commit")
        producer.begin_transaction()
        producer.produce(topic, key=b"txn-key", value=b"committed value", partition=0)
        offsets_consumer = Consumer({**base, "group.id": f"{group}-txn"})
        producer.send_offsets_to_transaction(
            [TopicPartition(topic, 0, 1)], offsets_consumer.consumer_group_metadata(), 15)
        producer.commit_transaction(15)
        offsets_consumer.close()
        step("transaction: begin, produce, abort")
        producer.begin_transaction()
        producer.produce(topic, key=b"txn-key", value=b"aborted value", partition=0)
        producer.flush(10)
        producer.abort_transaction(15)

    attempt("transactional producer: InitProducerId", transactions)

    def group_consumer() -> None:
        consumer = Consumer({**base, "group.id": group, "auto.offset.reset": "earliest",
                             "enable.auto.commit": False, "session.timeout.ms": 10000,
                             "heartbeat.interval.ms": 1000, "fetch.wait.max.ms": 200})
        consumer.subscribe([topic])
        got = consume(consumer, 12, 25)
        if got == 0:
            note("group consumer: no message consumed")
        step("consumer: OffsetCommit (sync)")
        consumer.commit(asynchronous=False)
        step("consumer: OffsetFetch (committed)")
        consumer.committed([TopicPartition(topic, 0)], timeout=10)
        step("consumer: ListOffsets (watermarks, by timestamp)")
        consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        consumer.offsets_for_times([TopicPartition(topic, 0, int(time.time() * 1000) - 60_000)], timeout=10)
        step("consumer: heartbeats while idle")
        consume(consumer, 1_000, 3)
        step("consumer: close (LeaveGroup)")
        consumer.close()

    attempt("consumer group (read_committed): FindCoordinator, JoinGroup, SyncGroup, Fetch", group_consumer)

    def assigned_consumer() -> None:
        consumer = Consumer({**base, "group.id": f"{group}-assign", "enable.auto.commit": True,
                             "auto.commit.interval.ms": 500, "isolation.level": "read_uncommitted"})
        consumer.assign([TopicPartition(topic, 0, 0)])
        consume(consumer, 12, 10)
        time.sleep(1)
        consumer.close()

    attempt("assigned consumer (read_uncommitted, auto commit)", assigned_consumer)

    attempt("admin: ListGroups", lambda: admin.list_consumer_groups().result(timeout=10))
    attempt("admin: DescribeGroups", lambda: wait(admin.describe_consumer_groups([group])))
    attempt("admin: OffsetFetch for group", lambda: wait(admin.list_consumer_group_offsets(
        [ConsumerGroupTopicPartitions(group)])))
    earliest, latest = OffsetSpec.earliest(), OffsetSpec.latest()  # type: ignore[no-untyped-call]
    attempt("admin: ListOffsets (earliest, latest)", lambda: wait(admin.list_offsets({
        TopicPartition(topic, 0): earliest, TopicPartition(extra, 0): latest})))
    attempt("admin: DeleteRecords", lambda: wait(admin.delete_records([TopicPartition(extra, 0, 0)])))
    attempt("admin: DeleteGroups", lambda: wait(admin.delete_consumer_groups([f"{group}-assign"])))
    # Last: tansu drops the connection on a max-timestamp (-3) ListOffsets.
    max_timestamp = OffsetSpec.max_timestamp()  # type: ignore[no-untyped-call]
    attempt("admin: ListOffsets (max timestamp)", lambda: wait(admin.list_offsets({
        TopicPartition(extra, 1): max_timestamp})))
    fresh_admin = AdminClient(base)  # the first one's connection may have been dropped by tansu
    attempt("admin: DeleteTopics", lambda: wait(fresh_admin.delete_topics([extra], operation_timeout=10)))


if __name__ == "__main__":
    main()
