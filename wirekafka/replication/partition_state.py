"""Replication state of one partition as this node sees it. Pure: no I/O, no trio, no clock.

The replica manager owns one :class:`PartitionState` per hosted partition and feeds it what
happened (a metadata change, a local append, a follower's fetch, the leader's high watermark seen
by a follower); the state answers with what follows (the new high watermark, the replicas that
fell out of sync, the error a request gets). Rules, as in Kafka's ``Partition``:

1. As leader, the high watermark is the smallest log end offset among the leader and every ISR
   member, and it never moves backwards while the leadership lasts (``maybeIncrementLeaderHW``).
2. A follower whose log end offset is unknown -- it has not fetched since this node became
   leader -- holds the high watermark where it is: an acknowledged write must be on every ISR
   member, and an unknown position proves nothing.
3. A follower is *caught up* when it fetched from the leader's log end offset as it was at its
   previous fetch (Kafka's ``lastCaughtUpTimeMs``). An ISR member not caught up for
   ``replica.lag.time.max.ms`` is out of sync: the leader proposes to drop it (the controller
   decides; until then it still bounds the high watermark).
4. As follower, the high watermark is the leader's, as last fetched, capped by the local log end
   offset.
5. ``acks=all`` requires ``len(isr) >= min.insync.replicas`` before the append, and the response
   waits until the high watermark passes the appended batch.
6. A request naming a ``current_leader_epoch`` older than ours is fenced (FENCED_LEADER_EPOCH);
   a newer one means this node has not seen the change yet (UNKNOWN_LEADER_EPOCH); -1 skips it.
"""

from __future__ import annotations

from dataclasses import dataclass

from wirekafka.protocol.errors import ErrorCode

NO_LEADER = -1
UNKNOWN_OFFSET = -1
NO_LEADER_EPOCH = -1


@dataclass(slots=True)
class FollowerProgress:
    """What the leader knows of one follower, from that follower's fetches."""

    replica_id: int
    log_end_offset: int = UNKNOWN_OFFSET
    log_start_offset: int = UNKNOWN_OFFSET
    last_fetch_ms: int = 0
    last_caught_up_ms: int = 0
    leader_log_end_offset_at_last_fetch: int = UNKNOWN_OFFSET


