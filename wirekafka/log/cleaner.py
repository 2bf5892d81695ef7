"""Log compaction (``cleanup.policy=compact``): keep the latest record of every key.

A pass over one log, in Kafka's ``LogCleaner`` terms:

1. The *dirty* section runs from the cleaner checkpoint (``first_dirty_offset``) to the first
   uncleanable offset: the active segment's base, the caller's last stable offset, and the first
   segment younger than ``min.compaction.lag.ms``, whichever is lowest. The log is worth
   cleaning when dirty bytes / (clean + dirty bytes) is above ``min.cleanable.dirty.ratio``, or
   when its oldest dirty data is older than ``max.compaction.lag.ms``.
2. An offset map (key -> latest offset) is built from the dirty section only, from records that
   are not part of an aborted or undecided transaction (below).
3. Every segment from the log start to the end of the dirty section is rewritten, grouped so a
   group fits in one segment: a record stays when it has a key, no later offset holds that key,
   and it is not an expired tombstone. A tombstone (null value) expires once its segment was
   already clean before this pass and its largest timestamp is more than
   ``delete.retention.ms`` old; consumers reading from the start therefore get that long to see it.
   Batches of aborted transactions are dropped whole; batches of undecided ones are kept whole.
4. Kept records keep their offsets (offsets become sparse). A batch whose records all stay is
   copied byte for byte; a partly kept batch is rebuilt with the same base offset, offset range,
   producer fields, epoch, timestamp type and compression.
5. The rewritten group is written as ``.cleaned`` files, renamed to ``.swap``, the old segments
   are deleted, and the ``.swap`` files take their names; ``recovery.py`` finishes an
   interrupted swap on the next open.

Transactions (Kafka's ``CleanedTransactionMetadata``): a producer's transactional batches belong
to its open transaction until its next COMMIT or ABORT marker. Kafka reads the aborted ranges
from the transaction index; the log layer does not hold that index, so :class:`TransactionFates`
reads the markers below the end of the pass instead. A record of an aborted transaction must not
enter the offset map: it would make the cleaner drop the key's last *committed* value, which a
``read_committed`` consumer (a Kafka Streams changelog, a transactional offset commit in
``__consumer_offsets``) would then never see again. A transaction whose marker lies beyond the
pass (possible only when the pass is bounded by the high watermark rather than the last stable
offset) is undecided: its batches are kept as they are and stay out of the map.

Transaction markers go too, as Kafka's cleaner removes them (:class:`MarkerRetention`): a COMMIT
or ABORT marker is removable once a pass walked up to it without meeting any batch of its
transaction (the aborted batches were dropped, the committed ones compacted away by an earlier
pass), and it is then dropped by the tombstones' rule: its segment already clean and older than
``delete.retention.ms``, so a ``read_committed`` consumer that read the transaction's records has
that long to reach its marker. A marker that is the last entry of a producer still active (no
data batch remembered, same epoch) stays: it carries the epoch that fences the producer's zombies.
Before the segment without an ABORT marker replaces the old one, the caller's ``forget_aborted``
takes the transaction out of the partition's aborted-transaction index, which the log layer does
not hold: a ``read_committed`` consumer skips a producer's batches from an aborted transaction's
first offset until it meets its ABORT marker.

A producer's last data batch stays, as Kafka's cleaner keeps it (``RETAIN_EMPTY``): when all its
records go (superseded, keyless, or of an aborted transaction), an empty batch with the same
offsets, producer, epoch and sequence takes its place (``is_producers_last_batch``), so the
producer's last sequence can still be read from the log. A pass drops an empty batch once its
producer has written a later one or is gone.

A pass reports when the earliest tombstone or marker it kept may go
(``CleanResult.tombstones_expire_ms``); the log manager then runs a pass on that log once the
time has come even if it has no new dirty data, as Kafka's cleaner manager picks logs whose
delete horizon has passed. Gap against Kafka: the clock is the rule above (the segment's largest
timestamp, once the segment is clean) rather than KIP-534's per-batch delete horizon, which
Kafka writes into a batch's header when it first cleans it.
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from wirekafka.log.config import LONG_MAX
from wirekafka.log.errors import LogClosedError
from wirekafka.log.partition_log import PartitionLog
from wirekafka.log.producer_state import EndTransactionMarker, end_transaction_marker
from wirekafka.log.recovery import SegmentSettings
from wirekafka.log.segment import CLEANED_SUFFIX, LogSegment
from wirekafka.log.steps import Steps
from wirekafka.records.batch import ATTRIBUTES_OFFSET, CRC_OFFSET, BatchHeader
from wirekafka.records.builder import build_batch, build_empty_batch
from wirekafka.records.control import ControlType
from wirekafka.records.crc import crc32c
from wirekafka.records.record import Record, iter_records

RECORDS_PER_STEP = 500
"""Records decoded between two pauses of a pass (a few milliseconds)."""

_LAST_OFFSET_DELTA_OFFSET = 23
_INT32 = struct.Struct(">i")
_UINT32 = struct.Struct(">I")


@dataclass(frozen=True, slots=True)
class LogToClean:
    """The clean and dirty sections of one log, and whether they are worth a pass."""

    first_dirty_offset: int
    first_uncleanable_offset: int
    clean_bytes: int
    dirty_bytes: int
    needs_compaction_now: bool

    @property
    def cleanable_ratio(self) -> float:
        total = self.clean_bytes + self.dirty_bytes
        return self.dirty_bytes / total if total else 0.0

    def should_clean(self, min_cleanable_dirty_ratio: float) -> bool:
        if self.dirty_bytes <= 0:
            return False
        return self.needs_compaction_now or self.cleanable_ratio > min_cleanable_dirty_ratio


@dataclass(frozen=True, slots=True)
class CleanResult:
    """What a pass did; ``next_dirty_offset`` is the new cleaner checkpoint."""

    next_dirty_offset: int
    bytes_read: int
    bytes_written: int
    records_read: int
    records_kept: int
    segments_before: int
    segments_after: int
    tombstones_expire_ms: int | None = None
    """When the earliest tombstone or marker this pass kept (for ``delete.retention.ms``) may go:
    a pass after that time drops it. ``None`` when it kept none."""


def cleanable_section(
    log: PartitionLog, *, checkpoint: int | None, now_ms: int, max_cleanable_offset: int | None = None
) -> LogToClean:
    """Where the dirty section of ``log`` lies (rule 1).

    ``max_cleanable_offset`` is the last stable offset (or high watermark); records above it may
    still be truncated or aborted, so they are never compacted away.
    """
    config = log.config
    segments = log.segments
    first_dirty = checkpoint if checkpoint is not None else log.log_start_offset
    if first_dirty < log.log_start_offset or first_dirty > log.log_end_offset:
        first_dirty = log.log_start_offset
    uncleanable = log.active_segment.base_offset
    uncleanable = min(uncleanable, log.high_watermark)
    if max_cleanable_offset is not None:
        uncleanable = min(uncleanable, max_cleanable_offset)
    if config.min_compaction_lag_ms > 0:
        for segment in segments[:-1]:
            if segment.base_offset < first_dirty:
                continue
            if segment.max_timestamp > now_ms - config.min_compaction_lag_ms:
                uncleanable = min(uncleanable, segment.base_offset)
                break
    uncleanable = max(uncleanable, first_dirty)
    clean_bytes = 0
    dirty_bytes = 0
    needs_now = False
    for index, segment in enumerate(segments):
        following = segments[index + 1].base_offset if index + 1 < len(segments) else log.log_end_offset
        if following <= first_dirty:
            clean_bytes += segment.size
        elif following <= uncleanable:
            dirty_bytes += segment.size
            if (
                config.max_compaction_lag_ms < LONG_MAX
                and 0 <= segment.rolling_based_timestamp() < now_ms - config.max_compaction_lag_ms
            ):
                needs_now = True
    return LogToClean(first_dirty, uncleanable, clean_bytes, dirty_bytes, needs_now)


class Fate(Enum):
    """What became of a batch's transaction, as far as the cleaner can tell."""

    COMMITTED = "committed"  # also every non-transactional batch
    ABORTED = "aborted"
    UNDECIDED = "undecided"


