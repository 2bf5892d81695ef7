"""The replica manager following metadata images: hosting, deleting, reconfiguring, restarting."""

from __future__ import annotations

import uuid
from pathlib import Path

import trio

from tests.replication.helpers import EMPTY, NODE, client_batch, image, manager_for, topic, values_of
from wirekafka.protocol.errors import ErrorCode
from wirekafka.replication.operations import AppendEntry
from wirekafka.replication.partition_metadata import (
    kafka_uuid_text,
    parse_kafka_uuid,
    read_topic_id,
)
from wirekafka.replication.replica_manager import ReplicaManager


async def produce(manager: ReplicaManager, name: str, values: list[bytes], partition: int = 0) -> int:
    (result,) = await manager.append_records(
        [AppendEntry(name, partition, client_batch(values))], required_acks=-1, timeout_ms=1000
    )
    assert result.error_code == ErrorCode.NO_ERROR, result
    return result.base_offset


async def test_only_partitions_with_a_local_replica_get_a_log(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("mine", 2), topic("theirs", leader=2, replicas=(2, 3))))
    assert sorted(str(tp) for tp in manager.log_manager.logs) == ["mine-0", "mine-1"]
    assert (manager.log_dir / "mine-0").is_dir() and not (manager.log_dir / "theirs-0").exists()
    assert read_topic_id(manager.log_dir / "mine-0") == topic("mine").topic_id


async def test_deleting_a_topic_removes_its_logs(manager: ReplicaManager) -> None:
    first = image(topic("t"), topic("keep"))
    manager.apply_metadata(EMPTY, first)
    await produce(manager, "t", [b"x"])
    manager.apply_metadata(first, image(topic("keep")))
    assert manager.partition("t", 0) is None
    assert not (manager.log_dir / "t-0").exists()
    assert manager.partition("keep", 0) is not None


async def test_a_recreated_topic_starts_empty(manager: ReplicaManager) -> None:
    old = image(topic("t", topic_id=uuid.uuid4()))
    manager.apply_metadata(EMPTY, old)
    await produce(manager, "t", [b"old"])
    new = image(topic("t", topic_id=uuid.uuid4()))
    manager.apply_metadata(old, new)
    assert manager.offsets("t", 0) == (0, 0, 0)
    await produce(manager, "t", [b"new"])
    assert values_of(manager.read_internal("t", 0, 0).records) == [b"new"]


async def test_config_changes_reach_live_logs(manager: ReplicaManager) -> None:
    first = image(topic("t"))
    manager.apply_metadata(EMPTY, first)
    manager.apply_metadata(first, image(topic("t", configs={"max.message.bytes": "100"})))
    (result,) = await manager.append_records(
        [AppendEntry("t", 0, client_batch([b"v" * 200]))], required_acks=1, timeout_ms=1000
    )
    assert result.error_code == ErrorCode.MESSAGE_TOO_LARGE


async def test_moving_a_replica_away_deletes_it(manager: ReplicaManager) -> None:
    first = image(topic("t", replicas=(NODE, 2)))
    manager.apply_metadata(EMPTY, first)
    manager.apply_metadata(first, image(topic("t", leader=2, leader_epoch=1, replicas=(2, 3))))
    assert manager.partition("t", 0) is None and not (manager.log_dir / "t-0").exists()


async def test_leadership_listeners_hear_gains_and_losses(manager: ReplicaManager) -> None:
    heard: list[tuple[str, int, int | None]] = []
    manager.add_leadership_listener(lambda t, p, e: heard.append((t, p, e)))
    first = image(topic("__consumer_offsets", 2, replicas=(NODE, 2)))
    manager.apply_metadata(EMPTY, first)
    second = image(topic("__consumer_offsets", 2, replicas=(NODE, 2), leader_epoch=1))
    manager.apply_metadata(first, second)
    manager.apply_metadata(second, second)  # nothing changed: nothing heard
    manager.apply_metadata(
        second, image(topic("__consumer_offsets", 2, leader=2, leader_epoch=2, replicas=(NODE, 2)))
    )
    assert heard == [
        ("__consumer_offsets", 0, 0),
        ("__consumer_offsets", 1, 0),
        ("__consumer_offsets", 0, 1),
        ("__consumer_offsets", 1, 1),
        ("__consumer_offsets", 0, None),
        ("__consumer_offsets", 1, None),
    ]


