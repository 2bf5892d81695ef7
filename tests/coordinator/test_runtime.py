"""The coordinator runtime with trio: appends before replies, timers on the autojump clock, loading."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

from tests.coordinator.harness import SUBSCRIPTION
from tests.coordinator.memory_log import MemoryLog
from wirekafka.coordinator.group import records
from wirekafka.coordinator.group.config import GroupCoordinatorConfig
from wirekafka.coordinator.group.coordinator import GROUP_METADATA_TOPIC, GroupCoordinator
from wirekafka.coordinator.group.result import ClientInfo
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.group import HeartbeatRequest, JoinGroupRequest, SyncGroupRequest
from wirekafka.protocol.messages.offsets import OffsetCommitRequest
from wirekafka.records.builder import build_batch
from wirekafka.records.control import ControlType, build_end_txn_marker
from wirekafka.records.record import Record

E = ErrorCode
CLIENT = ClientInfo("app", "/127.0.0.1", 5)


def clock() -> int:
    return int(trio.current_time() * 1000)


@asynccontextmanager
async def coordinator(log: MemoryLog | None = None, **config: Any) -> AsyncIterator[GroupCoordinator]:
    config.setdefault("offsets_topic_num_partitions", 1)
    config.setdefault("initial_rebalance_delay_ms", 3_000)
    group_coordinator = GroupCoordinator(GroupCoordinatorConfig(**config), log or MemoryLog(), clock=clock)
    async with trio.open_nursery() as nursery:
        await nursery.start(group_coordinator.run)
        group_coordinator.on_leadership(GROUP_METADATA_TOPIC, 0, 1)
        await group_coordinator.runtime.wait_active(0)
        yield group_coordinator
        nursery.cancel_scope.cancel()


def join_request(member_id: str = "", **kwargs: Any) -> Any:
    values: dict[str, Any] = {
        "group_id": "group",
        "session_timeout_ms": 10_000,
        "rebalance_timeout_ms": 30_000,
        "member_id": member_id,
        "protocol_type": "consumer",
        "protocols": [JoinGroupRequest.JoinGroupRequestProtocol(name="range", metadata=SUBSCRIPTION)],
    }
    values.update(kwargs)
    return JoinGroupRequest(**values)


async def join(group_coordinator: GroupCoordinator, **kwargs: Any) -> Any:
    """A v5 client's join: MEMBER_ID_REQUIRED, then the join that is parked until the rebalance ends."""
    first = await group_coordinator.join_group(join_request(**kwargs), CLIENT)
    assert first.error_code == E.MEMBER_ID_REQUIRED
    return await group_coordinator.join_group(join_request(first.member_id, **kwargs), CLIENT)


async def test_joins_are_parked_until_the_initial_delay_then_answered_together(autojump_clock: Any) -> None:
    async with coordinator() as group_coordinator:
        responses: list[Any] = []

        async def member() -> None:
            responses.append(await join(group_coordinator))

        start = trio.current_time()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(member)
            nursery.start_soon(member)
        # 3 s of delay, extended once by 3 s because a second member arrived during the first.
        assert trio.current_time() - start == pytest.approx(6.0, abs=0.01)
        assert {r.generation_id for r in responses} == {1}
        assert {r.leader for r in responses} == {r.member_id for r in responses if r.members}


async def test_a_completed_rebalance_survives_a_restart(autojump_clock: Any) -> None:
    log = MemoryLog()
    async with coordinator(log, initial_rebalance_delay_ms=0) as group_coordinator:
        joined = await join(group_coordinator)
        synced = await group_coordinator.sync_group(
            SyncGroupRequest(
                group_id="group",
                generation_id=1,
                member_id=joined.member_id,
                assignments=[
                    SyncGroupRequest.SyncGroupRequestAssignment(member_id=joined.member_id, assignment=b"a")
                ],
            ),
            CLIENT,
        )
        assert (synced.error_code, synced.assignment) == (0, b"a")
        # Two GroupMetadata records: the new group, then generation 1 with its assignment.
        assert len(log.batches[0]) == 2
    async with coordinator(log) as reloaded:
        (described,) = await reloaded.describe_groups(["group"])
        assert (described.group_state, [m.member_assignment for m in described.members]) == ("Stable", [b"a"])
        heartbeat = HeartbeatRequest(group_id="group", generation_id=1, member_id=joined.member_id)
        assert (await reloaded.heartbeat(heartbeat, CLIENT)).error_code == 0


