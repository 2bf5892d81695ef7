"""Opening a partition directory: finish interrupted file operations, then recover after a crash.

Rules, in the order :func:`load_segments` applies them (Kafka's ``LogLoader``):

1. Leftovers of interrupted operations go first: ``*.deleted`` and ``*.cleaned`` files are
   removed; a ``<base>.log.swap`` (the cleaner had finished writing a replacement segment) replaces
   every segment whose base offset lies in its offset range, and its indexes are rebuilt.
2. Index files without a ``.log`` are removed; a missing index is rebuilt from its ``.log``.
3. After a clean shutdown every segment is trusted; indexes of old segments are checked lazily
   on first use (``LogSegment.check_indexes``), so startup does not read them all.
4. After an unclean shutdown every segment from the one holding the recovery point onwards is
   re-read batch by batch: header fields, CRC-32C, offsets increasing and inside the segment.
   The first bad byte (torn write, flipped bit, garbage, zeros) ends the valid data: the segment
   is truncated there, its indexes are rebuilt, and every later segment is deleted, because
   offsets after a hole cannot be trusted. Everything before that point keeps its offsets.

A batch the process finished writing sits in the page cache, so after ``kill -9`` it is read back
intact; only a power loss can lose data that was not fsynced (see ``docs/storage.md``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wirekafka.log.batch_scan import batch_length_at, iter_stored_batches
from wirekafka.log.checkpoints import fsync_directory
from wirekafka.log.leader_epoch_cache import LeaderEpochFileCache
from wirekafka.log.segment import (
    CLEANED_SUFFIX,
    DELETED_SUFFIX,
    INDEX_SUFFIX,
    LOG_SUFFIX,
    SWAP_SUFFIX,
    TIME_INDEX_SUFFIX,
    LogSegment,
    roll_jitter_for,
)
from wirekafka.records.batch import LOG_OVERHEAD, MIN_BATCH_LENGTH, BatchHeader
from wirekafka.records.errors import RecordsError

RECOVERY_CHUNK_SIZE = 1024 * 1024
"""Bytes read per ``pread`` while validating a segment; a larger batch is read whole."""

_INT32_MAX = 2**31 - 1

BatchCallback = Callable[[BatchHeader], None]
"""Called for every batch recovery validates: the hook a producer-state rebuild will use."""


@dataclass(frozen=True, slots=True)
class SegmentSettings:
    """What opening a segment needs from the topic config."""

    index_interval_bytes: int
    max_index_size: int
    segment_jitter_ms: int = 0
    segment_ms: int = 7 * 24 * 60 * 60 * 1000


@dataclass(frozen=True, slots=True)
class SegmentRecovery:
    """Outcome of re-validating one segment."""

    valid_bytes: int
    truncated_bytes: int
    next_offset: int


@dataclass(slots=True)
class LoadResult:
    """Segments of a partition directory, oldest first, ready for appends to the last one."""

    segments: list[LogSegment]
    recovered_segments: int = 0
    truncated_bytes: int = 0
    deleted_segments: list[int] = field(default_factory=list)
    rebuilt_indexes: list[int] = field(default_factory=list)


def open_segment(directory: Path, base_offset: int, settings: SegmentSettings, now_ms: int) -> LogSegment:
    return LogSegment.open(
        directory,
        base_offset,
        index_interval_bytes=settings.index_interval_bytes,
        max_index_size=settings.max_index_size,
        now_ms=now_ms,
        roll_jitter_ms=roll_jitter_for(
            directory, base_offset, settings.segment_jitter_ms, settings.segment_ms
        ),
    )


def create_segment(directory: Path, base_offset: int, settings: SegmentSettings, now_ms: int) -> LogSegment:
    return LogSegment.create(
        directory,
        base_offset,
        index_interval_bytes=settings.index_interval_bytes,
        max_index_size=settings.max_index_size,
        now_ms=now_ms,
        roll_jitter_ms=roll_jitter_for(
            directory, base_offset, settings.segment_jitter_ms, settings.segment_ms
        ),
    )


def recover_segment(
    segment: LogSegment,
    *,
    min_offset: int,
    leader_epoch_cache: LeaderEpochFileCache | None = None,
    on_batch: BatchCallback | None = None,
) -> SegmentRecovery:
    """Validate every batch of ``segment``, rebuild its indexes and cut it at the first bad byte.

    A batch is valid when its header parses as magic v2, its CRC-32C matches, its offsets start
    at or above ``min_offset`` (the end of the previous valid batch) and fit the segment's int32
    relative offsets, and the whole batch is in the file.
    """
    segment.reset_for_recovery()
    size = segment.size
    position = 0
    next_offset = max(min_offset, segment.base_offset)
    while position < size:
        chunk = segment.read_bytes(position, min(RECOVERY_CHUNK_SIZE, size - position))
        if len(chunk) < LOG_OVERHEAD:
            break
        first_length = batch_length_at(chunk, 0)
        if first_length < MIN_BATCH_LENGTH or position + LOG_OVERHEAD + first_length > size:
            break
        if LOG_OVERHEAD + first_length > len(chunk):
            chunk = segment.read_bytes(position, LOG_OVERHEAD + first_length)
        consumed, next_offset, stopped = _recover_chunk(
            segment, chunk, position, next_offset, leader_epoch_cache, on_batch
        )
        position += consumed
        if stopped or consumed == 0:
            break
    truncated = segment.finish_recovery(position, next_offset if position else segment.base_offset)
    segment.mark_indexes_checked()
    return SegmentRecovery(position, truncated, segment.next_offset())


def _recover_chunk(
    segment: LogSegment,
    chunk: bytes,
    position: int,
    next_offset: int,
    leader_epoch_cache: LeaderEpochFileCache | None,
    on_batch: BatchCallback | None,
) -> tuple[int, int, bool]:
    """Validate the complete batches of ``chunk``; returns (bytes valid, next offset, hit bad data)."""
    at = 0
    end = len(chunk)
    while at + LOG_OVERHEAD <= end:
        length = batch_length_at(chunk, at)
        if length < MIN_BATCH_LENGTH:
            return at, next_offset, True
        if at + LOG_OVERHEAD + length > end:
            return at, next_offset, False  # continue with a fresh read at this batch
        try:
            header = BatchHeader(chunk, at)
        except RecordsError:
            return at, next_offset, True
        if (
            header.last_offset_delta < 0
            or header.base_offset < next_offset
            or header.last_offset - segment.base_offset > _INT32_MAX
            or not header.is_valid()
        ):
            return at, next_offset, True
        segment.recover_batch(position + at, header.last_offset, header.max_timestamp, header.size_in_bytes)
        epoch = header.partition_leader_epoch
        if leader_epoch_cache is not None and epoch >= 0:
            latest = leader_epoch_cache.latest_epoch
            if latest is None or epoch > latest:
                leader_epoch_cache.assign(epoch, header.base_offset)
        if on_batch is not None:
            on_batch(header)
        next_offset = header.next_offset
        at += header.size_in_bytes
    return at, next_offset, False


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _base_offset_of(name: str) -> int | None:
    stem = name.split(".", 1)[0]
    return int(stem) if len(stem) == 20 and stem.isdigit() else None


def _clean_leftovers(directory: Path) -> None:
    """Rule 1 and 2: drop half-finished files and complete interrupted swaps."""
    names = sorted(os.listdir(directory))
    swap_logs: list[int] = []
    for name in names:
        path = directory / name
        if name.endswith(DELETED_SUFFIX) or name.endswith(CLEANED_SUFFIX) or name.endswith(".tmp"):
            _remove(path)
        elif name.endswith(SWAP_SUFFIX):
            base = _base_offset_of(name)
            if base is not None and name.endswith(LOG_SUFFIX + SWAP_SUFFIX):
                swap_logs.append(base)
            else:
                _remove(path)  # index swaps are rebuilt from the log
    if swap_logs:
        _complete_swaps(directory, swap_logs)
    present = set(os.listdir(directory))
    for name in present:
        for suffix in (INDEX_SUFFIX, TIME_INDEX_SUFFIX):
            if name.endswith(suffix):
                base = _base_offset_of(name)
                if base is not None and f"{name[: -len(suffix)]}{LOG_SUFFIX}" not in present:
                    _remove(directory / name)


def _complete_swaps(directory: Path, swap_bases: list[int]) -> None:
    """Replace the segments a finished cleaning pass covers by its ``.swap`` segments."""
    low = min(swap_bases)
    high = max(
        _next_offset_of_file(directory / f"{base:020d}{LOG_SUFFIX}{SWAP_SUFFIX}", base) for base in swap_bases
    )
    for name in os.listdir(directory):
        base = _base_offset_of(name)
        if base is None or name.endswith(SWAP_SUFFIX):
            continue
        if low <= base < high and name.endswith((LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX)):
            _remove(directory / name)
    for base in swap_bases:
        stem = directory / f"{base:020d}"
        os.replace(f"{stem}{LOG_SUFFIX}{SWAP_SUFFIX}", f"{stem}{LOG_SUFFIX}")
    fsync_directory(directory)


def _next_offset_of_file(path: Path, base_offset: int) -> int:
    fd = os.open(path, os.O_RDONLY)
    try:
        next_offset = base_offset
        for batch in iter_stored_batches(fd, 0, os.fstat(fd).st_size):
            next_offset = batch.next_offset
        return next_offset
    finally:
        os.close(fd)


def load_segments(
    directory: Path,
    settings: SegmentSettings,
    *,
    now_ms: int,
    clean_shutdown: bool,
    recovery_point: int,
    log_start_offset: int,
    leader_epoch_cache: LeaderEpochFileCache | None = None,
    on_batch: BatchCallback | None = None,
) -> LoadResult:
    """Open (and if needed recover) every segment of ``directory``; see the module rules."""
    _clean_leftovers(directory)
    bases = sorted(
        base
        for name in os.listdir(directory)
        if name.endswith(LOG_SUFFIX) and (base := _base_offset_of(name)) is not None
    )
    result = LoadResult(segments=[])
    for base in bases:
        segment = open_segment(directory, base, settings, now_ms)
        stem = directory / f"{base:020d}"
        if not Path(f"{stem}{INDEX_SUFFIX}").exists() or not Path(f"{stem}{TIME_INDEX_SUFFIX}").exists():
            _touch(Path(f"{stem}{INDEX_SUFFIX}"))
            _touch(Path(f"{stem}{TIME_INDEX_SUFFIX}"))
            if clean_shutdown or base < _segment_floor(bases, recovery_point):
                segment.rebuild_indexes()
                result.rebuilt_indexes.append(base)
        elif not (segment.offset_index.raw_file_is_aligned() and segment.time_index.raw_file_is_aligned()):
            if clean_shutdown or base < _segment_floor(bases, recovery_point):
                segment.rebuild_indexes()
                result.rebuilt_indexes.append(base)
        result.segments.append(segment)

    if not clean_shutdown and result.segments:
        _recover_from(result, recovery_point, leader_epoch_cache, on_batch)

    if not result.segments:
        result.segments.append(create_segment(directory, max(log_start_offset, 0), settings, now_ms))
    else:
        active = result.segments[-1]
        active.check_indexes()
        active.load_active_state()
    return result


def _touch(path: Path) -> None:
    if not path.exists():
        path.write_bytes(b"")


def _segment_floor(bases: list[int], offset: int) -> int:
    """Base offset of the segment that holds ``offset`` (the first segment if none does)."""
    floor = bases[0] if bases else 0
    for base in bases:
        if base <= offset:
            floor = base
        else:
            break
    return floor


def _recover_from(
    result: LoadResult,
    recovery_point: int,
    leader_epoch_cache: LeaderEpochFileCache | None,
    on_batch: BatchCallback | None,
) -> None:
    """Rule 4: re-validate segments from the recovery point; cut at the first bad byte."""
    segments = result.segments
    floor = _segment_floor([segment.base_offset for segment in segments], recovery_point)
    start = next(index for index, segment in enumerate(segments) if segment.base_offset >= floor)
    min_offset = segments[start - 1].next_offset() if start > 0 else 0
    for index in range(start, len(segments)):
        recovery = recover_segment(
            segments[index], min_offset=min_offset, leader_epoch_cache=leader_epoch_cache, on_batch=on_batch
        )
        result.recovered_segments += 1
        result.truncated_bytes += recovery.truncated_bytes
        min_offset = recovery.next_offset
        if recovery.truncated_bytes > 0:
            for later in segments[index + 1 :]:
                result.deleted_segments.append(later.base_offset)
                result.truncated_bytes += later.size
                later.delete()
            del segments[index + 1 :]
            return