async def test_data_and_high_watermark_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    snapshot = image(topic("t", 2))
    async with trio.open_nursery() as nursery:
        manager = manager_for(data)
        await nursery.start(manager.run)
        manager.apply_metadata(EMPTY, snapshot)
        await produce(manager, "t", [b"a", b"b"])
        await produce(manager, "t", [b"c"], partition=1)
        nursery.cancel_scope.cancel()
    assert (data / ".kafka_cleanshutdown").exists()
    async with trio.open_nursery() as nursery:
        manager = manager_for(data)
        await nursery.start(manager.run)
        manager.apply_metadata(EMPTY, snapshot)
        assert manager.offsets("t", 0) == (0, 2, 2)
        assert manager.offsets("t", 1) == (0, 1, 1)
        assert values_of(manager.read_internal("t", 0, 0).records) == [b"a", b"b"]
        assert await produce(manager, "t", [b"d"]) == 2
        nursery.cancel_scope.cancel()


async def test_logs_of_unknown_topics_stay_on_disk(tmp_path: Path) -> None:
    """A log whose topic the first image does not name is kept, not deleted: only a metadata
    change that removes a topic deletes data."""
    data = tmp_path / "data"
    async with trio.open_nursery() as nursery:
        manager = manager_for(data)
        await nursery.start(manager.run)
        manager.apply_metadata(EMPTY, image(topic("t")))
        await produce(manager, "t", [b"a"])
        nursery.cancel_scope.cancel()
    async with trio.open_nursery() as nursery:
        manager = manager_for(data)
        await nursery.start(manager.run)
        manager.apply_metadata(EMPTY, image(topic("other")))
        assert manager.partition("t", 0) is None
        assert (data / "t-0").is_dir()
        nursery.cancel_scope.cancel()


def test_kafka_uuid_text_round_trips() -> None:
    value = uuid.UUID("d1f7a8c2-5b1e-4f3a-9c2d-1e2f3a4b5c6d")
    text = kafka_uuid_text(value)
    assert len(text) == 22 and "=" not in text
    assert parse_kafka_uuid(text) == value
    # Kafka's own spelling of the all-zero id.
    assert kafka_uuid_text(uuid.UUID(int=0)) == "AAAAAAAAAAAAAAAAAAAAAA"


class FakeBroker:
    """What the replica manager reads from a broker: the image and the config. ``publish`` does
    not run the preparers, so ``_host`` creates new partitions itself."""

    def __init__(self, data_dir: Path) -> None:
        from wirekafka.config import BrokerConfig

        self.config = BrokerConfig({"log.dirs": str(data_dir), "node.id": str(NODE)})
        self.metadata_image = EMPTY
        self._listeners: list = []
        self.preparers: list = []

    def on_metadata_change(self, callback: object) -> None:
        self._listeners.append(callback)

    def before_metadata_change(self, prepare: object) -> None:
        self.preparers.append(prepare)

    def publish(self, image: object) -> None:
        previous, self.metadata_image = self.metadata_image, image
        for callback in self._listeners:
            callback(previous, image)


async def test_dynamic_broker_defaults_reach_topics_without_overrides(tmp_path: Path) -> None:
    broker = FakeBroker(tmp_path / "data")
    broker.metadata_image = image(topic("plain"), topic("own", configs={"max.message.bytes": "5000"}))
    manager = ReplicaManager(broker.config, metadata=broker)  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        await nursery.start(manager.run)
        assert manager.partition("plain", 0) is not None  # the image at start is applied
        broker.config = broker.config.with_dynamic("message.max.bytes", "100")
        broker.publish(image(topic("plain"), topic("own", configs={"max.message.bytes": "5000"})))
        batch = client_batch([b"v" * 300])
        plain, own = await manager.append_records(
            [AppendEntry("plain", 0, batch), AppendEntry("own", 0, batch)], required_acks=1, timeout_ms=1000
        )
        assert (plain.error_code, own.error_code) == (ErrorCode.MESSAGE_TOO_LARGE, ErrorCode.NO_ERROR)
        nursery.cancel_scope.cancel()


async def test_the_metadata_log_directory_is_left_to_the_controller(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "__cluster_metadata-0").mkdir(parents=True)
    marker = data / "__cluster_metadata-0" / "00000000000000000000.log"
    marker.write_bytes(b"not a partition log of ours")
    async with trio.open_nursery() as nursery:
        manager = manager_for(data)
        await nursery.start(manager.run)
        assert [str(tp) for tp in manager.log_manager.logs] == []
        nursery.cancel_scope.cancel()
    assert marker.read_bytes() == b"not a partition log of ours"
