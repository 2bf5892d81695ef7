"""ListOffsets, OffsetForLeaderEpoch, DeleteRecords and DescribeLogDirs through the replica manager."""

from __future__ import annotations

from tests.replication.helpers import EMPTY, NODE, client_batch, image, topic
from wirekafka.log.topic_partition import TopicPartition
from wirekafka.protocol.errors import ErrorCode
from wirekafka.replication.operations import AppendEntry, IsolationLevel
from wirekafka.replication.replica_manager import ReplicaManager

UNCOMMITTED = IsolationLevel.READ_UNCOMMITTED


async def produce_at(manager: ReplicaManager, name: str, timestamps: list[int]) -> None:
    batch = client_batch([b"v"] * len(timestamps), timestamps=timestamps)
    (result,) = await manager.append_records([AppendEntry(name, 0, batch)], required_acks=1, timeout_ms=1000)
    assert result.error_code == ErrorCode.NO_ERROR


async def test_earliest_latest_and_by_time(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t", leader_epoch=4)))
    await produce_at(manager, "t", [1000, 1100, 1200])
    await produce_at(manager, "t", [2000, 1500])
    lookup = manager.list_offset
    latest = lookup("t", 0, -1, isolation_level=UNCOMMITTED)
    assert (latest.offset, latest.timestamp, latest.leader_epoch) == (5, -1, 4)
    earliest = lookup("t", 0, -2, isolation_level=UNCOMMITTED)
    assert (earliest.offset, earliest.leader_epoch) == (0, 4)
    assert lookup("t", 0, -4, isolation_level=UNCOMMITTED).offset == 0
    assert (
        lookup("t", 0, 1100, isolation_level=UNCOMMITTED).offset,
        lookup("t", 0, 1100, isolation_level=UNCOMMITTED).timestamp,
    ) == (1, 1100)
    assert lookup("t", 0, 1150, isolation_level=UNCOMMITTED).offset == 2
    # First record whose timestamp is >= the target, not the first batch past it.
    assert (
        lookup("t", 0, 1300, isolation_level=UNCOMMITTED).offset,
        lookup("t", 0, 1300, isolation_level=UNCOMMITTED).timestamp,
    ) == (3, 2000)
    missing = lookup("t", 0, 5000, isolation_level=UNCOMMITTED)
    assert (missing.error_code, missing.offset, missing.timestamp) == (ErrorCode.NO_ERROR, -1, -1)
    top = lookup("t", 0, -3, isolation_level=UNCOMMITTED)
    assert (top.offset, top.timestamp) == (3, 2000)
    assert lookup("t", 0, -5, isolation_level=UNCOMMITTED).offset == -1


async def test_latest_is_the_high_watermark_not_the_log_end(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t", replicas=(NODE, 2), isr=(NODE, 2))))
    await produce_at(manager, "t", [1000, 1001])
    assert manager.list_offset("t", 0, -1, isolation_level=UNCOMMITTED).offset == 0
    # A replica (no isolation level) sees the log end; a record above the high watermark is not
    # reported to a consumer looking it up by time.
    assert manager.list_offset("t", 0, -1, isolation_level=None).offset == 2
    assert manager.list_offset("t", 0, 1000, isolation_level=UNCOMMITTED).offset == -1
    assert manager.list_offset("t", 0, 1000, isolation_level=None).offset == 0


async def test_list_offsets_errors(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t", leader_epoch=2), topic("f", leader=2, replicas=(2, NODE))))
    assert (
        manager.list_offset("x", 0, -1, isolation_level=UNCOMMITTED).error_code
        == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    )
    assert (
        manager.list_offset("f", 0, -1, isolation_level=UNCOMMITTED).error_code
        == ErrorCode.NOT_LEADER_OR_FOLLOWER
    )
    assert (
        manager.list_offset("f", 0, -1, isolation_level=None, fetch_only_leader=False).error_code
        == ErrorCode.NO_ERROR
    )
    fenced = manager.list_offset("t", 0, -1, isolation_level=UNCOMMITTED, current_leader_epoch=1)
    assert (fenced.error_code, fenced.offset) == (ErrorCode.FENCED_LEADER_EPOCH, -1)


async def test_legacy_v0_offsets(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t")))
    await produce_at(manager, "t", [1000, 1001, 1002])
    assert manager.legacy_offsets("t", 0, -1, 1, from_consumer=True) == (ErrorCode.NO_ERROR, [3])
    assert manager.legacy_offsets("t", 0, -2, 1, from_consumer=True) == (ErrorCode.NO_ERROR, [0])
    assert manager.legacy_offsets("t", 0, -1, 10, from_consumer=True) == (ErrorCode.NO_ERROR, [3, 0])


async def test_offset_for_leader_epoch(manager: ReplicaManager) -> None:
    first = image(topic("t", leader_epoch=1))
    manager.apply_metadata(EMPTY, first)
    await produce_at(manager, "t", [1, 2])
    manager.apply_metadata(first, image(topic("t", leader_epoch=3)))
    await produce_at(manager, "t", [3])
    end = manager.end_offset_for_leader_epoch
    assert (end("t", 0, 1).leader_epoch, end("t", 0, 1).end_offset) == (1, 2)
    assert (end("t", 0, 2).leader_epoch, end("t", 0, 2).end_offset) == (1, 2)
    assert (end("t", 0, 3).leader_epoch, end("t", 0, 3).end_offset) == (3, 3)
    assert (end("t", 0, 9).leader_epoch, end("t", 0, 9).end_offset) == (-1, -1)
    assert end("t", 0, 1, current_leader_epoch=2).error_code == ErrorCode.FENCED_LEADER_EPOCH
    assert end("nope", 0, 1).error_code == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION


async def test_a_new_leader_epoch_is_known_before_its_first_append(manager: ReplicaManager) -> None:
    first = image(topic("t", leader_epoch=1))
    manager.apply_metadata(EMPTY, first)
    await produce_at(manager, "t", [1, 2])
    manager.apply_metadata(first, image(topic("t", leader_epoch=2)))
    answer = manager.end_offset_for_leader_epoch("t", 0, 1)
    assert (answer.leader_epoch, answer.end_offset) == (1, 2)


async def test_delete_records(manager: ReplicaManager) -> None:
    manager.apply_metadata(
        EMPTY,
        image(topic("t"), topic("c", configs={"cleanup.policy": "compact"}), topic("__consumer_offsets")),
    )
    for _ in range(4):
        await produce_at(manager, "t", [1])
    assert manager.delete_records("t", 0, 2).low_watermark == 2
    assert manager.offsets("t", 0) == (2, 4, 4)
    assert manager.delete_records("t", 0, 1).low_watermark == 2  # never backwards
    assert manager.delete_records("t", 0, 5).error_code == ErrorCode.OFFSET_OUT_OF_RANGE
    assert manager.delete_records("t", 0, -1).low_watermark == 4  # -1: up to the high watermark
    assert manager.delete_records("c", 0, 0).error_code == ErrorCode.POLICY_VIOLATION
    assert manager.delete_records("__consumer_offsets", 0, 0).error_code == ErrorCode.INVALID_TOPIC_EXCEPTION
    assert manager.delete_records("x", 0, 0).error_code == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    assert manager.list_offset("t", 0, -2, isolation_level=UNCOMMITTED).offset == 4


async def test_describe_log_dirs(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("a", 2), topic("b")))
    await produce_at(manager, "a", [1, 2, 3])
    (directory,) = manager.describe_log_dirs(None)
    assert directory.path == str(manager.log_dir)
    assert directory.total_bytes > 0 and 0 <= directory.usable_bytes <= directory.total_bytes
    sizes = {(u.topic, u.partition): (u.size_bytes, u.offset_lag) for u in directory.partitions}
    assert set(sizes) == {("a", 0), ("a", 1), ("b", 0)}
    assert sizes[("a", 0)] == (len(client_batch([b"v"] * 3, timestamps=[1, 2, 3])), 0)
    assert sizes[("b", 0)] == (0, 0)
    (only,) = manager.describe_log_dirs({TopicPartition("a", 1), TopicPartition("zz", 0)})
    assert [(u.topic, u.partition) for u in only.partitions] == [("a", 1)]
