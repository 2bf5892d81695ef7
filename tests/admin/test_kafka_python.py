"""kafka-python's KafkaAdminClient and KafkaConsumer metadata calls, including old API versions."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from kafka import KafkaConsumer
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic
from kafka.errors import InvalidTopicError, TopicAlreadyExistsError

from wirekafka.broker.context import RequestContext
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.testing.broker import RunningBroker


@pytest.fixture(scope="module")
def admin(broker: RunningBroker) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=30000)
    yield client
    client.close()


@pytest.fixture
def metadata_versions(broker: RunningBroker, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The Metadata request versions the broker serves while the test runs."""
    registry = broker.broker.registry
    registration = registry.lookup(ApiKey.METADATA)
    assert registration is not None
    seen: list[int] = []

    async def recording(ctx: RequestContext, request: Any) -> Any:
        seen.append(ctx.api_version)
        return await registration.handler(ctx, request)

    monkeypatch.setitem(
        registry._registrations, int(ApiKey.METADATA), dataclasses.replace(registration, handler=recording)
    )
    return seen


def unique(stem: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:8]}"


def test_create_describe_alter_and_delete(admin: KafkaAdminClient) -> None:
    name = unique("kp")
    response = admin.create_topics([NewTopic(name, 3, 1, topic_configs={"retention.ms": "1234"})])
    [created] = response["topics"]
    assert (created["name"], created["error_code"], created["num_partitions"]) == (name, 0, 3)
    assert created["configs"]["retention.ms"]["config_source"] == "DYNAMIC_TOPIC_CONFIG"
    assert name in admin.list_topics()
    described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
    assert described["topic"][name]["retention.ms"]["value"] == "1234"
    everything = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)], config_filter="all")
    assert everything["topic"][name]["cleanup.policy"]["value"] == "delete"
    assert everything["topic"][name]["cleanup.policy"]["config_source"] == "DEFAULT_CONFIG"
    admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs={"retention.ms": "99"})])
    described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
    assert described["topic"][name]["retention.ms"]["value"] == "99"
    admin.create_partitions({name: NewPartitions(5)})
    [topic] = admin.describe_topics([name])
    assert [p["partition_index"] for p in topic["partitions"]] == [0, 1, 2, 3, 4]
    assert all(p["leader_id"] == 1 and p["isr_nodes"] == [1] for p in topic["partitions"])
    deleted = admin.delete_topics([name])
    assert [(t["name"], t["error_code"]) for t in deleted["topics"]] == [(name, 0)]
    assert name not in admin.list_topics()


def test_errors_raise_the_kafka_exceptions(admin: KafkaAdminClient) -> None:
    name = unique("kp-dup")
    admin.create_topics([NewTopic(name, 1, 1)])
    with pytest.raises(TopicAlreadyExistsError):
        admin.create_topics([NewTopic(name, 1, 1)])
    for bad in ("a b", "..", "x" * 250):
        with pytest.raises(InvalidTopicError):
            admin.create_topics([NewTopic(bad, 1, 1)])


def test_describe_cluster(admin: KafkaAdminClient, broker: RunningBroker) -> None:
    cluster = admin.describe_cluster()
    assert cluster["cluster_id"] == broker.broker.metadata_image.cluster_id
    assert cluster["controller_id"] == 1
    assert [(b["broker_id"], b["port"]) for b in cluster["brokers"]] == [(1, broker.port)]


@pytest.mark.parametrize(
    ("api_version", "metadata_version"),
    [((0, 9), 0), ((0, 10, 0), 1), ((0, 10, 1), 2), ((0, 11), 4), ((2, 0), 6)],
)
def test_consumer_metadata_with_old_api_versions(
    broker: RunningBroker,
    admin: KafkaAdminClient,
    metadata_versions: list[int],
    api_version: tuple[int, ...],
    metadata_version: int,
) -> None:
    name = unique("old")
    admin.create_topics([NewTopic(name, 3, 1)])
    consumer = KafkaConsumer(
        bootstrap_servers=broker.bootstrap, api_version=api_version, request_timeout_ms=30000
    )
    try:
        assert name in consumer.topics()
        assert consumer.partitions_for_topic(name) == {0, 1, 2}
    finally:
        consumer.close()
    assert metadata_versions and set(metadata_versions) == {metadata_version}
