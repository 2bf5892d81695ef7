"""The leader epoch cache: Kafka's assign rules, OffsetForLeaderEpoch answers, persistence."""

from __future__ import annotations

from pathlib import Path

import pytest

from wirekafka.log.errors import CorruptCheckpointError
from wirekafka.log.leader_epoch_cache import LeaderEpochFileCache


def cache_with(path: Path, *entries: tuple[int, int]) -> LeaderEpochFileCache:
    cache = LeaderEpochFileCache(path)
    for epoch, offset in entries:
        cache.assign(epoch, offset)
    return cache


def test_assign_persists_in_kafkas_text_format(tmp_path: Path) -> None:
    path = tmp_path / "leader-epoch-checkpoint"
    cache_with(path, (0, 0), (2, 10), (5, 42))
    assert path.read_text() == "0\n3\n0 0\n2 10\n5 42\n"
    assert LeaderEpochFileCache.load(path).entries == [(0, 0), (2, 10), (5, 42)]


def test_assign_ignores_repeats_and_evicts_contradicted_entries(tmp_path: Path) -> None:
    cache = cache_with(tmp_path / "c", (1, 0), (2, 10))
    assert not cache.assign(2, 15)  # epoch 2 already started at 10
    assert cache.assign(2, 5)  # an earlier start for the latest epoch replaces it
    assert cache.entries == [(1, 0), (2, 5)]
    assert cache.assign(3, 5)  # same start offset: epoch 2 never wrote anything
    assert cache.entries == [(1, 0), (3, 5)]
    assert cache.assign(2, 20)  # a lower epoch evicts the higher ones
    assert cache.entries == [(1, 0), (2, 20)]
    with pytest.raises(ValueError):
        cache.assign(-1, 0)


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (-1, (-1, -1)),  # undefined epoch
        (0, (0, 10)),  # older than every entry: its own number, first entry's start offset
        (1, (1, 20)),
        (2, (1, 20)),  # unknown epoch between 1 and 3: previous epoch, start of the next
        (3, (3, 35)),
        (4, (4, 100)),  # latest epoch ends at the log end offset
        (7, (-1, -1)),  # newer than anything known
    ],
)
def test_end_offset_for_answers_like_offset_for_leader_epoch(
    tmp_path: Path, requested: int, expected: tuple[int, int]
) -> None:
    cache = cache_with(tmp_path / "c", (1, 10), (3, 20), (4, 35))
    assert cache.end_offset_for(requested, log_end_offset=100) == expected


def test_end_offset_for_an_empty_cache_is_undefined(tmp_path: Path) -> None:
    assert LeaderEpochFileCache(tmp_path / "c").end_offset_for(3, 50) == (-1, -1)


def test_truncate_from_end_and_start(tmp_path: Path) -> None:
    path = tmp_path / "c"
    cache = cache_with(path, (1, 0), (2, 10), (3, 20))
    cache.truncate_from_end(20)
    assert cache.entries == [(1, 0), (2, 10)]
    cache.truncate_from_start(15)
    assert cache.entries == [(2, 15)]
    assert LeaderEpochFileCache.load(path).entries == [(2, 15)]
    cache.truncate_from_start(5)
    assert cache.entries == [(2, 15)]
    assert cache.epoch_for_offset(14) is None and cache.epoch_for_offset(99) == 2


def test_a_corrupt_checkpoint_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "c"
    path.write_text("0\n2\n1 0\n")
    with pytest.raises(CorruptCheckpointError):
        LeaderEpochFileCache.load(path)
    path.write_text("7\n0\n")
    with pytest.raises(CorruptCheckpointError):
        LeaderEpochFileCache.load(path)
