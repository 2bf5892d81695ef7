"""Appends through the replica manager: offsets, high watermark, acks, and every refusal."""

from __future__ import annotations

import pytest
import trio

from tests.replication.helpers import EMPTY, NODE, client_batch, image, offsets_of, topic, values_of
from wirekafka.protocol.errors import ErrorCode
from wirekafka.records.batch import BatchHeader, TimestampType, iter_batches
from wirekafka.replication.operations import AppendEntry, ReplicaManagerError
from wirekafka.replication.replica_manager import ReplicaManager


async def append(
    manager: ReplicaManager,
    name: str,
    batch: bytes,
    *,
    partition: int = 0,
    acks: int = 1,
    timeout_ms: int = 1000,
) -> list:
    return await manager.append_records(
        [AppendEntry(name, partition, memoryview(batch))], required_acks=acks, timeout_ms=timeout_ms
    )


def stored(manager: ReplicaManager, name: str, partition: int = 0) -> bytes:
    return manager.read_internal(name, partition, 0, max_bytes=10_000_000).records


async def test_offsets_are_assigned_from_the_log_end_and_the_high_watermark_follows(
    manager: ReplicaManager,
) -> None:
    manager.apply_metadata(EMPTY, image(topic("t")))
    (first,) = await append(manager, "t", client_batch([b"a", b"b", b"c"]))
    (second,) = await append(manager, "t", client_batch([b"d"]), acks=-1)
    assert (first.error_code, first.base_offset, first.last_offset) == (ErrorCode.NO_ERROR, 0, 2)
    assert (second.error_code, second.base_offset, second.last_offset) == (ErrorCode.NO_ERROR, 3, 3)
    assert first.log_start_offset == 0 and first.log_append_time_ms == -1
    assert manager.offsets("t", 0) == (0, 4, 4)
    assert offsets_of(stored(manager, "t")) == [0, 1, 2, 3]
    assert values_of(stored(manager, "t")) == [b"a", b"b", b"c", b"d"]


async def test_stored_bytes_are_the_client_batch_with_offset_and_epoch_patched(
    manager: ReplicaManager,
) -> None:
    manager.apply_metadata(EMPTY, image(topic("t", leader_epoch=7)))
    await append(manager, "t", client_batch([b"x"]))
    batch = client_batch([b"y", b"z"])
    await append(manager, "t", batch)
    headers = list(iter_batches(stored(manager, "t")))
    second = headers[1]
    assert (second.base_offset, second.partition_leader_epoch) == (1, 7)
    # Everything after the leader epoch (magic, CRC, attributes, records) is the client's bytes.
    assert bytes(second.batch_buffer()[16:]) == batch[16:]
    assert second.is_valid()


async def test_unknown_and_unhosted_partitions(manager: ReplicaManager) -> None:
    manager.apply_metadata(
        EMPTY,
        image(
            topic("here"),
            topic("elsewhere", leader=2, replicas=(2,)),
            topic("followed", leader=2, replicas=(2, NODE)),
        ),
    )
    results = await manager.append_records(
        [
            AppendEntry("missing", 0, client_batch([b"1"])),
            AppendEntry("here", 5, client_batch([b"1"])),
            AppendEntry("elsewhere", 0, client_batch([b"1"])),
            AppendEntry("followed", 0, client_batch([b"1"])),
            AppendEntry("here", 0, client_batch([b"1"])),
        ],
        required_acks=1,
        timeout_ms=1000,
    )
    assert [r.error_code for r in results] == [
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        ErrorCode.NOT_LEADER_OR_FOLLOWER,
        ErrorCode.NOT_LEADER_OR_FOLLOWER,
        ErrorCode.NO_ERROR,
    ]
    assert [r.base_offset for r in results] == [-1, -1, -1, -1, 0]


async def test_invalid_required_acks_touches_nothing(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t")))
    for acks in (2, -2, 5):
        (result,) = await append(manager, "t", client_batch([b"x"]), acks=acks)
        assert result.error_code == ErrorCode.INVALID_REQUIRED_ACKS
    assert manager.offsets("t", 0) == (0, 0, 0)


async def test_internal_topics_refuse_clients_but_take_coordinator_appends(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("__consumer_offsets", 3)))
    (result,) = await append(manager, "__consumer_offsets", client_batch([b"x"]), partition=1)
    assert result.error_code == ErrorCode.INVALID_TOPIC_EXCEPTION
    assert manager.offsets("__consumer_offsets", 1) == (0, 0, 0)
    first, last = await manager.append_internal("__consumer_offsets", 1, client_batch([b"k1", b"k2"]))
    assert (first, last) == (0, 1)
    read = manager.read_internal("__consumer_offsets", 1, 0)
    assert values_of(read.records) == [b"k1", b"k2"] and read.next_offset == 2


