"""Topic admin: create/delete/partitions/configs through each admin API, and error codes for bad input.

Error cases compare Kafka error codes: TOPIC_ALREADY_EXISTS 36, INVALID_TOPIC_EXCEPTION 17,
UNKNOWN_TOPIC_OR_PARTITION 3, INVALID_PARTITIONS 37, INVALID_REPLICATION_FACTOR 38, INVALID_CONFIG 40,
POLICY_VIOLATION 44.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from conformance_tests import wire
from conformance_tests.clients import ClientUnavailable
from conformance_tests.clients.admin import ADMIN_CLIENTS, AdminAdapter, make_admin
from conformance_tests.helpers import require_api, unique, wait_for_topic

TOPIC_ALREADY_EXISTS = 36
INVALID_PARTITIONS = 37
INVALID_REPLICATION_FACTOR = 38
INVALID_CONFIG = 40
POLICY_VIOLATION = 44


def each_admin(*names: str) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("client", list(names or ADMIN_CLIENTS))


@pytest.fixture
def client_admin(client: str, bootstrap: str) -> Iterator[AdminAdapter]:
    try:
        adapter = make_admin(client, bootstrap)
    except ClientUnavailable as exc:
        pytest.skip(str(exc))
    yield adapter
    adapter.close()


def partitions_of(bootstrap: str, topic: str) -> tuple[int, int]:
    with wire.Connection.to(bootstrap) as conn:
        t = wire.metadata(conn, 1, [topic]).topics[topic]
    return t.error_code, len(t.partitions)


def wait_until_gone(bootstrap: str, topic: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with wire.Connection.to(bootstrap) as conn:
            if topic not in wire.metadata(conn, 1, None).topics:
                return
        time.sleep(0.2)
    raise AssertionError(f"{topic} still listed {timeout}s after DeleteTopics succeeded")


@each_admin()
def test_create_topic(client_admin: AdminAdapter, bootstrap: str, _created_topics: list[str]) -> None:
    topic = unique("adm")
    assert client_admin.create_topic(topic, partitions=3) == 0
    _created_topics.append(topic)
    wait_for_topic(bootstrap, topic, 3)


@each_admin()
def test_create_existing_topic_fails(client_admin: AdminAdapter, new_topic) -> None:
    topic = new_topic()
    assert client_admin.create_topic(topic) == TOPIC_ALREADY_EXISTS


@each_admin("kafka-python", "confluent-kafka", "java", "sarama")
def test_create_topic_invalid_name(client_admin: AdminAdapter) -> None:
    assert client_admin.create_topic(unique("bad") + "/name") == wire.INVALID_TOPIC_EXCEPTION


@each_admin()
def test_delete_topic(client_admin: AdminAdapter, new_topic, bootstrap: str) -> None:
    topic = new_topic()
    assert client_admin.delete_topic(topic) == 0
    wait_until_gone(bootstrap, topic)


@each_admin()
def test_delete_unknown_topic_fails(client_admin: AdminAdapter) -> None:
    assert client_admin.delete_topic(unique("absent")) == wire.UNKNOWN_TOPIC_OR_PARTITION


@pytest.mark.needs_api("CreatePartitions")
@each_admin()
def test_create_partitions(client_admin: AdminAdapter, new_topic, bootstrap: str) -> None:
    topic = new_topic(partitions=1)
    assert client_admin.create_partitions(topic, 3) == 0
    wait_for_topic(bootstrap, topic, 3)


@pytest.mark.needs_api("CreatePartitions")
@each_admin("kafka-python", "confluent-kafka", "java", "sarama")
def test_create_partitions_cannot_decrease(client_admin: AdminAdapter, new_topic) -> None:
    topic = new_topic(partitions=3)
    assert client_admin.create_partitions(topic, 2) == INVALID_PARTITIONS


@pytest.mark.needs_api("DescribeConfigs")
@each_admin()
def test_describe_topic_configs_lists_defaults(client_admin: AdminAdapter, new_topic) -> None:
    """Every topic config is listed with its value and flags, not only the ones set explicitly."""
    topic = new_topic()
    configs = client_admin.describe_topic_configs(topic)
    for name in ("cleanup.policy", "retention.ms", "max.message.bytes", "segment.bytes"):
        assert name in configs, f"{name} missing from DescribeConfigs ({len(configs)} entries: {sorted(configs)[:8]})"
    assert configs["cleanup.policy"].value == "delete"
    assert configs["retention.ms"].value == "604800000"


@pytest.mark.needs_api("DescribeConfigs", 1)
@each_admin("kafka-python", "confluent-kafka", "aiokafka", "kafkajs", "java")
def test_topic_config_set_at_creation(client_admin: AdminAdapter, bootstrap: str, _created_topics: list[str]) -> None:
    """Configs given to CreateTopics are described back as DYNAMIC_TOPIC_CONFIG with their values."""
    topic = unique("cfg")
    assert client_admin.create_topic(topic, configs={"cleanup.policy": "compact", "retention.ms": "12345"}) == 0
    _created_topics.append(topic)
    wait_for_topic(bootstrap, topic, 1)
    configs = client_admin.describe_topic_configs(topic)
    assert configs["cleanup.policy"].value == "compact"
    assert configs["retention.ms"].value == "12345"
    assert configs["retention.ms"].source == "DYNAMIC_TOPIC_CONFIG", f"source {configs['retention.ms'].source}"
    assert not configs["retention.ms"].read_only and not configs["retention.ms"].sensitive


@pytest.mark.needs_api("IncrementalAlterConfigs")
@pytest.mark.parametrize("client", ["kafka-python", "confluent-kafka", "java"])
def test_incremental_alter_config(client_admin: AdminAdapter, new_topic) -> None:
    topic = new_topic()
    client_admin.alter_topic_config(topic, "retention.ms", "54321")  # type: ignore[attr-defined]
    assert client_admin.describe_topic_configs(topic)["retention.ms"].value == "54321"


@each_admin("kafka-python", "confluent-kafka", "aiokafka", "java", "sarama")
def test_validate_only_creates_nothing(client_admin: AdminAdapter, bootstrap: str) -> None:
    topic = unique("validate")
    assert client_admin.create_topic(topic, partitions=2, validate_only=True) == 0
    time.sleep(0.5)
    error, count = partitions_of(bootstrap, topic)
    assert error == wire.UNKNOWN_TOPIC_OR_PARTITION, f"validate_only created the topic ({count} partitions)"


# ----------------------------------------------------------------------------- raw CreateTopics v2

INVALID_NAMES = {"space": "bad name-{}", "slash": "bad/name-{}", "dot": ".", "dotdot": "..",
                 "too_long": "{}" + "a" * 240, "empty": "", "unicode": "tópico-{}", "colon": "bad:name-{}"}


@pytest.mark.parametrize("label", sorted(INVALID_NAMES))
def test_invalid_topic_name(bootstrap: str, label: str) -> None:
    """Legal: [a-zA-Z0-9._-], at most 249 characters, not "." or ".."; otherwise error 17."""
    name = INVALID_NAMES[label].format(unique("x"))
    with wire.Connection.to(bootstrap) as conn:
        result = wire.create_topics(conn, {name: (1, 1)})
    assert result.get(name) == wire.INVALID_TOPIC_EXCEPTION, f"got {result}"


def test_longest_legal_topic_name(bootstrap: str, _created_topics: list[str]) -> None:
    name = (unique("long") + "-" + "a" * 249)[:249]
    with wire.Connection.to(bootstrap) as conn:
        result = wire.create_topics(conn, {name: (1, 1)})
    _created_topics.append(name)
    assert result.get(name) == 0, f"got {result}"


def test_zero_partitions_rejected(bootstrap: str) -> None:
    topic = unique("zero")
    with wire.Connection.to(bootstrap) as conn:
        assert wire.create_topics(conn, {topic: (0, 1)})[topic] == INVALID_PARTITIONS


def test_replication_factor_above_broker_count_rejected(bootstrap: str) -> None:
    topic = unique("rf")
    with wire.Connection.to(bootstrap) as conn:
        assert wire.create_topics(conn, {topic: (1, 100)})[topic] == INVALID_REPLICATION_FACTOR


def test_unknown_topic_config_rejected(bootstrap: str) -> None:
    topic = unique("badcfg")
    with wire.Connection.to(bootstrap) as conn:
        result = wire.create_topics(conn, {topic: (1, 1)}, configs={"no.such.config": "1"})
    assert result[topic] == INVALID_CONFIG


def test_more_than_ten_thousand_records_in_one_request_is_a_policy_violation(bootstrap: str) -> None:
    """Kafka's controller commits at most 10,000 records per request (MAX_RECORDS_PER_USER_OP: a
    topic record, its config records, one per partition) and fails the whole request past it,
    validate-only included, for every topic in it. Asked validate-only, so a broker without the
    limit creates nothing."""
    big, small = unique("big"), unique("small")
    with wire.Connection.to(bootstrap) as conn:
        result = wire.create_topics(conn, {small: (1, 1), big: (10_000, 1)}, validate_only=True)
    assert result == {small: POLICY_VIOLATION, big: POLICY_VIOLATION}


def test_broker_default_partitions(bootstrap: str, api_versions: dict[int, tuple[int, int]],
                                   _created_topics: list[str]) -> None:
    """CreateTopics with num_partitions=-1 and replication_factor=-1 uses the broker defaults (v4+)."""
    require_api(api_versions, "CreateTopics", 4)
    topic = unique("defaults")
    entry = wire.string(topic) + wire.i32(-1) + wire.i16(-1) + wire.array([]) + wire.array([])
    with wire.Connection.to(bootstrap) as conn:
        reader = conn.request(19, 4, wire.array([entry]) + wire.i32(10000) + wire.boolean(False))
        reader.i32()
        assert reader.i32() == 1
        assert reader.string() == topic
        code = reader.i16()
    _created_topics.append(topic)
    assert code == 0
    error, count = partitions_of(bootstrap, topic)
    assert error == 0 and count >= 1


def test_delete_then_recreate(bootstrap: str, new_topic) -> None:
    """A deleted topic's name can be reused, and the new topic starts empty."""
    topic = new_topic()
    with wire.Connection.to(bootstrap) as conn:
        assert wire.produce(conn, topic, 0, wire.record_batch([wire.Record(b"k", b"old")])).error_code == 0
        assert wire.delete_topics(conn, [topic])[topic] == 0
    wait_until_gone(bootstrap, topic)
    with wire.Connection.to(bootstrap) as conn:
        assert wire.create_topics(conn, {topic: (1, 1)})[topic] == 0
    wait_for_topic(bootstrap, topic, 1)
    with wire.Connection.to(bootstrap) as conn:
        part = wire.fetch(conn, topic, 0, 0)
    assert part.error_code == 0 and part.high_watermark == 0, f"recreated topic has high watermark {part.high_watermark}"
