"""One partition's log: the ordered segments of ``<topic>-<partition>/`` and the offsets over them.

The log assigns offsets (leader appends), keeps them (follower appends), serves byte ranges of
whole batches to fetches, finds offsets by timestamp, truncates for replica divergence, and
deletes whole segments for retention and DeleteRecords. It decodes no record on the append and
fetch paths. Rules:

1. ``log_start_offset <= high_watermark <= log_end_offset``; the high watermark is set by the
   replication layer (``update_high_watermark``) and only bounds what retention may delete.
2. Reads never return part of a batch; a read starting inside a batch returns that whole batch
   (consumers skip the records below their position, as with Kafka).
3. Only whole segments are deleted, oldest first, never beyond the high watermark. When every
   segment is expired the log first rolls a new empty active segment, as Kafka does.
4. Producer state (idempotence, transactions) is not kept here yet: ``AppendInfo.batches``
   carries each appended batch's header so a ``ProducerStateManager`` can be fed from it.

Not thread-safe: one caller at a time (the broker's runtime serializes access per partition).
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wirekafka.log.checkpoints import LEADER_EPOCH_CHECKPOINT, fsync_directory
from wirekafka.log.config import LogConfig
from wirekafka.log.errors import (
    CorruptCheckpointError,
    LogClosedError,
    OffsetOutOfRangeError,
    OffsetsOutOfOrderError,
    RecordBatchTooLargeError,
    RecordTooLargeError,
    UnexpectedAppendOffsetError,
)
from wirekafka.log.file_region import FileRegion
from wirekafka.log.leader_epoch_cache import LeaderEpochFileCache
from wirekafka.log.recovery import (
    BatchCallback,
    SegmentSettings,
    create_segment,
    load_segments,
)
from wirekafka.log.segment import DELETED_SUFFIX, SWAP_SUFFIX, LogSegment, TimestampAndOffset
from wirekafka.log.steps import Steps
from wirekafka.log.topic_partition import TopicPartition, parse_dir_name
from wirekafka.records.batch import (
    NO_TIMESTAMP,
    BatchHeader,
    set_base_offset,
    set_log_append_time,
    set_partition_leader_epoch,
)
from wirekafka.records.errors import CorruptRecordError


@dataclass(frozen=True, slots=True)
class AppendInfo:
    """What an append did, for the Produce response and the replication layer.

    ``batches`` are headers over the caller's buffer after patching (fresh views): the hook for
    producer state. ``log_append_time`` is the broker timestamp written for LogAppendTime topics,
    else -1, as the Produce response expects.
    """

    first_offset: int
    last_offset: int
    max_timestamp: int
    offset_of_max_timestamp: int
    log_append_time: int
    log_start_offset: int
    valid_bytes: int
    batches: tuple[BatchHeader, ...]
    rolled: bool = False


@dataclass(frozen=True, slots=True)
class ReadResult:
    """Whole batches for a fetch. ``records`` may start below ``fetch_offset`` (rule 2)."""

    records: bytes | FileRegion
    fetch_offset: int
    next_offset: int
    log_start_offset: int
    log_end_offset: int


@dataclass(slots=True)
class _PendingDeletion:
    due_ms: int
    paths: list[Path] = field(default_factory=list)


class PartitionLog:
    """The segments of one partition directory and the offsets that span them."""

    def __init__(
        self,
        directory: Path,
        config: LogConfig,
        segments: list[LogSegment],
        leader_epoch_cache: LeaderEpochFileCache,
        *,
        log_start_offset: int,
        recovery_point: int,
        high_watermark: int,
        now_ms: int,
    ) -> None:
        """Use :meth:`open`; this only wires already loaded parts together."""
        self._directory = directory
        self._config = config
        self._segments = segments
        self._bases = [segment.base_offset for segment in segments]
        self._leader_epoch_cache = leader_epoch_cache
        self._log_start_offset = log_start_offset
        self._recovery_point = recovery_point
        self._high_watermark = high_watermark
        self._last_flush_ms = now_ms
        self._flush_pending_up_to: int | None = None
        self._directory_dirty = False
        self._pending_deletions: list[_PendingDeletion] = []
        self._closed = False
        parsed = parse_dir_name(directory.name)
        self._topic_partition = parsed[0] if parsed is not None else None

    # ---- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        directory: Path,
        config: LogConfig,
        *,
        now_ms: int,
        clean_shutdown: bool = False,
        recovery_point: int = 0,
        log_start_offset: int = 0,
        high_watermark: int | None = None,
        on_batch: BatchCallback | None = None,
    ) -> PartitionLog:
        """Open (creating if needed) the log in ``directory``.

        Args:
            clean_shutdown: the log dir's clean shutdown marker was present; otherwise segments
                from ``recovery_point`` on are re-validated (``recovery.py``).
            recovery_point: offset up to which data is known to be fsynced (checkpoint).
            log_start_offset: checkpointed log start offset (DeleteRecords may have moved it
                above the first segment's base offset).
            high_watermark: checkpointed high watermark, clamped into the log's range; ``None``
                (a log opened on its own, without a log manager) means the log end offset.
            on_batch: called for each batch recovery validates (producer state rebuild hook).
        """
        directory.mkdir(parents=True, exist_ok=True)
        cache_path = directory / LEADER_EPOCH_CHECKPOINT
        try:
            cache = LeaderEpochFileCache.load(cache_path)
            cache_corrupt = False
        except CorruptCheckpointError:
            cache = LeaderEpochFileCache(cache_path)
            cache_corrupt = True
        loaded = load_segments(
            directory,
            _segment_settings(config),
            now_ms=now_ms,
            clean_shutdown=clean_shutdown,
            recovery_point=recovery_point,
            log_start_offset=log_start_offset,
            leader_epoch_cache=cache,
            on_batch=on_batch,
        )
        segments = loaded.segments
        log_end_offset = segments[-1].next_offset()
        start = min(max(log_start_offset, segments[0].base_offset), log_end_offset)
        if cache_corrupt:
            _rebuild_epoch_cache(cache, segments)
        cache.truncate_from_end(log_end_offset)
        cache.truncate_from_start(start)
        # Re-validated data is not necessarily on disk (it may sit in the page cache of the
        # crashed process), so only a clean shutdown moves the recovery point to the end.
        point = log_end_offset if clean_shutdown else min(max(recovery_point, start), log_end_offset)
        watermark = log_end_offset if high_watermark is None else high_watermark
        log = cls(
            directory,
            config,
            segments,
            cache,
            log_start_offset=start,
            recovery_point=point,
            high_watermark=min(max(watermark, start), log_end_offset),
            now_ms=now_ms,
        )
        return log

    # ---- facts -----------------------------------------------------------------------------

    @property
    def directory(self) -> Path:
        return self._directory

    @property
    def topic_partition(self) -> TopicPartition | None:
        """Parsed from the directory name (``None`` for a directory not named Kafka's way)."""
        return self._topic_partition

    @property
    def config(self) -> LogConfig:
        return self._config

    def update_config(self, config: LogConfig) -> None:
        """Apply a changed topic config; new segments pick up index and roll settings."""
        self._config = config

    @property
    def log_start_offset(self) -> int:
        return self._log_start_offset

    @property
    def log_end_offset(self) -> int:
        return self._segments[-1].next_offset()

    @property
    def recovery_point(self) -> int:
        """Offsets below this are fsynced; recovery after a crash starts here."""
        return self._recovery_point

    @property
    def high_watermark(self) -> int:
        return self._high_watermark

    def update_high_watermark(self, offset: int) -> int:
        """Set the high watermark (clamped into [log start, log end]); returns the value kept."""
        self._high_watermark = min(max(offset, self._log_start_offset), self.log_end_offset)
        return self._high_watermark

    @property
    def size_in_bytes(self) -> int:
        return sum(segment.size for segment in self._segments)

    @property
    def segments(self) -> tuple[LogSegment, ...]:
        return tuple(self._segments)

    @property
    def active_segment(self) -> LogSegment:
        return self._segments[-1]

    @property
    def leader_epoch_cache(self) -> LeaderEpochFileCache:
        return self._leader_epoch_cache

    def end_offset_for_epoch(self, leader_epoch: int) -> tuple[int, int]:
        """(epoch, end offset) for OffsetForLeaderEpoch; ``(-1, -1)`` when the epoch is unknown."""
        return self._leader_epoch_cache.end_offset_for(leader_epoch, self.log_end_offset)

    @property
    def last_flush_ms(self) -> int:
        return self._last_flush_ms

    # ---- appending -------------------------------------------------------------------------

    def append(
        self,
        buffer: bytearray,
        *,
        leader_epoch: int,
        now_ms: int,
        log_append_time: bool = False,
        headers: list[BatchHeader] | None = None,
    ) -> AppendInfo:
        """Append validated client batches as leader, assigning offsets from the log end.

        Patches each batch's ``base_offset`` and ``partition_leader_epoch`` in ``buffer`` (and,
        for LogAppendTime, its timestamp type, ``max_timestamp`` and CRC), then appends the
        buffer verbatim. ``headers`` are ``batch_headers(buffer)`` when the caller has them
        already (the produce path reads them for the producer state first); they are patched
        along with the buffer, so they keep describing its bytes.

        Raises:
            RecordTooLargeError: a batch is above ``max.message.bytes``.
            RecordBatchTooLargeError: the batches would not fit an empty segment.
            CorruptRecordError: ``buffer`` is not a sequence of complete v2 batches.
        """
        self._check_open()
        if headers is None:
            headers = batch_headers(buffer)
        for header in headers:
            if header.size_in_bytes > self._config.max_message_bytes:
                raise RecordTooLargeError(
                    f"batch of {header.size_in_bytes} bytes is larger than max.message.bytes "
                    f"({self._config.max_message_bytes})"
                )
        self._check_fits_segment(len(buffer))
        next_offset = self.log_end_offset
        first_offset = next_offset
        for index, header in enumerate(headers):
            position = header.position
            set_base_offset(buffer, position, next_offset)
            set_partition_leader_epoch(buffer, position, leader_epoch)
            if log_append_time:
                set_log_append_time(buffer, position, now_ms)
                headers[index] = BatchHeader(buffer, position)  # attributes, max_timestamp, CRC
            else:
                header.base_offset = next_offset
                header.partition_leader_epoch = leader_epoch
            next_offset += header.last_offset_delta + 1
        return self._append_batches(
            buffer, headers, first_offset, now_ms, log_append_time=now_ms if log_append_time else NO_TIMESTAMP
        )

    def append_as_follower(self, buffer: bytearray | bytes, *, now_ms: int) -> AppendInfo:
        """Append batches fetched from the leader, keeping their offsets and epochs.

        ``max.message.bytes`` is not checked: the leader accepted the batches (Kafka skips the
        check for replication too). The caller validates CRCs, as for leader appends.

        Raises:
            UnexpectedAppendOffsetError: the first offset is below the log end offset.
            OffsetsOutOfOrderError: offsets inside ``buffer`` do not increase.
            RecordBatchTooLargeError: the batches would not fit an empty segment.
        """
        self._check_open()
        headers = batch_headers(buffer)
        first = headers[0].base_offset
        if first < self.log_end_offset:
            raise UnexpectedAppendOffsetError(
                f"follower append starts at {first}, below the log end offset {self.log_end_offset}",
                first,
                headers[-1].last_offset,
            )
        previous_last = first - 1
        for header in headers:
            if header.base_offset <= previous_last or header.last_offset < header.base_offset:
                raise OffsetsOutOfOrderError(
                    f"batch [{header.base_offset}, {header.last_offset}] does not follow offset {previous_last}"
                )
            previous_last = header.last_offset
        self._check_fits_segment(len(buffer))
        return self._append_batches(buffer, headers, first, now_ms, log_append_time=NO_TIMESTAMP)

    def _check_fits_segment(self, size: int) -> None:
        if size > self._config.segment_bytes:
            raise RecordBatchTooLargeError(
                f"append of {size} bytes exceeds the segment size segment.bytes ({self._config.segment_bytes})"
            )

    def _append_batches(
        self,
        buffer: bytearray | bytes,
        headers: list[BatchHeader],
        first_offset: int,
        now_ms: int,
        *,
        log_append_time: int,
    ) -> AppendInfo:
        max_timestamp = NO_TIMESTAMP
        offset_of_max = first_offset
        for header in headers:
            if header.max_timestamp > max_timestamp:
                max_timestamp, offset_of_max = header.max_timestamp, header.last_offset
        last_offset = headers[-1].last_offset
        active = self.active_segment
        rolled = False
        if active.should_roll(
            max_segment_bytes=self._config.segment_bytes,
            max_segment_ms=self._config.max_segment_ms,
            messages_size=len(buffer),
            max_timestamp_in_messages=max_timestamp,
            max_offset_in_messages=last_offset,
            now_ms=now_ms,
        ):
            active = self.roll(now_ms, expected_next_offset=first_offset)
            rolled = True
        active.append(buffer, headers)
        cache = self._leader_epoch_cache
        for header in headers:
            epoch = header.partition_leader_epoch
            if epoch >= 0 and epoch != cache.latest_epoch:
                cache.assign(epoch, header.base_offset)
        if self.log_end_offset - self._recovery_point >= self._config.flush_messages:
            self.flush(now_ms=now_ms)
        return AppendInfo(
            first_offset=first_offset,
            last_offset=last_offset,
            max_timestamp=max_timestamp,
            offset_of_max_timestamp=offset_of_max,
            log_append_time=log_append_time,
            log_start_offset=self._log_start_offset,
            valid_bytes=len(buffer),
            batches=tuple(headers),
            rolled=rolled,
        )

    def roll(self, now_ms: int, expected_next_offset: int | None = None) -> LogSegment:
        """Start a new active segment at the log end (or ``expected_next_offset`` if higher).

        The rolled segment is fsynced later (``flush_rolled_segments``), as Kafka flushes it
        asynchronously, so a roll never stalls the append that triggered it.
        """
        self._check_open()
        new_base = max(expected_next_offset or 0, self.log_end_offset)
        active = self.active_segment
        if active.base_offset == new_base:
            if not active.is_empty:
                raise RuntimeError(f"cannot roll: segment {new_base} exists and is not empty")
            return active  # Kafka deletes and recreates an empty active segment; keeping it is the same
        active.on_become_inactive()
        segment = create_segment(self._directory, new_base, _segment_settings(self._config), now_ms)
        self._segments.append(segment)
        self._bases.append(new_base)
        self._directory_dirty = True
        self._flush_pending_up_to = new_base
        return segment

    # ---- reading ---------------------------------------------------------------------------

    def read(
        self,
        fetch_offset: int,
        max_bytes: int,
        *,
        max_offset: int,
        min_one_batch: bool,
        zero_copy: bool = False,
    ) -> ReadResult:
        """Whole batches from the one containing ``fetch_offset``, all ending below ``max_offset``.

        ``max_offset`` is the high watermark or last stable offset for consumers and the log end
        offset for followers. At most ``max_bytes`` are returned, except that with
        ``min_one_batch`` the first batch is returned even when larger (KIP-74). A read never
        spans two segments; the next fetch continues in the next one. With ``zero_copy`` a large
        read's ``records`` is a :class:`~.file_region.FileRegion` the caller owns
        (``LogSegment.read``).

        Raises:
            OffsetOutOfRangeError: ``fetch_offset`` below the log start or above the log end.
        """
        self._check_open()
        log_end_offset = self.log_end_offset
        if fetch_offset < self._log_start_offset or fetch_offset > log_end_offset:
            raise OffsetOutOfRangeError(fetch_offset, self._log_start_offset, log_end_offset)
        limit = min(max_offset, log_end_offset)
        records: bytes | FileRegion = b""
        next_offset = fetch_offset
        if fetch_offset < limit and max_bytes >= 0:
            index = self._segment_index_for(fetch_offset)
            while index < len(self._segments):
                found = self._segments[index].read(
                    fetch_offset, max_bytes, limit, min_one_batch, zero_copy=zero_copy
                )
                if found is not None:
                    records, next_offset = found
                    break
                index += 1
        return ReadResult(records, fetch_offset, next_offset, self._log_start_offset, log_end_offset)

    def _segment_index_for(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self._bases, offset) - 1)

    def offset_for_timestamp(self, timestamp: int) -> TimestampAndOffset | None:
        """First record at or above the log start whose timestamp is ``>= timestamp``.

        The special ListOffsets targets (-1 latest, -2 earliest, -3 max timestamp) are the
        caller's; see :meth:`max_timestamp_and_offset` for -3.
        """
        self._check_open()
        for index, segment in enumerate(self._segments):
            following = self._bases[index + 1] if index + 1 < len(self._bases) else self.log_end_offset
            if following <= self._log_start_offset:
                continue
            if segment.max_timestamp >= timestamp:
                found = segment.find_offset_by_timestamp(timestamp, self._log_start_offset)
                if found is not None:
                    return found
        return None

    def max_timestamp_and_offset(self) -> TimestampAndOffset | None:
        """The first record with the largest timestamp in the log (ListOffsets MAX_TIMESTAMP)."""
        self._check_open()
        best: LogSegment | None = None
        for segment in self._segments:
            if best is None or segment.max_timestamp > best.max_timestamp:
                best = segment
        if best is None or best.max_timestamp < 0:
            return None
        return best.find_max_timestamp_record()

    # ---- truncation ------------------------------------------------------------------------

    def truncate_to(self, offset: int, *, now_ms: int = 0) -> bool:
        """Remove every batch at or above ``offset`` (a follower diverged from its leader).

        A batch containing ``offset`` is removed whole, so the log end may end up below
        ``offset``. Returns whether anything was removed.
        """
        self._check_open()
        if offset < 0:
            raise ValueError(f"cannot truncate to negative offset {offset}")
        if offset >= self.log_end_offset:
            self._leader_epoch_cache.truncate_from_end(self.log_end_offset)
            return False
        if self._segments[0].base_offset > offset:
            self.truncate_fully_and_start_at(offset, now_ms=now_ms)
            return True
        while len(self._segments) > 1 and self._segments[-1].base_offset > offset:
            segment = self._segments.pop()
            self._bases.pop()
            segment.delete()
        active = self._segments[-1]
        active.truncate_to(offset)
        self._directory_dirty = True
        log_end_offset = self.log_end_offset
        self._leader_epoch_cache.truncate_from_end(log_end_offset)
        self._log_start_offset = min(self._log_start_offset, log_end_offset)
        self._recovery_point = min(self._recovery_point, log_end_offset)
        self._high_watermark = min(self._high_watermark, log_end_offset)
        if self._flush_pending_up_to is not None and self._flush_pending_up_to > log_end_offset:
            self._flush_pending_up_to = None
        return True

    def truncate_fully_and_start_at(self, offset: int, *, now_ms: int = 0) -> None:
        """Delete every segment and restart the log empty at ``offset``."""
        self._check_open()
        for segment in self._segments:
            segment.delete()
        segment = create_segment(self._directory, offset, _segment_settings(self._config), now_ms)
        self._segments = [segment]
        self._bases = [offset]
        self._leader_epoch_cache.clear()
        self._log_start_offset = offset
        self._recovery_point = offset
        self._high_watermark = offset
        self._flush_pending_up_to = None
        self._directory_dirty = True
        fsync_directory(self._directory)

    # ---- deleting old data -----------------------------------------------------------------

    def delete_records_before(self, offset: int, *, now_ms: int) -> int:
        """DeleteRecords: move the log start offset up to ``offset`` and delete whole segments
        below it. Returns the new log start offset (the response's low watermark).

        Raises:
            OffsetOutOfRangeError: ``offset`` is above the high watermark.
        """
        self._check_open()
        if offset > self._high_watermark or offset < 0:
            raise OffsetOutOfRangeError(offset, self._log_start_offset, self._high_watermark)
        self._increment_log_start_offset(offset)
        self._delete_segments(self._deletable(_log_start_breached(self._log_start_offset)), now_ms)
        return self._log_start_offset

    def apply_retention(self, now_ms: int) -> int:
        """Delete expired whole segments; returns how many were deleted.

        In Kafka's order: segments below the log start offset (always), then, with
        ``cleanup.policy`` containing ``delete``, by ``retention.bytes`` and by ``retention.ms``
        (measured from each segment's largest record timestamp, or its file time without one).
        """
        self._check_open()
        deleted = self._delete_segments(self._deletable(_log_start_breached(self._log_start_offset)), now_ms)
        if self._config.delete:
            deleted += self._delete_segments(self._deletable(self._retention_size_breached()), now_ms)
            deleted += self._delete_segments(self._deletable(self._retention_ms_breached(now_ms)), now_ms)
        self.delete_expired_files(now_ms)
        return deleted

    def _retention_size_breached(self) -> Callable[[LogSegment, LogSegment | None], bool]:
        retention = self._config.retention_bytes
        excess = self.size_in_bytes - retention

        def breached(segment: LogSegment, _next: LogSegment | None) -> bool:
            nonlocal excess
            if retention < 0 or excess - segment.size < 0:
                return False
            excess -= segment.size
            return True

        return breached

    def _retention_ms_breached(self, now_ms: int) -> Callable[[LogSegment, LogSegment | None], bool]:
        retention = self._config.retention_ms

        def breached(segment: LogSegment, _next: LogSegment | None) -> bool:
            if retention < 0:
                return False
            largest = segment.max_timestamp
            if largest <= 0:
                largest = segment.last_modified_ms()
            return now_ms - largest > retention

        return breached

    def _deletable(self, predicate: Callable[[LogSegment, LogSegment | None], bool]) -> list[LogSegment]:
        """Kafka's ``deletableSegments``: a prefix of segments, each fully below the high
        watermark, for which ``predicate`` holds; never an empty last segment."""
        deletable: list[LogSegment] = []
        segments = self._segments
        for index, segment in enumerate(segments):
            following = segments[index + 1] if index + 1 < len(segments) else None
            upper_bound = following.base_offset if following is not None else self.log_end_offset
            if following is None and segment.is_empty:
                break
            if self._high_watermark < upper_bound or not predicate(segment, following):
                break
            deletable.append(segment)
        return deletable

    def _delete_segments(self, doomed: list[LogSegment], now_ms: int) -> int:
        if not doomed:
            return 0
        if len(doomed) == len(self._segments):
            self.roll(now_ms)
        count = len(doomed)
        del self._segments[:count]
        del self._bases[:count]
        paths: list[Path] = []
        for segment in doomed:
            paths.extend(segment.rename_with_suffix(DELETED_SUFFIX))
        self._pending_deletions.append(_PendingDeletion(now_ms + self._config.file_delete_delay_ms, paths))
        self._increment_log_start_offset(self._segments[0].base_offset)
        self._directory_dirty = True
        if self._config.file_delete_delay_ms <= 0:
            self.delete_expired_files(now_ms)
        return count

    def _increment_log_start_offset(self, offset: int) -> None:
        if offset <= self._log_start_offset:
            return
        self._log_start_offset = offset
        self._leader_epoch_cache.truncate_from_start(offset)
        self._high_watermark = max(self._high_watermark, offset)
        self._recovery_point = max(self._recovery_point, offset)

    def delete_expired_files(self, now_ms: int) -> int:
        """Remove ``.deleted`` files whose ``file.delete.delay.ms`` has passed; returns how many."""
        removed = 0
        remaining: list[_PendingDeletion] = []
        for pending in self._pending_deletions:
            if pending.due_ms > now_ms:
                remaining.append(pending)
                continue
            for path in pending.paths:
                try:
                    path.unlink()
                    removed += 1
                except FileNotFoundError:
                    pass
        self._pending_deletions = remaining
        return removed

    def next_file_deletion_ms(self) -> int | None:
        """When the next ``.deleted`` file is due, for the caller's timer."""
        return min((pending.due_ms for pending in self._pending_deletions), default=None)

    def holds(self, segments: list[LogSegment]) -> bool:
        """Whether ``segments`` are, in order, consecutive inactive segments of this open log
        (what a cleaner pass that paused in between must check before swapping them)."""
        if self._closed or not segments or segments[-1] is self.active_segment:
            return False
        try:
            first = self._segments.index(segments[0])
        except ValueError:
            return False
        return self._segments[first : first + len(segments)] == segments

    def replace_segments(self, cleaned: LogSegment, old: list[LogSegment]) -> Steps[bool]:
        """Swap the consecutive ``old`` segments for ``cleaned`` (a finished ``.cleaned`` segment
        whose base offset is ``old[0]``'s), crash-safely: fsync ``cleaned``, ``.cleaned`` ->
        ``.swap``, fsync the directory, delete the old files, ``.swap`` -> final names, fsync the
        directory. ``recovery.py`` completes a swap cut short.

        The fsyncs are steps of their own (``steps.Blocking``), which the broker makes on a
        worker thread; the log may change meanwhile. If ``old`` is no longer part of it when the
        swap resumes (a deleted topic, DeleteRecords), ``cleaned`` is deleted and the result is
        False. ``cleaned`` is deleted too if the steps are stopped before the old files go.
        """
        if not self.holds(old):
            raise ValueError("can only replace consecutive inactive segments")
        try:
            yield cleaned.flush
            if not self.holds(old):
                cleaned.delete()
                return False
            cleaned.change_suffix(SWAP_SUFFIX)
            yield functools.partial(fsync_directory, self._directory)
            if not self.holds(old):
                cleaned.delete()
                return False
        except BaseException:
            cleaned.delete()
            raise
        for segment in old:
            segment.delete()
        cleaned.change_suffix("")
        first = self._segments.index(old[0])
        self._segments[first : first + len(old)] = [cleaned]
        self._bases[first : first + len(old)] = [cleaned.base_offset]
        yield functools.partial(fsync_directory, self._directory)
        return True

    # ---- durability ------------------------------------------------------------------------

    def flush(self, up_to: int | None = None, *, now_ms: int | None = None) -> None:
        """fsync every segment holding offsets in [recovery point, ``up_to``) (default: up to the
        log end) and move the recovery point there; new directory entries are fsynced too."""
        self._check_open()
        target = self.log_end_offset if up_to is None else min(up_to, self.log_end_offset)
        if target > self._recovery_point:
            active = self.active_segment
            for segment in self._segments[self._segment_index_for(self._recovery_point) :]:
                if segment.base_offset >= target and segment.base_offset > self._recovery_point:
                    break
                segment.flush()
                if segment is not active:
                    segment.close_index_writers()
            self._recovery_point = target
        if self._directory_dirty:
            fsync_directory(self._directory)
            self._directory_dirty = False
        if self._flush_pending_up_to is not None and self._flush_pending_up_to <= self._recovery_point:
            self._flush_pending_up_to = None
        if now_ms is not None:
            self._last_flush_ms = now_ms

    def flush_rolled_segments(self) -> bool:
        """fsync segments rolled since the last flush (Kafka's asynchronous flush on roll)."""
        if self._flush_pending_up_to is None:
            return False
        self.flush(self._flush_pending_up_to)
        return True

    @property
    def has_rolled_segments_to_flush(self) -> bool:
        return self._flush_pending_up_to is not None

    def flush_if_due(self, now_ms: int) -> bool:
        """Apply ``flush.ms``: fsync when that long has passed since the last flush."""
        if self.log_end_offset <= self._recovery_point:
            return False
        if now_ms - self._last_flush_ms < self._config.flush_ms:
            return False
        self.flush(now_ms=now_ms)
        return True

    @property
    def unflushed_messages(self) -> int:
        return self.log_end_offset - self._recovery_point

    def close(self) -> None:
        """Flush everything and release every descriptor. The log-dir level clean shutdown
        marker is the log manager's (Kafka writes one per log dir, after every log closed)."""
        if self._closed:
            return
        self.active_segment.on_become_inactive()
        self.flush()
        for segment in self._segments:
            segment.close()
        self._closed = True

    def close_and_delete_files(self) -> None:
        """Release descriptors and remove every file (the caller removes the directory)."""
        for segment in self._segments:
            segment.delete()
        for pending in self._pending_deletions:
            for path in pending.paths:
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
        self._pending_deletions = []
        self._closed = True

    @property
    def is_closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise LogClosedError(f"log {self._directory} is closed")

    def __repr__(self) -> str:
        return (
            f"PartitionLog({self._directory.name}, log_start_offset={self._log_start_offset}, "
            f"log_end_offset={self.log_end_offset}, segments={len(self._segments)})"
        )


def _segment_settings(config: LogConfig) -> SegmentSettings:
    return SegmentSettings(
        index_interval_bytes=config.index_interval_bytes,
        max_index_size=config.segment_index_bytes,
        segment_jitter_ms=config.segment_jitter_ms,
        segment_ms=config.segment_ms,
    )


def _log_start_breached(log_start_offset: int) -> Callable[[LogSegment, LogSegment | None], bool]:
    def breached(_segment: LogSegment, following: LogSegment | None) -> bool:
        return following is not None and following.base_offset <= log_start_offset

    return breached


def batch_headers(buffer: bytearray | bytes) -> list[BatchHeader]:
    """Headers of the batches that exactly fill ``buffer`` (an append's payload).

    Raises:
        CorruptRecordError: no batch, or a batch that is cut short or overruns the buffer.
    """
    headers: list[BatchHeader] = []
    position = 0
    end = len(buffer)
    while position < end:
        header = BatchHeader(buffer, position)
        headers.append(header)
        position += header.size_in_bytes
    if not headers:
        raise CorruptRecordError("an append needs at least one record batch")
    return headers


def _rebuild_epoch_cache(cache: LeaderEpochFileCache, segments: list[LogSegment]) -> None:
    """Rebuild a corrupt ``leader-epoch-checkpoint`` from the batches' leader epochs."""
    for segment in segments:
        for batch in segment.iter_batches(0):
            epoch = batch.partition_leader_epoch
            if epoch >= 0 and (cache.latest_epoch is None or epoch > cache.latest_epoch):
                cache.assign(epoch, batch.base_offset)
