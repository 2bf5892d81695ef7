"""New partitions' files are made on a worker thread before the image is published.

Other requests are served meanwhile; the request that created the partitions still finds them
hosted, with their topic id and first leader epoch on disk, when it returns. What the worker made
and nobody took in is closed at shutdown, and a creation that fails there is left to ``_host``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trio

from tests.coordinator.test_background_start import call
from tests.replication.helpers import NODE, image, manager_for, topic
from tests.replication.test_metadata_follow import FakeBroker
from wirekafka.broker.broker import Broker
from wirekafka.log.errors import LogClosedError
from wirekafka.log.leader_epoch_cache import LeaderEpochFileCache
from wirekafka.log.topic_partition import TopicPartition
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages import REQUESTS
from wirekafka.replication.partition_metadata import read_topic_id
from wirekafka.replication.replica_manager import ReplicaManager
from wirekafka.testing.broker import broker_test_config

PARTITIONS = 8
LEADER_EPOCH_CHECKPOINT = "leader-epoch-checkpoint"


async def test_creating_partitions_leaves_the_event_loop_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop_thread = threading.get_ident()
    fsyncs: list[tuple[str, bool]] = []
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        """Each fsync of the new topic's files takes 10 ms, as on a slow disk."""
        path = os.readlink(f"/proc/self/fd/{fd}")
        if f"{os.sep}created-" in path:
            fsyncs.append((path, threading.get_ident() == loop_thread))
            time.sleep(0.01)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", slow_fsync)
    broker = Broker(broker_test_config(tmp_path))
    async with trio.open_nursery() as nursery:
        await nursery.start(broker.run)
        await broker.fully_started.wait()
        answered = 0
        creating = True

        async def other_client() -> None:
            nonlocal answered
            while creating:
                metadata = await call(broker, ApiKey.METADATA, 12, topics=[], allow_auto_topic_creation=False)
                assert metadata.brokers[0].node_id == broker.node_id
                answered += 1
                await trio.sleep(0.002)

        nursery.start_soon(other_client)
        new_topic = REQUESTS[ApiKey.CREATE_TOPICS].CreatableTopic(
            name="created", num_partitions=PARTITIONS, replication_factor=1
        )
        created = await call(broker, ApiKey.CREATE_TOPICS, 7, topics=[new_topic], timeout_ms=30_000)
        creating = False
        assert created.topics[0].error_code == ErrorCode.NO_ERROR

        manager = broker.replica_manager
        for index in range(PARTITIONS):
            hosted = manager.partition("created", index)
            assert hosted is not None and hosted.state.is_leader
            directory = tmp_path / f"created-{index}"
            assert read_topic_id(directory) == created.topics[0].topic_id
            epochs = LeaderEpochFileCache.load(directory / LEADER_EPOCH_CHECKPOINT)
            assert epochs.latest_entry is not None and epochs.latest_entry.start_offset == 0
        # Two fsyncs each for partition.metadata and the epoch checkpoint, all off the loop; with
        # 10 ms each the loop, had it made them, would have answered nothing for 320 ms.
        assert len(fsyncs) >= 4 * PARTITIONS
        assert [path for path, on_loop in fsyncs if on_loop] == []
        assert answered >= 20
        nursery.cancel_scope.cancel()


@asynccontextmanager
async def running_manager(data_dir: Path) -> AsyncIterator[tuple[FakeBroker, ReplicaManager]]:
    """A replica manager following a fake broker's images, run until the block ends."""
    broker = FakeBroker(data_dir)
    manager = ReplicaManager(broker.config, metadata=broker)  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        await nursery.start(manager.run)
        yield broker, manager
        nursery.cancel_scope.cancel()


async def test_the_prepared_log_is_the_one_hosted(tmp_path: Path) -> None:
    async with running_manager(tmp_path / "data") as (broker, manager):
        (prepare,) = broker.preparers
        new = image(topic("t", partitions=2, leader_epoch=3))
        await prepare(new)
        prepared = {index: manager._prepared[TopicPartition("t", index)].log for index in range(2)}
        assert manager.partition("t", 0) is None  # not before the image is published
        broker.publish(new)
        for index in range(2):
            hosted = manager.partition("t", index)
            assert hosted is not None and hosted.log is prepared[index]
            assert manager.log_manager.get_log(TopicPartition("t", index)) is prepared[index]
            assert hosted.log.leader_epoch_cache.latest_epoch == 3
        assert manager._prepared == {}


async def test_logs_prepared_but_never_published_are_closed_at_shutdown(tmp_path: Path) -> None:
    async with running_manager(tmp_path / "data") as (broker, manager):
        await broker.preparers[0](image(topic("t")))
        (log,) = (prepared.log for prepared in manager._prepared.values())
    with pytest.raises(LogClosedError):
        log.read(0, 1024, max_offset=0, min_one_batch=True)


async def test_a_creation_that_fails_on_the_worker_is_left_to_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk on fire")

    async with running_manager(tmp_path / "data") as (broker, manager):
        with monkeypatch.context() as patched:
            patched.setattr(manager.log_manager, "create_log", fails)
            await broker.preparers[0](image(topic("t")))
        assert manager._prepared == {}
        broker.publish(image(topic("t")))
        hosted = manager.partition("t", 0)
        assert hosted is not None and hosted.log.directory == tmp_path / "data" / "t-0"


def test_nothing_is_prepared_before_the_manager_starts(tmp_path: Path) -> None:
    manager = manager_for(tmp_path)

    async def main() -> None:
        await manager.prepare_metadata(image(topic("t", leader=NODE)))

    trio.run(main)
    assert manager._prepared == {} and not (tmp_path / "t-0").exists()
