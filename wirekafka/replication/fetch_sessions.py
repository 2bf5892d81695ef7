"""Incremental fetch sessions (KIP-227): a fetcher sends only what changed, the broker only what moved.

A consumer or follower fetching many partitions repeats the same list in every request; a session
lets it send the list once. Pure state, no I/O, no trio; rules as Kafka's ``FetchSession.scala``:

1. ``session_id`` 0 with epoch 0 is a **full** fetch that asks for a session: the partitions are
   read as listed and, if the cache has room, a session is created holding them; the response
   carries its id (epoch 1 comes next). Epoch -1 is a full fetch that wants no session
   (sessionless). A full fetch naming an existing session id closes that session first.
2. Epoch > 0 is **incremental**: the session must exist (FETCH_SESSION_ID_NOT_FOUND) at that epoch
   (INVALID_FETCH_SESSION_EPOCH) and use topic ids exactly when the request version does (v13+;
   FETCH_SESSION_TOPIC_ID_ERROR). Listed partitions are added or update their cached fetch
   parameters, ``forgotten_topics_data`` are removed; an empty session is closed and the fetch
   served sessionless. The epoch then advances (wrapping from ``2**31 - 1`` to 1).
3. An incremental fetch reads every partition of the session, and its response includes a
   partition only when it has records, an error, a diverging epoch, or a high watermark or log
   start offset different from the one last sent. A partition that returned records moves to the
   end of the session's order, so the next fetch serves the others first.
4. The cache holds ``max.incremental.fetch.session.cache.slots`` (1000) sessions. When full, a new
   session may evict the least recently used one if that one was unused for
   ``min.incremental.fetch.session.eviction.ms`` (120 s); otherwise the smallest evictable one if
   the newcomer is worth more: a follower's session (privileged) over a consumer's, else the one
   with more partitions, never a consumer session younger than the eviction time. If nothing can
   be evicted the fetch is answered with session id 0 (no session).
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from wirekafka.protocol.errors import ErrorCode
from wirekafka.replication.operations import UNKNOWN_OFFSET, FetchPartition, FetchPartitionResult

NO_SESSION = 0
INITIAL_EPOCH = 0
FINAL_EPOCH = -1
DEFAULT_MAX_SESSIONS = 1000  # max.incremental.fetch.session.cache.slots
DEFAULT_EVICTION_MS = 120_000  # min.incremental.fetch.session.eviction.ms
_INT32_MAX = 2**31 - 1

PartitionKey = tuple[object, int]
"""(topic id, partition) in a session that uses topic ids, else (topic name, partition)."""


def next_epoch(epoch: int) -> int:
    """Kafka's ``FetchMetadata.nextEpoch``: 0 and -1 are reserved, so it wraps to 1."""
    if epoch < 0:
        return FINAL_EPOCH
    return 1 if epoch == _INT32_MAX else epoch + 1


def key_of(partition: FetchPartition, uses_topic_ids: bool) -> PartitionKey:
    if uses_topic_ids:
        return (partition.topic_id, partition.partition)
    return (partition.topic, partition.partition)


@dataclass(slots=True)
class CachedPartition:
    """A partition of a session: its latest request parameters and what was last sent for it."""

    request: FetchPartition
    high_watermark: int = UNKNOWN_OFFSET
    log_start_offset: int = UNKNOWN_OFFSET

    def must_respond(self, result: FetchPartitionResult, *, update: bool) -> bool:
        """Rule 3; with ``update`` the sent values are remembered (an error forgets the high
        watermark, so the partition is sent again once the error clears)."""
        respond = bool(result.records)
        if result.high_watermark != self.high_watermark:
            respond = True
            if update:
                self.high_watermark = result.high_watermark
        if result.log_start_offset != self.log_start_offset:
            respond = True
            if update:
                self.log_start_offset = result.log_start_offset
        if result.error_code != ErrorCode.NO_ERROR:
            respond = True
            if update:
                self.high_watermark = UNKNOWN_OFFSET
        return respond or result.diverging_epoch is not None


@dataclass(slots=True)
class FetchSession:
    id: int
    privileged: bool
    uses_topic_ids: bool
    created_ms: int
    last_used_ms: int
    epoch: int
    partitions: dict[PartitionKey, CachedPartition] = field(default_factory=dict)

    def evictable_key(self) -> tuple[bool, int, int]:
        return (self.privileged, len(self.partitions), self.id)


@dataclass(slots=True)
class FetchContext:
    """How one fetch request is served: what to read and how to shape the response.

    ``kind`` is ``"sessionless"``, ``"full"``, ``"incremental"`` or ``"error"``.
    """

    kind: str
    partitions: list[FetchPartition]
    error_code: ErrorCode = ErrorCode.NO_ERROR
    session: FetchSession | None = None
    privileged: bool = False
    uses_topic_ids: bool = False


