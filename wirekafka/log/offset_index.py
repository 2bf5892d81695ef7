"""The sparse ``.index``: which byte position a batch starts at, for every few KiB of log.

Each 8-byte entry is (offset relative to the segment's base offset: int32, byte position of the
batch in the ``.log``: int32), both big-endian as in Kafka. An entry is written for a batch once
more than ``index.interval.bytes`` were appended since the previous entry; the entry's offset is
that batch's last offset, so a lookup for offset ``o`` yields the greatest entry at or below ``o``
and the caller scans batch headers forward from there, never more than about one interval.
"""

from __future__ import annotations

import bisect
import struct
import sys
from array import array

from wirekafka.log.errors import CorruptIndexError, LogSegmentOffsetOverflowError
from wirekafka.log.index_file import IndexFile

_ENTRY = struct.Struct(">ii")
_INT32_MAX = 2**31 - 1


class OffsetIndex(IndexFile):
    """Offset -> file position entries of one segment."""

    ENTRY_SIZE = 8

    _relative_offsets: array[int]
    _positions: array[int]

    def _count(self) -> int:
        return len(self._relative_offsets)

    def _parse(self, data: bytes) -> None:
        flat = array("i")
        flat.frombytes(data)
        if sys.byteorder == "little":
            flat.byteswap()
        self._relative_offsets = flat[0::2]
        self._positions = flat[1::2]

    def _keep_first(self, count: int) -> None:
        del self._relative_offsets[count:]
        del self._positions[count:]

    @property
    def last_offset(self) -> int:
        """Offset of the last entry, or the base offset when empty."""
        self._ensure_loaded()
        if not self._relative_offsets:
            return self.base_offset
        return self.base_offset + self._relative_offsets[-1]

    @property
    def last_position(self) -> int:
        """Position of the last entry, or 0 when empty."""
        self._ensure_loaded()
        return self._positions[-1] if self._positions else 0

    def can_append_offset(self, offset: int) -> bool:
        """True when ``offset`` fits the int32 relative offset of this segment."""
        relative = offset - self.base_offset
        return 0 <= relative <= _INT32_MAX

    def lookup(self, offset: int) -> tuple[int, int]:
        """(offset, position) of the greatest entry at or below ``offset``; (base, 0) if none."""
        self._ensure_loaded()
        relative = min(offset - self.base_offset, _INT32_MAX)
        slot = bisect.bisect_right(self._relative_offsets, relative) - 1
        if slot < 0:
            return self.base_offset, 0
        return self.base_offset + self._relative_offsets[slot], self._positions[slot]

    def append(self, offset: int, position: int) -> None:
        """Add an entry; offsets must grow, as batches are appended in offset order."""
        self._ensure_loaded()
        if not self.can_append_offset(offset):
            raise LogSegmentOffsetOverflowError(
                f"offset {offset} does not fit segment {self.base_offset}'s index"
            )
        relative = offset - self.base_offset
        if self._relative_offsets and relative <= self._relative_offsets[-1]:
            raise CorruptIndexError(
                f"{self.path}: offset {offset} is not above the last entry {self.last_offset}"
            )
        self._relative_offsets.append(relative)
        self._positions.append(position)
        self._write(_ENTRY.pack(relative, position))

    def truncate_to(self, offset: int) -> None:
        """Remove entries for ``offset`` and above."""
        self._ensure_loaded()
        relative = offset - self.base_offset
        if relative <= 0:
            self._truncate_entries(0)
            return
        self._truncate_entries(bisect.bisect_left(self._relative_offsets, min(relative, _INT32_MAX)))

    def sanity_check(self, log_size: int) -> None:
        """Raise :class:`CorruptIndexError` unless the entries could describe a log of ``log_size``.

        Checks what a torn or stale index would break: whole entries, strictly increasing
        offsets and positions, and positions inside the log file.
        """
        if not self.raw_file_is_aligned():
            raise CorruptIndexError(f"{self.path}: size {self.file_size()} is not a multiple of 8")
        self._ensure_loaded()
        offsets, positions = self._relative_offsets, self._positions
        if not offsets:
            return
        if offsets[0] < 0 or positions[0] < 0:
            raise CorruptIndexError(f"{self.path}: negative first entry")
        if (positions[-1] >= log_size and log_size > 0) or (log_size == 0 and len(offsets) > 0):
            raise CorruptIndexError(f"{self.path}: position {positions[-1]} is past the log size {log_size}")
        for index in range(1, len(offsets)):
            if offsets[index] <= offsets[index - 1] or positions[index] <= positions[index - 1]:
                raise CorruptIndexError(f"{self.path}: entry {index} is not increasing")
