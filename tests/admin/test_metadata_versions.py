"""Metadata (every version), DescribeCluster and DescribeTopicPartitions over a real socket."""

from __future__ import annotations

import uuid
from itertools import count
from typing import Any

import pytest

from tests.admin.wire import call
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.admin import CreateTopicsRequest
from wirekafka.protocol.messages.metadata import DescribeTopicPartitionsRequest, MetadataRequest
from wirekafka.testing.broker import RunningBroker

E = ErrorCode
INT32_MIN = -(2**31)
_names = count()


def unique(stem: str) -> str:
    return f"{stem}-{next(_names)}-{uuid.uuid4().hex[:6]}"


def create(broker: RunningBroker, name: str, partitions: int = 1) -> uuid.UUID:
    response = call(
        broker.port,
        ApiKey.CREATE_TOPICS,
        7,
        topics=[
            CreateTopicsRequest.CreatableTopic(name=name, num_partitions=partitions, replication_factor=1)
        ],
        timeout_ms=10000,
    )
    [result] = response.topics
    assert result.error_code == E.NO_ERROR, result
    return result.topic_id  # type: ignore[no-any-return]


def metadata(broker: RunningBroker, version: int, names: list[str] | None, **fields: Any) -> Any:
    topics = None if names is None else [MetadataRequest.MetadataRequestTopic(name=name) for name in names]
    return call(broker.port, ApiKey.METADATA, version, topics=topics, **fields)


def topics_of(response: Any) -> dict[str, Any]:
    return {topic.name: topic for topic in response.topics}


@pytest.mark.parametrize("version", range(13))
def test_metadata_at_every_version(broker: RunningBroker, version: int) -> None:
    name = unique("v")
    topic_id = create(broker, name, partitions=3)
    response = metadata(broker, version, [name])
    assert [(b.node_id, b.host, b.port) for b in response.brokers] == [(1, "127.0.0.1", broker.port)]
    [topic] = response.topics
    assert (topic.name, topic.error_code) == (name, E.NO_ERROR)
    assert [p.partition_index for p in topic.partitions] == [0, 1, 2]
    for partition in topic.partitions:
        assert (partition.error_code, partition.leader_id, partition.replica_nodes, partition.isr_nodes) == (
            0,
            1,
            [1],
            [1],
        )
        assert partition.leader_epoch == (0 if version >= 7 else -1)
        assert partition.offline_replicas == []
    assert response.controller_id == (1 if version >= 1 else -1)
    assert (response.cluster_id is not None) == (version >= 2)
    if version >= 2:
        assert (
            response.cluster_id == broker.broker.metadata_image.cluster_id and len(response.cluster_id) == 22
        )
    assert topic.topic_id == (topic_id if version >= 10 else uuid.UUID(int=0))
    assert topic.is_internal is False
    assert topic.topic_authorized_operations == INT32_MIN


def test_empty_topic_list_means_all_in_v0_and_none_after(broker: RunningBroker) -> None:
    name = unique("listed")
    create(broker, name)
    assert name in topics_of(metadata(broker, 0, []))
    assert metadata(broker, 1, []).topics == []
    assert name in topics_of(metadata(broker, 1, None))
    assert name in topics_of(metadata(broker, 12, None))


@pytest.mark.parametrize("version", [1, 9, 12])
def test_all_topics_answer_follows_every_image_change(broker: RunningBroker, version: int) -> None:
    """The all-topics answer is encoded once per metadata image: a change must show at once."""
    flags = {"include_topic_authorized_operations": True} if version >= 8 else {}
    before = metadata(broker, version, None, **flags)
    assert metadata(broker, version, None, **flags) == before
    name = unique("cached")
    create(broker, name, partitions=2)
    after = topics_of(metadata(broker, version, None, **flags))
    assert set(after) == set(topics_of(before)) | {name}
    assert after[name] == topics_of(metadata(broker, version, [name], **flags))[name]
    if version >= 8:
        assert after[name].topic_authorized_operations != INT32_MIN
        assert topics_of(metadata(broker, version, None))[name].topic_authorized_operations == INT32_MIN


