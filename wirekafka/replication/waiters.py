"""Requests that wait on partitions: a long-poll fetch and an ``acks=all`` produce.

Each waiter is a :class:`~wirekafka.replication.hosted_partition.Watcher` holding one
``trio.Event``: the partitions call it synchronously when they move, and it sets the event once
its condition holds, so the waiting task wakes exactly when there is something to answer -- never
by polling. The waiting task owns the deadline (``trio.move_on_after``) and always unregisters
in a ``finally``.
"""

from __future__ import annotations

from dataclasses import dataclass

import trio

from wirekafka.replication.hosted_partition import HostedPartition


@dataclass(slots=True)
class _Watched:
    partition: HostedPartition
    start_bytes: int
    max_bytes: int
    follower: bool


class FetchWaiter:
    """Wakes when the bytes that became readable on its partitions reach ``min_bytes``, or when a
    partition changed under it (Kafka's ``DelayedFetch.tryComplete`` cases A-H)."""

    def __init__(self, min_bytes: int, already_read: int) -> None:
        self.event = trio.Event()
        self._min_bytes = min_bytes
        self._already_read = already_read
        self._watched: list[_Watched] = []

    def watch(self, partition: HostedPartition, *, max_bytes: int, follower: bool) -> None:
        """Count bytes arriving on ``partition`` from now on, at most ``max_bytes`` of them."""
        start = partition.appended_bytes if follower else partition.visible_bytes
        self._watched.append(_Watched(partition, start, max_bytes, follower))
        partition.watchers.add(self)

    def arrived_bytes(self) -> int:
        total = self._already_read
        for watched in self._watched:
            now = watched.partition.appended_bytes if watched.follower else watched.partition.visible_bytes
            total += min(now - watched.start_bytes, watched.max_bytes)
        return total

    def moved(self, partition: HostedPartition) -> None:
        if not self.event.is_set() and self.arrived_bytes() >= self._min_bytes:
            self.event.set()

    def changed(self, partition: HostedPartition) -> None:
        self.event.set()

    def close(self) -> None:
        for watched in self._watched:
            watched.partition.watchers.discard(self)
        self._watched.clear()


class HighWatermarkWaiter:
    """Wakes when every partition's high watermark reached its required offset, or when one of
    them changed under it (the caller re-checks each partition's state after waking)."""

    def __init__(self) -> None:
        self.event = trio.Event()
        self._required: dict[HostedPartition, int] = {}

    def watch(self, partition: HostedPartition, required_offset: int) -> None:
        self._required[partition] = max(required_offset, self._required.get(partition, 0))
        partition.watchers.add(self)

    def satisfied(self) -> bool:
        return all(partition.high_watermark >= offset for partition, offset in self._required.items())

    def moved(self, partition: HostedPartition) -> None:
        if not self.event.is_set() and self.satisfied():
            self.event.set()

    def changed(self, partition: HostedPartition) -> None:
        self.event.set()

    def close(self) -> None:
        for partition in self._required:
            partition.watchers.discard(self)
        self._required.clear()
