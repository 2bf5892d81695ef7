"""Replaying metadata records onto an image (``delta.apply``): one table row per rule."""

from __future__ import annotations

import uuid

import pytest

from tests.metadata.helpers import (
    EMPTY,
    broker_config,
    image_with,
    partition,
    register,
    topic,
    topic_config,
    topic_id,
)
from wirekafka.metadata.delta import MetadataReplayError, apply, apply_records
from wirekafka.metadata.image import Endpoint, MetadataImage
from wirekafka.protocol.messages import metadata_records as m

BASE = image_with(
    register(1), register(2), topic("orders", 1), partition(1, 0, [1, 2]), partition(1, 1, [2, 1])
)


def test_register_broker_records_every_endpoint_and_the_epoch() -> None:
    image = apply(
        EMPTY, register(3, epoch=7, rack="r", listeners=("PLAINTEXT", "SSL"), log_dirs=[uuid.UUID(int=5)])
    )
    broker = image.brokers[3]
    assert (broker.host, broker.port, broker.listener_name) == ("host3", 9092, "PLAINTEXT")
    assert broker.endpoint("SSL") == Endpoint("SSL", "host3", 9093, 0)
    assert broker.endpoint("INTERNAL") is None
    assert (broker.epoch, broker.rack, broker.fenced, broker.log_dirs) == (7, "r", False, (uuid.UUID(int=5),))


def test_registering_again_replaces_the_registration() -> None:
    image = apply(BASE, register(1, epoch=9, port=1234))
    assert (image.brokers[1].port, image.brokers[1].epoch) == (1234, 9)
    assert image.brokers[2] == BASE.brokers[2]


@pytest.mark.parametrize(
    ("record", "fenced", "shutting_down"),
    [
        (m.FenceBrokerRecord(id=1, epoch=0), True, False),
        (m.BrokerRegistrationChangeRecord(broker_id=1, broker_epoch=0, fenced=1), True, False),
        (m.BrokerRegistrationChangeRecord(broker_id=1, broker_epoch=0, fenced=0), False, False),
        (
            m.BrokerRegistrationChangeRecord(broker_id=1, broker_epoch=0, in_controlled_shutdown=1),
            False,
            True,
        ),
    ],
)
def test_fencing_and_controlled_shutdown(record: object, fenced: bool, shutting_down: bool) -> None:
    broker = apply(BASE, record).brokers[1]
    assert (broker.fenced, broker.in_controlled_shutdown, broker.is_active) == (
        fenced,
        shutting_down,
        not fenced and not shutting_down,
    )


def test_unfence_after_fence() -> None:
    fenced = apply(BASE, m.FenceBrokerRecord(id=2, epoch=0))
    assert apply(fenced, m.UnfenceBrokerRecord(id=2, epoch=0)).brokers[2].fenced is False
    assert apply(fenced, m.BrokerRegistrationChangeRecord(broker_id=2, fenced=-1)).brokers[2].fenced is False


def test_unregister_broker() -> None:
    assert set(apply(BASE, m.UnregisterBrokerRecord(broker_id=2, broker_epoch=0)).brokers) == {1}


def test_topic_and_partitions() -> None:
    orders = BASE.topics["orders"]
    assert orders.topic_id == topic_id(1)
    assert BASE.topic_by_id(topic_id(1)) is orders
    assert orders.partitions[1].replicas == (2, 1)
    assert (orders.partitions[1].leader_id, orders.partitions[1].leader_epoch) == (2, 0)
    assert BASE.partition("orders", 0) is orders.partitions[0]
    assert BASE.partition("orders", 5) is None and BASE.partition("nope", 0) is None


@pytest.mark.parametrize(
    ("change", "leader", "leader_epoch", "isr", "replicas"),
    [
        # -2 (the default) keeps the leader and its epoch; the partition epoch always moves
        (dict(isr=[1]), 1, 0, (1,), (1, 2)),
        (dict(leader=2), 2, 1, (1, 2), (1, 2)),
        (dict(leader=-1, isr=[]), -1, 1, (), (1, 2)),
        (dict(replicas=[2, 1], isr=[2, 1], leader=2), 2, 1, (2, 1), (2, 1)),
    ],
)
def test_partition_change(
    change: dict[str, object], leader: int, leader_epoch: int, isr: tuple[int, ...], replicas: tuple[int, ...]
) -> None:
    record = m.PartitionChangeRecord(partition_id=0, topic_id=topic_id(1), **change)
    after = apply(BASE, record).partition("orders", 0)
    assert after is not None
    assert (after.leader_id, after.leader_epoch, after.isr, after.replicas) == (
        leader,
        leader_epoch,
        isr,
        replicas,
    )
    assert after.partition_epoch == 1
    assert apply(BASE, record).partition("orders", 1) == BASE.partition("orders", 1)


def test_leader_recovery_state_changes_only_when_given() -> None:
    recovering = apply(
        BASE, m.PartitionChangeRecord(partition_id=0, topic_id=topic_id(1), leader=1, leader_recovery_state=1)
    )
    assert recovering.topics["orders"].partitions[0].leader_recovery_state == 1
    unchanged = apply(recovering, m.PartitionChangeRecord(partition_id=0, topic_id=topic_id(1), isr=[1]))
    assert unchanged.topics["orders"].partitions[0].leader_recovery_state == 1