class PartitionState:
    """Leader, epoch, replicas, ISR, log end offsets and the high watermark of one partition."""

    def __init__(self, topic: str, partition: int, local_replica_id: int) -> None:
        self.topic = topic
        self.partition = partition
        self.local_replica_id = local_replica_id
        self.leader_id = NO_LEADER
        self.leader_epoch = NO_LEADER_EPOCH
        self.partition_epoch = 0
        self.replicas: tuple[int, ...] = ()
        self.isr: tuple[int, ...] = ()
        self.log_end_offset = 0
        self.high_watermark = 0
        self.leader_epoch_start_offset = UNKNOWN_OFFSET
        self._followers: dict[int, FollowerProgress] = {}

    # ---- facts ---------------------------------------------------------------------------------

    @property
    def is_leader(self) -> bool:
        return self.leader_id == self.local_replica_id

    @property
    def is_follower(self) -> bool:
        return self.leader_id != self.local_replica_id and self.local_replica_id in self.replicas

    def follower(self, replica_id: int) -> FollowerProgress | None:
        return self._followers.get(replica_id)

    @property
    def followers(self) -> tuple[FollowerProgress, ...]:
        return tuple(self._followers.values())

    def has_enough_replicas(self, min_insync_replicas: int) -> bool:
        """Rule 5: whether an ``acks=all`` append may proceed."""
        return len(self.isr) >= min_insync_replicas

    def check_leader_epoch(self, requested_epoch: int) -> ErrorCode:
        """Rule 6: the error for a request's ``current_leader_epoch`` (NO_ERROR when it matches)."""
        if requested_epoch < 0 or requested_epoch == self.leader_epoch:
            return ErrorCode.NO_ERROR
        if requested_epoch < self.leader_epoch:
            return ErrorCode.FENCED_LEADER_EPOCH
        return ErrorCode.UNKNOWN_LEADER_EPOCH

    # ---- role changes (from metadata images) ---------------------------------------------------

    def become_leader(
        self,
        *,
        leader_epoch: int,
        partition_epoch: int,
        replicas: tuple[int, ...],
        isr: tuple[int, ...],
        log_end_offset: int,
        high_watermark: int,
        now_ms: int,
    ) -> bool:
        """Lead the partition (or update replicas/ISR while leading). Returns whether this is a new
        leadership (a new epoch or a former follower), which resets what is known of followers.

        ``high_watermark`` is the log's current (for example checkpointed) value; the rules then
        advance it as far as the ISR allows.
        """
        new_term = not self.is_leader or leader_epoch != self.leader_epoch
        self.leader_id = self.local_replica_id
        self.leader_epoch = leader_epoch
        self.partition_epoch = partition_epoch
        self.replicas = tuple(replicas)
        self.isr = tuple(isr)
        self.log_end_offset = log_end_offset
        if new_term:
            self.high_watermark = min(high_watermark, log_end_offset)
            self.leader_epoch_start_offset = log_end_offset
            self._followers = {
                replica: FollowerProgress(replica, last_caught_up_ms=now_ms)
                for replica in self.replicas
                if replica != self.local_replica_id
            }
        else:
            known = self._followers
            self._followers = {
                replica: known.get(replica) or FollowerProgress(replica, last_caught_up_ms=now_ms)
                for replica in self.replicas
                if replica != self.local_replica_id
            }
        self.maybe_increment_high_watermark()
        return new_term

    def become_follower(
        self,
        *,
        leader_id: int,
        leader_epoch: int,
        partition_epoch: int,
        replicas: tuple[int, ...],
        isr: tuple[int, ...],
        log_end_offset: int,
        high_watermark: int,
    ) -> bool:
        """Follow ``leader_id`` (``NO_LEADER`` when the partition has none). Returns whether the
        leader or epoch changed (a follower fetcher must then restart from a truncation check)."""
        changed = self.leader_id != leader_id or self.leader_epoch != leader_epoch
        self.leader_id = leader_id
        self.leader_epoch = leader_epoch
        self.partition_epoch = partition_epoch
        self.replicas = tuple(replicas)
        self.isr = tuple(isr)
        self.log_end_offset = log_end_offset
        self.high_watermark = min(high_watermark, log_end_offset)
        self.leader_epoch_start_offset = UNKNOWN_OFFSET
        self._followers = {}
        return changed

    # ---- progress ------------------------------------------------------------------------------

    def on_local_append(self, log_end_offset: int) -> int | None:
        """The local log grew to ``log_end_offset``. Returns the new high watermark if it moved."""
        self.log_end_offset = log_end_offset
        if not self.is_leader:
            return None
        return self.maybe_increment_high_watermark()

    def on_local_truncation(self, log_end_offset: int) -> None:
        """The local log was truncated (follower divergence): offsets above it are gone."""
        self.log_end_offset = log_end_offset
        self.high_watermark = min(self.high_watermark, log_end_offset)

    def on_follower_fetch(
        self,
        replica_id: int,
        *,
        fetch_offset: int,
        log_start_offset: int,
        now_ms: int,
    ) -> int | None:
        """A follower fetched from ``fetch_offset`` (so its log ends there). Rule 3 bookkeeping,
        then rule 1. Returns the new high watermark if it moved.

        Raises:
            KeyError: ``replica_id`` is not a follower replica of this partition.
        """
        progress = self._followers[replica_id]
        if fetch_offset >= self.log_end_offset:
            progress.last_caught_up_ms = max(progress.last_caught_up_ms, now_ms)
        elif fetch_offset >= progress.leader_log_end_offset_at_last_fetch >= 0:
            progress.last_caught_up_ms = max(progress.last_caught_up_ms, progress.last_fetch_ms)
        progress.log_end_offset = fetch_offset
        progress.log_start_offset = log_start_offset
        progress.last_fetch_ms = now_ms
        progress.leader_log_end_offset_at_last_fetch = self.log_end_offset
        return self.maybe_increment_high_watermark()

    def on_leader_high_watermark(self, leader_high_watermark: int) -> int | None:
        """Rule 4 (follower): the leader's high watermark from a fetch response."""
        new = min(leader_high_watermark, self.log_end_offset)
        if new == self.high_watermark:
            return None
        self.high_watermark = new
        return new

    def maybe_increment_high_watermark(self) -> int | None:
        """Rules 1 and 2. Returns the new high watermark if it moved forward."""
        if not self.is_leader:
            return None
        candidate = self.log_end_offset
        for replica in self.isr:
            if replica == self.local_replica_id:
                continue
            progress = self._followers.get(replica)
            if progress is None or progress.log_end_offset == UNKNOWN_OFFSET:
                return None
            candidate = min(candidate, progress.log_end_offset)
        if candidate <= self.high_watermark:
            return None
        self.high_watermark = candidate
        return candidate

    def out_of_sync_replicas(self, now_ms: int, replica_lag_time_max_ms: int) -> tuple[int, ...]:
        """Rule 3: ISR followers not caught up for longer than the lag limit (shrink proposal)."""
        if not self.is_leader:
            return ()
        lagging: list[int] = []
        for replica in self.isr:
            progress = self._followers.get(replica)
            if progress is None:
                continue
            caught_up = progress.log_end_offset == self.log_end_offset
            if not caught_up and now_ms - progress.last_caught_up_ms > replica_lag_time_max_ms:
                lagging.append(replica)
        return tuple(lagging)

    def caught_up_replicas_outside_isr(self) -> tuple[int, ...]:
        """Followers not in the ISR whose log reached the high watermark (expansion proposal)."""
        if not self.is_leader:
            return ()
        return tuple(
            progress.replica_id
            for progress in self._followers.values()
            if progress.replica_id not in self.isr
            and progress.log_end_offset >= self.high_watermark
            and progress.log_end_offset >= max(self.leader_epoch_start_offset, 0)
        )

    def __repr__(self) -> str:
        return (
            f"PartitionState({self.topic}-{self.partition}, leader={self.leader_id}, "
            f"epoch={self.leader_epoch}, isr={list(self.isr)}, log_end_offset={self.log_end_offset}, "
            f"high_watermark={self.high_watermark})"
        )
