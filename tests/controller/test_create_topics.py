"""CreateTopics in the controller: Kafka's checks in Kafka's order, and the records of a new topic."""

from __future__ import annotations

import pytest

from tests.controller.helpers import commit, controller, names
from wirekafka.controller.replication_control import NewTopic
from wirekafka.metadata.config_resources import (
    AlterConfigOp,
    ConfigResource,
    ConfigResourceType,
    ConfigSource,
)
from wirekafka.protocol.errors import ErrorCode

E = ErrorCode


@pytest.mark.parametrize(
    ("topic", "code", "message"),
    [
        (NewTopic("a b", 1, 1), E.INVALID_TOPIC_EXCEPTION, "Topic name is invalid"),
        (NewTopic("..", 1, 1), E.INVALID_TOPIC_EXCEPTION, "'..' is not allowed"),
        (NewTopic("x" * 250, 1, 1), E.INVALID_TOPIC_EXCEPTION, "max allowed length 249"),
        (NewTopic("", 1, 1), E.INVALID_TOPIC_EXCEPTION, "empty string"),
        (
            NewTopic("__cluster_metadata", 1, 1),
            E.INVALID_REQUEST,
            "Creation of internal topic __cluster_metadata",
        ),
        (NewTopic("existing", 1, 1), E.TOPIC_ALREADY_EXISTS, "Topic 'existing' already exists."),
        (NewTopic("my.topic", 1, 1), E.INVALID_TOPIC_EXCEPTION, "collides with existing topic: my_topic"),
        (NewTopic("t", 0, 1), E.INVALID_PARTITIONS, "invalid non-positive value"),
        (NewTopic("t", -2, 1), E.INVALID_PARTITIONS, "invalid non-positive value"),
        (NewTopic("t", 1, 0), E.INVALID_REPLICATION_FACTOR, "larger than 0, or -1"),
        (NewTopic("t", 1, -5), E.INVALID_REPLICATION_FACTOR, "larger than 0, or -1"),
        (
            NewTopic("t", 1, 4),
            E.INVALID_REPLICATION_FACTOR,
            "Unable to replicate the partition 4 time(s): The target replication factor of 4 cannot be reached "
            "because only 3 broker(s) are registered.",
        ),
        (
            NewTopic("t", 1, 1, configs={"no.such.config": "1"}),
            E.INVALID_CONFIG,
            "Unknown topic config name: no.such.config",
        ),
        (NewTopic("t", 1, 1, configs={"retention.ms": "abc"}), E.INVALID_CONFIG, "retention.ms"),
        (NewTopic("t", 1, 1, configs={"cleanup.policy": "shred"}), E.INVALID_CONFIG, "cleanup.policy"),
        (NewTopic("t", 1, 1, configs={"segment.bytes": "1000"}), E.INVALID_CONFIG, "segment.bytes"),
        (
            NewTopic("t", 1, 1, configs={"min.compaction.lag.ms": "10", "max.compaction.lag.ms": "5"}),
            E.INVALID_CONFIG,
            "max.compaction.lag.ms",
        ),
        (
            NewTopic("t", 1, 1, configs={"retention.ms": None}),
            E.INVALID_CONFIG,
            "Null value not supported for topic configs: retention.ms",
        ),
        (NewTopic("t", 2, -1, assignments=[(0, [1])]), E.INVALID_REQUEST, "numPartitions was not set to -1"),
        (
            NewTopic("t", -1, 1, assignments=[(0, [1])]),
            E.INVALID_REQUEST,
            "replication factor was not set to -1",
        ),
        (
            NewTopic("t", assignments=[(0, [1]), (0, [2])]),
            E.INVALID_REPLICATION_ASSIGNMENT,
            "multiple manual partition assignments for partition 0",
        ),
        (
            NewTopic("t", assignments=[(0, [1, 1])]),
            E.INVALID_REPLICATION_ASSIGNMENT,
            "the broker 1 more than once",
        ),
        (
            NewTopic("t", assignments=[(0, [1, 9])]),
            E.INVALID_REPLICATION_ASSIGNMENT,
            "broker 9, but no such broker",
        ),
        (NewTopic("t", assignments=[(0, [])]), E.INVALID_REPLICATION_ASSIGNMENT, "empty replica list"),
        (
            NewTopic("t", assignments=[(0, [1]), (1, [1, 2])]),
            E.INVALID_REPLICATION_ASSIGNMENT,
            "not consistent with previous partitions, which have 1 replica(s)",
        ),
        (
            NewTopic("t", assignments=[(0, [1]), (2, [2])]),
            E.INVALID_REPLICATION_ASSIGNMENT,
            "consecutive 0-based",
        ),
    ],
)
def test_refused(topic: NewTopic, code: ErrorCode, message: str) -> None:
    core = controller(3)
    commit(core, core.create_topics([NewTopic("existing", 1, 1), NewTopic("my_topic", 1, 1)]))
    before = core.image
    result = core.create_topics([topic])
    assert result.records == []
    [created] = result.response
    assert (created.name, created.error.code) == (topic.name, code)
    assert created.error.message is not None and message in created.error.message
    assert core.image is before