async def test_internal_append_errors_raise(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("__transaction_state", leader=2, replicas=(2, NODE))))
    with pytest.raises(ReplicaManagerError) as caught:
        await manager.append_internal("__transaction_state", 0, client_batch([b"x"]))
    assert caught.value.error_code == ErrorCode.NOT_LEADER_OR_FOLLOWER
    with pytest.raises(ReplicaManagerError) as caught:
        manager.read_internal("__transaction_state", 0, 5)
    assert caught.value.error_code == ErrorCode.OFFSET_OUT_OF_RANGE


async def test_acks_all_needs_min_insync_replicas(manager: ReplicaManager) -> None:
    manager.apply_metadata(
        EMPTY, image(topic("t", replicas=(NODE, 2, 3), isr=(NODE,), configs={"min.insync.replicas": "2"}))
    )
    (result,) = await append(manager, "t", client_batch([b"x"]), acks=-1)
    assert result.error_code == ErrorCode.NOT_ENOUGH_REPLICAS
    assert manager.offsets("t", 0) == (0, 0, 0)
    # acks=1 does not care about the ISR size.
    (result,) = await append(manager, "t", client_batch([b"x"]), acks=1)
    assert (result.error_code, result.base_offset) == (ErrorCode.NO_ERROR, 0)


async def test_acks_all_waits_for_the_followers_and_times_out(
    manager: ReplicaManager, autojump_clock: object
) -> None:
    manager.apply_metadata(EMPTY, image(topic("t", replicas=(NODE, 2), isr=(NODE, 2))))
    start = trio.current_time()
    (result,) = await append(manager, "t", client_batch([b"x"]), acks=-1, timeout_ms=3000)
    assert result.error_code == ErrorCode.REQUEST_TIMED_OUT
    assert result.base_offset == 0  # the batch is in the leader's log, only unreplicated
    assert trio.current_time() - start == pytest.approx(3.0)
    assert manager.offsets("t", 0) == (0, 0, 1)


async def test_acks_all_completes_when_a_follower_fetch_advances_the_high_watermark(
    manager: ReplicaManager, autojump_clock: object
) -> None:
    from wirekafka.replication.operations import FetchParams, FetchPartition

    manager.apply_metadata(EMPTY, image(topic("t", replicas=(NODE, 2), isr=(NODE, 2))))
    outcome: list = []

    async def produce() -> None:
        outcome.extend(await append(manager, "t", client_batch([b"a", b"b"]), acks=-1, timeout_ms=30_000))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(produce)
        await trio.sleep(1)
        assert outcome == []
        follower = FetchParams(replica_id=2, max_wait_ms=0)
        # The follower fetches the batch, then comes back from offset 2: now it has it.
        (first,) = await manager.fetch(follower, [FetchPartition("t", 0, 0, 1 << 20)])
        assert offsets_of(first.records) == [0, 1]
        assert first.high_watermark == 0
        await trio.sleep(1)
        assert outcome == []
        (second,) = await manager.fetch(follower, [FetchPartition("t", 0, 2, 1 << 20)])
        assert second.high_watermark == 0  # the snapshot taken before this fetch moved it
    assert [(r.error_code, r.base_offset) for r in outcome] == [(ErrorCode.NO_ERROR, 0)]
    assert trio.current_time() == pytest.approx(2.0)
    assert manager.offsets("t", 0) == (0, 2, 2)


