"""aiokafka 0.14 workload (old, non-flexible request versions): admin, produce per codec,
idempotent and transactional producers, consumer group with commits and offset lookups.

Run by ``python -m tools.capture``; alone: ``python -m tools.capture.clients.aiokafka_client
--bootstrap 127.0.0.1:PORT --prefix golden-x`` (then answer each ``@@step`` line on stdin).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import aiokafka
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic, RecordsToDelete
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.structs import OffsetAndMetadata

from tools.capture.clients._steps import CODECS, arguments, note, step, version

HEADERS = [("trace-id", b"abc123"), ("empty", b"")]


def value(codec: str, index: int) -> bytes:
    return (f"{codec} value {index} ".encode() * 8)[:120]


async def attempt(label: str, action: Callable[[], Awaitable[Any]]) -> Any:
    """Async twin of ``_steps.attempt``: failures become notes, the workload goes on."""
    step(label)
    try:
        return await asyncio.wait_for(action(), 40)
    except Exception as error:
        note(f"{label}: FAILED {type(error).__name__}: {error}")
        return None


async def produce(conf: dict[str, Any], topic: str, codec: str) -> None:
    producer = AIOKafkaProducer(**conf)
    await producer.start()
    try:
        batch = [
            await producer.send(topic, key=b"key-0", value=value(codec, 0), partition=0),
            await producer.send(topic, key=b"key-null-value", value=None, partition=0),
            await producer.send(topic, key=None, value=value(codec, 2), headers=HEADERS, partition=0),
            await producer.send(topic, key=b"key-3", value=value(codec, 3), headers=[("h", b"v")], partition=0),
        ]
        await asyncio.gather(*batch)
    finally:
        await producer.stop()


async def workload(bootstrap: str, prefix: str) -> None:
    topic, extra, group = prefix, f"{prefix}-extra", f"{prefix}-group"
    base: dict[str, Any] = {"bootstrap_servers": bootstrap, "client_id": "golden-aiokafka"}
    admin = AIOKafkaAdminClient(**base)
    await attempt("admin: start (ApiVersions, Metadata)", admin.start)

    await attempt("admin: CreateTopics (1 and 2 partitions)", lambda: admin.create_topics(
        [NewTopic(topic, 1, 1), NewTopic(extra, 2, 1, topic_configs={"retention.ms": "3600000"})],
        timeout_ms=10_000))
    await attempt("admin: list topics (Metadata)", admin.list_topics)
    await attempt("admin: describe topics", lambda: admin.describe_topics([topic]))
    await attempt("admin: describe cluster", admin.describe_cluster)
    await attempt("admin: DescribeConfigs topic", lambda: admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, topic)], include_synonyms=True))
    await attempt("admin: AlterConfigs topic", lambda: admin.alter_configs(
        [ConfigResource(ConfigResourceType.TOPIC, extra, configs={"retention.ms": "7200000"})]))
    await attempt("admin: CreatePartitions 2 -> 3", lambda: admin.create_partitions(
        {extra: NewPartitions(3)}, timeout_ms=10_000))

    for codec in CODECS:
        conf = {**base, "compression_type": None if codec == "none" else codec, "linger_ms": 50,
                "enable_idempotence": False, "acks": "all"}
        await attempt(f"produce {codec}: acks=all, keys, a null value, headers", partial(produce, conf, topic, codec))
    await attempt("produce acks=0 (no response expected)", lambda: produce(
        {**base, "acks": 0, "linger_ms": 50}, topic, "none"))
    await attempt("idempotent producer: InitProducerId + Produce with sequence", lambda: produce(
        {**base, "enable_idempotence": True, "linger_ms": 50, "compression_type": "lz4"}, topic, "lz4"))

    async def transactions() -> None:
        producer = AIOKafkaProducer(**base, transactional_id=f"{prefix}-txn", linger_ms=20)
        await producer.start()
        step("transaction: begin, produce, send offsets, commit")
        async with producer.transaction():
            await producer.send_and_wait(topic, key=b"txn-key", value=b"committed value", partition=0)
            await producer.send_offsets_to_transaction(
                {TopicPartition(topic, 0): OffsetAndMetadata(1, "txn-meta")}, f"{group}-txn")
        step("transaction: begin, produce, abort")
        await producer.begin_transaction()
        await producer.send_and_wait(topic, key=b"txn-key", value=b"aborted value", partition=0)
        await producer.abort_transaction()
        await producer.stop()

    await attempt("transactional producer: InitProducerId", transactions)

    async def group_consumer() -> None:
        consumer = AIOKafkaConsumer(topic, **base, group_id=group, auto_offset_reset="earliest",
                                    enable_auto_commit=False, isolation_level="read_committed",
                                    session_timeout_ms=10_000, heartbeat_interval_ms=1_000,
                                    fetch_max_wait_ms=200)
        await consumer.start()
        got, deadline = 0, time.monotonic() + 25
        while got < 12 and time.monotonic() < deadline:
            got += sum(len(batch) for batch in (await consumer.getmany(timeout_ms=500)).values())
        if got == 0:
            note("group consumer: no message consumed")
        partition = TopicPartition(topic, 0)
        step("consumer: OffsetCommit (with metadata)")
        await consumer.commit({partition: OffsetAndMetadata(got, "golden metadata")})
        step("consumer: OffsetFetch (committed)")
        await consumer.committed(partition)
        step("consumer: ListOffsets (beginning, end, by timestamp)")
        await consumer.beginning_offsets([partition])
        await consumer.end_offsets([partition])
        await consumer.offsets_for_times({partition: int(time.time() * 1000) - 60_000})
        step("consumer: heartbeats while idle")
        await consumer.getmany(timeout_ms=3_000)
        step("consumer: second member joins (rebalance: JoinGroup with member id, SyncGroup)")
        second = AIOKafkaConsumer(topic, **base, group_id=group, session_timeout_ms=10_000,
                                  heartbeat_interval_ms=1_000)
        await second.start()
        await asyncio.gather(consumer.getmany(timeout_ms=6_000), second.getmany(timeout_ms=6_000))
        # aiokafka sends LeaveGroup only when generation > 0; tansu's first generation is 0.
        step("consumer: stop both members (LeaveGroup)")
        await second.stop()
        await consumer.stop()

    await attempt("consumer group (read_committed): FindCoordinator, JoinGroup, SyncGroup, Fetch",
                  group_consumer)

    async def assigned_consumer() -> None:
        consumer = AIOKafkaConsumer(**base, group_id=f"{group}-assign", enable_auto_commit=True,
                                    auto_commit_interval_ms=500)
        await consumer.start()
        consumer.assign([TopicPartition(topic, 0)])
        consumer.seek(TopicPartition(topic, 0), 0)
        await consumer.getmany(timeout_ms=3_000)
        await asyncio.sleep(1)
        await consumer.stop()

    await attempt("assigned consumer (read_uncommitted, auto commit)", assigned_consumer)

    await attempt("admin: ListGroups", admin.list_consumer_groups)
    await attempt("admin: DescribeGroups", lambda: admin.describe_consumer_groups([group]))
    await attempt("admin: OffsetFetch for group", lambda: admin.list_consumer_group_offsets(group))
    await attempt("admin: DeleteRecords", lambda: admin.delete_records(
        {TopicPartition(extra, 0): RecordsToDelete(0)}, timeout_ms=10_000))

    async def delete_topics() -> None:
        fresh = AIOKafkaAdminClient(**base)
        await fresh.start()
        await fresh.delete_topics([extra], timeout_ms=10_000)
        await fresh.close()

    await attempt("admin: DeleteTopics", delete_topics)
    await admin.close()


def main() -> None:
    args = arguments(__doc__ or "")
    version(aiokafka.__version__)
    asyncio.run(workload(args.bootstrap, args.prefix))


if __name__ == "__main__":
    main()