@pytest.mark.parametrize("version", [0, 1, 3])
def test_versions_before_4_auto_create(broker: RunningBroker, version: int) -> None:
    """Kafka's KRaft broker answers UNKNOWN_TOPIC_OR_PARTITION while it creates the topic."""
    name = unique("auto")
    first = topics_of(metadata(broker, version, [name]))[name]
    assert (first.error_code, first.partitions) == (E.UNKNOWN_TOPIC_OR_PARTITION, [])
    second = topics_of(metadata(broker, version, [name]))[name]
    assert second.error_code == E.NO_ERROR and len(second.partitions) == 2, "num.partitions=2"


def test_auto_creation_can_be_refused_by_the_request(broker: RunningBroker) -> None:
    name = unique("noauto")
    first = topics_of(metadata(broker, 4, [name], allow_auto_topic_creation=False))[name]
    assert first.error_code == E.UNKNOWN_TOPIC_OR_PARTITION
    assert name not in topics_of(metadata(broker, 4, None))


@pytest.mark.parametrize("name", ["bad name", "..", "x" * 250])
def test_illegal_names_are_not_created(broker: RunningBroker, name: str) -> None:
    response = topics_of(metadata(broker, 9, [name]))
    assert response[name].error_code == E.INVALID_TOPIC_EXCEPTION
    assert name not in topics_of(metadata(broker, 9, None))


def test_internal_topic_is_flagged(broker: RunningBroker) -> None:
    metadata(broker, 9, ["__consumer_offsets"])
    offsets = topics_of(metadata(broker, 9, ["__consumer_offsets"]))["__consumer_offsets"]
    assert offsets.error_code == E.NO_ERROR and offsets.is_internal is True
    assert len(offsets.partitions) == 3, "offsets.topic.num.partitions of the test broker"


def test_lookup_by_topic_id_in_v12(broker: RunningBroker) -> None:
    name = unique("byid")
    topic_id = create(broker, name, partitions=2)
    missing = uuid.uuid4()
    response = call(
        broker.port,
        ApiKey.METADATA,
        12,
        topics=[
            MetadataRequest.MetadataRequestTopic(topic_id=topic_id, name=None),
            MetadataRequest.MetadataRequestTopic(topic_id=missing, name=None),
        ],
    )
    found = {t.topic_id: t for t in response.topics}
    assert (found[topic_id].name, found[topic_id].error_code, len(found[topic_id].partitions)) == (name, 0, 2)
    assert (found[missing].name, found[missing].error_code) == (None, E.UNKNOWN_TOPIC_ID)


def test_a_topic_with_neither_name_nor_id_is_an_invalid_topic(broker: RunningBroker) -> None:
    """v12 allows a null name, for lookups by id; with no id either, that topic is answered
    INVALID_TOPIC_EXCEPTION and the others as usual."""
    name = unique("named")
    create(broker, name)
    response = call(
        broker.port,
        ApiKey.METADATA,
        12,
        topics=[
            MetadataRequest.MetadataRequestTopic(name=None),
            MetadataRequest.MetadataRequestTopic(name=name),
        ],
    )
    assert [(t.name, t.error_code) for t in response.topics] == [(None, E.INVALID_TOPIC_EXCEPTION), (name, 0)]


@pytest.mark.parametrize("version", [10, 11])
def test_topic_ids_and_null_names_are_refused_before_v12(broker: RunningBroker, version: int) -> None:
    """Kafka's ``MetadataRequest.getErrorResponse``: INVALID_REQUEST for every requested topic, a
    null name answered as "" (the response's name is not nullable before v12), no brokers."""
    topic_id = uuid.uuid4()
    response = call(
        broker.port,
        ApiKey.METADATA,
        version,
        topics=[
            MetadataRequest.MetadataRequestTopic(topic_id=topic_id, name="x"),
            MetadataRequest.MetadataRequestTopic(topic_id=topic_id, name=None),
            MetadataRequest.MetadataRequestTopic(name="y"),
        ],
    )
    assert [(t.name, t.topic_id, t.error_code) for t in response.topics] == [
        ("x", topic_id, E.INVALID_REQUEST),
        ("", topic_id, E.INVALID_REQUEST),
        ("y", uuid.UUID(int=0), E.INVALID_REQUEST),
    ]
    assert (response.brokers, response.cluster_id, response.controller_id) == ([], None, -1)


