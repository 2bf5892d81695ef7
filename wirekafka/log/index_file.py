"""What the offset and time indexes share: a file of fixed-width big-endian entries.

Kafka preallocates index files and memory-maps them. Here an index is an append-only file of
exactly ``entries * entry_size`` bytes plus a copy of the entries in Python arrays, loaded on
first use: lookups are a C-level ``bisect`` over an ``array`` (no struct decoding per probe),
appends are one small ``os.write`` and the file never holds preallocated zeros, so a reader
(ours or Kafka's) finds the entry count from the file length. Indexes of old segments stay
unloaded until a read, retention check or timestamp lookup touches them, which keeps startup
independent of how much data the broker holds.
"""

from __future__ import annotations

import os
from pathlib import Path


class IndexFile:
    """File plumbing for one index: lazy load, append, truncate, flush, rename, delete."""

    ENTRY_SIZE = 0

    def __init__(self, path: Path, base_offset: int, max_index_size: int) -> None:
        self._path = path
        self.base_offset = base_offset
        self.max_entries = max(1, max_index_size // self.ENTRY_SIZE)
        self._fd: int | None = None
        self._loaded = False
        self._parse(b"")

    @property
    def path(self) -> Path:
        return self._path

    @property
    def is_loaded(self) -> bool:
        return self._loaded

    @property
    def entries(self) -> int:
        """Number of entries (loads the index)."""
        self._ensure_loaded()
        return self._count()

    @property
    def is_full(self) -> bool:
        """True when ``segment.index.bytes`` worth of entries exist: the segment must roll."""
        return self.entries >= self.max_entries

    def size_in_bytes(self) -> int:
        return self.entries * self.ENTRY_SIZE

    def file_size(self) -> int:
        """Size of the file on disk without loading it (0 when missing)."""
        try:
            return self._path.stat().st_size
        except FileNotFoundError:
            return 0

    # ---- subclass hooks --------------------------------------------------------------------

    def _count(self) -> int:
        raise NotImplementedError

    def _parse(self, data: bytes) -> None:
        """Replace the in-memory entries with those in ``data`` (a whole number of entries)."""
        raise NotImplementedError

    def _keep_first(self, count: int) -> None:
        raise NotImplementedError

    # ---- loading ---------------------------------------------------------------------------

    def _ensure_loaded(self) -> None:
        if self._loaded:
            return
        try:
            data = self._path.read_bytes()
        except FileNotFoundError:
            data = b""
        usable = len(data) - len(data) % self.ENTRY_SIZE
        self._parse(data[:usable])
        self._loaded = True

    def raw_file_is_aligned(self) -> bool:
        """False when the file length is not a whole number of entries (a torn write)."""
        return self.file_size() % self.ENTRY_SIZE == 0

    # ---- writing ---------------------------------------------------------------------------

    def _write(self, data: bytes) -> None:
        if self._fd is None:
            self._fd = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

    def _truncate_entries(self, count: int) -> None:
        """Keep the first ``count`` entries in memory and on disk."""
        self._ensure_loaded()
        if count >= self._count() and self.file_size() == count * self.ENTRY_SIZE:
            return
        self._keep_first(count)
        if self._fd is not None:
            os.ftruncate(self._fd, count * self.ENTRY_SIZE)
        elif self._path.exists():
            os.truncate(self._path, count * self.ENTRY_SIZE)
        else:
            self._path.touch()

    def reset(self) -> None:
        """Remove every entry (the index is about to be rebuilt)."""
        self._loaded = True
        self._parse(b"")
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
        else:
            self._path.write_bytes(b"")

    def create_empty(self) -> None:
        """Create the file with no entries (a new segment)."""
        self._path.write_bytes(b"")
        self._parse(b"")
        self._loaded = True

    def flush(self) -> None:
        """fsync the index file (entries are already in the page cache)."""
        if self._fd is not None:
            os.fsync(self._fd)

    def close_writer(self) -> None:
        """Release the append descriptor; the index stays readable (segment rolled or closed)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def unload(self) -> None:
        """Drop the in-memory entries of an inactive index; the next lookup reloads them."""
        if self._fd is None:
            self._loaded = False
            self._parse(b"")

    def rename(self, new_path: Path) -> None:
        if self._path.exists():
            os.replace(self._path, new_path)
        self._path = new_path

    def delete(self) -> None:
        self.close_writer()
        try:
            self._path.unlink()
        except FileNotFoundError:
            pass