class TransactionFates:
    """The outcome of every transaction whose marker lies below ``end_offset`` (module docstring)."""

    def __init__(self) -> None:
        self._aborted: dict[int, list[tuple[int, int]]] = {}  # producer id -> [(first, marker)]
        self._open: dict[int, int] = {}  # producer id -> first offset of its undecided transaction

    @classmethod
    def scan(cls, log: PartitionLog, end_offset: int) -> Steps[TransactionFates]:
        """Walk the batch headers of ``log`` below ``end_offset``; only control batches (a marker
        record each, a few dozen bytes) are read whole. A step per batch."""
        fates = cls()
        for segment in log.segments:
            if segment.base_offset >= end_offset:
                break
            for stored in segment.iter_batches(0):
                yield None
                if stored.base_offset >= end_offset:
                    break
                if not stored.is_transactional:
                    continue
                if not stored.is_control:
                    fates._open.setdefault(stored.producer_id, stored.base_offset)
                    continue
                header = BatchHeader(segment.read_bytes(stored.position, stored.size), 0)
                fates._end_transaction(header)
        return fates

    def _end_transaction(self, marker_batch: BatchHeader) -> None:
        marker = end_transaction_marker(marker_batch)
        if marker is None:
            return
        first = self._open.pop(marker_batch.producer_id, None)
        if marker.control_type == ControlType.ABORT and first is not None:
            self._aborted.setdefault(marker_batch.producer_id, []).append((first, marker_batch.base_offset))

    def fate(self, header: BatchHeader) -> Fate:
        """The fate of a data batch's transaction (COMMITTED for non-transactional batches)."""
        if not header.is_transactional or header.is_control:
            return Fate.COMMITTED
        producer_id, offset = header.producer_id, header.base_offset
        first_undecided = self._open.get(producer_id)
        if first_undecided is not None and offset >= first_undecided:
            return Fate.UNDECIDED
        ranges = self._aborted.get(producer_id, ())
        index = bisect.bisect_right(ranges, (offset, LONG_MAX)) - 1
        if index >= 0 and ranges[index][0] <= offset <= ranges[index][1]:
            return Fate.ABORTED
        return Fate.COMMITTED


