"""Which client batches a leader accepts, judged from the batch header. Pure: no I/O, no trio.

Kafka checks a produce payload in three places, and the first failing check names the error:

1. ``ProduceRequest.validateRecords`` (per partition, before the replica manager): from v3 the
   payload must hold exactly one magic v2 batch (INVALID_RECORD otherwise) and zstd needs v7+
   (UNSUPPORTED_COMPRESSION_TYPE). A magic 0/1 batch in a v3+ request is INVALID_RECORD there,
   not UNSUPPORTED_FOR_MESSAGE_FORMAT: that is what Kafka 4 answers. Bytes after the first
   complete batch that do not form a second one are dropped, as Kafka trims them.
2. ``UnifiedLog.analyzeAndValidateRecords``: base offset 0 (INVALID_RECORD), size within
   ``max.message.bytes`` (MESSAGE_TOO_LARGE), CRC (CORRUPT_MESSAGE).
3. ``LogValidator``: offset range and record count agree, no control batch, an idempotent batch
   has a sequence (INVALID_RECORD); then per record: keys on compacted topics (INVALID_RECORD)
   and timestamps within ``message.timestamp.{before,after}.max.ms`` (INVALID_TIMESTAMP).

The hot path (rule 3 of ARCHITECTURE.md) reads headers only. Records are decoded on slow paths
that a topic opts into: a compacted topic (keys must be present), a topic whose
``compression.type`` differs from the batch's codec (the batch is rebuilt, as Kafka does), a
topic with ``message.timestamp.before.max.ms`` set (no header field bounds record timestamps
from below), and a batch whose ``max_timestamp`` breaks ``message.timestamp.after.max.ms``
(decoded to name the offending records).
Unlike Kafka, a compressed batch is not decompressed just to validate it.
"""

from __future__ import annotations

from dataclasses import dataclass

from wirekafka.log.config import LONG_MAX, LogConfig
from wirekafka.protocol.errors import ErrorCode
from wirekafka.records.batch import (
    NO_TIMESTAMP,
    BatchHeader,
    Buffer,
    Compression,
    TimestampType,
    iter_batches,
    validate_batches,
)
from wirekafka.records.builder import build_batch
from wirekafka.records.errors import (
    CorruptRecordError,
    InvalidRecordError,
    RecordsError,
    UnsupportedMagicError,
)
from wirekafka.records.record import Record, iter_records, keyless_records

_TARGET_COMPRESSION = {
    "uncompressed": Compression.NONE,
    "gzip": Compression.GZIP,
    "snappy": Compression.SNAPPY,
    "lz4": Compression.LZ4,
    "zstd": Compression.ZSTD,
}


@dataclass(frozen=True, slots=True)
class RecordError:
    """One rejected record: its index in the batch (Kafka's ``batch_index``) and why."""

    batch_index: int
    message: str | None

    def __str__(self) -> str:
        return f"RecordError(batchIndex={self.batch_index}, message='{self.message}')"


class AppendError(Exception):
    """A partition's append is refused with ``error_code``; nothing was written."""

    def __init__(
        self, error_code: ErrorCode, message: str, record_errors: tuple[RecordError, ...] = ()
    ) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message
        self.record_errors = record_errors


def error_for(exc: RecordsError) -> AppendError:
    """The append error Kafka gives for a record-layer error raised on a client append."""
    if isinstance(exc, UnsupportedMagicError):
        return AppendError(ErrorCode.INVALID_RECORD, str(exc))
    if isinstance(exc, InvalidRecordError):
        return AppendError(ErrorCode.INVALID_RECORD, str(exc))
    return AppendError(ErrorCode.CORRUPT_MESSAGE, str(exc))