def test_created_topic_records_in_kafkas_order() -> None:
    core = controller(3)
    result = core.create_topics(
        [NewTopic("orders", 3, 2, configs={"retention.ms": "1000", "cleanup.policy": "compact"})]
    )
    assert names(result.records) == ["TopicRecord", "ConfigRecord", "ConfigRecord", *["PartitionRecord"] * 3]
    [created] = result.response
    assert created.error.is_success and created.topic_id.int != 0
    assert (created.num_partitions, created.replication_factor) == (3, 2)
    configs = {c.name: c for c in created.configs}
    assert (configs["retention.ms"].value, configs["retention.ms"].source) == (
        "1000",
        ConfigSource.TOPIC_CONFIG,
    )
    assert configs["segment.bytes"].source == ConfigSource.DEFAULT_CONFIG
    commit(core, result)
    topic = core.image.topics["orders"]
    assert topic.topic_id == created.topic_id
    assert dict(topic.configs) == {"retention.ms": "1000", "cleanup.policy": "compact"}
    for index, partition in topic.partitions.items():
        assert len(set(partition.replicas)) == 2 and set(partition.replicas) <= {1, 2, 3}
        assert partition.isr == partition.replicas
        assert partition.leader_id == partition.replicas[0]
        assert (partition.leader_epoch, partition.partition_epoch, partition.partition_index) == (0, 0, index)
    assert len({p.leader_id for p in topic.partitions.values()}) == 3, "leaders are spread over the brokers"


def test_minus_one_takes_the_broker_defaults_including_dynamic_ones() -> None:
    core = controller(3, config={"num.partitions": "4", "default.replication.factor": "2"})
    [created] = commit(core, core.create_topics([NewTopic("a")]))
    assert (created.num_partitions, created.replication_factor) == (4, 2)
    commit(
        core,
        core.incremental_alter_configs(
            {ConfigResource(ConfigResourceType.BROKER, ""): {"num.partitions": (AlterConfigOp.SET, "6")}}
        ),
    )
    [created] = commit(core, core.create_topics([NewTopic("b", -1, -1)]))
    assert created.num_partitions == 6 and len(core.image.topics["b"].partitions) == 6


def test_manual_assignment_keeps_the_given_order() -> None:
    core = controller(3)
    commit(core, core.create_topics([NewTopic("m", assignments=[(1, [3, 1]), (0, [2, 3])])]))
    partitions = core.image.topics["m"].partitions
    assert (partitions[0].replicas, partitions[0].leader_id) == ((2, 3), 2)
    assert (partitions[1].replicas, partitions[1].leader_id) == ((3, 1), 3)


def test_fenced_brokers_are_left_out_of_the_isr_and_leadership() -> None:
    core = controller(3, fenced=(2, 3))
    commit(core, core.create_topics([NewTopic("f", 4, 1)]))
    assert {p.replicas for p in core.image.topics["f"].partitions.values()} == {(1,)}
    refused = core.create_topics([NewTopic("g", assignments=[(0, [2, 3])])]).response[0]
    assert refused.error.code == E.INVALID_REPLICATION_ASSIGNMENT and "fenced" in (
        refused.error.message or ""
    )
    commit(core, core.create_topics([NewTopic("h", 2, 3)]))
    for partition in core.image.topics["h"].partitions.values():
        assert sorted(partition.replicas) == [1, 2, 3] and partition.isr == (1,) and partition.leader_id == 1


def test_all_brokers_fenced() -> None:
    core = controller(2, fenced=(1, 2))
    [created] = core.create_topics([NewTopic("x", 1, 1)]).response
    assert created.error.code == E.INVALID_REPLICATION_FACTOR
    assert (
        created.error.message
        == "Unable to replicate the partition 1 time(s): All brokers are currently fenced."
    )


def test_validate_only_answers_the_same_and_writes_nothing() -> None:
    core = controller(1)
    result = core.create_topics([NewTopic("v", 2, 1), NewTopic("a b", 1, 1)], validate_only=True)
    assert result.records == []
    assert [(c.name, c.error.code, c.num_partitions) for c in result.response] == [
        ("v", E.NO_ERROR, 2),
        ("a b", E.INVALID_TOPIC_EXCEPTION, -1),
    ]