@dataclass(frozen=True, slots=True)
class ActiveProducer:
    """What the producer state remembers of an active producer (Kafka's ``LastRecord``)."""

    last_data_offset: int
    """Last offset of its last data batch; -1 when none is remembered (only a marker)."""
    producer_epoch: int


def is_producers_last_batch(header: BatchHeader, active_producers: Mapping[int, ActiveProducer]) -> bool:
    """Whether ``header`` is the last data batch the producer state remembers of an active
    producer (Kafka's ``isBatchLastRecordOfProducer``), which a pass keeps, emptied if need be."""
    active = active_producers.get(header.producer_id) if header.has_producer_id else None
    return active is not None and active.last_data_offset == header.last_offset


class MarkerRetention:
    """Which transaction markers a pass may remove (Kafka's ``CleanedTransactionMetadata``).

    A pass walks the log in offset order, so a transaction's batches come before its marker: a
    marker is removable when the walk met no batch of its transaction since the producer's
    previous marker. Feed every batch in order.
    """

    def __init__(self, active_producers: Mapping[int, ActiveProducer]) -> None:
        self.active_producers = active_producers
        self._committed: set[int] = set()  # producers with a committed batch since their last marker
        self._aborted: set[int] = set()  # producers with an aborted batch since their last marker

    def data_batch(self, header: BatchHeader, fate: Fate) -> None:
        if not header.is_transactional:
            return
        if fate is Fate.ABORTED:
            self._aborted.add(header.producer_id)
        elif fate is Fate.COMMITTED:
            self._committed.add(header.producer_id)

    def removable(self, marker_batch: BatchHeader, marker: EndTransactionMarker | None) -> bool:
        """Whether ``marker_batch`` (a control batch holding ``marker``, as
        ``end_transaction_marker`` reads it) may go, its horizon aside."""
        producer_id = marker_batch.producer_id
        met_committed = producer_id in self._committed
        met_aborted = producer_id in self._aborted
        self._committed.discard(producer_id)
        self._aborted.discard(producer_id)
        active = self.active_producers.get(producer_id)
        if (
            active is not None
            and active.last_data_offset < 0
            and active.producer_epoch == marker_batch.producer_epoch
        ):
            return False  # the producer's last entry: its epoch fences zombies
        if marker is None:
            return marker_batch.records_count == 0  # emptied already; else not a transaction marker
        if marker.control_type == ControlType.COMMIT:
            return not met_committed
        return not met_aborted  # ABORT