async def test_acks_all_fails_when_leadership_moves_while_waiting(
    manager: ReplicaManager, autojump_clock: object
) -> None:
    first = image(topic("t", replicas=(NODE, 2), isr=(NODE, 2)))
    manager.apply_metadata(EMPTY, first)
    outcome: list = []

    async def produce() -> None:
        outcome.extend(await append(manager, "t", client_batch([b"a"]), acks=-1, timeout_ms=30_000))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(produce)
        await trio.sleep(1)
        manager.apply_metadata(
            first, image(topic("t", leader=2, leader_epoch=1, replicas=(NODE, 2), isr=(NODE, 2)))
        )
    assert [r.error_code for r in outcome] == [ErrorCode.NOT_LEADER_OR_FOLLOWER]
    assert trio.current_time() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda b: b[:17] + bytes([b[17] ^ 0xFF]) + b[18:], ErrorCode.CORRUPT_MESSAGE),  # CRC byte
        (lambda b: b[:-1] + bytes([b[-1] ^ 0x01]), ErrorCode.CORRUPT_MESSAGE),  # payload byte
        (lambda b: (5).to_bytes(8, "big") + b[8:], ErrorCode.INVALID_RECORD),  # base offset != 0
    ],
    ids=["crc", "payload", "base-offset"],
)
async def test_refused_batches_store_nothing(
    manager: ReplicaManager, mutate: object, expected: ErrorCode
) -> None:
    manager.apply_metadata(EMPTY, image(topic("t")))
    batch = mutate(client_batch([b"hello", b"world"]))  # type: ignore[operator]
    (result,) = await append(manager, "t", batch)
    assert result.error_code == expected
    assert result.base_offset == -1
    assert manager.offsets("t", 0) == (0, 0, 0)


async def test_max_message_bytes_is_per_batch_and_per_topic(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("small", configs={"max.message.bytes": "200"}), topic("big")))
    batch = client_batch([b"v" * 300])
    (result,) = await append(manager, "small", batch)
    assert result.error_code == ErrorCode.MESSAGE_TOO_LARGE
    assert "200" in (result.error_message or "")
    (result,) = await append(manager, "small", client_batch([b"v" * 50]))
    assert result.error_code == ErrorCode.NO_ERROR
    (result,) = await append(manager, "big", batch)
    assert result.error_code == ErrorCode.NO_ERROR


async def test_log_append_time_topics_stamp_the_batch(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t", configs={"message.timestamp.type": "LogAppendTime"})))
    (result,) = await append(manager, "t", client_batch([b"a", b"b"], timestamp=1000))
    assert result.error_code == ErrorCode.NO_ERROR
    assert result.log_append_time_ms > 1_600_000_000_000
    header = BatchHeader(stored(manager, "t"), 0)
    assert header.timestamp_type == TimestampType.LOG_APPEND_TIME
    assert header.max_timestamp == result.log_append_time_ms
    assert header.is_valid()


async def test_compacted_topics_refuse_records_without_key(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("c", configs={"cleanup.policy": "compact"})))
    (result,) = await append(manager, "c", client_batch([b"a", b"b", b"c"], keys=[b"k", None, None]))
    assert result.error_code == ErrorCode.INVALID_RECORD
    assert [e.batch_index for e in result.record_errors] == [1, 2]
    assert "Compacted topic cannot accept message without key" in (result.record_errors[0].message or "")
    assert manager.offsets("c", 0) == (0, 0, 0)
    (result,) = await append(manager, "c", client_batch([b"a"], keys=[b"k"]))
    assert result.error_code == ErrorCode.NO_ERROR


async def test_timestamp_bounds_name_the_offending_records(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t", configs={"message.timestamp.before.max.ms": "3600000"})))
    now = manager._now_ms()
    batch = client_batch([b"new", b"old"], timestamps=[now, now - 7_200_000])
    (result,) = await append(manager, "t", batch)
    assert result.error_code == ErrorCode.INVALID_TIMESTAMP
    assert [e.batch_index for e in result.record_errors] == [1]
    assert manager.offsets("t", 0) == (0, 0, 0)


async def test_topic_compression_type_recompresses(manager: ReplicaManager) -> None:
    from wirekafka.records.batch import Compression

    manager.apply_metadata(EMPTY, image(topic("gz", configs={"compression.type": "gzip"})))
    (result,) = await append(manager, "gz", client_batch([b"a" * 100, b"b"], keys=[b"1", b"2"]))
    assert result.error_code == ErrorCode.NO_ERROR
    header = BatchHeader(stored(manager, "gz"), 0)
    assert header.compression == Compression.GZIP
    assert values_of(stored(manager, "gz")) == [b"a" * 100, b"b"]