class FetchSessionCache:
    """Every open fetch session of this broker (rules in the module docstring)."""

    def __init__(
        self,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        eviction_ms: int = DEFAULT_EVICTION_MS,
        rng: random.Random | None = None,
    ) -> None:
        self.max_sessions = max_sessions
        self.eviction_ms = eviction_ms
        self._sessions: dict[int, FetchSession] = {}
        self._random = rng if rng is not None else random.Random()

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: int) -> FetchSession | None:
        return self._sessions.get(session_id)

    def sessions(self) -> list[FetchSession]:
        return list(self._sessions.values())

    # ---- requests ------------------------------------------------------------------------------

    def new_context(
        self,
        *,
        version: int,
        session_id: int,
        session_epoch: int,
        is_follower: bool,
        partitions: Sequence[FetchPartition],
        forgotten: Iterable[PartitionKey],
        now_ms: int,
        resolve_topic: Callable[[uuid.UUID], str | None] | None = None,
    ) -> FetchContext:
        """Rules 1 and 2: the context of a request with these session fields.

        ``forgotten`` keys use topic ids from v13 and names before, like ``partitions``' keys.
        ``resolve_topic`` names the topic ids of a session's cached partitions (topics may have
        been deleted or renamed meanwhile); an unknown id gives the name ``""``.
        """
        uses_topic_ids = version >= 13
        if session_epoch in (INITIAL_EPOCH, FINAL_EPOCH):
            if session_id != NO_SESSION:
                self._sessions.pop(session_id, None)
            kind = "sessionless" if session_epoch == FINAL_EPOCH else "full"
            return FetchContext(kind, list(partitions), privileged=is_follower, uses_topic_ids=uses_topic_ids)
        session = self._sessions.get(session_id)
        if session is None:
            return FetchContext("error", [], ErrorCode.FETCH_SESSION_ID_NOT_FOUND)
        if session.epoch != session_epoch:
            return FetchContext("error", [], ErrorCode.INVALID_FETCH_SESSION_EPOCH)
        if session.uses_topic_ids != uses_topic_ids:
            return FetchContext("error", [], ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR)
        for partition in partitions:
            key = key_of(partition, uses_topic_ids)
            cached = session.partitions.get(key)
            if cached is None:
                session.partitions[key] = CachedPartition(partition)
            else:
                cached.request = partition
        for key in forgotten:
            session.partitions.pop(key, None)
        if not session.partitions:
            del self._sessions[session.id]
            return FetchContext("sessionless", list(partitions), uses_topic_ids=uses_topic_ids)
        session.last_used_ms = now_ms
        session.epoch = next_epoch(session.epoch)
        wanted = [cached.request for cached in session.partitions.values()]
        if uses_topic_ids and resolve_topic is not None:
            wanted = [_renamed(request, resolve_topic) for request in wanted]
        return FetchContext("incremental", wanted, session=session, uses_topic_ids=uses_topic_ids)

    def respond(
        self, context: FetchContext, results: Sequence[FetchPartitionResult], now_ms: int
    ) -> tuple[int, list[FetchPartitionResult]]:
        """The response's session id and partitions for ``results`` (one per partition read, in
        the order of ``context.partitions``; unreadable ones included with their error)."""
        if context.kind == "error":
            return NO_SESSION, []
        if context.kind == "sessionless":
            return NO_SESSION, list(results)
        if context.kind == "full":
            session_id = self._maybe_create(context, results, now_ms)
            return session_id, list(results)
        session = context.session
        assert session is not None
        chosen: list[FetchPartitionResult] = []
        for result in results:
            key = _result_key(result, session.uses_topic_ids)
            cached = session.partitions.get(key)
            if cached is None:
                continue
            if cached.must_respond(result, update=True):
                chosen.append(result)
                if result.records:
                    session.partitions[key] = session.partitions.pop(key)
        return session.id, chosen

    # ---- the cache -----------------------------------------------------------------------------

    def _maybe_create(
        self, context: FetchContext, results: Sequence[FetchPartitionResult], now_ms: int
    ) -> int:
        size = len(context.partitions)
        if len(self._sessions) >= self.max_sessions and not self._evict_for(context.privileged, size, now_ms):
            return NO_SESSION
        session = FetchSession(
            id=self._new_id(),
            privileged=context.privileged,
            uses_topic_ids=context.uses_topic_ids,
            created_ms=now_ms,
            last_used_ms=now_ms,
            epoch=next_epoch(INITIAL_EPOCH),
        )
        by_key = {_result_key(result, context.uses_topic_ids): result for result in results}
        for request in context.partitions:
            key = key_of(request, context.uses_topic_ids)
            cached = CachedPartition(request)
            result = by_key.get(key)
            if result is not None:
                cached.must_respond(result, update=True)
            session.partitions[key] = cached
        self._sessions[session.id] = session
        return session.id

    def _evict_for(self, privileged: bool, size: int, now_ms: int) -> bool:
        """Rule 4: make room for a new session, if one may go."""
        if not self._sessions:
            return False
        oldest = min(self._sessions.values(), key=lambda s: (s.last_used_ms, s.id))
        if now_ms - oldest.last_used_ms > self.eviction_ms:
            del self._sessions[oldest.id]
            return True
        old_enough = [s for s in self._sessions.values() if now_ms - s.created_ms > self.eviction_ms]
        if privileged:
            candidates = [s for s in self._sessions.values() if not s.privileged or s in old_enough]
        else:
            candidates = old_enough
        if not candidates:
            return False
        victim = min(candidates, key=FetchSession.evictable_key)
        if (privileged, size, 0) < victim.evictable_key():
            return False
        del self._sessions[victim.id]
        return True

    def _new_id(self) -> int:
        while True:
            candidate = self._random.randint(1, _INT32_MAX)
            if candidate not in self._sessions:
                return candidate


def _renamed(request: FetchPartition, resolve_topic: Callable[[uuid.UUID], str | None]) -> FetchPartition:
    if request.topic_id is None:
        return request
    name = resolve_topic(request.topic_id) or ""
    return request if name == request.topic else dataclasses.replace(request, topic=name)


def _result_key(result: FetchPartitionResult, uses_topic_ids: bool) -> PartitionKey:
    if uses_topic_ids:
        return (result.topic_id, result.partition)
    return (result.topic, result.partition)