def build_offset_map(
    log: PartitionLog,
    *,
    start_offset: int,
    end_offset: int,
    max_keys: int,
    fates: TransactionFates,
) -> Steps[tuple[dict[bytes, int], int]]:
    """Key -> latest offset over the records in [start_offset, end_offset) (rule 2).

    Maps whole segments and stops after the segment that brings the map to ``max_keys``
    (Kafka's dedupe buffer), so a pass always makes progress. Returns (map, end of the mapped
    range), the end being where this pass's dirty section really ends. A step per batch.
    """
    offsets: dict[bytes, int] = {}
    mapped_end = start_offset
    for segment, segment_end in zip(log.segments, _segment_ends(log), strict=True):
        if segment_end <= start_offset:
            continue
        if segment.base_offset >= end_offset:
            break
        for header in _batches_of(segment):
            yield None
            if header.base_offset >= end_offset:
                break
            if header.last_offset < start_offset or header.is_control:
                continue
            if fates.fate(header) is not Fate.COMMITTED:
                continue
            for record in _pausing(iter_records(header)):
                if record is None:
                    yield None
                elif record.key is not None and start_offset <= record.offset < end_offset:
                    offsets[record.key] = record.offset
        mapped_end = min(segment_end, end_offset)
        if len(offsets) >= max_keys:
            break
    return offsets, mapped_end


def filter_batch(
    header: BatchHeader,
    offsets: dict[bytes, int],
    *,
    retain_tombstones: bool,
    fate: Fate,
) -> Steps[tuple[bytes | None, int, int, int]]:
    """Rule 3 and 4 for one batch: (bytes to keep or None, records read, records kept, tombstones
    kept); a step every ``RECORDS_PER_STEP`` records decoded. Batches kept whole for what they are
    (control, undecided) count no tombstones: ``delete.retention.ms`` does not decide them."""
    if fate is Fate.ABORTED:
        return None, header.records_count, 0, 0
    if header.is_control or fate is Fate.UNDECIDED:
        return bytes(header.batch_buffer()), header.records_count, header.records_count, 0
    records: list[Record] = []
    for record in _pausing(iter_records(header)):
        if record is None:
            yield None
        else:
            records.append(record)
    kept: list[Record] = [
        record
        for record in records
        if record.key is not None
        and record.offset >= offsets.get(record.key, -1)
        and (record.value is not None or retain_tombstones)
    ]
    tombstones = sum(1 for record in kept if record.value is None)
    if len(kept) == len(records):
        return bytes(header.batch_buffer()), len(records), len(kept), tombstones
    if not kept:
        return None, len(records), 0, 0
    rebuilt = bytearray(
        build_batch(
            kept,
            base_offset=header.base_offset,
            compression=header.compression,
            producer_id=header.producer_id,
            producer_epoch=header.producer_epoch,
            base_sequence=header.base_sequence,
            is_transactional=header.is_transactional,
            partition_leader_epoch=header.partition_leader_epoch,
            timestamp_type=header.timestamp_type,
        )
    )
    _override_last_offset_delta(rebuilt, header.last_offset_delta)
    return bytes(rebuilt), len(records), len(kept), tombstones


def _pausing(records: Iterator[Record]) -> Iterator[Record | None]:
    """``records`` with a ``None`` after every ``RECORDS_PER_STEP`` of them: where a step ends
    inside a batch (a producer's batch of 1 MB holds ~10,000 small records, ~80 ms to decode)."""
    for count, record in enumerate(records, 1):
        yield record
        if count % RECORDS_PER_STEP == 0:
            yield None


def _override_last_offset_delta(batch: bytearray, last_offset_delta: int) -> None:
    """Keep the original offset range (Kafka's ``overrideLastOffset``) so producer sequence
    arithmetic on the batch stays right; the field is inside the CRC, so recompute it."""
    _INT32.pack_into(batch, _LAST_OFFSET_DELTA_OFFSET, last_offset_delta)
    _UINT32.pack_into(batch, CRC_OFFSET, crc32c(memoryview(batch)[ATTRIBUTES_OFFSET:]))


