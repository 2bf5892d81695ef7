"""One log segment: ``<base offset>.log`` plus its ``.index`` and ``.timeindex``.

The ``.log`` holds record batches exactly as produce sent them (after the leader patched
``base_offset`` and ``partition_leader_epoch``), so a fetch is a ``pread`` of a byte range and the
broker never decodes records to serve one. The two sparse indexes get an entry once more than
``index.interval.bytes`` were appended since the last one (see ``offset_index`` and ``time_index``).

A segment knows nothing of its neighbours or of retention; :mod:`wirekafka.log.partition_log`
decides when to roll, what to delete and where a read starts. All I/O is synchronous
``os.pread``/``os.write``/``os.fsync`` on plain descriptors: writes land in the OS page cache and
survive a process kill; only an fsync (``flush``) makes them survive a power loss.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from wirekafka.log.batch_scan import StoredBatch, iter_stored_batches
from wirekafka.log.errors import (
    CorruptIndexError,
    CorruptRecordsError,
    LogClosedError,
    LogSegmentOffsetOverflowError,
)
from wirekafka.log.file_region import FileRegion
from wirekafka.log.offset_index import OffsetIndex
from wirekafka.log.time_index import NO_TIMESTAMP, TimeIndex
from wirekafka.records.batch import LOG_OVERHEAD, BatchHeader, TimestampType

LOG_SUFFIX = ".log"
INDEX_SUFFIX = ".index"
TIME_INDEX_SUFFIX = ".timeindex"
DELETED_SUFFIX = ".deleted"
CLEANED_SUFFIX = ".cleaned"
SWAP_SUFFIX = ".swap"

_INT32_MAX = 2**31 - 1

FILE_REGION_MIN_SIZE = 65_536
"""Smallest zero-copy read: below it one ``pread`` and a copy cost less than a ``sendfile`` and
a duplicated descriptor, and a small answer stays one buffer and one ``write``."""
_BASE_AND_LENGTH = struct.Struct(">qi")
_LAST_OFFSET_DELTA = struct.Struct(">i")


def file_stem(base_offset: int) -> str:
    """Kafka's 20-digit zero-padded base offset, the name of every file of a segment."""
    return f"{base_offset:020d}"


class TimestampAndOffset(NamedTuple):
    """A record found by timestamp: what ListOffsets answers (``leader_epoch`` -1 when unknown)."""

    timestamp: int
    offset: int
    leader_epoch: int


