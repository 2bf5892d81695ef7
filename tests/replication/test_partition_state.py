"""The pure partition state: high watermark rules, ISR bookkeeping, epoch checks."""

from __future__ import annotations

import pytest

from wirekafka.protocol.errors import ErrorCode
from wirekafka.replication.partition_state import PartitionState


def leader(
    isr: tuple[int, ...] = (1, 2, 3), *, log_end_offset: int = 10, high_watermark: int = 4
) -> PartitionState:
    state = PartitionState("t", 0, 1)
    state.become_leader(
        leader_epoch=3,
        partition_epoch=0,
        replicas=(1, 2, 3),
        isr=isr,
        log_end_offset=log_end_offset,
        high_watermark=high_watermark,
        now_ms=0,
    )
    return state


def test_a_lone_leader_commits_everything_it_has() -> None:
    state = leader(isr=(1,))
    assert state.high_watermark == 10
    assert state.on_local_append(12) == 12


def test_unknown_follower_positions_hold_the_high_watermark() -> None:
    state = leader()
    assert state.high_watermark == 4
    assert state.on_local_append(12) is None
    assert state.on_follower_fetch(2, fetch_offset=11, log_start_offset=0, now_ms=1) is None
    assert state.on_follower_fetch(3, fetch_offset=9, log_start_offset=0, now_ms=1) == 9
    assert state.on_follower_fetch(3, fetch_offset=12, log_start_offset=0, now_ms=2) == 11


def test_the_high_watermark_never_moves_back_while_leading() -> None:
    state = leader()
    state.on_follower_fetch(2, fetch_offset=10, log_start_offset=0, now_ms=1)
    state.on_follower_fetch(3, fetch_offset=10, log_start_offset=0, now_ms=1)
    assert state.high_watermark == 10
    assert state.on_follower_fetch(3, fetch_offset=6, log_start_offset=0, now_ms=2) is None
    assert state.high_watermark == 10


def test_followers_outside_the_isr_do_not_hold_the_high_watermark() -> None:
    state = leader(isr=(1, 2))
    assert state.on_follower_fetch(2, fetch_offset=10, log_start_offset=0, now_ms=1) == 10
    assert state.caught_up_replicas_outside_isr() == ()
    state.on_follower_fetch(3, fetch_offset=10, log_start_offset=0, now_ms=1)
    assert state.caught_up_replicas_outside_isr() == (3,)


def test_out_of_sync_replicas_after_the_lag_limit() -> None:
    state = leader()
    state.on_follower_fetch(2, fetch_offset=10, log_start_offset=0, now_ms=1_000)
    state.on_follower_fetch(3, fetch_offset=5, log_start_offset=0, now_ms=1_000)
    assert state.out_of_sync_replicas(20_000, 30_000) == ()
    assert state.out_of_sync_replicas(40_000, 30_000) == (3,)


def test_leaders_new_term_resets_follower_knowledge() -> None:
    state = leader()
    state.on_follower_fetch(2, fetch_offset=10, log_start_offset=0, now_ms=1)
    assert state.follower(2) is not None and state.follower(2).log_end_offset == 10  # type: ignore[union-attr]
    state.become_leader(
        leader_epoch=4,
        partition_epoch=1,
        replicas=(1, 2, 3),
        isr=(1, 2, 3),
        log_end_offset=10,
        high_watermark=4,
        now_ms=5,
    )
    assert state.follower(2).log_end_offset == -1  # type: ignore[union-attr]


def test_follower_high_watermark_is_capped_by_its_log() -> None:
    state = PartitionState("t", 0, 2)
    state.become_follower(
        leader_id=1,
        leader_epoch=3,
        partition_epoch=0,
        replicas=(1, 2),
        isr=(1, 2),
        log_end_offset=5,
        high_watermark=3,
    )
    assert state.is_follower and not state.is_leader
    assert state.on_leader_high_watermark(9) == 5
    assert state.on_local_append(8) is None
    assert state.on_leader_high_watermark(9) == 8


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (-1, ErrorCode.NO_ERROR),
        (3, ErrorCode.NO_ERROR),
        (2, ErrorCode.FENCED_LEADER_EPOCH),
        (4, ErrorCode.UNKNOWN_LEADER_EPOCH),
    ],
)
def test_leader_epoch_check(requested: int, expected: ErrorCode) -> None:
    assert leader().check_leader_epoch(requested) == expected


def test_min_insync_replicas() -> None:
    state = leader(isr=(1, 2))
    assert state.has_enough_replicas(2) and not state.has_enough_replicas(3)