def group_segments(
    segments: Sequence[LogSegment], *, max_size: int, max_index_size: int
) -> list[list[LogSegment]]:
    """Consecutive segments whose total size fits one segment (Kafka's ``groupSegmentsBySize``)."""
    groups: list[list[LogSegment]] = []
    remaining = list(segments)
    while remaining:
        group = [remaining.pop(0)]
        size = group[0].size
        index_size = group[0].offset_index.file_size() + group[0].time_index.file_size()
        while remaining:
            candidate = remaining[0]
            if size + candidate.size > max_size:
                break
            candidate_index = candidate.offset_index.file_size() + candidate.time_index.file_size()
            if index_size + candidate_index > max_index_size:
                break
            last_offset = remaining[1].base_offset - 1 if len(remaining) > 1 else candidate.next_offset() - 1
            if last_offset - group[0].base_offset > 2**31 - 1:
                break
            group.append(remaining.pop(0))
            size += candidate.size
            index_size += candidate_index
        groups.append(group)
    return groups


def _batches_of(segment: LogSegment) -> Iterator[BatchHeader]:
    for stored in segment.iter_batches(0):
        yield BatchHeader(segment.read_bytes(stored.position, stored.size), 0)


def clean_log_in_steps(
    log: PartitionLog,
    *,
    checkpoint: int | None,
    now_ms: int,
    max_cleanable_offset: int | None = None,
    max_keys: int = 5_000_000,
    force: bool = False,
    active_producers: Mapping[int, ActiveProducer] | None = None,
    forget_aborted: Callable[[int], None] | None = None,
) -> Steps[CleanResult | None]:
    """One compaction pass over ``log`` if it is worth one (``None`` if not), a step per batch;
    ``steps.run_to_end`` runs it at once.

    A pass decodes every record it maps or filters: tens of megabytes take seconds, which an
    event loop must not spend in one go (``steps.py``). The caller resumes the steps when it
    likes (the broker serves requests in between, and makes the swap's fsyncs on a worker
    thread), and the log may change meanwhile. Appends and rolls cannot disturb the pass: it
    never touches the active segment or offsets past its end. A segment that goes away
    meanwhile (DeleteRecords, a deleted topic, shutdown) ends the pass without replacing
    anything still to come, and its half-written ``.cleaned`` files are removed; groups already
    swapped stay swapped, each swap being complete on its own.

    ``force`` runs a pass regardless of the dirty ratio, even with no dirty data at all; such a
    pass only drops expired tombstones and markers from the clean section. ``active_producers``
    is the partition's producer state (by producer id): their last batches and markers are kept.
    ``forget_aborted`` is called with the offset of each ABORT marker the pass removes, before the
    segments without it replace the old ones: the partition's aborted-transaction index must not
    list a transaction whose marker is gone (``PartitionTransactions.forget_aborted_transaction``).
    """
    config = log.config
    section = cleanable_section(
        log, checkpoint=checkpoint, now_ms=now_ms, max_cleanable_offset=max_cleanable_offset
    )
    if not force and not section.should_clean(config.min_cleanable_dirty_ratio):
        return None
    first_dirty, end = section.first_dirty_offset, section.first_uncleanable_offset
    try:
        fates = yield from TransactionFates.scan(log, end)
        offsets, end = yield from build_offset_map(
            log, start_offset=first_dirty, end_offset=end, max_keys=max_keys, fates=fates
        )
    except LogClosedError:
        return None
    to_clean = [segment for segment in log.segments[:-1] if segment.base_offset < end]
    if not to_clean:
        return None
    before = len(log.segments)
    stats = [0, 0, 0, 0]  # bytes read, bytes written, records read, records kept
    groups = group_segments(
        to_clean, max_size=config.segment_bytes, max_index_size=config.segment_index_bytes
    )
    markers = MarkerRetention(active_producers or {})
    retained: list[int] = []  # when each tombstone or marker kept for delete.retention.ms may go
    for group in groups:
        if not log.holds(group):
            return None
        try:
            cleaned = yield from _clean_group(
                log, group, offsets, fates, markers, first_dirty, now_ms, stats, retained, forget_aborted
            )
        except LogClosedError:
            return None
        if not (yield from log.replace_segments(cleaned, group)):
            return None
    return CleanResult(
        end, stats[0], stats[1], stats[2], stats[3], before, len(log.segments), min(retained, default=None)
    )


