"""The single-node runtime: commit, publish, persist; and the state after a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from wirekafka.broker.broker import Broker
from wirekafka.controller.local_runtime import LocalControllerRuntime, local_controller
from wirekafka.controller.replication_control import NewTopic
from wirekafka.log.meta_properties import MetaPropertiesError, read_meta_properties
from wirekafka.metadata.config_resources import AlterConfigOp, ConfigResource, ConfigResourceType
from wirekafka.metadata.image import MetadataImage
from wirekafka.metadata.local_log import LocalMetadataLog
from wirekafka.metadata.records import MetadataRecordError
from wirekafka.records import Record, build_batch, iter_batches
from wirekafka.testing.broker import broker_test_config


async def start(
    nursery: trio.Nursery, data_dir: Path, **overrides: str
) -> tuple[Broker, LocalControllerRuntime]:
    broker = Broker(broker_test_config(data_dir, overrides), components=[])
    runtime = local_controller(broker)
    assert broker.controller is runtime
    await nursery.start(runtime.run)
    return broker, runtime


async def test_startup_bootstraps_registers_and_publishes(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        broker, runtime = await start(nursery, tmp_path)
        image = broker.metadata_image
        assert image is runtime.image
        assert image.metadata_version == 21
        me = image.brokers[broker.node_id]
        assert me.is_active and me.epoch == runtime.broker_epoch == 1 and me.endpoint("PLAINTEXT") is not None
        assert len(me.log_dirs) == 1
        assert image.offset == 1 and image.controller_id == broker.node_id
        stored = read_meta_properties(tmp_path)
        assert (
            stored is not None and stored.cluster_id == image.cluster_id and stored.node_id == broker.node_id
        )
        nursery.cancel_scope.cancel()


def metadata_batches(data_dir: Path) -> list[tuple[int, int]]:
    """(base offset, last offset) of every batch in the metadata log's segment files."""
    found = []
    for segment in sorted((data_dir / "__cluster_metadata-0").glob("*.log")):
        found += [(b.base_offset, b.last_offset) for b in iter_batches(segment.read_bytes())]
    return found


async def test_a_first_start_commits_bootstrap_and_registration_in_one_batch(tmp_path: Path) -> None:
    """One fsync, not two; the broker epoch is still the registration record's offset."""
    async with trio.open_nursery() as nursery:
        _, runtime = await start(nursery, tmp_path)
        assert metadata_batches(tmp_path) == [(0, 1)] and runtime.broker_epoch == 1
        nursery.cancel_scope.cancel()
    async with trio.open_nursery() as nursery:
        _, runtime = await start(nursery, tmp_path)
        assert metadata_batches(tmp_path) == [(0, 1), (2, 2)] and runtime.broker_epoch == 2
        nursery.cancel_scope.cancel()


