"""(Incremental)AlterConfigs in the controller: operations, validation, and the ConfigRecords written."""

from __future__ import annotations

import pytest

from tests.controller.helpers import commit, controller, names
from wirekafka.controller.controller import Controller
from wirekafka.controller.replication_control import NewTopic
from wirekafka.metadata.config_resources import AlterConfigOp, ConfigResource, ConfigResourceType
from wirekafka.protocol.errors import ErrorCode

E = ErrorCode
SET, DELETE, APPEND, SUBTRACT = (
    AlterConfigOp.SET,
    AlterConfigOp.DELETE,
    AlterConfigOp.APPEND,
    AlterConfigOp.SUBTRACT,
)
TOPIC = ConfigResource(ConfigResourceType.TOPIC, "t")
CLUSTER = ConfigResource(ConfigResourceType.BROKER, "")
NODE = ConfigResource(ConfigResourceType.BROKER, "1")


def with_topic(**configs: str) -> Controller:
    core = controller(1)
    commit(core, core.create_topics([NewTopic("t", 1, 1, configs=configs)]))
    return core


@pytest.mark.parametrize(
    ("start", "operations", "expected"),
    [
        ({}, {"retention.ms": (SET, "100")}, {"retention.ms": "100"}),
        ({"retention.ms": "5"}, {"retention.ms": (DELETE, None)}, {}),
        (
            {"retention.ms": "5"},
            {"retention.ms": (SET, "6"), "segment.ms": (SET, "7")},
            {"retention.ms": "6", "segment.ms": "7"},
        ),
        ({}, {"cleanup.policy": (APPEND, "compact")}, {"cleanup.policy": "delete,compact"}),
        (
            {"cleanup.policy": "compact,delete"},
            {"cleanup.policy": (SUBTRACT, "delete")},
            {"cleanup.policy": "compact"},
        ),
        (
            {"cleanup.policy": "compact"},
            {"cleanup.policy": (APPEND, "compact")},
            {"cleanup.policy": "compact"},
        ),
        ({}, {"retention.ms": (DELETE, None)}, {}),
    ],
)
def test_incremental_topic_operations(
    start: dict[str, str], operations: dict[str, tuple[AlterConfigOp, str | None]], expected: dict[str, str]
) -> None:
    core = with_topic(**start)
    result = core.incremental_alter_configs({TOPIC: operations})
    assert result.response == {TOPIC: result.response[TOPIC]} and result.response[TOPIC].is_success
    commit(core, result)
    assert dict(core.image.topics["t"].configs) == expected


def test_unchanged_topic_values_write_no_record_but_broker_values_always_do() -> None:
    core = with_topic(**{"retention.ms": "5"})
    assert core.incremental_alter_configs({TOPIC: {"retention.ms": (SET, "5")}}).records == []
    assert names(core.incremental_alter_configs({CLUSTER: {"num.partitions": (SET, "1")}}).records) == [
        "ConfigRecord"
    ]


