"""CreatePartitions, DeleteTopics and leader election in the controller."""

from __future__ import annotations

import uuid

import pytest

from tests.controller.helpers import commit, controller, names
from wirekafka.controller.replication_control import NewPartitions, NewTopic
from wirekafka.controller.results import ControllerError, ControllerResult
from wirekafka.metadata.config_resources import AlterConfigOp, ConfigResource, ConfigResourceType
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages import metadata_records as m

E = ErrorCode
PREFERRED, UNCLEAN = 0, 1


def with_topic(brokers: int = 3, partitions: int = 2, factor: int = 2):  # type: ignore[no-untyped-def]
    core = controller(brokers)
    commit(core, core.create_topics([NewTopic("t", partitions, factor)]))
    return core


@pytest.mark.parametrize(
    ("request_", "code", "message"),
    [
        (NewPartitions("t", 2), E.INVALID_PARTITIONS, "Topic already has 2 partition(s)."),
        (
            NewPartitions("t", 1),
            E.INVALID_PARTITIONS,
            "currently has 2 partition(s); 1 would not be an increase.",
        ),
        (NewPartitions("nope", 5), E.UNKNOWN_TOPIC_OR_PARTITION, None),
        (
            NewPartitions("t", 4, [[1, 2]]),
            E.INVALID_REPLICATION_ASSIGNMENT,
            "Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.",
        ),
        (NewPartitions("t", 3, [[1]]), E.INVALID_REPLICATION_ASSIGNMENT, "which have 2 replica(s)"),
        (NewPartitions("t", 3, [[1, 7]]), E.INVALID_REPLICATION_ASSIGNMENT, "broker 7, but no such broker"),
    ],
)
def test_create_partitions_refused(request_: NewPartitions, code: ErrorCode, message: str | None) -> None:
    core = with_topic()
    result = core.create_partitions([request_])
    assert result.records == []
    [(name, error)] = result.response
    assert (name, error.code) == (request_.name, code)
    if message is None:
        assert error.message is None
    else:
        assert error.message is not None and message in error.message


def test_create_partitions_adds_partitions_with_the_topic_replication_factor() -> None:
    core = with_topic()
    result = core.create_partitions([NewPartitions("t", 5), NewPartitions("missing", 2)])
    assert [(n, e.code) for n, e in result.response] == [
        ("t", E.NO_ERROR),
        ("missing", E.UNKNOWN_TOPIC_OR_PARTITION),
    ]
    assert names(result.records) == ["PartitionRecord"] * 3
    commit(core, result)
    partitions = core.image.topics["t"].partitions
    assert sorted(partitions) == [0, 1, 2, 3, 4]
    assert all(len(set(p.replicas)) == 2 for p in partitions.values())


def test_create_partitions_with_assignments_and_validate_only() -> None:
    core = with_topic()
    assert core.create_partitions([NewPartitions("t", 3, [[3, 1]])], validate_only=True).records == []
    commit(core, core.create_partitions([NewPartitions("t", 3, [[3, 1]])]))
    new = core.image.topics["t"].partitions[2]
    assert (new.replicas, new.leader_id, new.isr) == ((3, 1), 3, (3, 1))


def test_create_partitions_duplicate_names_get_one_result() -> None:
    core = with_topic()
    result = core.create_partitions([NewPartitions("t", 3), NewPartitions("t", 4)])
    assert [(n, e.code, e.message) for n, e in result.response] == [
        ("t", E.INVALID_REQUEST, "Duplicate topic name.")
    ]
    assert result.records == []


def test_create_partitions_past_ten_thousand_records_fails_as_a_whole() -> None:
    """As CreateTopics: POLICY_VIOLATION for every topic and nothing written. (Kafka 3.x/4.x
    instead reports UNKNOWN_SERVER_ERROR for the topic that overflows and still commits the
    partitions added before it.) A count of 2**31 - 1 is refused before any list is sized by it."""
    core = controller(1)
    commit(core, core.create_topics([NewTopic("a", 1, 1), NewTopic("b", 1, 1)]))
    assert (
        len(core.create_partitions([NewPartitions("a", 5_001), NewPartitions("b", 5_001)]).records) == 10_000
    )
    for request in (
        [NewPartitions("a", 5_001), NewPartitions("b", 5_002)],
        [NewPartitions("a", 2**31 - 1), NewPartitions("nope", 2)],
    ):
        result = core.create_partitions(request)
        assert result.records == []
        assert [(n, e.code, e.message) for n, e in result.response] == [
            (r.name, E.POLICY_VIOLATION, "Unable to perform excessively large batch operation.")
            for r in request
        ]


