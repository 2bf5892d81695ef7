"""The log's exceptions, one per condition a caller must tell apart.

The log is below the protocol layer and does not import its error codes; each exception names the
Kafka error a handler answers with (``kafka_error``), so the mapping lives next to the condition and
a handler can translate any :class:`LogError` without a table of its own.
"""

from __future__ import annotations

from typing import ClassVar


class LogError(Exception):
    """Base class of every error raised by ``wirekafka.log``."""

    kafka_error: ClassVar[str] = "UNKNOWN_SERVER_ERROR"


class OffsetOutOfRangeError(LogError):
    """A fetch or lookup named an offset outside ``[log_start_offset, log_end_offset]``."""

    kafka_error = "OFFSET_OUT_OF_RANGE"

    def __init__(self, offset: int, log_start_offset: int, log_end_offset: int) -> None:
        super().__init__(f"offset {offset} is out of range [{log_start_offset}, {log_end_offset}]")
        self.offset = offset
        self.log_start_offset = log_start_offset
        self.log_end_offset = log_end_offset


class RecordTooLargeError(LogError):
    """One batch is larger than the topic's ``max.message.bytes``."""

    kafka_error = "MESSAGE_TOO_LARGE"


class RecordBatchTooLargeError(LogError):
    """The batches of one append do not fit in an empty segment (``segment.bytes``)."""

    kafka_error = "RECORD_LIST_TOO_LARGE"


class UnexpectedAppendOffsetError(LogError):
    """A follower append starts below the log end offset: the replica would rewrite history."""

    kafka_error = "UNKNOWN_SERVER_ERROR"

    def __init__(self, message: str, first_offset: int, last_offset: int) -> None:
        super().__init__(message)
        self.first_offset = first_offset
        self.last_offset = last_offset


class OffsetsOutOfOrderError(LogError):
    """Offsets inside one follower append are not strictly increasing."""

    kafka_error = "UNKNOWN_SERVER_ERROR"


class InvalidConfigError(LogError):
    """A topic config value is unknown or outside Kafka's valid range; ``key`` names it."""

    kafka_error = "INVALID_CONFIG"

    def __init__(self, key: str, value: str | None, reason: str) -> None:
        super().__init__(f"invalid value {value!r} for configuration {key}: {reason}")
        self.key = key
        self.value = value
        self.reason = reason


class CorruptCheckpointError(LogError):
    """A checkpoint file does not parse; the caller decides whether to fall back to recovery."""

    kafka_error = "KAFKA_STORAGE_ERROR"


class CorruptIndexError(LogError):
    """An index file fails its sanity checks; the segment rebuilds it from the log."""

    kafka_error = "KAFKA_STORAGE_ERROR"


class LogSegmentOffsetOverflowError(LogError):
    """An offset does not fit the 32-bit relative offset of the segment's indexes."""

    kafka_error = "UNKNOWN_SERVER_ERROR"


class CorruptRecordsError(LogError):
    """A stored batch's records do not parse, though its header and CRC are valid.

    Produce checks batches, not records (no per-record work on the hot path), so a client that
    computes the CRC over garbage gets it stored; Kafka, which parses every record at produce,
    would have refused it. What reads records (timestamp lookups) answers CORRUPT_MESSAGE, as
    Kafka's handlers do for a ``CorruptRecordException``.
    """

    kafka_error = "CORRUPT_MESSAGE"


class LogClosedError(LogError):
    """An operation reached a log (or segment) after it was closed or deleted."""

    kafka_error = "KAFKA_STORAGE_ERROR"
