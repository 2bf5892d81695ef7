"""Follower truncation: back to an offset, or empty at a new offset."""

from __future__ import annotations

import os
from pathlib import Path

from .helpers import batch, open_log, read_all


def test_truncate_to_a_batch_boundary_removes_later_batches_and_segments(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    for epoch in (1, 1, 2, 2, 3):
        log.append(batch([b"a" * 150, b"b" * 150]), leader_epoch=epoch, now_ms=0)
    log.update_high_watermark(10)
    assert len(log.segments) > 2
    assert log.truncate_to(4)
    assert log.log_end_offset == 4
    assert [record.offset for record in read_all(log)] == [0, 1, 2, 3]
    assert log.leader_epoch_cache.entries == [(1, 0)]
    assert log.high_watermark == 4
    assert all(segment.base_offset <= 4 for segment in log.segments)
    names = [name for name in os.listdir(tmp_path / "t-0") if name.endswith(".log")]
    assert len(names) == len(log.segments)
    # Appends continue from the truncation point with the new leader's epoch.
    assert log.append(batch([b"c"]), leader_epoch=4, now_ms=0).first_offset == 4
    assert log.leader_epoch_cache.entries == [(1, 0), (4, 4)]


def test_truncate_inside_a_batch_removes_the_whole_batch(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    log.append(batch([b"a", b"b"]), leader_epoch=0, now_ms=0)
    log.append(batch([b"c", b"d", b"e"]), leader_epoch=0, now_ms=0)
    assert log.truncate_to(3)
    assert log.log_end_offset == 2
    assert [record.value for record in read_all(log)] == [b"a", b"b"]


def test_truncate_at_or_past_the_end_is_a_no_op(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    log.append(batch([b"a", b"b"]), leader_epoch=0, now_ms=0)
    assert not log.truncate_to(2)
    assert not log.truncate_to(10)
    assert log.log_end_offset == 2


def test_truncate_below_the_first_segment_restarts_the_log(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    log.truncate_fully_and_start_at(100)
    log.append(batch([b"a"]), leader_epoch=1, now_ms=0)
    assert (log.log_start_offset, log.log_end_offset) == (100, 101)
    assert log.truncate_to(50)
    assert (log.log_start_offset, log.log_end_offset) == (50, 50)
    assert [segment.base_offset for segment in log.segments] == [50]
    assert log.leader_epoch_cache.entries == []


def test_truncate_fully_and_start_at_empties_every_segment(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    for _ in range(10):
        log.append(batch([b"x" * 200]), leader_epoch=2, now_ms=0)
    log.truncate_fully_and_start_at(1_000)
    assert (log.log_start_offset, log.log_end_offset, log.high_watermark) == (1_000, 1_000, 1_000)
    assert [name for name in os.listdir(tmp_path / "t-0") if name.endswith(".log")] == [f"{1_000:020d}.log"]
    assert log.append(batch([b"a"]), leader_epoch=3, now_ms=0).first_offset == 1_000
    reopened_offsets = [record.offset for record in read_all(log)]
    assert reopened_offsets == [1_000]


def test_truncated_log_reopens_with_the_same_content(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    for _ in range(8):
        log.append(batch([b"v" * 120]), leader_epoch=0, now_ms=0)
    log.truncate_to(5)
    log.append(batch([b"new"]), leader_epoch=1, now_ms=0)
    log.close()
    reopened = open_log(tmp_path / "t-0", clean_shutdown=True)
    assert [record.value for record in read_all(reopened)] == [b"v" * 120] * 5 + [b"new"]
    assert reopened.leader_epoch_cache.entries == [(0, 0), (1, 5)]


def test_divergent_follower_truncates_to_the_leaders_epoch_end(tmp_path: Path) -> None:
    leader = open_log(tmp_path / "leader-0")
    follower = open_log(tmp_path / "follower-0")
    for log in (leader, follower):
        log.append(batch([b"a", b"b"]), leader_epoch=1, now_ms=0)
    follower.append(batch([b"lost", b"lost"]), leader_epoch=1, now_ms=0)  # never replicated
    leader.append(batch([b"c"]), leader_epoch=2, now_ms=0)
    # The follower asks where its latest epoch (1) ended on the leader, then truncates there.
    epoch, end_offset = leader.end_offset_for_epoch(follower.leader_epoch_cache.latest_epoch or 0)
    assert (epoch, end_offset) == (1, 2)
    follower.truncate_to(end_offset)
    follower.append_as_follower(
        bytearray(leader.read(2, 1_000, max_offset=3, min_one_batch=True).records), now_ms=0
    )
    assert [record.value for record in read_all(follower)] == [b"a", b"b", b"c"]
    assert follower.end_offset_for_epoch(2) == (2, 3) and follower.end_offset_for_epoch(5) == (-1, -1)