def test_delete_topics_by_id() -> None:
    core = with_topic()
    commit(
        core,
        core.incremental_alter_configs(
            {ConfigResource(ConfigResourceType.TOPIC, "t"): {"retention.ms": (AlterConfigOp.SET, "5")}}
        ),
    )
    topic_id = core.image.topics["t"].topic_id
    unknown = uuid.UUID(int=99)
    result = core.delete_topics([topic_id, unknown])
    assert names(result.records) == ["RemoveTopicRecord"]
    assert result.response[topic_id].is_success
    assert result.response[unknown].code == E.UNKNOWN_TOPIC_ID
    commit(core, result)
    assert core.image.topics == {}
    [created] = commit(core, core.create_topics([NewTopic("t", 1, 1)]))
    assert created.topic_id != topic_id and core.image.topics["t"].configs == {}


def test_preferred_election_when_the_preferred_replica_leads_again() -> None:
    core = with_topic(partitions=1)
    partition = core.image.topics["t"].partitions[0]
    topic_id = core.image.topics["t"].topic_id
    preferred, other = partition.replicas
    [(_, [(_, error)])] = core.elect_leaders(PREFERRED, {"t": [0]}).response
    assert error.code == E.ELECTION_NOT_NEEDED
    # leadership moved away, as a failover would do
    moved = m.PartitionChangeRecord(partition_id=0, topic_id=topic_id, leader=other)
    commit(core, ControllerResult([moved], None))
    result = core.elect_leaders(PREFERRED, None)
    assert [(t, [(i, e.code) for i, e in p]) for t, p in result.response] == [("t", [(0, E.NO_ERROR)])]
    commit(core, result)
    after = core.image.topics["t"].partitions[0]
    assert (after.leader_id, after.leader_epoch) == (preferred, 2)
    assert core.elect_leaders(PREFERRED, None).response == [("t", [])], "already preferred: left out"
    explicit = core.elect_leaders(PREFERRED, {"t": [0, 5], "x": [0]}).response
    assert [(t, [(i, e.code) for i, e in p]) for t, p in explicit] == [
        ("t", [(0, E.ELECTION_NOT_NEEDED), (5, E.UNKNOWN_TOPIC_OR_PARTITION)]),
        ("x", [(0, E.UNKNOWN_TOPIC_OR_PARTITION)]),
    ]


def test_preferred_replica_out_of_the_isr_is_not_elected() -> None:
    core = with_topic(partitions=1)
    topic_id = core.image.topics["t"].topic_id
    _preferred, other = core.image.topics["t"].partitions[0].replicas
    shrunk = m.PartitionChangeRecord(partition_id=0, topic_id=topic_id, leader=other, isr=[other])
    commit(core, ControllerResult([shrunk], None))
    [(_, [(_, error)])] = core.elect_leaders(PREFERRED, {"t": [0]}).response
    assert error.code == E.PREFERRED_LEADER_NOT_AVAILABLE


def test_unclean_election_picks_a_live_replica_for_a_leaderless_partition() -> None:
    core = with_topic(partitions=1)
    topic_id = core.image.topics["t"].topic_id
    preferred, _other = core.image.topics["t"].partitions[0].replicas
    commit(
        core,
        ControllerResult(
            [m.PartitionChangeRecord(partition_id=0, topic_id=topic_id, leader=-1, isr=[])], None
        ),
    )
    result = core.elect_leaders(UNCLEAN, {"t": [0]})
    commit(core, result)
    after = core.image.topics["t"].partitions[0]
    assert (after.leader_id, after.isr, after.leader_recovery_state) == (preferred, (preferred,), 1)


def test_unclean_election_needs_a_leaderless_partition() -> None:
    core = with_topic(partitions=1)
    [(_, [(_, error)])] = core.elect_leaders(UNCLEAN, {"t": [0]}).response
    assert error.code == E.ELECTION_NOT_NEEDED
    with pytest.raises(ControllerError) as refused:
        core.elect_leaders(7, None)
    assert refused.value.error.code == E.INVALID_REQUEST
