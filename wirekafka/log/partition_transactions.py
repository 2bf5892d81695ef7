"""A partition log together with its producer state, snapshots and aborted-transaction index.

Kafka keeps these inside ``UnifiedLog``; here they wrap a :class:`~.partition_log.PartitionLog`
so the log stays unaware of producers. The replication layer appends through
:meth:`PartitionTransactions.append_as_leader` / :meth:`~PartitionTransactions.append_as_follower`
instead of the log's own methods, and asks this object for the last stable offset and the aborted
transactions of a ``read_committed`` fetch.

Rules:

1. Every append is checked by the producer state first (``prepare_append``) and the state is only
   changed after the log took the bytes, so a refused or failed append changes nothing.
2. A snapshot is written when an append rolls a segment (at the new segment's base offset, with
   the state from before that append) and when the partition is closed (at the log end offset).
   Snapshots below the first segment are deleted; so are snapshots above the log end after a
   truncation.
3. Opening loads the newest readable snapshot at or below the log end, drops index entries from
   that offset on, and replays the log from there: data batches by header, control batches by
   their one marker record. After a crash that replay rebuilds exactly what the snapshot missed.
4. The transaction indexes follow the log's segments (:meth:`sync_segments`): retention,
   DeleteRecords and truncation remove segments through the log, and the matching ``.txnindex``
   files go with them at the next sync.

Not thread-safe, like the log: one caller at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from wirekafka.log.partition_log import AppendInfo, PartitionLog, batch_headers
from wirekafka.log.producer_snapshot import (
    CorruptSnapshotError,
    delete_snapshot,
    list_snapshots,
    read_snapshot,
    write_snapshot,
)
from wirekafka.log.producer_state import (
    SENTINEL_GUARD,
    AbortedTransaction,
    AppendOrigin,
    BatchMetadata,
    PendingAppend,
    ProducerStateEntry,
    ProducerStateManager,
    VerificationGuard,
)
from wirekafka.log.transaction_index import PartitionTransactionIndex
from wirekafka.records.batch import LOG_OVERHEAD, BatchHeader, iter_batches

__all__ = ["REPLAY_CHUNK_SIZE", "DuplicateAppend", "PartitionTransactions"]

REPLAY_CHUNK_SIZE = 1024 * 1024
"""Bytes read per ``pread`` while replaying the log into the producer state."""


@dataclass(frozen=True, slots=True)
class DuplicateAppend:
    """A retried batch that is already in the log: answer with its original offsets."""

    first_offset: int
    last_offset: int
    timestamp: int
    log_start_offset: int

    @classmethod
    def of(cls, batch: BatchMetadata, log_start_offset: int) -> DuplicateAppend:
        return cls(batch.first_offset, batch.last_offset, batch.timestamp, log_start_offset)


class PartitionTransactions:
    """Producer state, snapshots and transaction index of one partition (see module rules)."""

    def __init__(
        self, log: PartitionLog, state: ProducerStateManager, index: PartitionTransactionIndex
    ) -> None:
        """Use :meth:`open`."""
        self.log = log
        self.state = state
        self.index = index
        self._segment_bases = tuple(segment.base_offset for segment in log.segments)
        self._watermarks = (log.log_start_offset, log.active_segment.base_offset)

    @classmethod
    def open(
        cls,
        log: PartitionLog,
        *,
        now_ms: int,
        producer_id_expiration_ms: int = 86_400_000,
        transaction_verification_enabled: bool = True,
    ) -> PartitionTransactions:
        """Load the producer state of ``log`` (rule 3)."""
        state = ProducerStateManager(
            producer_id_expiration_ms=producer_id_expiration_ms,
            transaction_verification_enabled=transaction_verification_enabled,
        )
        index = PartitionTransactionIndex(log.directory, (s.base_offset for s in log.segments))
        partition = cls(log, state, index)
        partition.reload(now_ms)
        return partition

    # ---- loading ---------------------------------------------------------------------------

    def reload(self, now_ms: int) -> None:
        """Rebuild the state from the newest usable snapshot and the log after it."""
        log = self.log
        directory = log.directory
        log_end = log.log_end_offset
        first_base = log.segments[0].base_offset
        start = log.log_start_offset
        for offset in list_snapshots(directory):
            if offset > log_end or offset < first_base:
                delete_snapshot(directory, offset)
        self.state.clear(start)
        for offset in reversed(list_snapshots(directory)):
            try:
                entries = read_snapshot(directory, offset)
            except (CorruptSnapshotError, OSError):
                delete_snapshot(directory, offset)
                continue
            self.state.load(entries, map_end_offset=offset, now_ms=now_ms)
            start = offset
            break
        self.sync_segments()
        self.index.truncate_to(start)
        self._replay(start)
        self.state.on_high_watermark_updated(log.high_watermark)

    def _replay(self, start: int) -> None:
        """Apply every batch from ``start`` to the log end as replication would (no checks)."""
        state = self.state
        for header in self._batches_from(start):
            if header.last_offset < start:
                continue
            if header.producer_id < 0:
                state.map_end_offset = header.next_offset
                continue
            pending = state.prepare_append([header], origin=AppendOrigin.REPLICATION)
            for aborted in state.apply(pending):
                self.index.append(aborted)

    def _batches_from(self, start: int) -> Iterator[BatchHeader]:
        segments = self.log.segments
        for number, segment in enumerate(segments):
            if number + 1 < len(segments) and segments[number + 1].base_offset <= start:
                continue
            position, end = 0, segment.size
            while position < end:
                chunk = segment.read_bytes(position, min(REPLAY_CHUNK_SIZE, end - position))
                consumed = 0
                for header in iter_batches(chunk):
                    yield header
                    consumed = header.position + header.size_in_bytes
                if consumed == 0:
                    # one batch larger than a chunk: read it whole
                    length = int.from_bytes(chunk[8:12], "big", signed=True) + LOG_OVERHEAD
                    for header in iter_batches(segment.read_bytes(position, length)):
                        yield header
                    consumed = length
                position += consumed

    # ---- appending -------------------------------------------------------------------------

    def append_as_leader(
        self,
        buffer: bytearray,
        *,
        leader_epoch: int,
        now_ms: int,
        log_append_time: bool = False,
        origin: AppendOrigin = AppendOrigin.CLIENT,
        verification_guard: VerificationGuard = SENTINEL_GUARD,
    ) -> AppendInfo | DuplicateAppend:
        """Check the batches against the producer state, append them, then record them.

        Raises:
            ProducerStateError: a sequence, epoch or transaction rule refuses the append.
            LogError: the log refuses it (size limits...).
        """
        headers = batch_headers(buffer)
        pending = self.state.prepare_append(
            headers,
            origin=origin,
            first_offset=self.log.log_end_offset,
            verification_guard=verification_guard,
        )
        if pending.duplicate is not None:
            return DuplicateAppend.of(pending.duplicate, self.log.log_start_offset)
        info = self.log.append(
            buffer, leader_epoch=leader_epoch, now_ms=now_ms, log_append_time=log_append_time, headers=headers
        )
        self._after_append(pending, info)
        return info

    def append_as_follower(self, buffer: bytearray | bytes, *, now_ms: int) -> AppendInfo:
        """A follower's append: offsets and producer fields as the leader wrote them."""
        pending = self.state.prepare_append(batch_headers(buffer), origin=AppendOrigin.REPLICATION)
        info = self.log.append_as_follower(buffer, now_ms=now_ms)
        self._after_append(pending, info)
        return info

    def _after_append(self, pending: PendingAppend, info: AppendInfo) -> None:
        if info.rolled:
            # rule 2: the snapshot at the new segment's base holds the state before this append
            self.state.map_end_offset = max(self.state.map_end_offset, info.first_offset)
            self.take_snapshot(at=info.first_offset)
        self._sync_if_moved()
        for aborted in self.state.apply(pending):
            self.index.append(aborted)
        self.state.map_end_offset = max(self.state.map_end_offset, info.last_offset + 1)
        self.state.on_high_watermark_updated(self.log.high_watermark)

    # ---- reading ---------------------------------------------------------------------------

    def on_high_watermark_updated(self, high_watermark: int) -> None:
        self.state.on_high_watermark_updated(high_watermark)

    @property
    def last_stable_offset(self) -> int:
        """``min(first unstable offset, high watermark)``, never below the log start."""
        return max(self.state.last_stable_offset(self.log.high_watermark), self.log.log_start_offset)

    def aborted_transactions(self, fetch_offset: int, upper_bound: int) -> list[AbortedTransaction]:
        """The aborted transactions a ``read_committed`` fetch of ``[fetch_offset, upper_bound)`` needs."""
        if upper_bound <= fetch_offset:
            return []
        self._sync_if_moved()
        return self.index.collect(fetch_offset, upper_bound)

    def producers(self) -> list[ProducerStateEntry]:
        """DescribeProducers: every active producer."""
        return list(self.state.producers.values())

    def maybe_start_verification(
        self, producer_id: int, sequence: int, producer_epoch: int, now_ms: int
    ) -> VerificationGuard:
        return self.state.maybe_start_verification(producer_id, sequence, producer_epoch, now_ms)

    # ---- maintenance -----------------------------------------------------------------------

    def _sync_if_moved(self) -> None:
        """The cheap check for the hot paths: a new active segment or a new log start offset (a
        roll, retention, DeleteRecords). Compaction swaps are caught by :meth:`maintain`."""
        log = self.log
        if (log.log_start_offset, log.active_segment.base_offset) != self._watermarks:
            self.sync_segments()

    def sync_segments(self) -> None:
        """Rule 4, plus snapshots below the first segment and the log start offset."""
        log = self.log
        self._watermarks = (log.log_start_offset, log.active_segment.base_offset)
        bases = tuple(segment.base_offset for segment in log.segments)
        if bases != self._segment_bases:
            self._segment_bases = bases
            self.index.sync_segments(bases)
            for offset in list_snapshots(log.directory):
                if offset < bases[0]:
                    delete_snapshot(log.directory, offset)
        self.state.on_log_start_offset_incremented(log.log_start_offset)

    def forget_aborted_transaction(self, marker_offset: int) -> None:
        """Compaction is about to remove the ABORT marker at ``marker_offset`` (none of its
        transaction's batches are left): its transaction leaves the index first. A
        ``read_committed`` consumer skips a producer's batches from an aborted transaction's first
        offset until it meets the ABORT marker; listed without its marker, the transaction would
        hide every later batch of the producer."""
        self.index.forget(marker_offset)

    def maintain(self, now_ms: int) -> list[int]:
        """Periodic work: expire idle producers (``producer.id.expiration.ms``), follow deleted
        segments. Returns the expired producer ids."""
        self.sync_segments()
        return self.state.remove_expired_producers(now_ms)

    def take_snapshot(self, at: int | None = None) -> None:
        """Write a snapshot of the current state at ``at`` (default: the state's end offset)."""
        offset = self.state.map_end_offset if at is None else at
        if offset in list_snapshots(self.log.directory):
            return
        write_snapshot(self.log.directory, offset, self.state.producers.values())
        self.index.flush()

    def truncate_to(self, offset: int, *, now_ms: int) -> bool:
        """A follower's divergence truncation: truncate the log, then rebuild the state."""
        truncated = self.log.truncate_to(offset, now_ms=now_ms)
        if truncated:
            self.reload(now_ms)
        return truncated

    def truncate_fully_and_start_at(self, offset: int, *, now_ms: int) -> None:
        self.log.truncate_fully_and_start_at(offset, now_ms=now_ms)
        for snapshot in list_snapshots(self.log.directory):
            delete_snapshot(self.log.directory, snapshot)
        self.sync_segments()
        self.index.truncate_to(0)
        self.state.clear(offset)

    def close(self) -> None:
        """Snapshot at the log end (so the next open replays nothing), then close the log."""
        if not self.log.is_closed:
            self.state.map_end_offset = max(self.state.map_end_offset, self.log.log_end_offset)
            self.take_snapshot(at=self.log.log_end_offset)
            self.log.close()
