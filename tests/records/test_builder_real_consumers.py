"""Batches built by wirekafka's builder are read correctly by real consumers.

The builder writes the broker's own batches (transaction markers, internal topics); a consumer
that cannot read them would break in production. Each codec's batch is produced with a raw
Produce request, then consumed with librdkafka (confluent-kafka) and kafka-python.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator

import pytest
from confluent_kafka import Consumer, TopicPartition
from kafka import KafkaConsumer
from kafka import TopicPartition as KafkaTopicPartition

from wirekafka.protocol import framing
from wirekafka.protocol.messages import by_name
from wirekafka.records.batch import Compression
from wirekafka.records.builder import BatchBuilder
from wirekafka.testing.broker import RunningBroker, running_broker

ProduceRequest = by_name("ProduceRequest")
CreateTopicsRequest = by_name("CreateTopicsRequest")
NOW = 1_700_000_000_000
RECORDS = [
    (b"k0", b"first", [("h", b"1")]),
    (None, b"no key", []),
    (b"k2", None, [("empty", None), ("two", b"2")]),
    (b"k3", "ünïcode".encode(), []),
]


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBroker]:
    with running_broker(tmp_path_factory.mktemp("data")) as running:
        yield running


def request(broker: RunningBroker, api_key: int, version: int, body: object) -> object:
    with socket.create_connection(("127.0.0.1", broker.port), timeout=10) as sock:
        header = framing.RequestHeader(
            api_key=api_key, api_version=version, correlation_id=1, client_id="builder"
        )
        sock.sendall(framing.encode_request(header, body))
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">i", data[:4])[0]:
            chunk = sock.recv(65536)
            assert chunk, "connection closed"
            data += chunk
    return framing.decode_response(api_key, version, data[4:])[1]


def produce_built_batch(broker: RunningBroker, topic: str, compression: Compression) -> None:
    created = request(
        broker,
        19,
        5,
        CreateTopicsRequest(
            topics=[CreateTopicsRequest.CreatableTopic(name=topic, num_partitions=1, replication_factor=1)],
            timeout_ms=10000,
        ),
    )
    assert created.topics[0].error_code == 0  # type: ignore[attr-defined]
    builder = BatchBuilder(compression=compression)
    for i, (key, value, headers) in enumerate(RECORDS):
        builder.append(key, value, headers, timestamp=NOW + i)
    produce = ProduceRequest(
        acks=-1,
        timeout_ms=10000,
        topic_data=[
            ProduceRequest.TopicProduceData(
                name=topic,
                partition_data=[ProduceRequest.PartitionProduceData(index=0, records=builder.build())],
            )
        ],
    )
    response = request(broker, 0, 9, produce)
    partition = response.responses[0].partition_responses[0]  # type: ignore[attr-defined]
    assert (partition.error_code, partition.base_offset) == (0, 0)


@pytest.mark.parametrize("compression", list(Compression), ids=[c.name.lower() for c in Compression])
def test_librdkafka_reads_built_batches(broker: RunningBroker, compression: Compression) -> None:
    topic = f"built-rdkafka-{compression.name.lower()}"
    produce_built_batch(broker, topic, compression)
    consumer = Consumer(
        {"bootstrap.servers": broker.bootstrap, "group.id": topic, "enable.auto.commit": False}
    )
    consumer.assign([TopicPartition(topic, 0, 0)])
    seen = []
    deadline = time.monotonic() + 20
    try:
        while len(seen) < len(RECORDS) and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            assert message.error() is None, message.error()
            seen.append(message)
    finally:
        consumer.close()
    assert [(m.key(), m.value()) for m in seen] == [(k, v) for k, v, _ in RECORDS]
    assert [m.offset() for m in seen] == [0, 1, 2, 3]
    assert [m.timestamp()[1] for m in seen] == [NOW, NOW + 1, NOW + 2, NOW + 3]
    assert [m.headers() or [] for m in seen] == [list(h) for _, _, h in RECORDS]


@pytest.mark.parametrize("compression", list(Compression), ids=[c.name.lower() for c in Compression])
def test_kafka_python_reads_built_batches(broker: RunningBroker, compression: Compression) -> None:
    topic = f"built-kafka-python-{compression.name.lower()}"
    produce_built_batch(broker, topic, compression)
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, consumer_timeout_ms=10000)
    try:
        consumer.assign([KafkaTopicPartition(topic, 0)])
        consumer.seek_to_beginning()
        seen = [message for _, message in zip(range(len(RECORDS)), consumer, strict=False)]
    finally:
        consumer.close()
    assert [(m.key, m.value) for m in seen] == [(k, v) for k, v, _ in RECORDS]
    assert [m.timestamp for m in seen] == [NOW, NOW + 1, NOW + 2, NOW + 3]
    assert [list(m.headers) for m in seen] == [list(h) for _, _, h in RECORDS]
