"""Topic auto-creation on Metadata, as real producers trigger it, and its switch."""

from __future__ import annotations

import uuid
from pathlib import Path

from confluent_kafka import Producer
from kafka import KafkaProducer

from tests.admin.test_metadata_versions import metadata, topics_of
from wirekafka.protocol.errors import ErrorCode
from wirekafka.testing.broker import RunningBroker, running_broker


def unique(stem: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:8]}"


def test_kafka_python_producer_sees_an_auto_created_topic(broker: RunningBroker) -> None:
    """The first answer is UNKNOWN_TOPIC_OR_PARTITION (as Kafka's KRaft broker); the client retries."""
    name = unique("kp-auto")
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, max_block_ms=30000)
    try:
        assert producer.partitions_for(name) == {0, 1}, "num.partitions=2"
    finally:
        producer.close()
    topic = broker.broker.metadata_image.topics[name]
    assert [p.leader_id for p in topic.partitions.values()] == [1, 1]


def test_librdkafka_producer_metadata_auto_creates(broker: RunningBroker) -> None:
    name = unique("rd-auto")
    producer = Producer({"bootstrap.servers": broker.bootstrap, "broker.address.family": "v4"})
    for _ in range(50):
        topic = producer.list_topics(topic=name, timeout=10).topics[name]
        if topic.error is None:
            break
        assert topic.error.code() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    assert sorted(topic.partitions) == [0, 1]


def test_switched_off_by_auto_create_topics_enable(tmp_path: Path) -> None:
    with running_broker(tmp_path, {"auto.create.topics.enable": "false"}) as off:
        name = unique("off")
        for version in (0, 3, 4, 12):
            assert (
                topics_of(metadata(off, version, [name]))[name].error_code
                == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            )
        assert (
            topics_of(metadata(off, 1, ["bad name"]))["bad name"].error_code
            == ErrorCode.INVALID_TOPIC_EXCEPTION
        )
        assert name not in off.broker.metadata_image.topics
