"""Offset questions asked of one hosted partition: ListOffsets and OffsetForLeaderEpoch.

Synchronous and free of trio: each function reads the partition's log and state and returns the
answer Kafka gives (``Partition.fetchOffsetForTimestamp``, ``legacyFetchOffsetsForTimestamp``,
``lastOffsetForLeaderEpoch``). The caller has already found the partition and checked the
leader epoch and leadership.
"""

from __future__ import annotations

from wirekafka.log.leader_epoch_cache import UNDEFINED_EPOCH_OFFSET
from wirekafka.protocol.errors import ErrorCode
from wirekafka.replication.hosted_partition import HostedPartition
from wirekafka.replication.operations import (
    NO_EPOCH,
    NO_TIMESTAMP,
    UNKNOWN_OFFSET,
    EpochEndOffset,
    IsolationLevel,
    OffsetLookup,
)

LATEST_TIMESTAMP = -1
EARLIEST_TIMESTAMP = -2
MAX_TIMESTAMP = -3
EARLIEST_LOCAL_TIMESTAMP = -4
LATEST_TIERED_TIMESTAMP = -5

#: The first ListOffsets version at which each special target may be asked (Kafka's
#: ``timestampMinSupportedVersion``); other negative targets are UNSUPPORTED_VERSION.
SPECIAL_TARGET_MIN_VERSION = {
    EARLIEST_TIMESTAMP: 0,
    LATEST_TIMESTAMP: 0,
    MAX_TIMESTAMP: 7,
    EARLIEST_LOCAL_TIMESTAMP: 8,
    LATEST_TIERED_TIMESTAMP: 9,
}


def target_supported(timestamp: int, version: int) -> bool:
    """Whether a ListOffsets request at ``version`` may ask for ``timestamp``."""
    if timestamp >= 0:
        return True
    minimum = SPECIAL_TARGET_MIN_VERSION.get(timestamp)
    return minimum is not None and version >= minimum


def lookup_offset(
    partition: HostedPartition, timestamp: int, isolation_level: IsolationLevel | None
) -> OffsetLookup:
    """ListOffsets v1+ for one partition. ``isolation_level`` is ``None`` for a replica or
    debugging request (bounded by the log end rather than the high watermark).

    Targets: -1 latest (the high watermark or last stable offset: one past the last readable
    record), -2 earliest and -4 earliest local (the log start offset), -3 the first record with
    the largest timestamp, -5 latest tiered (none: no tiered storage), >= 0 the first record whose
    timestamp is at or after the target. A record at or beyond the readable end is not reported.
    """
    log = partition.log
    state = partition.state
    if isolation_level is None:
        last_fetchable = log.log_end_offset
    elif isolation_level == IsolationLevel.READ_COMMITTED:
        last_fetchable = partition.last_stable_offset
    else:
        last_fetchable = partition.high_watermark
    lagging = (
        isolation_level is not None
        and state.leader_epoch_start_offset > partition.high_watermark
        and state.is_leader
    )
    if timestamp == LATEST_TIMESTAMP:
        if lagging:
            return OffsetLookup(ErrorCode.OFFSET_NOT_AVAILABLE)
        return OffsetLookup(ErrorCode.NO_ERROR, NO_TIMESTAMP, last_fetchable, state.leader_epoch)
    if timestamp in (EARLIEST_TIMESTAMP, EARLIEST_LOCAL_TIMESTAMP):
        start = log.log_start_offset
        return OffsetLookup(ErrorCode.NO_ERROR, NO_TIMESTAMP, start, _epoch_of_log_start(partition))
    if timestamp == LATEST_TIERED_TIMESTAMP:
        return OffsetLookup(ErrorCode.NO_ERROR, NO_TIMESTAMP, UNKNOWN_OFFSET, NO_EPOCH)
    if timestamp == MAX_TIMESTAMP:
        found = log.max_timestamp_and_offset()
    else:
        found = log.offset_for_timestamp(timestamp)
    if found is None:
        return OffsetLookup()
    if found.offset >= last_fetchable:
        return OffsetLookup(ErrorCode.OFFSET_NOT_AVAILABLE) if lagging else OffsetLookup()
    return OffsetLookup(ErrorCode.NO_ERROR, found.timestamp, found.offset, found.leader_epoch)


def _epoch_of_log_start(partition: HostedPartition) -> int:
    """Kafka: the earliest cached epoch, if it starts at or before the log start offset."""
    entries = partition.log.leader_epoch_cache.entries
    if entries and entries[0].start_offset <= partition.log.log_start_offset:
        return entries[0].epoch
    return NO_EPOCH


def legacy_offsets(
    partition: HostedPartition, timestamp: int, max_num_offsets: int, *, from_consumer: bool, now_ms: int
) -> list[int]:
    """ListOffsets v0 (Kafka's ``legacyFetchOffsetsBefore``): up to ``max_num_offsets`` segment
    base offsets (and the log end) whose segment was last modified at or before ``timestamp``,
    newest first; -1 asks for the latest, -2 for the earliest. Consumers never see offsets above
    the high watermark: the high watermark takes their place."""
    log = partition.log
    segments = log.segments
    entries = [
        (max(segment.base_offset, log.log_start_offset), segment.last_modified_ms()) for segment in segments
    ]
    if segments and segments[-1].size > 0:
        entries.append((log.log_end_offset, now_ms))
    if timestamp == LATEST_TIMESTAMP:
        start = len(entries) - 1
    elif timestamp == EARLIEST_TIMESTAMP:
        start = 0
    else:
        start = len(entries) - 1
        while start >= 0 and entries[start][1] > timestamp:
            start -= 1
    count = min(max_num_offsets, start + 1)
    offsets = sorted((entries[start - index][0] for index in range(max(count, 0))), reverse=True)
    if from_consumer:
        high_watermark = partition.high_watermark
        if any(offset > high_watermark for offset in offsets):
            offsets = [high_watermark, *(offset for offset in offsets if offset <= high_watermark)]
    return offsets


def end_offset_for_epoch(partition: HostedPartition, leader_epoch: int) -> EpochEndOffset:
    """OffsetForLeaderEpoch: the requested epoch (or the largest earlier one this log knows) and
    the offset where it ended -- the log end offset for the current epoch; (-1, -1) if unknown."""
    epoch, end_offset = partition.log.end_offset_for_epoch(leader_epoch)
    if end_offset == UNDEFINED_EPOCH_OFFSET:
        return EpochEndOffset(ErrorCode.NO_ERROR)
    return EpochEndOffset(ErrorCode.NO_ERROR, epoch, end_offset)
