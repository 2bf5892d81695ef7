"""KIP-227 fetch sessions: contexts, incremental responses and cache eviction (pure)."""

from __future__ import annotations

import random
import uuid

import pytest

from wirekafka.protocol.errors import ErrorCode
from wirekafka.replication.fetch_sessions import FetchSessionCache, next_epoch
from wirekafka.replication.operations import FetchPartition, FetchPartitionResult


def wanted(*partitions: int, topic: str = "t", offset: int = 0) -> list[FetchPartition]:
    return [FetchPartition(topic, p, offset, 1000) for p in partitions]


def result(
    partition: int, *, high_watermark: int = 5, records: bytes = b"", error: ErrorCode = ErrorCode.NO_ERROR
) -> FetchPartitionResult:
    return FetchPartitionResult(
        "t", partition, error, high_watermark=high_watermark, log_start_offset=0, records=records
    )


def open_session(cache: FetchSessionCache, *partitions: int, now: int = 0, follower: bool = False) -> int:
    context = cache.new_context(
        version=12,
        session_id=0,
        session_epoch=0,
        is_follower=follower,
        partitions=wanted(*partitions),
        forgotten=[],
        now_ms=now,
    )
    session_id, sent = cache.respond(context, [result(p) for p in partitions], now)
    assert len(sent) == len(partitions)
    return session_id


def incremental(
    cache: FetchSessionCache,
    session_id: int,
    epoch: int,
    partitions: list[FetchPartition] | None = None,
    forgotten: list[tuple[object, int]] | None = None,
) -> object:
    return cache.new_context(
        version=12,
        session_id=session_id,
        session_epoch=epoch,
        is_follower=False,
        partitions=partitions or [],
        forgotten=forgotten or [],
        now_ms=1,
    )


def test_epochs_wrap_to_one() -> None:
    assert [next_epoch(e) for e in (0, 1, 2**31 - 1, -1)] == [1, 2, 1, -1]


def test_an_incremental_response_carries_only_what_moved() -> None:
    cache = FetchSessionCache(rng=random.Random(1))
    session_id = open_session(cache, 0, 1, 2)
    assert session_id > 0
    context = incremental(cache, session_id, 1)
    assert [p.partition for p in context.partitions] == [0, 1, 2]  # type: ignore[attr-defined]
    moved = [result(0), result(1, records=b"batch", high_watermark=5), result(2, high_watermark=6)]
    _, sent = cache.respond(context, moved, 1)  # type: ignore[arg-type]
    assert [r.partition for r in sent] == [1, 2]
    # The partition that returned records goes to the back of the session's order.
    assert [p.partition for p in incremental(cache, session_id, 2).partitions] == [0, 2, 1]  # type: ignore[attr-defined]


def test_errors_are_always_sent_and_resent_once_cleared() -> None:
    cache = FetchSessionCache()
    session_id = open_session(cache, 0)
    context = incremental(cache, session_id, 1)
    _, sent = cache.respond(
        context, [result(0, error=ErrorCode.NOT_LEADER_OR_FOLLOWER, high_watermark=-1)], 1
    )  # type: ignore[arg-type]
    assert len(sent) == 1
    context = incremental(cache, session_id, 2)
    _, sent = cache.respond(context, [result(0, high_watermark=5)], 1)  # type: ignore[arg-type]
    assert len(sent) == 1  # same high watermark as before the error, but the error cleared


def test_listed_partitions_update_and_forgotten_ones_leave() -> None:
    cache = FetchSessionCache()
    session_id = open_session(cache, 0, 1)
    context = incremental(cache, session_id, 1, wanted(0, offset=7), forgotten=[("t", 1)])
    assert [(p.partition, p.fetch_offset) for p in context.partitions] == [(0, 7)]  # type: ignore[attr-defined]
    emptied = incremental(cache, session_id, 2, forgotten=[("t", 0)])
    assert emptied.kind == "sessionless"  # type: ignore[attr-defined]
    assert cache.get(session_id) is None


@pytest.mark.parametrize(
    ("session_shift", "epoch", "version", "expected"),
    [
        (1, 1, 12, ErrorCode.FETCH_SESSION_ID_NOT_FOUND),
        (0, 5, 12, ErrorCode.INVALID_FETCH_SESSION_EPOCH),
        (0, 1, 13, ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR),
    ],
)
def test_session_errors(session_shift: int, epoch: int, version: int, expected: ErrorCode) -> None:
    cache = FetchSessionCache()
    session_id = open_session(cache, 0)
    context = cache.new_context(
        version=version,
        session_id=session_id + session_shift,
        session_epoch=epoch,
        is_follower=False,
        partitions=[],
        forgotten=[],
        now_ms=0,
    )
    assert context.error_code == expected
    assert cache.respond(context, [], 0) == (0, [])


def test_a_full_fetch_closes_the_session_it_names() -> None:
    cache = FetchSessionCache()
    session_id = open_session(cache, 0)
    context = cache.new_context(
        version=12,
        session_id=session_id,
        session_epoch=-1,
        is_follower=False,
        partitions=wanted(0),
        forgotten=[],
        now_ms=0,
    )
    assert cache.respond(context, [result(0)], 0)[0] == 0
    assert cache.get(session_id) is None and len(cache) == 0


def test_topic_id_sessions_follow_renames() -> None:
    cache = FetchSessionCache()
    ident = uuid.uuid4()
    listed = [FetchPartition("old", 0, 0, 1000, topic_id=ident)]
    context = cache.new_context(
        version=13,
        session_id=0,
        session_epoch=0,
        is_follower=False,
        partitions=listed,
        forgotten=[],
        now_ms=0,
    )
    session_id, _ = cache.respond(context, [FetchPartitionResult("old", 0, topic_id=ident)], 0)
    later = cache.new_context(
        version=13,
        session_id=session_id,
        session_epoch=1,
        is_follower=False,
        partitions=[],
        forgotten=[],
        now_ms=1,
        resolve_topic=lambda topic_id: "new" if topic_id == ident else None,
    )
    assert [p.topic for p in later.partitions] == ["new"]


def test_a_full_cache_evicts_stale_sessions_first_then_smaller_ones() -> None:
    cache = FetchSessionCache(max_sessions=2, eviction_ms=1000)
    first = open_session(cache, 0, now=0)
    second = open_session(cache, 0, 1, 2, now=500)
    assert open_session(cache, 0, now=600) == 0  # full: nothing stale, nothing old enough
    third = open_session(cache, 0, 1, now=1200)  # the first, unused since 0, is stale
    assert cache.get(first) is None and third != 0
    for session_id in (second, third):  # both in use again: nothing is stale
        cache.new_context(
            version=12,
            session_id=session_id,
            session_epoch=1,
            is_follower=False,
            partitions=[],
            forgotten=[],
            now_ms=2300,
        )
    bigger = open_session(cache, 0, 1, 2, 3, 4, now=2400)  # evicts the smallest old-enough session
    assert bigger != 0 and cache.get(third) is None and cache.get(second) is not None
    assert open_session(cache, 0, now=2500) == 0  # smaller than every candidate: no session


def test_followers_may_evict_young_consumer_sessions() -> None:
    cache = FetchSessionCache(max_sessions=1, eviction_ms=60_000)
    consumer = open_session(cache, 0, 1, now=0)
    follower = open_session(cache, 0, now=10, follower=True)
    assert follower != 0 and cache.get(consumer) is None
    assert open_session(cache, 0, 1, 2, now=20) == 0  # a consumer never evicts a young follower
