"""What the replica manager is asked and what it answers: plain values, no protocol classes.

Handlers translate protocol messages into these and back, so the replica manager never depends on
a request version's layout, and coordinators can call it with the same vocabulary.

``AppendOrigin`` is the log's: CLIENT (full validation, producer sequences), COORDINATOR (a
coordinator's own batches: control batches allowed, epochs checked, no sequences).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import IntEnum

from wirekafka.log.file_region import FileRegion
from wirekafka.log.producer_state import AppendOrigin as AppendOrigin
from wirekafka.protocol.errors import ErrorCode
from wirekafka.records.batch import Buffer
from wirekafka.replication.append_validation import RecordError

UNKNOWN_OFFSET = -1
NO_TIMESTAMP = -1
NO_EPOCH = -1
CONSUMER_REPLICA_ID = -1
DEBUGGING_REPLICA_ID = -2


class IsolationLevel(IntEnum):
    READ_UNCOMMITTED = 0
    READ_COMMITTED = 1


# ---- produce ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppendEntry:
    """One partition's batch to append (already checked for the produce version's shape)."""

    topic: str
    partition: int
    records: Buffer


@dataclass(slots=True)
class AppendResult:
    """One partition's outcome, as the Produce response reports it."""

    topic: str
    partition: int
    error_code: ErrorCode = ErrorCode.NO_ERROR
    base_offset: int = UNKNOWN_OFFSET
    last_offset: int = UNKNOWN_OFFSET
    log_append_time_ms: int = NO_TIMESTAMP
    log_start_offset: int = UNKNOWN_OFFSET
    error_message: str | None = None
    record_errors: tuple[RecordError, ...] = ()


# ---- fetch -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FetchParams:
    """Request-level fetch settings (Kafka's ``FetchParams``)."""

    replica_id: int = CONSUMER_REPLICA_ID
    max_wait_ms: int = 0
    min_bytes: int = 1
    max_bytes: int = 2**31 - 1
    isolation_level: IsolationLevel = IsolationLevel.READ_UNCOMMITTED
    fetch_only_leader: bool = True

    @property
    def is_from_follower(self) -> bool:
        return self.replica_id >= 0


@dataclass(frozen=True, slots=True)
class FetchPartition:
    """One partition of a fetch, in request order."""

    topic: str
    partition: int
    fetch_offset: int
    partition_max_bytes: int
    current_leader_epoch: int = NO_EPOCH
    last_fetched_epoch: int = NO_EPOCH
    log_start_offset: int = UNKNOWN_OFFSET
    topic_id: uuid.UUID | None = None


@dataclass(slots=True)
class FetchPartitionResult:
    """One partition's answer. ``records`` are whole stored batches, exactly as on disk: read,
    or a region of the segment file for the connection to ``sendfile`` (large reads)."""

    topic: str
    partition: int
    error_code: ErrorCode = ErrorCode.NO_ERROR
    high_watermark: int = UNKNOWN_OFFSET
    last_stable_offset: int = UNKNOWN_OFFSET
    log_start_offset: int = UNKNOWN_OFFSET
    records: bytes | FileRegion = b""
    diverging_epoch: tuple[int, int] | None = None  # (epoch, end offset)
    aborted_transactions: list[tuple[int, int]] | None = None  # (producer id, first offset)
    topic_id: uuid.UUID | None = None


# ---- offsets ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OffsetLookup:
    """A ListOffsets answer for one partition (v1+)."""

    error_code: ErrorCode = ErrorCode.NO_ERROR
    timestamp: int = NO_TIMESTAMP
    offset: int = UNKNOWN_OFFSET
    leader_epoch: int = NO_EPOCH


@dataclass(frozen=True, slots=True)
class EpochEndOffset:
    """An OffsetForLeaderEpoch answer for one partition."""

    error_code: ErrorCode = ErrorCode.NO_ERROR
    leader_epoch: int = NO_EPOCH
    end_offset: int = UNKNOWN_OFFSET


@dataclass(frozen=True, slots=True)
class DeleteRecordsOutcome:
    error_code: ErrorCode = ErrorCode.NO_ERROR
    low_watermark: int = UNKNOWN_OFFSET


@dataclass(frozen=True, slots=True)
class PartitionDiskUsage:
    topic: str
    partition: int
    size_bytes: int
    offset_lag: int


@dataclass(frozen=True, slots=True)
class LogDirDescription:
    """DescribeLogDirs for one log dir."""

    path: str
    error_code: ErrorCode = ErrorCode.NO_ERROR
    partitions: list[PartitionDiskUsage] = field(default_factory=list)
    total_bytes: int = -1
    usable_bytes: int = -1


class ReplicaManagerError(Exception):
    """An internal (coordinator) append or read failed with ``error_code``."""

    def __init__(self, error_code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