@pytest.mark.parametrize(
    ("resource", "operations", "code", "message"),
    [
        (
            TOPIC,
            {"retention.ms": (APPEND, "1")},
            E.INVALID_CONFIG,
            "Can't APPEND to key retention.ms because its type is not LIST.",
        ),
        (TOPIC, {"retention.ms": (SET, "soon")}, E.INVALID_CONFIG, "retention.ms"),
        (TOPIC, {"bogus": (SET, "1")}, E.INVALID_CONFIG, "Unknown topic config name: bogus"),
        (
            ConfigResource(ConfigResourceType.TOPIC, "missing"),
            {"retention.ms": (SET, "1")},
            E.UNKNOWN_TOPIC_OR_PARTITION,
            "The topic 'missing' does not exist.",
        ),
        (
            ConfigResource(ConfigResourceType.TOPIC, "a b"),
            {"retention.ms": (SET, "1")},
            E.INVALID_TOPIC_EXCEPTION,
            "Topic name is invalid",
        ),
        (
            ConfigResource(ConfigResourceType.TOPIC, ""),
            {"retention.ms": (SET, "1")},
            E.INVALID_REQUEST,
            "Default topic resources are not allowed.",
        ),
        (
            NODE,
            {"node.id": (SET, "3")},
            E.INVALID_REQUEST,
            "Cannot update these configs dynamically: Set(node.id)",
        ),
        (NODE, {"num.partitions": (SET, "many")}, E.INVALID_REQUEST, "num.partitions"),
        (NODE, {"num.partitions": (SET, "0")}, E.INVALID_REQUEST, "num.partitions"),
        (NODE, {"num.partitions": (APPEND, "1")}, E.INVALID_CONFIG, "because its type is not LIST"),
        (
            ConfigResource(ConfigResourceType.BROKER, "x"),
            {"num.partitions": (SET, "1")},
            E.INVALID_REQUEST,
            "Unable to parse broker name as a base 10 number.",
        ),
        (
            ConfigResource(ConfigResourceType.BROKER, "-1"),
            {"num.partitions": (SET, "1")},
            E.INVALID_REQUEST,
            "Invalid negative broker ID.",
        ),
    ],
)
def test_incremental_refused(
    resource: ConfigResource,
    operations: dict[str, tuple[AlterConfigOp, str | None]],
    code: ErrorCode,
    message: str,
) -> None:
    core = with_topic()
    result = core.incremental_alter_configs({resource: operations, CLUSTER: {"num.partitions": (SET, "2")}})
    error = result.response[resource]
    assert error.code == code and message in (error.message or "")
    assert result.response[CLUSTER].is_success, "one resource failing does not fail the others"
    assert [r.resource_name for r in result.records] == [""]


def test_broker_configs_for_the_cluster_and_one_node() -> None:
    core = with_topic()
    commit(
        core,
        core.incremental_alter_configs(
            {
                CLUSTER: {"num.partitions": (SET, "3"), "unknown.custom.key": (SET, "x")},
                NODE: {"log.cleanup.policy": (APPEND, "compact")},
            }
        ),
    )
    assert dict(core.image.broker_configs) == {"num.partitions": "3", "unknown.custom.key": "x"}
    assert dict(core.image.node_broker_configs[1]) == {"log.cleanup.policy": "delete,compact"}
    assert core.effective_config()["num.partitions"] == 3
    assert core.effective_config()["log.cleanup.policy"] == ["delete", "compact"]


def test_legacy_alter_replaces_the_whole_set() -> None:
    core = with_topic(**{"retention.ms": "5", "segment.ms": "100"})
    result = core.legacy_alter_configs({TOPIC: {"retention.ms": "6", "cleanup.policy": "compact"}})
    assert result.response[TOPIC].is_success
    commit(core, result)
    assert dict(core.image.topics["t"].configs) == {"retention.ms": "6", "cleanup.policy": "compact"}
    commit(core, core.legacy_alter_configs({TOPIC: {}}))
    assert dict(core.image.topics["t"].configs) == {}


def test_legacy_alter_validates_the_result() -> None:
    core = with_topic(**{"max.compaction.lag.ms": "100"})
    error = core.legacy_alter_configs(
        {TOPIC: {"min.compaction.lag.ms": "200", "max.compaction.lag.ms": "100"}}
    ).response[TOPIC]
    assert error.code == E.INVALID_CONFIG
    error = core.legacy_alter_configs({CLUSTER: {"log.dirs": "/x"}}).response[CLUSTER]
    assert error.code == E.INVALID_REQUEST


def test_validate_only_writes_nothing() -> None:
    core = with_topic()
    result = core.incremental_alter_configs({TOPIC: {"retention.ms": (SET, "9")}}, validate_only=True)
    assert result.records == [] and result.response[TOPIC].is_success
    result = core.legacy_alter_configs({TOPIC: {"retention.ms": "9"}}, validate_only=True)
    assert result.records == [] and result.response[TOPIC].is_success
