"""Stop the broker, start it again on the same data dir: topics, ids, partitions and configs remain."""

from __future__ import annotations

from pathlib import Path

from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewPartitions,
    NewTopic,
    ResourceType,
)

from tests.admin.test_metadata_versions import metadata, topics_of
from wirekafka.testing.broker import RunningBroker, running_broker

TIMEOUT = 30


def admin_for(broker: RunningBroker) -> AdminClient:
    return AdminClient({"bootstrap.servers": broker.bootstrap, "broker.address.family": "v4"})


def topic_configs(admin: AdminClient, name: str) -> dict[str, str]:
    [future] = admin.describe_configs([ConfigResource(ResourceType.TOPIC, name)]).values()
    return {key: entry.value for key, entry in future.result(timeout=TIMEOUT).items() if entry.source == 1}


def test_state_survives_a_restart(tmp_path: Path) -> None:
    with running_broker(tmp_path) as first:
        admin = admin_for(first)
        futures = admin.create_topics(
            [NewTopic("kept", 2, 1, config={"cleanup.policy": "compact"}), NewTopic("dropped", 1, 1)],
            operation_timeout=TIMEOUT,
        )
        for future in futures.values():
            future.result(timeout=TIMEOUT)
        admin.create_partitions([NewPartitions("kept", 3)])["kept"].result(timeout=TIMEOUT)
        admin.delete_topics(["dropped"])["dropped"].result(timeout=TIMEOUT)
        [future] = admin.incremental_alter_configs(
            [
                ConfigResource(
                    ResourceType.BROKER,
                    "1",
                    incremental_configs=[
                        ConfigEntry("num.partitions", "4", incremental_operation=AlterConfigOpType.SET)
                    ],
                )
            ]
        ).values()
        future.result(timeout=TIMEOUT)
        before = topics_of(metadata(first, 12, None))["kept"]
        cluster_id = metadata(first, 12, None).cluster_id
    with running_broker(tmp_path) as second:
        assert second.port != 0
        response = metadata(second, 12, None)
        assert response.cluster_id == cluster_id
        after = topics_of(response)
        assert set(after) == {"kept"}
        assert after["kept"].topic_id == before.topic_id
        assert [(p.partition_index, p.leader_id, p.replica_nodes) for p in after["kept"].partitions] == [
            (0, 1, [1]),
            (1, 1, [1]),
            (2, 1, [1]),
        ]
        assert [(b.node_id, b.port) for b in response.brokers] == [(1, second.port)], (
            "registered with the new port"
        )
        admin = admin_for(second)
        assert topic_configs(admin, "kept") == {"cleanup.policy": "compact"}
        [future] = admin.describe_configs([ConfigResource(ResourceType.BROKER, "1")]).values()
        partitions = future.result(timeout=TIMEOUT)["num.partitions"]
        assert (partitions.value, partitions.source) == ("4", 2), "DYNAMIC_BROKER_CONFIG"
        created = admin.create_topics([NewTopic("new", replication_factor=1)], operation_timeout=TIMEOUT)
        created["new"].result(timeout=TIMEOUT)
        assert len(topics_of(metadata(second, 1, ["new"]))["new"].partitions) == 4
