"""Metadata: brokers, topics, partitions and leaders, in old and new versions, and through every client."""

from __future__ import annotations

import time

import pytest

from conformance_tests import wire
from conformance_tests.clients import ClientAdapter
from conformance_tests.helpers import each_client, require_api, unique, wait_for_topic


@pytest.mark.parametrize("version", [0, 1, 4, 7, 9, 12])
def test_metadata_version(bootstrap: str, api_versions: dict[int, tuple[int, int]], new_topic, version: int) -> None:
    """Topic with 3 partitions: every partition has a leader among the brokers, in replicas and isr."""
    require_api(api_versions, "Metadata", version)
    topic = new_topic(partitions=3)
    with wire.Connection.to(bootstrap) as conn:
        meta = wire.metadata(conn, version, [topic])
    assert meta.brokers, "no brokers"
    t = meta.topics[topic]
    assert t.error_code == 0
    assert sorted(p.index for p in t.partitions) == [0, 1, 2]
    for p in t.partitions:
        assert p.error_code == 0
        assert p.leader in meta.brokers, f"leader {p.leader} not among brokers {list(meta.brokers)}"
        assert p.leader in p.replicas and p.leader in p.isr
    if version >= 1:
        assert meta.controller_id in meta.brokers, f"controller {meta.controller_id} not a broker"
        assert not t.is_internal
    if version >= 2:
        assert meta.cluster_id, "cluster id missing"
    if version >= 10:
        assert t.topic_id is not None and t.topic_id.int != 0, "topic id must be set (KIP-516)"


def test_all_topics_listed(bootstrap: str, new_topic) -> None:
    """Metadata v1 with a null topic list returns every topic, including a new one."""
    topic = new_topic()
    with wire.Connection.to(bootstrap) as conn:
        meta = wire.metadata(conn, 1, None)
    assert topic in meta.topics


def test_unknown_topic_not_auto_created(bootstrap: str, api_versions: dict[int, tuple[int, int]]) -> None:
    """allow_auto_topic_creation=false: UNKNOWN_TOPIC_OR_PARTITION, and the topic stays absent."""
    require_api(api_versions, "Metadata", 4)
    topic = unique("absent")
    with wire.Connection.to(bootstrap) as conn:
        first = wire.metadata(conn, 4, [topic], allow_auto_create=False)
        assert first.topics[topic].error_code == wire.UNKNOWN_TOPIC_OR_PARTITION
        time.sleep(0.5)
        again = wire.metadata(conn, 1, None)
    assert topic not in again.topics


def test_auto_create_topic(bootstrap: str, api_versions: dict[int, tuple[int, int]]) -> None:
    """allow_auto_topic_creation=true creates the topic (Kafka's default auto.create.topics.enable=true).

    The first answer may already carry the topic (0), say it has no leader yet (5, ZooKeeper-era
    Kafka) or say it is unknown while creation is under way (3, what KRaft Kafka answers from
    ``AutoTopicCreationManager``); clients retry until it appears, and so does this case.
    """
    require_api(api_versions, "Metadata", 4)
    topic = unique("auto")
    with wire.Connection.to(bootstrap) as conn:
        first = wire.metadata(conn, 4, [topic], allow_auto_create=True)
        assert first.topics[topic].error_code in (0, 3, 5), f"error {first.topics[topic].error_code}"
    wait_for_topic(bootstrap, topic, len(first.topics[topic].partitions) or 1)


def test_advertised_listener_reachable(bootstrap: str) -> None:
    """Every advertised broker address answers ApiVersions (clients reconnect to these, not bootstrap)."""
    with wire.Connection.to(bootstrap) as conn:
        meta = wire.metadata(conn, 1, None)
    for node_id, (host, port) in meta.brokers.items():
        with wire.Connection(host, port, timeout=5) as other:
            assert wire.parse_api_versions(other.request(18, 0, b""), 0).error_code == 0, f"broker {node_id}"


def test_topic_id_stable(bootstrap: str, api_versions: dict[int, tuple[int, int]], new_topic) -> None:
    """Metadata v10+ reports the same non-zero topic id on every request."""
    require_api(api_versions, "Metadata", 10)
    topic = new_topic()
    version = min(api_versions[3][1], 12)
    with wire.Connection.to(bootstrap) as conn:
        first = wire.metadata(conn, version, [topic]).topics[topic].topic_id
        second = wire.metadata(conn, version, [topic]).topics[topic].topic_id
    assert first is not None and first.int != 0 and first == second


@each_client()
def test_client_sees_partitions(client: ClientAdapter, new_topic) -> None:
    """The client's own metadata request finds the topic with its 3 partitions."""
    topic = new_topic(partitions=3)
    assert client.partition_count(topic) == 3
