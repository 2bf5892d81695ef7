"""One partition this node hosts: its log, its replication state, and who is waiting on it.

The replica manager calls these methods from the trio thread only, one at a time, so a log is
never touched concurrently (``PartitionLog`` is not thread-safe). Nothing here blocks on the
network or awaits: appends and reads are synchronous file I/O on the page cache.

Appends go through the log's :class:`~wirekafka.log.partition_transactions.PartitionTransactions`
(producer state, snapshots, aborted-transaction index), which checks idempotent sequences and
transactions from batch headers before the log takes the bytes, and gives the last stable offset
and the aborted transactions of ``read_committed`` fetches.

Waiting requests (long-poll fetches, ``acks=all`` produces) register a :class:`Watcher` and are
told when the partition moves: the high watermark advanced (bytes became visible to consumers),
the log end offset advanced (bytes became visible to followers), or the partition changed under
them (leadership, epoch, deletion, truncation). To tell a waiting fetch how many bytes arrived
without reading them, the partition counts the bytes appended since it was opened and the bytes
that are below the high watermark; a fetch compares the counters with their values when it
started waiting (Kafka's ``DelayedFetch`` does the same with segment positions).
"""

from __future__ import annotations

import uuid
from collections import deque
from typing import Protocol

from wirekafka.log.config import LogConfig
from wirekafka.log.partition_log import AppendInfo, PartitionLog
from wirekafka.log.partition_transactions import DuplicateAppend, PartitionTransactions
from wirekafka.log.producer_state import SENTINEL_GUARD, AbortedTransaction, AppendOrigin, VerificationGuard
from wirekafka.log.topic_partition import TopicPartition
from wirekafka.replication.partition_state import PartitionState


class Watcher(Protocol):
    """A waiting request. ``moved`` is called after progress; ``changed`` after anything that
    may turn its answer into an error (it must then stop waiting)."""

    def moved(self, partition: HostedPartition) -> None: ...

    def changed(self, partition: HostedPartition) -> None: ...


class HostedPartition:
    """Log + state + waiters of one partition hosted on this node."""

    def __init__(
        self,
        topic_partition: TopicPartition,
        topic_id: uuid.UUID,
        transactions: PartitionTransactions,
        state: PartitionState,
    ) -> None:
        self.topic_partition = topic_partition
        self.topic_id = topic_id
        self.transactions = transactions
        self.log: PartitionLog = transactions.log
        self.state = state
        self.watchers: set[Watcher] = set()
        self.appended_bytes = 0
        self.visible_bytes = 0
        # (offset after an append, appended_bytes after it) for appends above the high watermark
        self._unreplicated: deque[tuple[int, int]] = deque()

    @property
    def config(self) -> LogConfig:
        return self.log.config

    @property
    def high_watermark(self) -> int:
        return self.log.high_watermark

    @property
    def last_stable_offset(self) -> int:
        """The first offset of the oldest undecided transaction, capped by the high watermark."""
        return self.transactions.last_stable_offset

    def aborted_transactions(self, fetch_offset: int, upper_bound: int) -> list[AbortedTransaction]:
        """What a ``read_committed`` consumer needs to drop aborted records of ``[fetch, upper)``."""
        return self.transactions.aborted_transactions(fetch_offset, upper_bound)

    @property
    def log_end_offset(self) -> int:
        return self.log.log_end_offset

    @property
    def log_start_offset(self) -> int:
        return self.log.log_start_offset

    # ---- changes -------------------------------------------------------------------------------

    def append_as_leader(
        self,
        buffer: bytearray,
        *,
        now_ms: int,
        origin: AppendOrigin = AppendOrigin.CLIENT,
        verification_guard: VerificationGuard = SENTINEL_GUARD,
    ) -> AppendInfo | DuplicateAppend:
        """Append client or coordinator batches at the log end, as leader of the current epoch.
        A retried idempotent batch already in the log is not written again: its original offsets
        come back as a :class:`DuplicateAppend`.

        Raises:
            wirekafka.log.errors.LogError: the producer state or the log refused (the error names
                the Kafka code: OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH,
                INVALID_TXN_STATE, RECORD_LIST_TOO_LARGE...).
        """
        info = self.transactions.append_as_leader(
            buffer,
            leader_epoch=self.state.leader_epoch,
            now_ms=now_ms,
            log_append_time=self.config.log_append_time,
            origin=origin,
            verification_guard=verification_guard,
        )
        if isinstance(info, DuplicateAppend):
            return info
        self.appended_bytes += len(buffer)
        self._unreplicated.append((info.last_offset + 1, self.appended_bytes))
        self.state.on_local_append(self.log.log_end_offset)
        self._publish_high_watermark()
        self._tell_moved()
        return info

    def follower_fetched(
        self, replica_id: int, *, fetch_offset: int, log_start_offset: int, now_ms: int
    ) -> None:
        """A follower's fetch told us its log end offset; the high watermark may advance.

        Raises:
            KeyError: ``replica_id`` is not a follower replica of this partition.
        """
        moved = self.state.on_follower_fetch(
            replica_id, fetch_offset=fetch_offset, log_start_offset=log_start_offset, now_ms=now_ms
        )
        if moved is not None:
            self._publish_high_watermark()
            self._tell_moved()

    def delete_records_before(self, offset: int, *, now_ms: int) -> int:
        """DeleteRecords on the leader; returns the new log start offset."""
        start = self.log.delete_records_before(offset, now_ms=now_ms)
        self.transactions.sync_segments()
        self._tell_changed()
        return start

    def refresh_high_watermark(self) -> None:
        """Re-derive the high watermark after a role or ISR change, and tell the waiters."""
        self._publish_high_watermark()
        self._tell_changed()

    def _publish_high_watermark(self) -> None:
        """Move the log's high watermark to the state's and count the bytes now visible."""
        high_watermark = self.log.update_high_watermark(self.state.high_watermark)
        self.transactions.on_high_watermark_updated(high_watermark)
        pending = self._unreplicated
        while pending and pending[0][0] <= high_watermark:
            self.visible_bytes = pending.popleft()[1]
        if not pending:
            self.visible_bytes = self.appended_bytes

    # ---- waiters -------------------------------------------------------------------------------

    def _tell_moved(self) -> None:
        for watcher in list(self.watchers):
            watcher.moved(self)

    def _tell_changed(self) -> None:
        for watcher in list(self.watchers):
            watcher.changed(self)

    def wake_all(self) -> None:
        """Tell every waiter the partition changed under it (role change, deletion, shutdown)."""
        self._tell_changed()

    def __repr__(self) -> str:
        return f"HostedPartition({self.topic_partition}, {self.state!r})"