def test_remove_topic_drops_partitions_configs_and_id() -> None:
    configured = apply(BASE, topic_config("orders", "retention.ms", "5"))
    removed = apply(configured, m.RemoveTopicRecord(topic_id=topic_id(1)))
    assert "orders" not in removed.topics and removed.topic_by_id(topic_id(1)) is None
    recreated = image_with(topic("orders", 2), partition(2, 0, [1]), base=removed)
    assert recreated.topics["orders"].configs == {}
    assert recreated.topics["orders"].topic_id == topic_id(2)
    assert recreated.topic_by_id(topic_id(2)) is recreated.topics["orders"]


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        ([topic_config("orders", "retention.ms", "5")], {"retention.ms": "5"}),
        (
            [topic_config("orders", "retention.ms", "5"), topic_config("orders", "retention.ms", "6")],
            {"retention.ms": "6"},
        ),
        ([topic_config("orders", "retention.ms", "5"), topic_config("orders", "retention.ms", None)], {}),
        ([topic_config("orders", "a", "1"), topic_config("orders", "b", "2")], {"a": "1", "b": "2"}),
        ([topic_config("unknown", "a", "1")], {}),
    ],
)
def test_topic_configs(records: list[object], expected: dict[str, str]) -> None:
    image = image_with(*records, base=BASE)
    assert dict(image.topics["orders"].configs) == expected
    assert "unknown" not in image.topics


def test_broker_configs_cluster_default_and_per_node() -> None:
    image = image_with(
        broker_config("", "num.partitions", "3"),
        broker_config("", "log.retention.ms", "100"),
        broker_config("1", "num.partitions", "5"),
        broker_config("2", "log.retention.ms", "7"),
        broker_config("2", "log.retention.ms", None),
        base=BASE,
    )
    assert dict(image.broker_configs) == {"num.partitions": "3", "log.retention.ms": "100"}
    assert {node: dict(values) for node, values in image.node_broker_configs.items()} == {
        1: {"num.partitions": "5"}
    }
    assert image.dynamic_broker_configs(1) == {"num.partitions": "5", "log.retention.ms": "100"}
    assert image.dynamic_broker_configs(2) == {"num.partitions": "3", "log.retention.ms": "100"}


def test_feature_levels_and_removal() -> None:
    image = apply(BASE, m.FeatureLevelRecord(name="metadata.version", feature_level=21))
    assert image.metadata_version == 21 and dict(image.finalized_features) == {"metadata.version": 21}
    assert (
        apply(image, m.FeatureLevelRecord(name="metadata.version", feature_level=0)).finalized_features == {}
    )


def test_producer_ids_and_no_op() -> None:
    image = apply(BASE, m.ProducerIdsRecord(broker_id=1, broker_epoch=0, next_producer_id=1000), offset=40)
    assert (image.next_producer_id, image.offset) == (1000, 40)
    after = apply(image, m.NoOpRecord(), offset=41)
    assert after.offset == 41 and after.next_producer_id == 1000 and after.topics == image.topics


@pytest.mark.parametrize(
    "record",
    [
        partition(9, 0, [1]),
        m.PartitionChangeRecord(partition_id=0, topic_id=topic_id(9), leader=1),
        m.PartitionChangeRecord(partition_id=7, topic_id=topic_id(1), leader=1),
        m.RemoveTopicRecord(topic_id=topic_id(9)),
        m.FenceBrokerRecord(id=9, epoch=0),
        m.BrokerRegistrationChangeRecord(broker_id=9, broker_epoch=0, fenced=1),
    ],
    ids=[
        "partition-unknown-topic",
        "change-unknown-topic",
        "change-unknown-partition",
        "remove-unknown-topic",
        "fence-unknown-broker",
        "change-unknown-broker",
    ],
)
def test_records_that_name_what_does_not_exist_are_refused(record: object) -> None:
    with pytest.raises(MetadataReplayError):
        apply(BASE, record)


def test_apply_never_changes_its_input() -> None:
    snapshot = MetadataImage(**{f: getattr(BASE, f) for f in BASE.__dataclass_fields__})
    apply_records(
        BASE,
        [
            m.FenceBrokerRecord(id=1, epoch=0),
            m.PartitionChangeRecord(partition_id=0, topic_id=topic_id(1), leader=2),
            topic_config("orders", "retention.ms", "1"),
            broker_config("", "num.partitions", "2"),
            m.RemoveTopicRecord(topic_id=topic_id(1)),
        ],
    )
    assert BASE == snapshot
    assert BASE.brokers[1].fenced is False and "orders" in BASE.topics


def test_images_are_read_only() -> None:
    with pytest.raises(TypeError):
        BASE.topics["x"] = BASE.topics["orders"]  # type: ignore[index]
    with pytest.raises(TypeError):
        BASE.topics["orders"].partitions[9] = BASE.topics["orders"].partitions[0]  # type: ignore[index]


def test_batch_replay_equals_record_by_record() -> None:
    records = [
        register(1),
        topic("a", 1),
        partition(1, 0, [1]),
        topic_config("a", "k", "v"),
        m.PartitionChangeRecord(partition_id=0, topic_id=topic_id(1), isr=[1], leader=1),
        topic("b", 2),
        partition(2, 0, [1]),
        m.RemoveTopicRecord(topic_id=topic_id(1)),
    ]
    one_by_one = EMPTY
    for offset, record in enumerate(records):
        one_by_one = apply(one_by_one, record, offset)
    assert apply_records(EMPTY, records, len(records) - 1) == one_by_one