def single_produce_batch(version: int, records: Buffer | None) -> memoryview:
    """Rule 1: the one batch of a Produce v3+ partition payload, trailing bytes trimmed.

    Raises:
        AppendError: INVALID_RECORD, CORRUPT_MESSAGE or UNSUPPORTED_COMPRESSION_TYPE.
    """
    data = memoryview(records if records is not None else b"")
    headers: list[BatchHeader] = []
    try:
        for header in iter_batches(data):
            headers.append(header)
            if len(headers) == 1:
                if version < 7 and header.compression == Compression.ZSTD:
                    raise AppendError(
                        ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
                        f"Produce requests with version {version} are not allowed to use ZStandard compression",
                    )
            else:
                break
    except UnsupportedMagicError:
        if headers:
            raise AppendError(
                ErrorCode.INVALID_RECORD,
                f"Produce requests with version {version} are only allowed to contain exactly one record batch",
            ) from None
        raise AppendError(
            ErrorCode.INVALID_RECORD,
            f"Produce requests with version {version} are only allowed to contain record batches "
            "with magic version 2",
        ) from None
    except RecordsError as exc:
        raise AppendError(ErrorCode.CORRUPT_MESSAGE, str(exc)) from None
    if not headers:
        raise AppendError(
            ErrorCode.INVALID_RECORD,
            f"Produce requests with version {version} must have at least one record batch",
        )
    if len(headers) > 1:
        raise AppendError(
            ErrorCode.INVALID_RECORD,
            f"Produce requests with version {version} are only allowed to contain exactly one record batch",
        )
    return headers[0].batch_buffer()


def validate_client_batch(
    batch: Buffer, config: LogConfig, *, now_ms: int, topic_partition: str
) -> bytearray:
    """Rules 2 and 3 for one client batch; returns the bytes to append (a private copy the log
    may patch: the client's bytes, or the rebuilt batch when the topic recompresses).

    Raises:
        AppendError: the batch is refused.
    """
    header = _header(batch)
    if header.base_offset != 0:
        raise AppendError(
            ErrorCode.INVALID_RECORD,
            f"The baseOffset of the record batch in the append to {topic_partition} should be 0, "
            f"but it is {header.base_offset}",
        )
    if header.size_in_bytes > config.max_message_bytes:
        raise AppendError(
            ErrorCode.MESSAGE_TOO_LARGE,
            f"The record batch size in the append to {topic_partition} is {header.size_in_bytes} "
            f"bytes which exceeds the maximum configured value of {config.max_message_bytes}.",
        )
    try:
        validate_batches(batch, from_client=True)
    except CorruptRecordError as exc:
        raise AppendError(
            ErrorCode.CORRUPT_MESSAGE,
            f"Record is corrupt (stored crc = {header.crc}) in topic partition {topic_partition}: {exc}",
        ) from None
    except RecordsError as exc:
        raise error_for(exc) from None
    target = _TARGET_COMPRESSION.get(config.compression_type)
    recompress = target is not None and target != header.compression
    records: list[Record] | None = None
    if (
        recompress
        or _timestamps_may_be_out_of_range(header, config, now_ms)
        or (config.compact and _has_keyless_records(header))
    ):
        records = _decode(header)
        _check_records(header, records, config, now_ms, topic_partition)
    if recompress and records is not None and target is not None:
        return bytearray(_rebuild(header, records, target))
    return bytearray(batch)


def validate_internal_batches(batches: Buffer, config: LogConfig) -> None:
    """What a coordinator's own append must satisfy: complete v2 batches (control batches
    allowed), each within ``max.message.bytes``, CRCs intact.

    Raises:
        AppendError: CORRUPT_MESSAGE, INVALID_RECORD or MESSAGE_TOO_LARGE.
    """
    try:
        headers = validate_batches(batches, from_client=False)
    except RecordsError as exc:
        raise error_for(exc) from None
    if not headers:
        raise AppendError(ErrorCode.INVALID_RECORD, "an append needs at least one record batch")
    for header in headers:
        if header.size_in_bytes > config.max_message_bytes:
            raise AppendError(
                ErrorCode.MESSAGE_TOO_LARGE,
                f"record batch of {header.size_in_bytes} bytes exceeds max.message.bytes "
                f"({config.max_message_bytes})",
            )


