"""``wirekafka topics``: create, list, describe and delete against a real broker, and their errors."""

from __future__ import annotations

import json

from tests.cli.support import TOPIC_APIS, requires, run
from wirekafka.testing.broker import RunningBroker

pytestmark = requires(*TOPIC_APIS)


def test_create_list_describe_delete(broker: RunningBroker) -> None:
    created = run(
        broker,
        "topics", "create", "orders", "payments",
        "--partitions", "3", "--replication-factor", "1", "--config", "retention.ms=5000",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert created.stdout.splitlines() == ["Created topic orders.", "Created topic payments."]

    listed = run(broker, "topics", "list")
    assert {"orders", "payments"} <= set(listed.stdout.splitlines())

    described = run(broker, "topics", "describe", "orders")
    assert described.exit_code == 0, described.output
    first, *partitions = described.stdout.splitlines()
    assert first.startswith("Topic: orders\tTopicId: ")
    assert "\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention.ms=5000" in first
    assert partitions == [
        f"\tTopic: orders\tPartition: {p}\tLeader: 1\tReplicas: 1\tIsr: 1" for p in range(3)
    ]

    deleted = run(broker, "topics", "delete", "payments")
    assert deleted.exit_code == 0, deleted.output
    assert deleted.stdout == "Deleted topic payments.\n"
    remaining = set(run(broker, "topics", "list").stdout.splitlines())
    assert "orders" in remaining and "payments" not in remaining


def test_describe_as_json(broker: RunningBroker) -> None:
    assert run(broker, "topics", "create", "json-topic", "--partitions", "2").exit_code == 0
    result = run(broker, "topics", "describe", "json-topic", "--format", "json")
    assert result.exit_code == 0, result.output
    topic = json.loads(result.stdout)
    assert topic["name"] == "json-topic" and topic["internal"] is False
    assert topic["replication_factor"] == 1
    assert [p["partition"] for p in topic["partitions"]] == [0, 1]
    assert all(p["leader"] == 1 and p["isr"] == [1] for p in topic["partitions"])


def test_create_without_counts_uses_the_broker_defaults(broker: RunningBroker) -> None:
    result = run(broker, "topics", "create", "defaults")
    assert result.exit_code == 0, result.output
    described = run(broker, "topics", "describe", "defaults").stdout
    assert "\tPartitionCount: 2\t" in described  # the fixture's num.partitions


def test_creating_an_existing_topic_fails_and_names_it(broker: RunningBroker) -> None:
    assert run(broker, "topics", "create", "twice").exit_code == 0
    result = run(broker, "topics", "create", "twice", "fresh")
    assert result.exit_code == 1
    assert "Created topic fresh." in result.stdout
    assert "Error while creating topic twice: TopicAlreadyExistsError (36)" in result.stderr


def test_invalid_config_is_reported(broker: RunningBroker) -> None:
    result = run(broker, "topics", "create", "bad-config", "--config", "retention.ms")
    assert result.exit_code == 1
    assert "--config 'retention.ms' is not KEY=VALUE" in result.stderr
    assert "bad-config" not in run(broker, "topics", "list").stdout.splitlines()


def test_describe_and_delete_of_unknown_topics_fail(broker: RunningBroker) -> None:
    described = run(broker, "topics", "describe", "no-such-topic")
    assert described.exit_code == 1
    assert "no-such-topic: UnknownTopicOrPartitionError (3)" in described.stderr
    deleted = run(broker, "topics", "delete", "no-such-topic")
    assert deleted.exit_code == 1
    assert "Error while deleting topic no-such-topic: UnknownTopicOrPartitionError (3)" in deleted.stderr
