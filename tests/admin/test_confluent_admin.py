"""confluent-kafka's AdminClient (librdkafka) against the broker: the admin calls users make."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException, TopicCollection
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    ConfigSource,
    NewPartitions,
    NewTopic,
    ResourceType,
)

from wirekafka.testing.broker import RunningBroker

TIMEOUT = 30


@pytest.fixture(scope="module")
def admin(broker: RunningBroker) -> Iterator[AdminClient]:
    yield AdminClient({"bootstrap.servers": broker.bootstrap, "broker.address.family": "v4"})


def unique(stem: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:8]}"


def outcome(future: Future[Any]) -> int:
    """0 on success, else the Kafka error code the client reports."""
    try:
        future.result(timeout=TIMEOUT)
    except KafkaException as exc:
        error: KafkaError = exc.args[0]
        return int(error.code())
    return 0


def create(admin: AdminClient, *topics: NewTopic, validate_only: bool = False) -> dict[str, int]:
    futures = admin.create_topics(list(topics), validate_only=validate_only, operation_timeout=TIMEOUT)
    return {name: outcome(future) for name, future in futures.items()}


def partition_counts(admin: AdminClient) -> dict[str, int]:
    return {name: len(t.partitions) for name, t in admin.list_topics(timeout=TIMEOUT).topics.items()}


def test_create_list_and_delete(admin: AdminClient, broker: RunningBroker) -> None:
    name = unique("cf")
    assert create(admin, NewTopic(name, num_partitions=3, replication_factor=1)) == {name: 0}
    assert partition_counts(admin)[name] == 3
    metadata = admin.list_topics(topic=name, timeout=TIMEOUT)
    partition = metadata.topics[name].partitions[0]
    assert (partition.leader, partition.replicas, partition.isrs) == (1, [1], [1])
    assert metadata.cluster_id and metadata.controller_id == 1
    assert [(b.id, b.port) for b in metadata.brokers.values()] == [(1, broker.port)]
    assert {n: outcome(f) for n, f in admin.delete_topics([name], operation_timeout=TIMEOUT).items()} == {
        name: 0
    }
    assert name not in partition_counts(admin)


def test_create_errors(admin: AdminClient) -> None:
    existing = unique("exists")
    create(admin, NewTopic(existing, 1, 1))
    result = create(
        admin,
        NewTopic(existing, 1, 1),
        NewTopic("a b", 1, 1),
        NewTopic("..", 1, 1),
        NewTopic("x" * 250, 1, 1),
        NewTopic(unique("rf"), 1, 3),
        NewTopic(unique("cfg"), 1, 1, config={"retention.ms": "forever"}),
    )
    assert sorted(result.values()) == sorted(
        [
            KafkaError.TOPIC_ALREADY_EXISTS,
            KafkaError.TOPIC_EXCEPTION,
            KafkaError.TOPIC_EXCEPTION,
            KafkaError.TOPIC_EXCEPTION,
            KafkaError.INVALID_REPLICATION_FACTOR,
            KafkaError.INVALID_CONFIG,
        ]
    )


def test_validate_only_and_configs_at_creation(admin: AdminClient) -> None:
    dry = unique("dry")
    assert create(admin, NewTopic(dry, 2, 1), validate_only=True) == {dry: 0}
    assert dry not in partition_counts(admin)
    name = unique("cfg")
    assert create(
        admin, NewTopic(name, 1, 1, config={"cleanup.policy": "compact", "retention.ms": "12345"})
    ) == {name: 0}
    [future] = admin.describe_configs([ConfigResource(ResourceType.TOPIC, name)]).values()
    configs = future.result(timeout=TIMEOUT)
    assert configs["cleanup.policy"].value == "compact"
    retention = configs["retention.ms"]
    assert (retention.value, retention.source) == ("12345", ConfigSource.DYNAMIC_TOPIC_CONFIG.value)
    assert not retention.is_read_only and not retention.is_sensitive
    assert configs["segment.bytes"].source == ConfigSource.DEFAULT_CONFIG.value
    assert configs["segment.bytes"].value == "1073741824"


def test_create_partitions(admin: AdminClient) -> None:
    name = unique("grow")
    create(admin, NewTopic(name, 1, 1))
    futures = admin.create_partitions([NewPartitions(name, 4)], operation_timeout=TIMEOUT)
    assert {n: outcome(f) for n, f in futures.items()} == {name: 0}
    assert partition_counts(admin)[name] == 4
    futures = admin.create_partitions([NewPartitions(name, 2)], operation_timeout=TIMEOUT)
    assert {n: outcome(f) for n, f in futures.items()} == {name: KafkaError.INVALID_PARTITIONS}


def test_excessively_large_requests_are_a_policy_violation(admin: AdminClient) -> None:
    """More than Kafka's 10,000 records in one request: every topic of it fails, nothing is
    created. (librdkafka itself refuses more than 100,000 partitions; the controller tests ask
    for 2**31 - 1.)"""
    small, huge = unique("small"), unique("huge")
    assert create(admin, NewTopic(small, 1, 1), NewTopic(huge, 100_000, 1)) == {
        small: KafkaError.POLICY_VIOLATION,
        huge: KafkaError.POLICY_VIOLATION,
    }
    assert create(admin, NewTopic(huge, 10_000, 1), validate_only=True) == {huge: KafkaError.POLICY_VIOLATION}
    assert small not in partition_counts(admin)
    create(admin, NewTopic(small, 1, 1))
    futures = admin.create_partitions([NewPartitions(small, 10_002)], operation_timeout=TIMEOUT)
    assert {n: outcome(f) for n, f in futures.items()} == {small: KafkaError.POLICY_VIOLATION}
    assert partition_counts(admin)[small] == 1


def test_describe_broker_configs(admin: AdminClient) -> None:
    [future] = admin.describe_configs([ConfigResource(ResourceType.BROKER, "1")]).values()
    configs = future.result(timeout=TIMEOUT)
    assert configs["num.partitions"].value == "2"
    assert configs["num.partitions"].source == ConfigSource.STATIC_BROKER_CONFIG.value
    assert configs["auto.create.topics.enable"].source == ConfigSource.DEFAULT_CONFIG.value
    assert configs["node.id"].is_read_only


def test_incremental_alter_configs(admin: AdminClient) -> None:
    name = unique("inc")
    create(admin, NewTopic(name, 1, 1))
    resource = ConfigResource(
        ResourceType.TOPIC,
        name,
        incremental_configs=[
            ConfigEntry("retention.ms", "54321", incremental_operation=AlterConfigOpType.SET),
            ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.APPEND),
        ],
    )
    [future] = admin.incremental_alter_configs([resource]).values()
    future.result(timeout=TIMEOUT)
    [future] = admin.describe_configs([ConfigResource(ResourceType.TOPIC, name)]).values()
    configs = future.result(timeout=TIMEOUT)
    assert (configs["retention.ms"].value, configs["cleanup.policy"].value) == ("54321", "delete,compact")
    bad = ConfigResource(
        ResourceType.TOPIC,
        name,
        incremental_configs=[
            ConfigEntry("retention.ms", "1", incremental_operation=AlterConfigOpType.APPEND)
        ],
    )
    [future] = admin.incremental_alter_configs([bad]).values()
    assert outcome(future) == KafkaError.INVALID_CONFIG


@pytest.mark.filterwarnings("ignore:alter_configs has been deprecated:DeprecationWarning")
def test_legacy_alter_configs(admin: AdminClient) -> None:
    name = unique("legacy")
    create(admin, NewTopic(name, 1, 1, config={"segment.ms": "600000"}))
    [future] = admin.alter_configs(
        [ConfigResource(ResourceType.TOPIC, name, set_config={"retention.ms": "1000"})]
    ).values()
    future.result(timeout=TIMEOUT)
    [future] = admin.describe_configs([ConfigResource(ResourceType.TOPIC, name)]).values()
    configs = future.result(timeout=TIMEOUT)
    assert configs["retention.ms"].value == "1000"
    assert configs["segment.ms"].source == ConfigSource.DEFAULT_CONFIG.value, "legacy alter replaces the set"


def test_describe_cluster_and_topics(admin: AdminClient, broker: RunningBroker) -> None:
    cluster = admin.describe_cluster(request_timeout=TIMEOUT).result(timeout=TIMEOUT)
    assert cluster.cluster_id == broker.broker.metadata_image.cluster_id
    assert cluster.controller.id == 1 and [node.id for node in cluster.nodes] == [1]
    name = unique("desc")
    create(admin, NewTopic(name, 2, 1))
    [future] = admin.describe_topics(TopicCollection([name]), request_timeout=TIMEOUT).values()
    description = future.result(timeout=TIMEOUT)
    assert description.name == name and not description.is_internal
    assert [p.id for p in description.partitions] == [0, 1]
    assert str(description.topic_id) != "AAAAAAAAAAAAAAAAAAAAAA"
