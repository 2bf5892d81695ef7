"""The aborted-transaction index: Kafka's ``<base offset>.txnindex`` next to each segment.

A ``read_committed`` fetch returns stored batches untouched; the consumer drops the records of
aborted transactions itself, using the list of ``(producer id, first offset)`` the fetch response
carries. That list comes from here: every ABORT marker appended to a segment adds one entry to
that segment's index, and a fetch of ``[fetch offset, upper bound)`` collects the entries that
overlap it, segment by segment, stopping at the first entry whose last stable offset reaches the
upper bound (no later abort can concern the range). Commits need no entry: committed records are
simply readable once below the last stable offset.

File format (Kafka's ``AbortedTxn``), 34 bytes per entry, big-endian, no header::

    int16 version (0), int64 producer_id, int64 first_offset, int64 last_offset,
    int64 last_stable_offset

Entries are appended in marker order (``last_offset`` strictly increasing). The file is written
with plain ``write(2)``: like the segment it survives a process kill, and after a crash the part
above the replay start is rebuilt by replaying the log (:mod:`.partition_transactions`).
"""

from __future__ import annotations

import bisect
import os
import struct
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

from wirekafka.log.errors import CorruptIndexError
from wirekafka.log.producer_state import AbortedTransaction

__all__ = [
    "ENTRY_SIZE",
    "TRANSACTION_INDEX_SUFFIX",
    "PartitionTransactionIndex",
    "TransactionIndex",
    "transaction_index_path",
]

TRANSACTION_INDEX_SUFFIX: Final = ".txnindex"
_ENTRY: Final = struct.Struct(">hqqqq")
ENTRY_SIZE: Final = _ENTRY.size
_VERSION: Final = 0


def transaction_index_path(directory: Path, base_offset: int) -> Path:
    return directory / f"{base_offset:020d}{TRANSACTION_INDEX_SUFFIX}"


def _decode(data: bytes, path: Path) -> list[AbortedTransaction]:
    if len(data) % ENTRY_SIZE:
        # a torn last entry (crash mid-write): keep the whole ones, as Kafka's reader does
        data = data[: len(data) - len(data) % ENTRY_SIZE]
    entries: list[AbortedTransaction] = []
    for position in range(0, len(data), ENTRY_SIZE):
        version, producer_id, first, last, stable = _ENTRY.unpack_from(data, position)
        if version != _VERSION:
            raise CorruptIndexError(f"{path}: unexpected aborted transaction version {version}")
        entries.append(AbortedTransaction(producer_id, first, last, stable))
    return entries