class LogSegment:
    """The files of one segment and the running state appends need (size, max timestamp)."""

    def __init__(
        self,
        directory: Path,
        base_offset: int,
        *,
        index_interval_bytes: int,
        max_index_size: int,
        created_ms: int,
        roll_jitter_ms: int = 0,
        suffix: str = "",
    ) -> None:
        self.directory = directory
        self.base_offset = base_offset
        self.index_interval_bytes = index_interval_bytes
        self.created_ms = created_ms
        self.roll_jitter_ms = roll_jitter_ms
        stem = directory / file_stem(base_offset)
        self._log_path = Path(f"{stem}{LOG_SUFFIX}{suffix}")
        self.offset_index = OffsetIndex(Path(f"{stem}{INDEX_SUFFIX}{suffix}"), base_offset, max_index_size)
        self.time_index = TimeIndex(Path(f"{stem}{TIME_INDEX_SUFFIX}{suffix}"), base_offset, max_index_size)
        self._fd: int | None = None
        self._indexes_checked = False
        self._size = 0
        self._closed = False
        self._dirty = False
        self._next_offset: int | None = None
        self._max_timestamp: int | None = None
        self._offset_of_max_timestamp = base_offset
        self._rolling_based_timestamp: int | None = None
        self._bytes_since_last_index_entry = 0
        # Where the last read stopped: (offset, position) such that every batch before
        # ``position`` ends below ``offset``. A consumer's next fetch starts there, so locating
        # it skips the walk from the sparse index entry over every small batch since.
        self._resume: tuple[int, int] | None = None

    # ---- construction ----------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        directory: Path,
        base_offset: int,
        *,
        index_interval_bytes: int,
        max_index_size: int,
        now_ms: int,
        roll_jitter_ms: int = 0,
        suffix: str = "",
    ) -> LogSegment:
        """Create empty files for a new segment (fails if the ``.log`` already exists)."""
        segment = cls(
            directory,
            base_offset,
            index_interval_bytes=index_interval_bytes,
            max_index_size=max_index_size,
            created_ms=now_ms,
            roll_jitter_ms=roll_jitter_ms,
            suffix=suffix,
        )
        segment._fd = os.open(segment._log_path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        segment.offset_index.create_empty()
        segment.time_index.create_empty()
        segment._max_timestamp = NO_TIMESTAMP
        segment._next_offset = base_offset
        return segment

    @classmethod
    def open(
        cls,
        directory: Path,
        base_offset: int,
        *,
        index_interval_bytes: int,
        max_index_size: int,
        now_ms: int,
        roll_jitter_ms: int = 0,
        suffix: str = "",
    ) -> LogSegment:
        """Open an existing segment; indexes load lazily on first use."""
        segment = cls(
            directory,
            base_offset,
            index_interval_bytes=index_interval_bytes,
            max_index_size=max_index_size,
            created_ms=now_ms,
            roll_jitter_ms=roll_jitter_ms,
            suffix=suffix,
        )
        segment._size = segment._log_path.stat().st_size
        return segment

    # ---- plain facts -----------------------------------------------------------------------

    @property
    def log_path(self) -> Path:
        return self._log_path

    @property
    def size(self) -> int:
        """Bytes in the ``.log`` file."""
        return self._size

    @property
    def is_empty(self) -> bool:
        return self._size == 0

    def _descriptor(self) -> int:
        if self._closed:
            raise LogClosedError(f"segment {self._log_path} is closed")
        if self._fd is None:
            self._fd = os.open(self._log_path, os.O_RDWR | os.O_APPEND)
        return self._fd

    def read_bytes(self, position: int, size: int) -> bytes:
        """``size`` bytes of the ``.log`` from ``position`` (fewer at the end of the file)."""
        return os.pread(self._descriptor(), size, position)

    def iter_batches(self, start_position: int = 0, end_position: int | None = None) -> Iterator[StoredBatch]:
        """The complete batches from ``start_position`` (a batch boundary), headers only."""
        end = self._size if end_position is None else min(end_position, self._size)
        return iter_stored_batches(self._descriptor(), start_position, end)

    def next_offset(self) -> int:
        """One past the last offset stored here; the base offset when empty.

        Computed once by scanning forward from the last index entry, then kept up to date.
        """
        if self._next_offset is None:
            next_offset = self.base_offset
            for batch in self.iter_batches(self.offset_index.last_position):
                next_offset = batch.next_offset
            self._next_offset = next_offset
        return self._next_offset

    def max_timestamp_and_offset(self) -> tuple[int, int]:
        """(largest batch max timestamp, last offset of that batch); (-1, base) when none.

        For a rolled or cleanly closed segment this is the time index's last entry, read without
        loading the index.
        """
        if self._max_timestamp is None:
            self._max_timestamp, self._offset_of_max_timestamp = self.time_index.last_entry()
        return self._max_timestamp, self._offset_of_max_timestamp

    @property
    def max_timestamp(self) -> int:
        return self.max_timestamp_and_offset()[0]

    def last_modified_ms(self) -> int:
        """File modification time: Kafka's retention fallback for segments without timestamps."""
        try:
            return int(self._log_path.stat().st_mtime * 1000)
        except FileNotFoundError:
            return 0

    def load_active_state(self) -> None:
        """Prepare an opened segment for appends: scan from the last index entry for the end
        offset, the max timestamp and the bytes since the last index entry."""
        max_timestamp, offset_of_max = self.time_index.last_entry()
        start = self.offset_index.last_position
        next_offset = self.base_offset
        for batch in self.iter_batches(start):
            next_offset = batch.next_offset
            if batch.max_timestamp > max_timestamp:
                max_timestamp, offset_of_max = batch.max_timestamp, batch.last_offset
        self._next_offset = next_offset
        self._max_timestamp, self._offset_of_max_timestamp = max_timestamp, offset_of_max
        self._bytes_since_last_index_entry = self._size - start

    # ---- appending -------------------------------------------------------------------------

    def append(self, data: bytes | bytearray | memoryview, batches: Sequence[BatchHeader]) -> None:
        """Write ``data`` (exactly the concatenated ``batches``) and index it.

        The ``.log`` write comes first, index entries after: an index entry never points at
        bytes that were not written.
        """
        if not batches:
            return
        last_offset = batches[-1].last_offset
        if not self.offset_index.can_append_offset(last_offset):
            raise LogSegmentOffsetOverflowError(
                f"offset {last_offset} does not fit segment {self.base_offset}"
            )
        position = self._size
        if position == 0:
            self._rolling_based_timestamp = batches[0].max_timestamp
        fd = self._descriptor()
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        self._dirty = True
        for batch in batches:
            timestamp = batch.max_timestamp
            self._index_batch(position, batch.last_offset, timestamp, batch.size_in_bytes)
            position += batch.size_in_bytes
        self._size = position
        self._next_offset = batches[-1].next_offset

    def _index_batch(self, position: int, last_offset: int, max_timestamp: int, size: int) -> None:
        """Account for one batch at ``position``: Kafka's per-batch index rule."""
        if self._max_timestamp is None:
            self.max_timestamp_and_offset()
        assert self._max_timestamp is not None
        if max_timestamp > self._max_timestamp:
            self._max_timestamp, self._offset_of_max_timestamp = max_timestamp, last_offset
        if self._bytes_since_last_index_entry > self.index_interval_bytes:
            self.offset_index.append(last_offset, position)
            self.time_index.maybe_append(self._max_timestamp, self._offset_of_max_timestamp)
            self._bytes_since_last_index_entry = 0
        self._bytes_since_last_index_entry += size

    def reset_for_recovery(self) -> None:
        """Forget the indexes and running state; recovery re-adds every valid batch."""
        self.offset_index.reset()
        self.time_index.reset()
        self._resume = None
        self._max_timestamp = NO_TIMESTAMP
        self._offset_of_max_timestamp = self.base_offset
        self._bytes_since_last_index_entry = 0
        self._rolling_based_timestamp = None

    def recover_batch(self, position: int, last_offset: int, max_timestamp: int, size: int) -> None:
        """Re-index a batch that recovery found valid at ``position``."""
        if position == 0:
            self._rolling_based_timestamp = max_timestamp
        self._index_batch(position, last_offset, max_timestamp, size)
        self._next_offset = last_offset + 1

    def finish_recovery(self, valid_bytes: int, next_offset: int) -> int:
        """Cut the ``.log`` after the last valid batch; returns how many bytes were dropped."""
        truncated = self._size - valid_bytes
        if truncated > 0:
            self._resume = None
            os.ftruncate(self._descriptor(), valid_bytes)
            self._size = valid_bytes
            self._dirty = True
        self._next_offset = next_offset
        max_timestamp, offset_of_max = self.max_timestamp_and_offset()
        self.time_index.maybe_append(max_timestamp, offset_of_max, skip_full_check=True)
        return max(truncated, 0)

    # ---- rolling ---------------------------------------------------------------------------

    def rolling_based_timestamp(self) -> int:
        """Max timestamp of the first batch, which ``segment.ms`` is measured from."""
        if self._rolling_based_timestamp is None:
            self._rolling_based_timestamp = NO_TIMESTAMP
            for batch in self.iter_batches(0):
                self._rolling_based_timestamp = batch.max_timestamp
                break
        return self._rolling_based_timestamp

    def time_waited_for_roll(self, now_ms: int, message_timestamp: int) -> int:
        """How old the segment is: by record timestamps when it has them, else by the clock."""
        first = self.rolling_based_timestamp()
        if first >= 0:
            return message_timestamp - first
        return now_ms - self.created_ms

    def should_roll(
        self,
        *,
        max_segment_bytes: int,
        max_segment_ms: int,
        messages_size: int,
        max_timestamp_in_messages: int,
        max_offset_in_messages: int,
        now_ms: int,
    ) -> bool:
        """Kafka's ``LogSegment.shouldRoll``: full by size, old by time, full indexes, or an
        offset the int32 relative index cannot hold."""
        reached_roll_ms = (
            self.time_waited_for_roll(now_ms, max_timestamp_in_messages)
            > max_segment_ms - self.roll_jitter_ms
        )
        return (
            self._size > max_segment_bytes - messages_size
            or (self._size > 0 and reached_roll_ms)
            or self.offset_index.is_full
            or self.time_index.is_full
            or not self.offset_index.can_append_offset(max_offset_in_messages)
        )

    def on_become_inactive(self) -> None:
        """The segment was rolled: record its final max timestamp in the time index."""
        max_timestamp, offset_of_max = self.max_timestamp_and_offset()
        self.time_index.maybe_append(max_timestamp, offset_of_max, skip_full_check=True)

    # ---- reading ---------------------------------------------------------------------------

    def check_indexes(self) -> None:
        """Sanity-check the indexes once, rebuilding them from the ``.log`` if they fail.

        Segments below the recovery point are trusted at startup without reading their indexes
        (that keeps startup fast); the first lookup that needs them checks them here instead.
        """
        if self._indexes_checked:
            return
        self._indexes_checked = True
        try:
            self.offset_index.sanity_check(self._size)
            if self.offset_index.entries:
                batch = next(self.iter_batches(self.offset_index.last_position), None)
                if batch is None or batch.base_offset > self.offset_index.last_offset:
                    raise CorruptIndexError(f"{self.offset_index.path}: last entry points at no batch")
            self.time_index.sanity_check(self.next_offset() - 1)
        except CorruptIndexError:
            self.rebuild_indexes()

    def rebuild_indexes(self) -> None:
        """Re-create both indexes from the batch headers, trusting the ``.log``'s content."""
        self.reset_for_recovery()
        next_offset = self.base_offset
        for batch in self.iter_batches(0):
            self.recover_batch(batch.position, batch.last_offset, batch.max_timestamp, batch.size)
            next_offset = batch.next_offset
        self._next_offset = next_offset
        max_timestamp, offset_of_max = self.max_timestamp_and_offset()
        self.time_index.maybe_append(max_timestamp, offset_of_max, skip_full_check=True)
        self._indexes_checked = True

    def mark_indexes_checked(self) -> None:
        """Recovery rebuilt the indexes, so there is nothing left to check."""
        self._indexes_checked = True

    def locate(self, offset: int, start_position: int = 0) -> StoredBatch | None:
        """The first batch whose last offset is at or above ``offset``; ``None`` past the end."""
        self.check_indexes()
        _, position = self.offset_index.lookup(offset)
        resume = self._resume
        if resume is not None and resume[0] <= offset and resume[1] > position:
            position = resume[1]
        for batch in self.iter_batches(max(position, start_position)):
            if batch.last_offset >= offset:
                return batch
        return None

    def read(
        self,
        fetch_offset: int,
        max_bytes: int,
        max_offset: int,
        min_one_batch: bool,
        *,
        zero_copy: bool = False,
    ) -> tuple[bytes | FileRegion, int] | None:
        """Whole batches from the one containing ``fetch_offset``, each ending below ``max_offset``.

        At most ``max_bytes`` unless ``min_one_batch`` and the first batch alone is larger
        (KIP-74). Returns (bytes, offset after the last returned batch); ``None`` means no batch
        here reaches ``fetch_offset`` (try the next segment); empty bytes mean a batch exists
        but may not be returned. One ``pread`` covers the whole range.

        With ``zero_copy`` a range of ``FILE_REGION_MIN_SIZE`` bytes or more comes back as a
        :class:`FileRegion` (sent with ``sendfile``; the caller owns it) and only its batch
        headers are read, to find where the last whole batch ends.
        """
        first = self.locate(fetch_offset)
        if first is None:
            return None
        if first.last_offset >= max_offset:
            return b"", fetch_offset
        if first.size > max_bytes:
            if not min_one_batch:
                return b"", fetch_offset
            self._resume = (first.next_offset, first.position + first.size)
            return self._range(first.position, first.size, zero_copy), first.next_offset
        span = min(max_bytes, self._size - first.position)
        if zero_copy and span >= FILE_REGION_MIN_SIZE:
            end, next_offset = first.position, fetch_offset
            for batch in self.iter_batches(first.position, first.position + span):
                if batch.last_offset >= max_offset:
                    break
                end, next_offset = batch.position + batch.size, batch.next_offset
            if end == first.position:
                return b"", fetch_offset
            self._resume = (next_offset, end)
            return self._range(first.position, end - first.position, zero_copy), next_offset
        data = self.read_bytes(first.position, span)
        end, next_offset = _end_of_whole_batches(data, max_offset)
        if end:
            self._resume = (next_offset, first.position + end)
        return (data if end == len(data) else data[:end]), max(next_offset, fetch_offset)

    def _range(self, position: int, size: int, zero_copy: bool) -> bytes | FileRegion:
        """``size`` bytes at ``position``: a region of the file when zero copy pays, else read."""
        if zero_copy and size >= FILE_REGION_MIN_SIZE:
            try:
                return FileRegion(self._descriptor(), position, size)
            except OSError:  # out of descriptors (EMFILE): a copy serves as well
                pass
        return self.read_bytes(position, size)

    def find_offset_by_timestamp(self, timestamp: int, starting_offset: int) -> TimestampAndOffset | None:
        """First record at or after ``starting_offset`` whose timestamp is ``>= timestamp``.

        The time index skips every batch that cannot hold such a record, the batch headers' max
        timestamps skip more, and only the one candidate batch is decoded.
        """
        self.check_indexes()
        start_position = 0
        entry = self.time_index.last_entry_before(timestamp)
        if entry is not None:
            _, start_position = self.offset_index.lookup(max(entry[1], starting_offset))
        elif starting_offset > self.base_offset:
            _, start_position = self.offset_index.lookup(starting_offset)
        for batch in self.iter_batches(start_position):
            if batch.max_timestamp < timestamp or batch.last_offset < starting_offset:
                continue
            found = _search_batch(self.read_bytes(batch.position, batch.size), timestamp, starting_offset)
            if found is not None:
                return found
        return None

    def find_max_timestamp_record(self) -> TimestampAndOffset | None:
        """The first record carrying this segment's largest timestamp (ListOffsets -3)."""
        max_timestamp, offset = self.max_timestamp_and_offset()
        if max_timestamp < 0:
            return None
        _, position = self.offset_index.lookup(offset)
        for batch in self.iter_batches(position):
            if batch.max_timestamp == max_timestamp:
                return _search_batch(self.read_bytes(batch.position, batch.size), max_timestamp, 0)
        return None

    # ---- truncation ------------------------------------------------------------------------

    def truncate_to(self, offset: int) -> tuple[int, int]:
        """Drop every batch whose last offset is at or above ``offset``.

        Returns (bytes removed, base offset of the first removed batch or ``offset`` when none).
        A batch is never split, so ``offset`` in the middle of a batch removes the whole batch.
        """
        batch = self.locate(offset)
        if batch is None:
            return 0, offset
        self.offset_index.truncate_to(offset)
        self.time_index.truncate_to(offset)
        removed = self._size - batch.position
        self._resume = None  # new batches may start anywhere after the cut
        os.ftruncate(self._descriptor(), batch.position)
        self._size = batch.position
        self._dirty = True
        self._next_offset = None
        self._rolling_based_timestamp = None if self._size else NO_TIMESTAMP
        # The running max timestamp may have come from a removed batch: recompute.
        self._max_timestamp = None
        self.load_active_state()
        return removed, batch.base_offset

    # ---- durability and lifecycle ----------------------------------------------------------

    def flush(self) -> None:
        """fsync the ``.log`` and both indexes."""
        if self._closed:
            return
        if self._dirty and self._fd is not None:
            os.fsync(self._fd)
            self._dirty = False
        self.offset_index.flush()
        self.time_index.flush()

    def close_index_writers(self) -> None:
        """Release index descriptors of an inactive, flushed segment."""
        self.offset_index.close_writer()
        self.time_index.close_writer()

    def close(self) -> None:
        """Flush and release every descriptor."""
        if self._closed:
            return
        self.flush()
        self.close_index_writers()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._closed = True

    def close_without_flush(self) -> None:
        """Release descriptors (the files are about to be deleted)."""
        self.offset_index.close_writer()
        self.time_index.close_writer()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self._closed = True

    def files(self) -> list[Path]:
        return [self._log_path, self.offset_index.path, self.time_index.path]

    def rename_with_suffix(self, suffix: str) -> list[Path]:
        """Rename every file to ``<name><suffix>`` (Kafka's ``.deleted``) and close; returns the
        new paths, which the caller removes after ``file.delete.delay.ms``."""
        self.close_without_flush()
        renamed = []
        for path in self.files():
            target = Path(f"{path}{suffix}")
            try:
                os.replace(path, target)
            except FileNotFoundError:
                continue
            renamed.append(target)
        return renamed

    def change_suffix(self, new: str) -> None:
        """Rename the files from ``<name><old>`` to ``<name><new>`` (completing a cleaner swap)."""
        self.close_index_writers()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        stem = self.directory / file_stem(self.base_offset)
        new_log_path = Path(f"{stem}{LOG_SUFFIX}{new}")
        if self._log_path.exists():
            os.replace(self._log_path, new_log_path)
        self._log_path = new_log_path
        self.offset_index.rename(Path(f"{stem}{INDEX_SUFFIX}{new}"))
        self.time_index.rename(Path(f"{stem}{TIME_INDEX_SUFFIX}{new}"))

    def delete(self) -> None:
        """Remove every file of the segment now."""
        self.close_without_flush()
        for path in self.files():
            try:
                path.unlink()
            except FileNotFoundError:
                pass

    def __repr__(self) -> str:
        return f"LogSegment(base_offset={self.base_offset}, size={self._size})"


def roll_jitter_for(directory: Path, base_offset: int, segment_jitter_ms: int, segment_ms: int) -> int:
    """Kafka draws a random jitter per segment so partitions do not roll in lockstep; a stable
    hash does the same here and keeps the core deterministic."""
    if segment_jitter_ms <= 0:
        return 0
    bound = min(segment_jitter_ms, segment_ms)
    return zlib.crc32(f"{directory.name}/{base_offset}".encode()) % bound


def _end_of_whole_batches(data: bytes, max_offset: int) -> tuple[int, int]:
    """(length, next offset) of the prefix of ``data`` made of complete batches ending below
    ``max_offset``. Reads three header fields per batch: this runs over every fetched batch."""
    end = 0
    next_offset = 0
    limit = len(data)
    unpack_bounds = _BASE_AND_LENGTH.unpack_from
    unpack_delta = _LAST_OFFSET_DELTA.unpack_from
    while end + LOG_OVERHEAD <= limit:
        base_offset, length = unpack_bounds(data, end)
        size = length + LOG_OVERHEAD
        if end + size > limit or length < 27:
            break
        (delta,) = unpack_delta(data, end + 23)
        if base_offset + delta >= max_offset:
            break
        end += size
        next_offset = base_offset + delta + 1
    return end, next_offset


def _search_batch(batch_bytes: bytes, timestamp: int, starting_offset: int) -> TimestampAndOffset | None:
    """Decode one batch and find its first record with timestamp >= ``timestamp``.

    Raises:
        CorruptRecordsError: the batch's records do not parse (or decompress).
    """
    from wirekafka.records.errors import RecordsError
    from wirekafka.records.record import iter_records

    header = BatchHeader(batch_bytes, 0)
    epoch = header.partition_leader_epoch if header.partition_leader_epoch >= 0 else -1
    log_append_time = header.timestamp_type == TimestampType.LOG_APPEND_TIME
    try:
        for record in iter_records(header):
            record_timestamp = header.max_timestamp if log_append_time else record.timestamp
            if record_timestamp >= timestamp and record.offset >= starting_offset:
                return TimestampAndOffset(record_timestamp, record.offset, epoch)
    except RecordsError as exc:
        raise CorruptRecordsError(f"the batch at offset {header.base_offset} does not parse: {exc}") from None
    return None