def test_authorized_operations_when_asked(broker: RunningBroker) -> None:
    name = unique("ops")
    create(broker, name)
    response = metadata(
        broker,
        8,
        [name],
        include_cluster_authorized_operations=True,
        include_topic_authorized_operations=True,
    )
    assert response.cluster_authorized_operations == 0b1111110100000
    assert response.topics[0].topic_authorized_operations == 0b110111111000
    assert (
        metadata(broker, 11, [name], include_topic_authorized_operations=True)
        .topics[0]
        .topic_authorized_operations
        > 0
    )


@pytest.mark.parametrize("version", [0, 1])
def test_describe_cluster(broker: RunningBroker, version: int) -> None:
    response = call(broker.port, ApiKey.DESCRIBE_CLUSTER, version, include_cluster_authorized_operations=True)
    assert response.error_code == E.NO_ERROR
    assert response.cluster_id == broker.broker.metadata_image.cluster_id
    assert response.controller_id == 1
    assert [(b.broker_id, b.host, b.port, b.rack) for b in response.brokers] == [
        (1, "127.0.0.1", broker.port, None)
    ]
    assert response.cluster_authorized_operations == 0b1111110100000
    plain = call(broker.port, ApiKey.DESCRIBE_CLUSTER, version)
    assert plain.cluster_authorized_operations == INT32_MIN


def test_describe_cluster_for_controllers_is_refused_by_a_broker(broker: RunningBroker) -> None:
    response = call(broker.port, ApiKey.DESCRIBE_CLUSTER, 1, endpoint_type=2)
    assert response.error_code == E.MISMATCHED_ENDPOINT_TYPE
    response = call(broker.port, ApiKey.DESCRIBE_CLUSTER, 1, endpoint_type=7)
    assert response.error_code == E.UNSUPPORTED_ENDPOINT_TYPE


def test_describe_topic_partitions_pages_with_a_cursor(broker: RunningBroker) -> None:
    first, second = sorted([unique("dtp-a"), unique("dtp-b")])
    create(broker, first, partitions=3)
    create(broker, second, partitions=2)
    request = [DescribeTopicPartitionsRequest.TopicRequest(name=n) for n in (second, first, "missing-topic")]
    pages = []
    cursor = None
    while True:
        response = call(
            broker.port,
            ApiKey.DESCRIBE_TOPIC_PARTITIONS,
            0,
            topics=request,
            response_partition_limit=2,
            cursor=cursor,
        )
        pages.append(
            [(t.name, [p.partition_index for p in t.partitions], t.error_code) for t in response.topics]
        )
        if response.next_cursor is None:
            break
        cursor = DescribeTopicPartitionsRequest.Cursor(
            topic_name=response.next_cursor.topic_name, partition_index=response.next_cursor.partition_index
        )
    assert pages == [
        [(first, [0, 1], 0)],
        [(first, [2], 0), (second, [0], 0)],
        [(second, [1], 0), ("missing-topic", [], E.UNKNOWN_TOPIC_OR_PARTITION)],
    ]


def test_describe_topic_partitions_of_every_topic(broker: RunningBroker) -> None:
    name = unique("dtp-all")
    topic_id = create(broker, name, partitions=1)
    response = call(broker.port, ApiKey.DESCRIBE_TOPIC_PARTITIONS, 0, topics=[])
    found = {t.name: t for t in response.topics}
    topic = found[name]
    assert (topic.topic_id, topic.is_internal, topic.error_code) == (topic_id, False, 0)
    [partition] = topic.partitions
    assert (partition.leader_id, partition.leader_epoch, partition.replica_nodes, partition.isr_nodes) == (
        1,
        0,
        [1],
        [1],
    )
    assert partition.eligible_leader_replicas == [] and partition.last_known_elr == []
