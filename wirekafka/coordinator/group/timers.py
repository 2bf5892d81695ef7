"""Deadlines of a coordinator shard, as data: what to run when, keyed so it can be replaced.

Kafka's coordinator schedules keyed timer tasks (``heartbeat-<group>-<member>``, ``join-<group>``,
``sync-<group>``...): scheduling a key again replaces the earlier deadline, cancelling removes it.
The same here, without threads: the shard records ``(deadline_ms, action)`` per key, the runtime
sleeps until ``next_deadline()`` and calls ``pop_expired(now_ms)``; tests call it with any
``now_ms`` they like. An action is a plain callable of ``now_ms`` returning the operation result.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class Timer(Generic[T]):
    key: str
    deadline_ms: int
    action: Callable[[int], T]
    sequence: int = field(default=0)


class Timers(Generic[T]):
    """Keyed deadlines; the earliest first, ties in scheduling order."""

    def __init__(self) -> None:
        self._timers: dict[str, Timer[T]] = {}
        self._heap: list[tuple[int, int, str]] = []
        self._sequence = count()

    def schedule(self, key: str, deadline_ms: int, action: Callable[[int], T]) -> None:
        """Run ``action`` at ``deadline_ms``, replacing any timer with the same key."""
        timer = Timer(key, deadline_ms, action, next(self._sequence))
        self._timers[key] = timer
        heapq.heappush(self._heap, (deadline_ms, timer.sequence, key))

    def cancel(self, key: str) -> None:
        self._timers.pop(key, None)

    def cancel_prefix(self, prefix: str) -> None:
        """Cancel every timer whose key starts with ``prefix`` (a group being unloaded or deleted)."""
        for key in [k for k in self._timers if k.startswith(prefix)]:
            del self._timers[key]

    def deadline(self, key: str) -> int | None:
        timer = self._timers.get(key)
        return None if timer is None else timer.deadline_ms

    def __contains__(self, key: object) -> bool:
        return key in self._timers

    def __len__(self) -> int:
        return len(self._timers)

    def keys(self) -> list[str]:
        return sorted(self._timers)

    def next_deadline(self) -> int | None:
        """The earliest live deadline, or None when nothing is scheduled."""
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_expired(self, now_ms: int) -> list[Timer[T]]:
        """Remove and return the timers due at ``now_ms``, earliest first."""
        due: list[Timer[T]] = []
        while True:
            self._drop_stale()
            if not self._heap or self._heap[0][0] > now_ms:
                return due
            _, _, key = heapq.heappop(self._heap)
            due.append(self._timers.pop(key))

    def clear(self) -> None:
        self._timers.clear()
        self._heap.clear()

    def _drop_stale(self) -> None:
        """Heap entries of replaced or cancelled timers are skipped lazily."""
        while self._heap:
            _, sequence, key = self._heap[0]
            timer = self._timers.get(key)
            if timer is not None and timer.sequence == sequence:
                return
            heapq.heappop(self._heap)
