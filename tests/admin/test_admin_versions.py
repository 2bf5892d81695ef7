"""CreateTopics, DeleteTopics, CreatePartitions, ElectLeaders and the config APIs at every version."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.admin.test_metadata_versions import create, metadata, topics_of, unique
from tests.admin.wire import call
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.admin import (
    AlterConfigsRequest,
    CreatePartitionsRequest,
    CreateTopicsRequest,
    DeleteTopicsRequest,
    DescribeConfigsRequest,
    ElectLeadersRequest,
    IncrementalAlterConfigsRequest,
)
from wirekafka.testing.broker import RunningBroker

E = ErrorCode
TOPIC, BROKER, BROKER_LOGGER = 2, 4, 8
DEFAULT_CONFIG, TOPIC_CONFIG, STATIC_BROKER_CONFIG = 5, 1, 4


def creatable(name: str, partitions: int = 1, factor: int = 1, **configs: str) -> Any:
    return CreateTopicsRequest.CreatableTopic(
        name=name,
        num_partitions=partitions,
        replication_factor=factor,
        configs=[CreateTopicsRequest.CreatableTopicConfig(name=k, value=v) for k, v in configs.items()],
    )


def partitions_of(broker: RunningBroker, name: str) -> int | None:
    topic = topics_of(metadata(broker, 1, None)).get(name)
    return None if topic is None else len(topic.partitions)


@pytest.mark.parametrize("version", range(8))
def test_create_topics_at_every_version(broker: RunningBroker, version: int) -> None:
    name = unique("ct")
    response = call(
        broker.port,
        ApiKey.CREATE_TOPICS,
        version,
        topics=[creatable(name, 2, 1, **{"retention.ms": "4242"}), creatable(name + " bad")],
        timeout_ms=10000,
    )
    good, bad = response.topics
    assert (good.name, good.error_code, bad.error_code) == (name, E.NO_ERROR, E.INVALID_TOPIC_EXCEPTION)
    if version >= 1:
        assert bad.error_message is not None and "Topic name is invalid" in bad.error_message
    if version >= 5:
        assert (good.num_partitions, good.replication_factor) == (2, 1)
        configs = {c.name: c for c in good.configs}
        assert (configs["retention.ms"].value, configs["retention.ms"].config_source) == (
            "4242",
            TOPIC_CONFIG,
        )
        assert configs["cleanup.policy"].config_source == DEFAULT_CONFIG
        assert (bad.num_partitions, bad.configs) == (-1, [])
    assert (good.topic_id.int != 0) == (version >= 7)
    assert partitions_of(broker, name) == 2


def test_create_topics_validate_only_and_broker_defaults(broker: RunningBroker) -> None:
    name = unique("dry")
    response = call(
        broker.port, ApiKey.CREATE_TOPICS, 1, topics=[creatable(name, 3)], timeout_ms=1000, validate_only=True
    )
    assert response.topics[0].error_code == E.NO_ERROR
    assert partitions_of(broker, name) is None
    response = call(broker.port, ApiKey.CREATE_TOPICS, 4, topics=[creatable(name, -1, -1)], timeout_ms=1000)
    assert response.topics[0].error_code == E.NO_ERROR
    assert partitions_of(broker, name) == 2, "num.partitions=2"


@pytest.mark.parametrize(
    ("topic", "code"),
    [
        (creatable("x" * 250), E.INVALID_TOPIC_EXCEPTION),
        (creatable("."), E.INVALID_TOPIC_EXCEPTION),
        (creatable("zero", 0), E.INVALID_PARTITIONS),
        (creatable("rf", 1, 3), E.INVALID_REPLICATION_FACTOR),
        (creatable("cfg", 1, 1, **{"no.such.config": "1"}), E.INVALID_CONFIG),
    ],
)
def test_create_topics_refusals(broker: RunningBroker, topic: Any, code: ErrorCode) -> None:
    response = call(broker.port, ApiKey.CREATE_TOPICS, 2, topics=[topic], timeout_ms=1000)
    assert response.topics[0].error_code == code


def test_create_existing_and_duplicate_topics(broker: RunningBroker) -> None:
    name = unique("dup")
    create(broker, name)
    response = call(
        broker.port,
        ApiKey.CREATE_TOPICS,
        5,
        topics=[creatable(name), creatable(name + "-2"), creatable(name + "-2")],
        timeout_ms=1000,
    )
    assert [(t.name, t.error_code) for t in response.topics] == [
        (name, E.TOPIC_ALREADY_EXISTS),
        (name + "-2", E.INVALID_REQUEST),
    ]


@pytest.mark.parametrize("version", range(6))
def test_delete_topics_by_name(broker: RunningBroker, version: int) -> None:
    name = unique("del")
    create(broker, name)
    missing = unique("never")
    response = call(broker.port, ApiKey.DELETE_TOPICS, version, topic_names=[name, missing], timeout_ms=1000)
    assert {r.name: r.error_code for r in response.responses} == {
        name: E.NO_ERROR,
        missing: E.UNKNOWN_TOPIC_OR_PARTITION,
    }
    assert partitions_of(broker, name) is None


def test_delete_topics_by_id_in_v6(broker: RunningBroker) -> None:
    by_id, by_name = unique("del-id"), unique("del-name")
    topic_id = create(broker, by_id)
    create(broker, by_name)
    unknown = uuid.uuid4()
    response = call(
        broker.port,
        ApiKey.DELETE_TOPICS,
        6,
        topics=[
            DeleteTopicsRequest.DeleteTopicState(name=None, topic_id=topic_id),
            DeleteTopicsRequest.DeleteTopicState(name=by_name, topic_id=uuid.UUID(int=0)),
            DeleteTopicsRequest.DeleteTopicState(name=None, topic_id=unknown),
            DeleteTopicsRequest.DeleteTopicState(name=None, topic_id=uuid.UUID(int=0)),
        ],
        timeout_ms=1000,
    )
    results = {(r.name, r.topic_id): r.error_code for r in response.responses}
    assert results[(by_id, topic_id)] == E.NO_ERROR
    assert results[(None, unknown)] == E.UNKNOWN_TOPIC_ID
    assert results[(None, uuid.UUID(int=0))] == E.INVALID_REQUEST
    assert [code for (name, _), code in results.items() if name == by_name] == [E.NO_ERROR]
    assert partitions_of(broker, by_id) is None and partitions_of(broker, by_name) is None


@pytest.mark.parametrize("version", range(4))
def test_create_partitions_at_every_version(broker: RunningBroker, version: int) -> None:
    name = unique("cp")
    create(broker, name, partitions=1)
    response = call(
        broker.port,
        ApiKey.CREATE_PARTITIONS,
        version,
        topics=[
            CreatePartitionsRequest.CreatePartitionsTopic(name=name, count=3, assignments=None),
            CreatePartitionsRequest.CreatePartitionsTopic(name=unique("absent"), count=3, assignments=None),
            CreatePartitionsRequest.CreatePartitionsTopic(
                name=name + "x",
                count=1,
                assignments=[CreatePartitionsRequest.CreatePartitionsAssignment(broker_ids=[1])],
            ),
        ],
        timeout_ms=1000,
        validate_only=False,
    )
    assert [r.error_code for r in response.results] == [
        E.NO_ERROR,
        E.UNKNOWN_TOPIC_OR_PARTITION,
        E.UNKNOWN_TOPIC_OR_PARTITION,
    ]
    assert partitions_of(broker, name) == 3
    again = call(
        broker.port,
        ApiKey.CREATE_PARTITIONS,
        version,
        topics=[CreatePartitionsRequest.CreatePartitionsTopic(name=name, count=2, assignments=None)],
        timeout_ms=1000,
        validate_only=True,
    )
    assert [r.error_code for r in again.results] == [E.INVALID_PARTITIONS]


@pytest.mark.parametrize("version", range(3))
def test_elect_leaders_at_every_version(broker: RunningBroker, version: int) -> None:
    name = unique("elect")
    create(broker, name, partitions=2)
    response = call(
        broker.port,
        ApiKey.ELECT_LEADERS,
        version,
        topic_partitions=[ElectLeadersRequest.TopicPartitions(topic=name, partitions=[0, 1, 9])],
    )
    [result] = response.replica_election_results
    assert [(p.partition_id, p.error_code) for p in result.partition_result] == [
        (0, E.ELECTION_NOT_NEEDED),
        (1, E.ELECTION_NOT_NEEDED),
        (9, E.UNKNOWN_TOPIC_OR_PARTITION),
    ]


@pytest.mark.parametrize("version", range(5))
def test_describe_configs_at_every_version(broker: RunningBroker, version: int) -> None:
    name = unique("dc")
    call(
        broker.port,
        ApiKey.CREATE_TOPICS,
        4,
        topics=[creatable(name, 1, 1, **{"retention.ms": "777"})],
        timeout_ms=1000,
    )
    flags = {"include_synonyms": True} if version >= 1 else {}
    if version >= 3:
        flags["include_documentation"] = True
    response = call(
        broker.port,
        ApiKey.DESCRIBE_CONFIGS,
        version,
        **flags,
        resources=[
            DescribeConfigsRequest.DescribeConfigsResource(
                resource_type=TOPIC, resource_name=name, configuration_keys=None
            ),
            DescribeConfigsRequest.DescribeConfigsResource(
                resource_type=BROKER, resource_name="1", configuration_keys=["num.partitions", "node.id"]
            ),
            DescribeConfigsRequest.DescribeConfigsResource(
                resource_type=TOPIC, resource_name=unique("none"), configuration_keys=None
            ),
            DescribeConfigsRequest.DescribeConfigsResource(
                resource_type=BROKER, resource_name="7", configuration_keys=None
            ),
        ],
    )
    topic, node, missing, other_broker = response.results
    assert (topic.error_code, topic.resource_type, topic.resource_name) == (0, TOPIC, name)
    configs = {c.name: c for c in topic.configs}
    assert len(configs) >= 20
    retention, segment = configs["retention.ms"], configs["segment.bytes"]
    assert (retention.value, retention.read_only, retention.is_sensitive) == ("777", False, False)
    assert segment.value == "1073741824"
    if version == 0:
        assert (retention.is_default, segment.is_default) == (False, True)
    else:
        assert (retention.config_source, segment.config_source) == (TOPIC_CONFIG, DEFAULT_CONFIG)
        assert [(s.name, s.value, s.source) for s in retention.synonyms] == [
            ("retention.ms", "777", TOPIC_CONFIG)
        ]
    if version >= 3:
        assert (retention.config_type, configs["cleanup.policy"].config_type) == (5, 7)
        assert retention.documentation
    assert {c.name: (c.value, c.read_only) for c in node.configs} == {
        "num.partitions": ("2", False),
        "node.id": ("1", True),
    }
    if version >= 1:
        assert {c.name: c.config_source for c in node.configs}["num.partitions"] == STATIC_BROKER_CONFIG
    assert (missing.error_code, missing.configs) == (E.UNKNOWN_TOPIC_OR_PARTITION, [])
    assert other_broker.error_code == E.INVALID_REQUEST


def test_describe_broker_loggers_and_unknown_types(broker: RunningBroker) -> None:
    response = call(
        broker.port,
        ApiKey.DESCRIBE_CONFIGS,
        2,
        resources=[
            DescribeConfigsRequest.DescribeConfigsResource(
                resource_type=BROKER_LOGGER, resource_name="1", configuration_keys=None
            ),
            DescribeConfigsRequest.DescribeConfigsResource(
                resource_type=99, resource_name="x", configuration_keys=None
            ),
            DescribeConfigsRequest.DescribeConfigsResource(
                resource_type=TOPIC, resource_name="a b", configuration_keys=None
            ),
        ],
    )
    loggers, unknown, illegal = response.results
    assert loggers.error_code == 0 and "root" in {c.name for c in loggers.configs}
    assert all(c.config_source == 6 for c in loggers.configs)
    assert unknown.error_code == E.INVALID_REQUEST
    assert illegal.error_code == E.INVALID_TOPIC_EXCEPTION


def describe_topic(broker: RunningBroker, name: str) -> dict[str, str | None]:
    response = call(
        broker.port,
        ApiKey.DESCRIBE_CONFIGS,
        1,
        resources=[
            DescribeConfigsRequest.DescribeConfigsResource(
                resource_type=TOPIC, resource_name=name, configuration_keys=None
            )
        ],
    )
    return {c.name: c.value for c in response.results[0].configs if c.config_source == TOPIC_CONFIG}


@pytest.mark.parametrize("version", range(3))
def test_alter_configs_at_every_version(broker: RunningBroker, version: int) -> None:
    name = unique("ac")
    call(
        broker.port,
        ApiKey.CREATE_TOPICS,
        4,
        topics=[creatable(name, 1, 1, **{"segment.ms": "99999"})],
        timeout_ms=1000,
    )

    def alter(resources: list[Any], validate_only: bool = False) -> list[tuple[int, int]]:
        response = call(
            broker.port, ApiKey.ALTER_CONFIGS, version, resources=resources, validate_only=validate_only
        )
        return [(r.error_code, r.resource_type) for r in response.responses]

    def resource(kind: int, resource_name: str, **configs: str) -> Any:
        return AlterConfigsRequest.AlterConfigsResource(
            resource_type=kind,
            resource_name=resource_name,
            configs=[AlterConfigsRequest.AlterableConfig(name=k, value=v) for k, v in configs.items()],
        )

    assert alter([resource(TOPIC, name, **{"retention.ms": "1"})], validate_only=True) == [(0, TOPIC)]
    assert describe_topic(broker, name) == {"segment.ms": "99999"}
    assert alter([resource(TOPIC, name, **{"retention.ms": "1"})]) == [(0, TOPIC)]
    assert describe_topic(broker, name) == {"retention.ms": "1"}, "legacy AlterConfigs replaces the whole set"
    assert alter(
        [
            resource(TOPIC, name, **{"retention.ms": "x"}),
            resource(TOPIC, unique("absent"), **{"retention.ms": "1"}),
            resource(BROKER, "1", **{"log.dirs": "/elsewhere"}),
            resource(BROKER, "2", **{"num.partitions": "1"}),
            resource(BROKER_LOGGER, "1", root="INFO"),
        ]
    ) == [
        (E.INVALID_CONFIG, TOPIC),
        (E.UNKNOWN_TOPIC_OR_PARTITION, TOPIC),
        (E.INVALID_REQUEST, BROKER),
        (E.INVALID_REQUEST, BROKER),
        (E.INVALID_REQUEST, BROKER_LOGGER),
    ]


@pytest.mark.parametrize("version", range(2))
def test_incremental_alter_configs_at_every_version(broker: RunningBroker, version: int) -> None:
    name = unique("iac")
    create(broker, name)

    def alter(
        kind: int, resource_name: str, *ops: tuple[str, int, str | None], validate_only: bool = False
    ) -> int:
        response = call(
            broker.port,
            ApiKey.INCREMENTAL_ALTER_CONFIGS,
            version,
            resources=[
                IncrementalAlterConfigsRequest.AlterConfigsResource(
                    resource_type=kind,
                    resource_name=resource_name,
                    configs=[
                        IncrementalAlterConfigsRequest.AlterableConfig(name=n, config_operation=op, value=v)
                        for n, op, v in ops
                    ],
                )
            ],
            validate_only=validate_only,
        )
        [result] = response.responses
        assert (result.resource_type, result.resource_name) == (kind, resource_name)
        return int(result.error_code)

    assert alter(TOPIC, name, ("retention.ms", 0, "5")) == 0
    assert alter(TOPIC, name, ("cleanup.policy", 2, "compact")) == 0
    assert describe_topic(broker, name) == {"retention.ms": "5", "cleanup.policy": "delete,compact"}
    assert alter(TOPIC, name, ("retention.ms", 1, None), ("cleanup.policy", 3, "delete")) == 0
    assert describe_topic(broker, name) == {"cleanup.policy": "compact"}
    assert alter(TOPIC, name, ("retention.ms", 0, "9"), validate_only=True) == 0
    assert describe_topic(broker, name) == {"cleanup.policy": "compact"}
    assert alter(TOPIC, name, ("retention.ms", 2, "9")) == E.INVALID_CONFIG
    assert alter(TOPIC, name, ("retention.ms", 0, None)) == E.INVALID_REQUEST
    assert alter(TOPIC, name, ("retention.ms", 0, "1"), ("retention.ms", 0, "2")) == E.INVALID_REQUEST
    assert alter(TOPIC, name, ("retention.ms", 9, "1")) == E.INVALID_REQUEST
    assert alter(BROKER, "1", ("node.id", 0, "5")) == E.INVALID_REQUEST
    assert alter(BROKER, "3", ("num.partitions", 0, "5")) == E.INVALID_REQUEST
    assert alter(BROKER_LOGGER, "1", ("wirekafka.test", 0, "LOUD")) == E.INVALID_CONFIG
    assert alter(BROKER_LOGGER, "1", ("root", 1, None)) == E.INVALID_REQUEST


def test_dynamic_broker_default_changes_topic_defaults(broker: RunningBroker) -> None:
    def set_default(value: str | None) -> None:
        operation = 0 if value is not None else 1
        response = call(
            broker.port,
            ApiKey.INCREMENTAL_ALTER_CONFIGS,
            1,
            resources=[
                IncrementalAlterConfigsRequest.AlterConfigsResource(
                    resource_type=BROKER,
                    resource_name="",
                    configs=[
                        IncrementalAlterConfigsRequest.AlterableConfig(
                            name="log.retention.ms", config_operation=operation, value=value
                        )
                    ],
                )
            ],
            validate_only=False,
        )
        assert response.responses[0].error_code == 0

    name = unique("dyn")
    create(broker, name)
    set_default("123456")
    try:
        response = call(
            broker.port,
            ApiKey.DESCRIBE_CONFIGS,
            1,
            include_synonyms=True,
            resources=[
                DescribeConfigsRequest.DescribeConfigsResource(
                    resource_type=TOPIC, resource_name=name, configuration_keys=["retention.ms"]
                ),
                DescribeConfigsRequest.DescribeConfigsResource(
                    resource_type=BROKER, resource_name="", configuration_keys=None
                ),
            ],
        )
        [retention] = response.results[0].configs
        assert (retention.value, retention.config_source) == ("123456", 3)
        assert [(c.name, c.value) for c in response.results[1].configs] == [("log.retention.ms", "123456")]
        assert broker.broker.config.topic_defaults()["retention.ms"] == 123456
    finally:
        set_default(None)
    assert broker.broker.config.topic_defaults()["retention.ms"] == 604800000