def _segment_ends(log: PartitionLog) -> list[int]:
    """Where each segment's offsets end: the next segment's base, or the log end offset."""
    segments = log.segments
    return [segment.base_offset for segment in segments[1:]] + [log.log_end_offset]


def _clean_group(
    log: PartitionLog,
    group: list[LogSegment],
    offsets: dict[bytes, int],
    fates: TransactionFates,
    markers: MarkerRetention,
    first_dirty: int,
    now_ms: int,
    stats: list[int],
    retained: list[int],
    forget_aborted: Callable[[int], None] | None,
) -> Steps[LogSegment]:
    """The ``.cleaned`` segment that replaces ``group`` (not yet flushed: the swap does it), a
    step per batch. If the steps stop early (an error, or the caller closes them), the
    half-written segment is deleted. ``retained`` gets, for every segment that keeps a
    tombstone or a removable marker only for ``delete.retention.ms``, when they may go."""
    config = log.config
    settings = SegmentSettings(config.index_interval_bytes, config.segment_index_bytes)
    ends = dict(zip((id(segment) for segment in log.segments), _segment_ends(log), strict=True))
    target = _fresh_cleaned_segment(log, group[0].base_offset, settings, now_ms)
    try:
        for segment in group:
            already_clean = ends[id(segment)] <= first_dirty
            expires_ms = segment.max_timestamp + config.delete_retention_ms
            retain_tombstones = not (already_clean and expires_ms <= now_ms)
            kept_for_retention = False
            for header in _batches_of(segment):
                yield None
                stats[0] += header.size_in_bytes
                if header.is_control:
                    # Markers expire like tombstones, once nothing of their transaction is left.
                    marker = end_transaction_marker(header)
                    if markers.removable(header, marker):
                        if retain_tombstones:
                            kept_for_retention = True
                        else:
                            stats[2] += header.records_count
                            if (
                                forget_aborted is not None
                                and marker is not None
                                and marker.control_type == ControlType.ABORT
                            ):
                                forget_aborted(header.base_offset)
                            continue
                    fate = Fate.COMMITTED  # kept whole
                else:
                    fate = fates.fate(header)
                    markers.data_batch(header, fate)
                kept, read, kept_count, tombstones = yield from filter_batch(
                    header, offsets, retain_tombstones=retain_tombstones, fate=fate
                )
                if tombstones and retain_tombstones:
                    kept_for_retention = True
                stats[2] += read
                stats[3] += kept_count
                if kept_count == 0 and not header.is_control:
                    # Nothing left of a data batch (or emptied by an earlier pass): Kafka's
                    # RETAIN_EMPTY for a producer's last, DELETE_EMPTY otherwise.
                    producers = markers.active_producers
                    kept = build_empty_batch(header) if is_producers_last_batch(header, producers) else None
                if kept is None:
                    continue
                stats[1] += len(kept)
                target.append(kept, [BatchHeader(kept, 0)])
            if kept_for_retention:
                retained.append(expires_ms)
        target.on_become_inactive()
    except BaseException:
        target.delete()
        raise
    return target


def _fresh_cleaned_segment(
    log: PartitionLog, base_offset: int, settings: SegmentSettings, now_ms: int
) -> LogSegment:
    """A new empty ``<base>.log.cleaned`` segment, replacing leftovers of an interrupted pass."""
    for suffix in (".log", ".index", ".timeindex"):
        leftover = log.directory / f"{base_offset:020d}{suffix}{CLEANED_SUFFIX}"
        if leftover.exists():
            leftover.unlink()
    return LogSegment.create(
        log.directory,
        base_offset,
        index_interval_bytes=settings.index_interval_bytes,
        max_index_size=settings.max_index_size,
        now_ms=now_ms,
        suffix=CLEANED_SUFFIX,
    )