async def test_operations_commit_before_answering_and_notify_subscribers(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        broker, runtime = await start(nursery, tmp_path)
        seen: list[tuple[MetadataImage, MetadataImage]] = []
        broker.on_metadata_change(lambda old, new: seen.append((old, new)))
        [created] = await runtime.create_topics([NewTopic("orders", 2, 1, configs={"retention.ms": "100"})])
        assert created.error.is_success
        assert "orders" in broker.metadata_image.topics
        assert len(seen) == 1 and "orders" not in seen[0][0].topics and seen[0][1] is broker.metadata_image
        [validated] = await runtime.create_topics([NewTopic("dry", 1, 1)], validate_only=True)
        assert validated.error.is_success and "dry" not in broker.metadata_image.topics and len(seen) == 1
        errors = await runtime.incremental_alter_configs(
            {ConfigResource(ConfigResourceType.BROKER, ""): {"log.retention.ms": (AlterConfigOp.SET, "5000")}}
        )
        assert all(error.is_success for error in errors.values())
        assert broker.config["log.retention.ms"] == 5000, "broker.config follows dynamic broker configs"
        assert broker.config.topic_defaults()["retention.ms"] == 5000
        block = await runtime.allocate_producer_ids(broker.node_id)
        assert (block.first_producer_id, block.size) == (0, 1000)
        nursery.cancel_scope.cancel()


async def test_everything_survives_a_restart(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        broker, runtime = await start(nursery, tmp_path)
        await runtime.create_topics([NewTopic("kept", 3, 1, configs={"cleanup.policy": "compact"})])
        await runtime.create_topics([NewTopic("gone", 1, 1)])
        await runtime.delete_topics([broker.metadata_image.topics["gone"].topic_id])
        await runtime.incremental_alter_configs(
            {ConfigResource(ConfigResourceType.BROKER, ""): {"num.partitions": (AlterConfigOp.SET, "4")}}
        )
        await runtime.allocate_producer_ids(broker.node_id)
        before = broker.metadata_image
        first_epoch = runtime.broker_epoch
        nursery.cancel_scope.cancel()
    async with trio.open_nursery() as nursery:
        broker, runtime = await start(nursery, tmp_path)
        after = broker.metadata_image
        assert after.cluster_id == before.cluster_id
        assert set(after.topics) == {"kept"}
        assert after.topics["kept"].topic_id == before.topics["kept"].topic_id
        assert after.topics["kept"].partitions == before.topics["kept"].partitions
        assert dict(after.topics["kept"].configs) == {"cleanup.policy": "compact"}
        assert dict(after.broker_configs) == {"num.partitions": "4"}
        assert broker.config["num.partitions"] == 4
        assert after.next_producer_id == 1000
        assert runtime.broker_epoch > first_epoch and after.offset > before.offset
        [created] = await runtime.create_topics([NewTopic("later", -1, -1)])
        assert created.num_partitions == 4
        nursery.cancel_scope.cancel()


async def test_a_log_dir_of_another_cluster_is_refused(tmp_path: Path) -> None:
    async with trio.open_nursery() as nursery:
        await start(nursery, tmp_path)
        nursery.cancel_scope.cancel()
    other = Broker(broker_test_config(tmp_path, {"cluster.id": "SomeOtherClusterIdXXXX"}), components=[])
    with pytest.raises(MetaPropertiesError, match=r"invalid cluster\.id"):
        await local_controller(other).run()


async def test_configured_cluster_id_is_used_and_metadata_log_dir_honoured(tmp_path: Path) -> None:
    metadata_dir = tmp_path / "meta"
    async with trio.open_nursery() as nursery:
        broker, _ = await start(
            nursery,
            tmp_path / "data",
            **{"cluster.id": "MkU3OEVBNTcwNTJENDM2Qg", "metadata.log.dir": str(metadata_dir)},
        )
        assert broker.metadata_image.cluster_id == "MkU3OEVBNTcwNTJENDM2Qg"
        nursery.cancel_scope.cancel()
    assert (metadata_dir / "__cluster_metadata-0").is_dir()
    assert not (tmp_path / "data" / "__cluster_metadata-0").exists()
    for directory in (metadata_dir, tmp_path / "data"):
        stored = read_meta_properties(directory)
        assert stored is not None and stored.cluster_id == "MkU3OEVBNTcwNTJENDM2Qg"
    log = LocalMetadataLog.open(metadata_dir, now_ms=0)
    assert [type(r).schema.name for _, r in log.read()] == ["FeatureLevelRecord", "RegisterBrokerRecord"]
    log.close()


async def test_a_record_that_does_not_decode_stops_the_start(tmp_path: Path) -> None:
    """A batch with a valid CRC but a value that is no metadata record: refuse to guess."""
    directory = tmp_path / "__cluster_metadata-0"
    directory.mkdir()
    batch = build_batch([Record(offset=0, timestamp=0, key=None, value=b"\x01\x63\x00")])
    (directory / f"{0:020d}.log").write_bytes(batch)
    broker = Broker(broker_test_config(tmp_path), components=[])
    with pytest.raises(MetadataRecordError, match="unknown metadata record type 99"):
        await local_controller(broker).run()