class TransactionIndex:
    """One segment's aborted transactions, in memory and in its file."""

    def __init__(self, path: Path, base_offset: int, entries: list[AbortedTransaction] | None = None) -> None:
        self.path = path
        self.base_offset = base_offset
        self._entries: list[AbortedTransaction] = [] if entries is None else entries
        self._last_offsets = [entry.last_offset for entry in self._entries]

    @classmethod
    def open(cls, directory: Path, base_offset: int) -> TransactionIndex:
        """Load the segment's index (an absent file is an empty index).

        Raises:
            CorruptIndexError: an entry of another version, or one outside the segment.
        """
        path = transaction_index_path(directory, base_offset)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return cls(path, base_offset)
        entries = _decode(data, path)
        previous = -1
        for entry in entries:
            if entry.last_offset < base_offset or entry.last_offset <= previous:
                raise CorruptIndexError(f"{path}: entry {entry} is out of order or below the segment")
            previous = entry.last_offset
        index = cls(path, base_offset, entries)
        if len(data) % ENTRY_SIZE:
            index._rewrite()
        return index

    @property
    def entries(self) -> tuple[AbortedTransaction, ...]:
        return tuple(self._entries)

    @property
    def last_offset(self) -> int | None:
        return self._last_offsets[-1] if self._last_offsets else None

    def append(self, entry: AbortedTransaction) -> None:
        """Raises:
        ValueError: ``entry.last_offset`` does not follow the last entry's (Kafka refuses too)."""
        if self._last_offsets and entry.last_offset <= self._last_offsets[-1]:
            raise ValueError(
                f"the last offset of appended transactions must increase: {entry.last_offset} after "
                f"{self._last_offsets[-1]}"
            )
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, _ENTRY.pack(_VERSION, *_fields(entry)))
        finally:
            os.close(fd)
        self._entries.append(entry)
        self._last_offsets.append(entry.last_offset)

    def absorb(self, entries: Iterable[AbortedTransaction]) -> None:
        """Merge entries of segments folded into this one, keeping marker order."""
        merged = {entry.last_offset: entry for entry in [*self._entries, *entries]}
        self._entries = [merged[offset] for offset in sorted(merged)]
        self._last_offsets = sorted(merged)
        self._rewrite()

    def collect(self, fetch_offset: int, upper_bound: int, into: list[AbortedTransaction]) -> bool:
        """Add the entries overlapping ``[fetch_offset, upper_bound)``; True when no later index can
        hold one (Kafka's ``collectAbortedTxns`` / ``isComplete``)."""
        start = bisect.bisect_left(self._last_offsets, fetch_offset)
        for entry in self._entries[start:]:
            if entry.first_offset < upper_bound:
                into.append(entry)
            if entry.last_stable_offset >= upper_bound:
                return True
        return False

    def remove(self, marker_offset: int) -> bool:
        """Drop the entry whose marker is at ``marker_offset``; whether there was one."""
        position = bisect.bisect_left(self._last_offsets, marker_offset)
        if position == len(self._last_offsets) or self._last_offsets[position] != marker_offset:
            return False
        del self._entries[position]
        del self._last_offsets[position]
        self._rewrite()
        return True

    def truncate_to(self, offset: int) -> None:
        """Drop the entries whose marker is at or above ``offset``."""
        keep = bisect.bisect_left(self._last_offsets, offset)
        if keep == len(self._entries):
            return
        del self._entries[keep:]
        del self._last_offsets[keep:]
        self._rewrite()

    def _rewrite(self) -> None:
        data = b"".join(_ENTRY.pack(_VERSION, *_fields(entry)) for entry in self._entries)
        if not data:
            self.delete()
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, self.path)

    def flush(self) -> None:
        if not self._entries:
            return
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def delete(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def _fields(entry: AbortedTransaction) -> tuple[int, int, int, int]:
    return entry.producer_id, entry.first_offset, entry.last_offset, entry.last_stable_offset


class PartitionTransactionIndex:
    """The transaction indexes of one partition's segments, by segment base offset.

    The log owns the segments; this follows them: :meth:`sync_segments` drops the indexes of
    segments retention, DeleteRecords or truncation removed.
    """

    def __init__(self, directory: Path, segment_bases: Iterable[int]) -> None:
        self.directory = directory
        self._bases: list[int] = []
        self._indexes: dict[int, TransactionIndex] = {}
        self.sync_segments(segment_bases)

    def sync_segments(self, segment_bases: Iterable[int]) -> None:
        """Follow the log's current segments: open new ones' indexes, delete gone ones' files.

        Entries of a vanished segment whose marker is still inside the log (segments merged by
        compaction) move to the segment now holding the marker; the others (retention) go.
        """
        bases = sorted(set(segment_bases))
        wanted = set(bases)
        orphans: list[AbortedTransaction] = []
        for base in [base for base in self._indexes if base not in wanted]:
            gone = self._indexes.pop(base)
            orphans.extend(gone.entries)
            gone.delete()
        for base in bases:
            if base not in self._indexes:
                try:
                    self._indexes[base] = TransactionIndex.open(self.directory, base)
                except CorruptIndexError:
                    # rebuilt by the producer-state replay, which re-adds what lies above its start
                    transaction_index_path(self.directory, base).unlink(missing_ok=True)
                    self._indexes[base] = TransactionIndex(transaction_index_path(self.directory, base), base)
        self._bases = bases
        if bases:
            kept: dict[int, list[AbortedTransaction]] = {}
            for entry in orphans:
                if entry.last_offset >= bases[0]:
                    kept.setdefault(self._segment_of(entry.last_offset), []).append(entry)
            for base, entries in kept.items():
                self._indexes[base].absorb(entries)

    def _segment_of(self, offset: int) -> int:
        position = bisect.bisect_right(self._bases, offset) - 1
        return self._bases[max(position, 0)]

    def append(self, entry: AbortedTransaction) -> None:
        """Index an abort in the segment holding its marker."""
        self._indexes[self._segment_of(entry.last_offset)].append(entry)

    def collect(self, fetch_offset: int, upper_bound: int) -> list[AbortedTransaction]:
        """The aborted transactions overlapping ``[fetch_offset, upper_bound)``, oldest first."""
        found: list[AbortedTransaction] = []
        if not self._bases:
            return found
        start = bisect.bisect_right(self._bases, fetch_offset) - 1
        for base in self._bases[max(start, 0) :]:
            if self._indexes[base].collect(fetch_offset, upper_bound, found):
                break
        return found

    def forget(self, marker_offset: int) -> None:
        """Drop the aborted transaction whose ABORT marker is at ``marker_offset`` (compaction
        removes the marker)."""
        for index in self._indexes.values():
            if index.remove(marker_offset):
                return

    def truncate_to(self, offset: int) -> None:
        """Drop every entry whose marker is at or above ``offset``."""
        for base in self._bases:
            index = self._indexes[base]
            last = index.last_offset
            if last is not None and last >= offset:
                index.truncate_to(offset)

    def entries(self) -> Iterator[AbortedTransaction]:
        for base in self._bases:
            yield from self._indexes[base].entries

    def flush(self) -> None:
        for index in self._indexes.values():
            index.flush()