def test_duplicates_in_one_request_are_refused_once_and_others_created() -> None:
    core = controller(1)
    result = core.create_topics([NewTopic("d", 1, 1), NewTopic("ok", 1, 1), NewTopic("d", 2, 1)])
    assert [(c.name, c.error.code, c.error.message) for c in result.response] == [
        ("d", E.INVALID_REQUEST, "Duplicate topic name."),
        ("ok", E.NO_ERROR, None),
    ]
    commit(core, result)
    assert set(core.image.topics) == {"ok"}


def test_topic_ids_are_unique_and_never_reserved() -> None:
    core = controller(1)
    commit(core, core.create_topics([NewTopic(f"t{i}", 1, 1) for i in range(50)]))
    ids = [topic.topic_id for topic in core.image.topics.values()]
    assert len(set(ids)) == 50 and all(i.int > 1 for i in ids)


def test_auto_creation_uses_internal_topic_settings() -> None:
    core = controller(
        1, config={"offsets.topic.num.partitions": "5", "transaction.state.log.num.partitions": "4"}
    )
    errors = commit(
        core, core.auto_create_topics(["__consumer_offsets", "__transaction_state", "plain", "bad name"])
    )
    assert {name: error.code for name, error in errors.items()} == {
        "__consumer_offsets": E.NO_ERROR,
        "__transaction_state": E.NO_ERROR,
        "plain": E.NO_ERROR,
        "bad name": E.INVALID_TOPIC_EXCEPTION,
    }
    offsets = core.image.topics["__consumer_offsets"]
    assert len(offsets.partitions) == 5 and offsets.is_internal
    assert offsets.configs["cleanup.policy"] == "compact"
    txn = core.image.topics["__transaction_state"]
    assert len(txn.partitions) == 4
    # replication factor 3 and min.isr 2 by default, capped to the single registered broker
    assert all(len(p.replicas) == 1 for p in txn.partitions.values())
    assert txn.configs["min.insync.replicas"] == "1"
    assert len(core.image.topics["plain"].partitions) == 1


def test_a_request_may_commit_up_to_ten_thousand_records() -> None:
    """Kafka's MAX_RECORDS_PER_USER_OP: one TopicRecord, one ConfigRecord, 9,998 partitions fit."""
    core = controller(1)
    result = core.create_topics([NewTopic("edge", 9_998, 1, configs={"retention.ms": "1000"})])
    assert len(result.records) == 10_000
    assert result.response[0].error.is_success


def test_a_request_past_ten_thousand_records_fails_as_a_whole() -> None:
    """Kafka fails every topic of the request with POLICY_VIOLATION and writes nothing, even
    topics that fit and topics refused for their own reasons."""
    core = controller(1)
    commit(core, core.create_topics([NewTopic("existing", 1, 1)]))
    result = core.create_topics(
        [
            NewTopic("small", 3, 1),
            NewTopic("existing", 1, 1),
            NewTopic("big", 9_997, 1),
            NewTopic("dup", 1, 1),
            NewTopic("dup", 1, 1),
        ]
    )
    assert result.records == []
    assert [(c.name, c.error.code, c.error.message) for c in result.response] == [
        (name, E.POLICY_VIOLATION, "Unable to perform excessively large batch operation.")
        for name in ("small", "existing", "big", "dup")
    ]
    validated = core.create_topics([NewTopic("v", 10_000, 1)], validate_only=True)
    assert validated.response[0].error.code == E.POLICY_VIOLATION


def test_a_huge_partition_count_is_refused_before_anything_is_sized_by_it() -> None:
    """2**31 - 1 partitions: answered at once, not after building 2**31 - 1 replica lists. A bad
    replication factor is still reported first, for that topic alone, as Kafka's placer does."""
    core = controller(1, config={"num.partitions": str(2**31 - 1)})
    [huge] = core.create_topics([NewTopic("huge", 2**31 - 1, 1)]).response
    assert huge.error.code == E.POLICY_VIOLATION
    [by_default] = core.create_topics([NewTopic("by-default")]).response
    assert by_default.error.code == E.POLICY_VIOLATION
    result = core.create_topics([NewTopic("bad-factor", 2**31 - 1, 2), NewTopic("fine", 1, 1)])
    assert [(c.name, c.error.code) for c in result.response] == [
        ("bad-factor", E.INVALID_REPLICATION_FACTOR),
        ("fine", E.NO_ERROR),
    ]