async def test_session_timeout_runs_on_the_clock(autojump_clock: Any) -> None:
    async with coordinator(initial_rebalance_delay_ms=0) as group_coordinator:
        joined = await join(group_coordinator)
        await trio.sleep(9.9)
        (described,) = await group_coordinator.describe_groups(["group"])
        assert described.group_state == "CompletingRebalance"
        await trio.sleep(0.2)
        (described,) = await group_coordinator.describe_groups(["group"])
        assert (described.group_state, described.members) == ("Empty", [])
        heartbeat = HeartbeatRequest(group_id="group", generation_id=1, member_id=joined.member_id)
        assert (await group_coordinator.heartbeat(heartbeat, CLIENT)).error_code == E.UNKNOWN_MEMBER_ID


async def test_operations_wait_for_the_load(autojump_clock: Any) -> None:
    log = MemoryLog()
    group_coordinator = GroupCoordinator(
        GroupCoordinatorConfig(offsets_topic_num_partitions=1), log, clock=clock
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(group_coordinator.run)
        heartbeat = HeartbeatRequest(group_id="group", generation_id=1, member_id="m")
        assert (await group_coordinator.heartbeat(heartbeat, CLIENT)).error_code == E.NOT_COORDINATOR
        group_coordinator.on_leadership(GROUP_METADATA_TOPIC, 0, 1)
        assert (
            await group_coordinator.heartbeat(heartbeat, CLIENT)
        ).error_code == E.COORDINATOR_LOAD_IN_PROGRESS
        assert (await group_coordinator.list_groups([], []))[0] == E.COORDINATOR_LOAD_IN_PROGRESS
        await group_coordinator.runtime.wait_active(0)
        assert (await group_coordinator.heartbeat(heartbeat, CLIENT)).error_code == E.UNKNOWN_MEMBER_ID
        group_coordinator.on_leadership(GROUP_METADATA_TOPIC, 0, None)
        assert (await group_coordinator.heartbeat(heartbeat, CLIENT)).error_code == E.NOT_COORDINATOR
        nursery.cancel_scope.cancel()


class LogWithoutThePartition(MemoryLog):
    """The broker stopped hosting the partition (a shutdown, a new leader) before the load."""

    def offsets(self, topic: str, partition: int) -> tuple[int, int, int] | None:
        return None


async def test_a_partition_gone_before_its_load_is_dropped_quietly(
    autojump_clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    group_coordinator = GroupCoordinator(
        GroupCoordinatorConfig(offsets_topic_num_partitions=1), LogWithoutThePartition(), clock=clock
    )
    heartbeat = HeartbeatRequest(group_id="group", generation_id=1, member_id="m")
    caplog.set_level(logging.INFO, logger="wirekafka.coordinator")
    async with trio.open_nursery() as nursery:
        await nursery.start(group_coordinator.run)
        group_coordinator.on_leadership(GROUP_METADATA_TOPIC, 0, 1)
        await trio.sleep(1)
        assert (await group_coordinator.heartbeat(heartbeat, CLIENT)).error_code == E.NOT_COORDINATOR
        nursery.cancel_scope.cancel()
    assert [r for r in caplog.records if r.levelname in ("WARNING", "ERROR")] == []
    assert any("not loading __consumer_offsets-0" in r.getMessage() for r in caplog.records)


async def test_losing_the_partition_answers_parked_joins_with_not_coordinator(autojump_clock: Any) -> None:
    async with coordinator() as group_coordinator:
        answer: list[Any] = []

        async def member() -> None:
            answer.append(await join(group_coordinator))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(member)
            await trio.sleep(1)
            assert answer == []
            group_coordinator.on_leadership(GROUP_METADATA_TOPIC, 0, None)
        assert answer[0].error_code == E.NOT_COORDINATOR


def commit_request(offset: int) -> Any:
    return OffsetCommitRequest(
        group_id="g",
        topics=[
            OffsetCommitRequest.OffsetCommitRequestTopic(
                name="t",
                partitions=[
                    OffsetCommitRequest.OffsetCommitRequestPartition(
                        partition_index=0, committed_offset=offset, committed_metadata="m"
                    )
                ],
            )
        ],
    )


@pytest.mark.parametrize(
    ("append_error", "client_error"),
    [
        (E.NOT_ENOUGH_REPLICAS, E.COORDINATOR_NOT_AVAILABLE),
        (E.REQUEST_TIMED_OUT, E.COORDINATOR_NOT_AVAILABLE),
        (E.NOT_LEADER_OR_FOLLOWER, E.NOT_COORDINATOR),
        (E.MESSAGE_TOO_LARGE, E.UNKNOWN_SERVER_ERROR),
    ],
)
async def test_a_failed_append_is_reported_and_undone(
    autojump_clock: Any, append_error: ErrorCode, client_error: ErrorCode
) -> None:
    log = MemoryLog()
    async with coordinator(log) as group_coordinator:
        ok = await group_coordinator.offset_commit(commit_request(5), CLIENT)
        assert ok.topics[0].partitions[0].error_code == 0
        log.fail_next = append_error
        failed = await group_coordinator.offset_commit(commit_request(6), CLIENT)
        assert failed.topics[0].partitions[0].error_code == client_error
        # The partition reloads from the log: the failed commit is not visible.
        await group_coordinator.runtime.wait_active(0)
        fetched = await group_coordinator.offset_fetch("g", [("t", [0])])
        assert fetched.topics[0][1][0].committed_offset == 5


async def test_replies_wait_for_the_append(autojump_clock: Any) -> None:
    log = MemoryLog(append_delay=2.0)
    async with coordinator(log) as group_coordinator:
        start = trio.current_time()
        response = await group_coordinator.offset_commit(commit_request(5), CLIENT)
        assert response.topics[0].partitions[0].error_code == 0
        assert trio.current_time() - start >= 2.0
        assert log.ends[0] == 1


async def test_transactional_offsets_load_with_their_markers(autojump_clock: Any) -> None:
    log = MemoryLog()
    for producer_id, marker, offset in [(7, ControlType.COMMIT, 70), (8, ControlType.ABORT, 80)]:
        key, value = records.offset_commit(
            "g",
            "t",
            producer_id,
            offset=offset,
            leader_epoch=-1,
            metadata="",
            commit_timestamp_ms=0,
            expire_timestamp_ms=None,
        ).encode()
        log.append_raw(
            0,
            build_batch(
                [Record(offset=0, timestamp=0, key=key, value=value)],
                producer_id=producer_id,
                producer_epoch=0,
                base_sequence=0,
                is_transactional=True,
            ),
        )
        log.append_raw(
            0,
            build_end_txn_marker(
                marker, producer_id=producer_id, producer_epoch=0, coordinator_epoch=0, timestamp_ms=0
            ),
        )
    async with coordinator(log) as group_coordinator:
        fetched = await group_coordinator.offset_fetch("g", [("t", [7, 8])])
        assert [p.committed_offset for p in fetched.topics[0][1]] == [70, -1]


async def test_txn_offsets_and_marker_go_through_the_runtime(autojump_clock: Any) -> None:
    from wirekafka.protocol.messages.txn import TxnOffsetCommitRequest
    from wirekafka.records.batch import BatchHeader

    log = MemoryLog()
    request = TxnOffsetCommitRequest(
        transactional_id="tx",
        group_id="g",
        producer_id=9,
        producer_epoch=1,
        topics=[
            TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic(
                name="t",
                partitions=[
                    TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition(
                        partition_index=0, committed_offset=12, committed_metadata=None
                    )
                ],
            )
        ],
    )
    async with coordinator(log) as group_coordinator:
        response = await group_coordinator.txn_offset_commit(request, CLIENT)
        assert response.topics[0].partitions[0].error_code == 0
        assert (await group_coordinator.offset_fetch("g", [("t", [0])])).topics[0][1][
            0
        ].committed_offset == -1
        assert await group_coordinator.complete_transaction(0, 9, 1, 0, True) == 0
        assert (await group_coordinator.offset_fetch("g", [("t", [0])])).topics[0][1][
            0
        ].committed_offset == 12
    data, marker = (BatchHeader(batch) for batch in log.batches[0])
    assert (data.is_transactional, data.producer_id, data.producer_epoch, data.is_control) == (
        True,
        9,
        1,
        False,
    )
    assert (marker.is_control, marker.producer_id) == (True, 9)
    async with coordinator(log) as reloaded:
        assert (await reloaded.offset_fetch("g", [("t", [0])])).topics[0][1][0].committed_offset == 12
