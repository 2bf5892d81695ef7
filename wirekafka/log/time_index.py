"""The sparse ``.timeindex``: by which offset the segment had reached which timestamp.

Each 12-byte entry is (timestamp: int64, offset relative to the base offset: int32), big-endian.
Timestamps inside a log need not grow, so an entry records the *maximum* timestamp seen so far
and the offset where it was reached; entries are only added when that maximum grows. Hence every
record at or below an entry's offset has a timestamp at or below the entry's timestamp, which is
what lets ``offset_for_timestamp`` skip straight past them. The last entry of a rolled or cleanly
closed segment is its largest timestamp, which retention reads without loading the whole file.
"""

from __future__ import annotations

import bisect
import os
import struct
from array import array

from wirekafka.log.errors import CorruptIndexError, LogSegmentOffsetOverflowError
from wirekafka.log.index_file import IndexFile

_ENTRY = struct.Struct(">qi")
_INT32_MAX = 2**31 - 1
NO_TIMESTAMP = -1


class TimeIndex(IndexFile):
    """Max-timestamp-so-far -> offset entries of one segment."""

    ENTRY_SIZE = 12

    _timestamps: array[int]
    _relative_offsets: array[int]

    def _count(self) -> int:
        return len(self._timestamps)

    def _parse(self, data: bytes) -> None:
        self._timestamps = array("q")
        self._relative_offsets = array("i")
        for timestamp, relative in _ENTRY.iter_unpack(data):
            self._timestamps.append(timestamp)
            self._relative_offsets.append(relative)

    def _keep_first(self, count: int) -> None:
        del self._timestamps[count:]
        del self._relative_offsets[count:]

    def last_entry(self) -> tuple[int, int]:
        """(timestamp, offset) of the last entry; (-1, base offset) when empty.

        Reads only the last 12 bytes of an unloaded file: retention asks every segment.
        """
        if not self._loaded and self._fd is None:
            size = self.file_size()
            if size >= self.ENTRY_SIZE and size % self.ENTRY_SIZE == 0:
                with open(self.path, "rb") as file:
                    data = os.pread(file.fileno(), self.ENTRY_SIZE, size - self.ENTRY_SIZE)
                timestamp, relative = _ENTRY.unpack(data)
                return timestamp, self.base_offset + relative
            if size == 0:
                return NO_TIMESTAMP, self.base_offset
        self._ensure_loaded()
        if not self._timestamps:
            return NO_TIMESTAMP, self.base_offset
        return self._timestamps[-1], self.base_offset + self._relative_offsets[-1]

    def last_entry_before(self, timestamp: int) -> tuple[int, int] | None:
        """(timestamp, offset) of the last entry whose timestamp is strictly below ``timestamp``."""
        self._ensure_loaded()
        slot = bisect.bisect_left(self._timestamps, timestamp) - 1
        if slot < 0:
            return None
        return self._timestamps[slot], self.base_offset + self._relative_offsets[slot]

    def maybe_append(self, timestamp: int, offset: int, *, skip_full_check: bool = False) -> None:
        """Add (timestamp, offset) if ``timestamp`` is above the last entry's.

        ``skip_full_check`` lets a segment being rolled or closed record its final maximum even
        when the index is at ``segment.index.bytes``, as Kafka does.
        """
        self._ensure_loaded()
        if not skip_full_check and self._count() >= self.max_entries:
            return
        relative = offset - self.base_offset
        if not 0 <= relative <= _INT32_MAX:
            raise LogSegmentOffsetOverflowError(
                f"offset {offset} does not fit segment {self.base_offset}'s time index"
            )
        if self._timestamps:
            if relative < self._relative_offsets[-1]:
                raise CorruptIndexError(f"{self.path}: offset {offset} is below the last entry's offset")
            if timestamp <= self._timestamps[-1]:
                return
        elif timestamp <= NO_TIMESTAMP:
            return
        self._timestamps.append(timestamp)
        self._relative_offsets.append(relative)
        self._write(_ENTRY.pack(timestamp, relative))

    def truncate_to(self, offset: int) -> None:
        """Remove entries for ``offset`` and above."""
        self._ensure_loaded()
        relative = offset - self.base_offset
        keep = 0 if relative <= 0 else bisect.bisect_left(self._relative_offsets, relative)
        self._truncate_entries(keep)

    def sanity_check(self, last_offset: int) -> None:
        """Raise :class:`CorruptIndexError` unless entries grow and stay within the segment.

        ``last_offset`` is the segment's last offset (base offset - 1 when empty).
        """
        if not self.raw_file_is_aligned():
            raise CorruptIndexError(f"{self.path}: size {self.file_size()} is not a multiple of 12")
        self._ensure_loaded()
        timestamps, offsets = self._timestamps, self._relative_offsets
        if not timestamps:
            return
        if offsets[0] < 0 or self.base_offset + offsets[-1] > max(last_offset, self.base_offset):
            raise CorruptIndexError(f"{self.path}: offsets outside the segment")
        for index in range(1, len(timestamps)):
            if timestamps[index] <= timestamps[index - 1] or offsets[index] < offsets[index - 1]:
                raise CorruptIndexError(f"{self.path}: entry {index} is not increasing")
