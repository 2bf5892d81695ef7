"""Round trips with real clients: confluent-kafka (librdkafka), kafka-python, aiokafka and kcat.

Every test produces through one client and reads back through it (and, where it matters, through
another), comparing keys, values (null included), headers, timestamps, partitions and offsets.
Idempotence is off: InitProducerId belongs to the transaction coordinator, not this layer.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka import TopicPartition as KafkaTopicPartition
from kafka.admin import NewTopic

from wirekafka.testing.broker import RunningBroker, running_broker

CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
_names = itertools.count()


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBroker]:
    with running_broker(tmp_path_factory.mktemp("data")) as running:
        yield running


@pytest.fixture(scope="module")
def admin(broker: RunningBroker) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(bootstrap_servers=broker.bootstrap, client_id="produce-fetch-admin")
    yield client
    client.close()


@pytest.fixture
def new_topic(admin: KafkaAdminClient) -> Any:
    def create(partitions: int = 1, **configs: str) -> str:
        name = f"clients-{next(_names)}"
        topic_configs = {key.replace("_", "."): value for key, value in configs.items()}
        admin.create_topics([NewTopic(name, partitions, 1, topic_configs=topic_configs)])
        return name

    return create


def confluent_producer(broker: RunningBroker, **settings: Any) -> Producer:
    config = {"bootstrap.servers": broker.bootstrap, "enable.idempotence": False, "linger.ms": 5}
    config.update(settings)
    return Producer(config)


def confluent_read(
    broker: RunningBroker, topic: str, partitions: int, count: int, **settings: Any
) -> list[Any]:
    config = {
        "bootstrap.servers": broker.bootstrap,
        "group.id": f"reader-{topic}",
        "enable.auto.commit": False,
        "fetch.wait.max.ms": 100,
    }
    config.update(settings)
    consumer = Consumer(config)
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    got: list[Any] = []
    deadline = time.monotonic() + 30
    try:
        while len(got) < count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            assert message.error() is None, message.error()
            got.append(message)
    finally:
        consumer.close()
    return got


def produce_all(producer: Producer, topic: str, messages: list[dict[str, Any]]) -> list[Any]:
    reports: list[Any] = []

    def delivered(error: Any, message: Any) -> None:
        reports.append((error, message))

    for message in messages:
        producer.produce(topic, on_delivery=delivered, **message)
    assert producer.flush(30) == 0
    assert [error for error, _ in reports if error is not None] == []
    return [message for _, message in reports]


@pytest.mark.parametrize("codec", CODECS)
def test_confluent_round_trip_every_codec(broker: RunningBroker, new_topic: Any, codec: str) -> None:
    topic = new_topic()
    messages = [
        {
            "key": f"key-{i}".encode() if i % 3 else None,
            "value": None if i == 4 else (f"value-{i}-" * 20).encode(),
            "headers": [("h", f"{i}".encode()), ("empty", b"")] if i % 2 else None,
            "timestamp": 1_700_000_000_000 + i,
        }
        for i in range(50)
    ]
    reports = produce_all(confluent_producer(broker, **{"compression.type": codec}), topic, messages)
    assert sorted(m.offset() for m in reports) == list(range(50))
    got = confluent_read(broker, topic, 1, 50)
    assert [m.offset() for m in got] == list(range(50))
    for sent, received in zip(messages, got, strict=True):
        assert received.key() == sent["key"]
        assert received.value() == sent["value"]
        assert received.timestamp()[1] == sent["timestamp"]
        assert (received.headers() or None) == sent["headers"]


@pytest.mark.parametrize("acks", ["0", "1", "all"])
def test_confluent_acks_and_per_partition_order(broker: RunningBroker, new_topic: Any, acks: str) -> None:
    topic = new_topic(3)
    messages = [{"partition": i % 3, "value": f"{i}".encode()} for i in range(300)]
    produce_all(confluent_producer(broker, acks=acks), topic, messages)
    got = confluent_read(broker, topic, 3, 300)
    for partition in range(3):
        mine = [m for m in got if m.partition() == partition]
        assert [int(m.value()) for m in mine] == list(range(partition, 300, 3))
        assert [m.offset() for m in mine] == list(range(100))


def test_confluent_one_megabyte_values(broker: RunningBroker, new_topic: Any) -> None:
    topic = new_topic(max_message_bytes=str(3 * 1024 * 1024))
    values = [bytes([65 + i]) * (1024 * 1024) for i in range(3)]
    producer = confluent_producer(
        broker, **{"message.max.bytes": 3 * 1024 * 1024, "compression.type": "none"}
    )
    produce_all(producer, topic, [{"value": v} for v in values])
    got = confluent_read(broker, topic, 1, 3, **{"fetch.max.bytes": 4 * 1024 * 1024})
    assert [m.value() for m in got] == values


def test_confluent_oversize_message_is_refused(broker: RunningBroker, new_topic: Any) -> None:
    topic = new_topic(max_message_bytes="10000")
    producer = confluent_producer(broker, **{"compression.type": "none", "message.send.max.retries": 0})
    errors: list[Any] = []
    producer.produce(topic, value=b"x" * 50_000, on_delivery=lambda error, _m: errors.append(error))
    producer.flush(30)
    assert [e.name() for e in errors] == ["MSG_SIZE_TOO_LARGE"]


def test_confluent_offsets_for_times(broker: RunningBroker, new_topic: Any) -> None:
    topic = new_topic()
    base = 1_700_000_000_000
    produce_all(
        confluent_producer(broker), topic, [{"value": b"v", "timestamp": base + 1000 * i} for i in range(10)]
    )
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": f"times-{topic}"})
    try:
        found = consumer.offsets_for_times([TopicPartition(topic, 0, base + 4500)], timeout=10)
        assert found[0].offset == 5
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
        assert (low, high) == (0, 10)
        beyond = consumer.offsets_for_times([TopicPartition(topic, 0, base + 99_000)], timeout=10)
        assert beyond[0].offset == -1  # no such record: the end
    finally:
        consumer.close()


def kafka_python_producer(broker: RunningBroker, **settings: Any) -> KafkaProducer:
    return KafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=False, **settings)


def kafka_python_read(broker: RunningBroker, topic: str, partitions: int, count: int) -> list[Any]:
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=None, enable_auto_commit=False)
    consumer.assign([KafkaTopicPartition(topic, p) for p in range(partitions)])
    consumer.seek_to_beginning()
    got: list[Any] = []
    deadline = time.monotonic() + 30
    try:
        while len(got) < count and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                got.extend(records)
    finally:
        consumer.close()
    return sorted(got, key=lambda r: (r.partition, r.offset))


@pytest.mark.parametrize("codec", [None, "gzip", "snappy", "lz4", "zstd"])
def test_kafka_python_round_trip(broker: RunningBroker, new_topic: Any, codec: str | None) -> None:
    topic = new_topic(3)
    producer = kafka_python_producer(broker, compression_type=codec, acks="all", linger_ms=5)
    futures = [
        producer.send(
            topic,
            key=b"k%d" % i if i % 2 else None,
            value=b"v%d" % i if i != 7 else None,
            headers=[("n", b"%d" % i)],
            partition=i % 3,
            timestamp_ms=1_600_000_000_000 + i,
        )
        for i in range(60)
    ]
    producer.flush()
    metadata = [f.get(timeout=10) for f in futures]
    assert sorted((m.partition, m.offset) for m in metadata) == sorted(
        (p, o) for p in range(3) for o in range(20)
    )
    producer.close()
    got = kafka_python_read(broker, topic, 3, 60)
    by_index = {int(dict(r.headers)["n"]): r for r in got}
    assert sorted(by_index) == list(range(60))
    for i, record in by_index.items():
        assert record.key == (b"k%d" % i if i % 2 else None)
        assert record.value == (b"v%d" % i if i != 7 else None)
        assert record.timestamp == 1_600_000_000_000 + i
        assert record.partition == i % 3


def test_kafka_python_acks_zero(broker: RunningBroker, new_topic: Any) -> None:
    topic = new_topic()
    producer = kafka_python_producer(broker, acks=0)
    for i in range(20):
        producer.send(topic, value=b"%d" % i)
    producer.flush()
    producer.close()
    assert [r.value for r in kafka_python_read(broker, topic, 1, 20)] == [b"%d" % i for i in range(20)]


def test_aiokafka_round_trip(broker: RunningBroker, new_topic: Any) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka.structs import TopicPartition as AioTopicPartition

    topic = new_topic(2)

    async def main() -> list[Any]:
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, compression_type="lz4", acks="all")
        await producer.start()
        try:
            for i in range(40):
                await producer.send(topic, key=b"%d" % i, value=b"aio-%d" % i, partition=i % 2)
            await producer.flush()
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            bootstrap_servers=broker.bootstrap, group_id=None, enable_auto_commit=False
        )
        await consumer.start()
        got: list[Any] = []
        try:
            consumer.assign([AioTopicPartition(topic, 0), AioTopicPartition(topic, 1)])
            await consumer.seek_to_beginning()
            deadline = time.monotonic() + 30
            while len(got) < 40 and time.monotonic() < deadline:
                batches = await consumer.getmany(timeout_ms=500)
                for records in batches.values():
                    got.extend(records)
        finally:
            await consumer.stop()
        return got

    got = asyncio.run(main())
    for partition in range(2):
        mine = [r for r in got if r.partition == partition]
        assert [r.value for r in mine] == [b"aio-%d" % i for i in range(partition, 40, 2)]
        assert [r.offset for r in mine] == list(range(20))


def test_kafka_python_reads_what_librdkafka_wrote(broker: RunningBroker, new_topic: Any) -> None:
    topic = new_topic()
    messages = [{"key": b"k", "value": b"x" * i, "headers": [("a", b"b")]} for i in range(30)]
    produce_all(confluent_producer(broker, **{"compression.type": "zstd"}), topic, messages)
    got = kafka_python_read(broker, topic, 1, 30)
    assert [r.value for r in got] == [b"x" * i for i in range(30)]
    assert all(r.headers == [("a", b"b")] for r in got)


@pytest.mark.skipif(shutil.which("kcat") is None, reason="kcat not installed (apt-get install kcat)")
@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_kcat_round_trip(broker: RunningBroker, new_topic: Any, codec: str) -> None:
    """kcat ships librdkafka 2.0.2 here: the old librdkafka that needs Produce advertised from v0
    to keep compression on."""
    topic = new_topic()
    lines = "".join(f"key{i}:line {i}\n" for i in range(25))
    base = ["kcat", "-b", broker.bootstrap, "-X", "broker.address.family=v4"]
    subprocess.run(
        [*base, "-P", "-t", topic, "-K", ":", "-z", codec, "-X", "enable.idempotence=false"],
        input=lines.encode(),
        check=True,
        timeout=60,
    )
    consumed = subprocess.run(
        [*base, "-C", "-t", topic, "-o", "beginning", "-e", "-f", "%k=%s@%o\n"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert consumed.stdout.decode().splitlines() == [f"key{i}=line {i}@{i}" for i in range(25)]


def test_kafka_python_consumes_through_an_incremental_fetch_session(broker: RunningBroker, new_topic: Any) -> None:
    """kafka-python 3 implements KIP-227: its fetches after the first are incremental."""
    topic = new_topic(3)
    sessions = broker.broker.replica_manager.fetch_sessions
    producer = kafka_python_producer(broker, acks=1)
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=None, enable_auto_commit=False)
    consumer.assign([KafkaTopicPartition(topic, p) for p in range(3)])
    consumer.seek_to_beginning()
    got: list[Any] = []
    epochs: set[int] = set()
    try:
        for round_number in range(5):
            for partition in range(3):
                producer.send(topic, value=b"%d-%d" % (round_number, partition), partition=partition)
            producer.flush()
            deadline = time.monotonic() + 30
            while len(got) < 3 * (round_number + 1) and time.monotonic() < deadline:
                for records in consumer.poll(timeout_ms=200).values():
                    got.extend(records)
            epochs.update(session.epoch for session in sessions.sessions())
    finally:
        consumer.close()
        producer.close()
    assert sorted(r.value for r in got) == sorted(b"%d-%d" % (r, p) for r in range(5) for p in range(3))
    assert max(epochs, default=0) > 2  # the session advanced through incremental fetches