def _header(batch: Buffer) -> BatchHeader:
    try:
        return BatchHeader(batch, 0)
    except RecordsError as exc:
        raise error_for(exc) from None


def _timestamps_may_be_out_of_range(header: BatchHeader, config: LogConfig, now_ms: int) -> bool:
    """Whether the records must be decoded to check their timestamps.

    ``max_timestamp`` bounds every record from above, so the future limit is judged from the
    header alone; no header field bounds them from below (deltas may be negative), so a topic
    with a past limit decodes every batch. With the default (unbounded) limits this is False.
    """
    if config.log_append_time:
        return False
    if config.message_timestamp_before_max_ms < LONG_MAX:
        return True
    after = config.message_timestamp_after_max_ms
    return after < LONG_MAX and header.max_timestamp != NO_TIMESTAMP and header.max_timestamp - now_ms > after


def _has_keyless_records(header: BatchHeader) -> bool:
    """Whether a record lacks the key a compacted topic needs (then the records are decoded
    whole, to word the errors); the common case reads only up to each record's key length."""
    try:
        return bool(keyless_records(header))
    except RecordsError as exc:
        raise error_for(exc) from None


def _decode(header: BatchHeader) -> list[Record]:
    try:
        return list(iter_records(header))
    except RecordsError as exc:
        raise error_for(exc) from None


def _check_records(
    header: BatchHeader, records: list[Record], config: LogConfig, now_ms: int, topic_partition: str
) -> None:
    """Kafka's ``validateRecord`` per record: key on compacted topics, then the timestamp."""
    errors: list[tuple[ErrorCode, RecordError]] = []
    before, after = config.message_timestamp_before_max_ms, config.message_timestamp_after_max_ms
    check_time = not config.log_append_time and header.timestamp_type == TimestampType.CREATE_TIME
    for index, record in enumerate(records):
        if config.compact and record.key is None:
            errors.append(
                (
                    ErrorCode.INVALID_RECORD,
                    RecordError(
                        index,
                        f"Compacted topic cannot accept message without key in topic partition {topic_partition}",
                    ),
                )
            )
            continue
        if check_time and record.timestamp != NO_TIMESTAMP:
            difference = now_ms - record.timestamp
            if difference > before or -difference > after:
                errors.append(
                    (
                        ErrorCode.INVALID_TIMESTAMP,
                        RecordError(
                            index,
                            f"Timestamp {record.timestamp} of message with offset {record.offset} is out of "
                            f"range. The timestamp should be within [{now_ms - before}, {now_ms + after}]",
                        ),
                    )
                )
    if not errors:
        return
    record_errors = tuple(error for _, error in errors)
    if any(code == ErrorCode.INVALID_TIMESTAMP for code, _ in errors):
        raise AppendError(
            ErrorCode.INVALID_TIMESTAMP,
            "One or more records have been rejected due to invalid timestamp",
            record_errors,
        )
    shown = ", ".join(str(error) for error in record_errors[:3])
    raise AppendError(
        ErrorCode.INVALID_RECORD,
        f"One or more records have been rejected due to {len(record_errors)} record errors in total, "
        f"and only showing the first three errors at most: [{shown}]",
        record_errors,
    )


def _rebuild(header: BatchHeader, records: list[Record], target: Compression) -> bytes:
    """The batch re-encoded with the topic's codec, producer fields kept (Kafka's
    ``buildRecordsAndAssignOffsets``); offsets are relative to 0, as a client batch's."""
    return build_batch(
        records,
        base_offset=0,
        compression=target,
        producer_id=header.producer_id,
        producer_epoch=header.producer_epoch,
        base_sequence=header.base_sequence,
        is_transactional=header.is_transactional,
        timestamp_type=header.timestamp_type,
    )
