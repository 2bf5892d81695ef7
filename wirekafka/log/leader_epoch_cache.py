"""Which leader epoch began at which offset: the answer to OffsetForLeaderEpoch.

A follower that comes back after a leader change asks the leader "where did my last epoch end?"
and truncates to that offset, dropping records the new leader never had. The cache is the
ordered list of (epoch, start offset) entries, persisted in the partition's
``leader-epoch-checkpoint`` on every change (changes happen once per epoch, so the fsync is rare).
Rules follow Kafka's ``LeaderEpochFileCache``: epochs and start offsets only grow; an entry that
would break that order evicts the entries it contradicts.
"""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import NamedTuple

from wirekafka.log.checkpoints import (
    LEADER_EPOCH_CHECKPOINT_VERSION,
    read_checkpoint,
    write_checkpoint,
)
from wirekafka.log.errors import CorruptCheckpointError

UNDEFINED_EPOCH = -1
UNDEFINED_EPOCH_OFFSET = -1


class EpochEntry(NamedTuple):
    """Leader epoch ``epoch`` wrote its first record at ``start_offset``."""

    epoch: int
    start_offset: int


class LeaderEpochFileCache:
    """Epoch -> start offset entries of one partition, kept in memory and in its checkpoint file."""

    def __init__(self, path: Path, entries: list[EpochEntry] | None = None) -> None:
        self._path = path
        self._entries: list[EpochEntry] = list(entries or [])

    @classmethod
    def load(cls, path: Path) -> LeaderEpochFileCache:
        """Read ``path``; a missing file is an empty cache.

        Raises:
            CorruptCheckpointError: the file does not parse; the caller may rebuild the cache from
                the batches' ``partition_leader_epoch`` instead.
        """
        rows = read_checkpoint(path, (LEADER_EPOCH_CHECKPOINT_VERSION,))
        entries: list[EpochEntry] = []
        for fields in rows or []:
            if len(fields) != 2:
                raise CorruptCheckpointError(f"{path}: malformed line {' '.join(fields)!r}")
            try:
                entries.append(EpochEntry(int(fields[0]), int(fields[1])))
            except ValueError:
                raise CorruptCheckpointError(f"{path}: malformed line {' '.join(fields)!r}") from None
        return cls(path, entries)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def entries(self) -> list[EpochEntry]:
        """A copy of the entries, oldest first."""
        return list(self._entries)

    @property
    def latest_entry(self) -> EpochEntry | None:
        return self._entries[-1] if self._entries else None

    @property
    def latest_epoch(self) -> int | None:
        return self._entries[-1].epoch if self._entries else None

    def assign(self, epoch: int, start_offset: int) -> bool:
        """Record that ``epoch`` starts at ``start_offset``; returns whether anything changed.

        A repeat of the latest epoch at a later offset is a no-op (the epoch already started).
        An entry that contradicts later ones (same or larger epoch, or same or larger start
        offset) removes them first, as a new leader's first append does after truncation.
        """
        if epoch < 0 or start_offset < 0:
            raise ValueError(f"cannot assign epoch {epoch} at offset {start_offset}")
        latest = self.latest_entry
        if latest is not None and latest.epoch == epoch and start_offset >= latest.start_offset:
            return False
        while self._entries and (
            self._entries[-1].epoch >= epoch or self._entries[-1].start_offset >= start_offset
        ):
            self._entries.pop()
        self._entries.append(EpochEntry(epoch, start_offset))
        self.flush()
        return True

    def end_offset_for(self, requested_epoch: int, log_end_offset: int) -> tuple[int, int]:
        """(epoch, end offset) as OffsetForLeaderEpoch answers for ``requested_epoch``.

        The end offset of an epoch is the start offset of the first later epoch; for the latest
        epoch it is the log end offset. An epoch older than every entry answers with its own
        number and the first entry's start offset (the data before it is gone). Unknown or
        undefined epochs answer ``(-1, -1)``.
        """
        if requested_epoch == UNDEFINED_EPOCH or not self._entries:
            return UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET
        if self._entries[-1].epoch == requested_epoch:
            return requested_epoch, log_end_offset
        epochs = [entry.epoch for entry in self._entries]
        higher = bisect.bisect_right(epochs, requested_epoch)
        if higher == len(epochs):
            return UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET
        if higher == 0:
            return requested_epoch, self._entries[0].start_offset
        return self._entries[higher - 1].epoch, self._entries[higher].start_offset

    def epoch_for_offset(self, offset: int) -> int | None:
        """The epoch that wrote ``offset`` (the last entry starting at or before it)."""
        starts = [entry.start_offset for entry in self._entries]
        index = bisect.bisect_right(starts, offset)
        return self._entries[index - 1].epoch if index > 0 else None

    def truncate_from_end(self, end_offset: int) -> None:
        """Forget epochs that start at or after ``end_offset`` (the log was truncated there)."""
        if end_offset < 0 or not self._entries or self._entries[-1].start_offset < end_offset:
            return
        while self._entries and self._entries[-1].start_offset >= end_offset:
            self._entries.pop()
        self.flush()

    def truncate_from_start(self, start_offset: int) -> None:
        """Drop epochs wholly before ``start_offset``; the epoch live at it now starts there."""
        removed: EpochEntry | None = None
        while self._entries and self._entries[0].start_offset <= start_offset:
            removed = self._entries.pop(0)
        if removed is None:
            return
        self._entries.insert(0, EpochEntry(removed.epoch, start_offset))
        self.flush()

    def clear(self) -> None:
        """Forget every entry (the log restarted at a new offset) and persist the empty cache."""
        self._entries.clear()
        self.flush()

    def flush(self) -> None:
        """Persist the entries atomically."""
        write_checkpoint(
            self._path,
            LEADER_EPOCH_CHECKPOINT_VERSION,
            (f"{entry.epoch} {entry.start_offset}" for entry in self._entries),
        )
