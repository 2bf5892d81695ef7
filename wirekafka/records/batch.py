"""Magic v2 record batches as zero-copy header views, plus the in-place patches the broker makes.

The layout (Kafka's ``DefaultRecordBatch``), big-endian::

    offset  size  field
         0     8  base_offset               \\ LOG_OVERHEAD: outside batch_length
         8     4  batch_length              /  (counts the bytes after this field)
        12     4  partition_leader_epoch      outside the CRC: patched by the leader
        16     1  magic (2)
        17     4  crc                         CRC-32C of bytes 21 .. end of batch
        21     2  attributes                  bits 0-2 compression, 3 timestamp type,
                                              4 transactional, 5 control, 6 delete horizon
        23     4  last_offset_delta
        27     8  base_timestamp
        35     8  max_timestamp
        43     8  producer_id
        51     2  producer_epoch
        53     4  base_sequence
        57     4  records_count
        61        records (compressed as one block when compression != NONE)

Rules of this module:

1. The produce hot path never decodes records.  :func:`validate_batches` checks lengths, magic,
   CRC and header fields only; :func:`set_base_offset` and :func:`set_partition_leader_epoch`
   patch fields that lie *outside* the CRC, so the stored bytes are the client's bytes plus
   those two fields, appended verbatim.
2. A :class:`BatchHeader` unpacks the 61 header bytes once, with one ``struct.unpack_from``, and
   otherwise only remembers ``(buffer, position)``: the records stay where they are.
3. Every malformed input raises a :mod:`~wirekafka.records.errors` type, never ``struct.error``
   or ``IndexError``: the checks run before any unpack that could overrun.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from enum import IntEnum
from typing import Final

from .crc import crc32c
from .errors import (
    CorruptRecordError,
    InvalidRecordError,
    UnsupportedCompressionError,
    UnsupportedMagicError,
)

__all__ = [
    "ATTRIBUTES_OFFSET",
    "BATCH_HEADER_SIZE",
    "CONTROL_FLAG",
    "CRC_OFFSET",
    "HEADER_STRUCT",
    "LOG_OVERHEAD",
    "MAGIC_V2",
    "MIN_BATCH_LENGTH",
    "NO_PARTITION_LEADER_EPOCH",
    "NO_PRODUCER_EPOCH",
    "NO_PRODUCER_ID",
    "NO_SEQUENCE",
    "NO_TIMESTAMP",
    "TRANSACTIONAL_FLAG",
    "BatchHeader",
    "Buffer",
    "Compression",
    "TimestampType",
    "increment_sequence",
    "iter_batches",
    "set_base_offset",
    "set_log_append_time",
    "set_partition_leader_epoch",
    "validate_batches",
]

Buffer = bytes | bytearray | memoryview
"""Any contiguous byte buffer a batch can live in."""

WritableBuffer = bytearray | memoryview

BATCH_HEADER_SIZE: Final = 61
LOG_OVERHEAD: Final = 12  # base_offset (8) + batch_length (4)
MAGIC_V2: Final = 2
NO_PRODUCER_ID: Final = -1
NO_PRODUCER_EPOCH: Final = -1
NO_SEQUENCE: Final = -1
NO_PARTITION_LEADER_EPOCH: Final = -1
NO_TIMESTAMP: Final = -1

MIN_BATCH_LENGTH: Final = BATCH_HEADER_SIZE - LOG_OVERHEAD
"""Smallest ``batch_length`` of a v2 batch: a header with no records (49)."""

# Kafka's ByteBufferLogInputStream rejects any entry shorter than a magic v0 message
# (LegacyRecord.RECORD_OVERHEAD_V0) before it even looks at the magic byte.
_LEGACY_MIN_ENTRY_LENGTH: Final = 14

_BATCH_LENGTH_OFFSET: Final = 8
_PARTITION_LEADER_EPOCH_OFFSET: Final = 12
_MAGIC_OFFSET: Final = 16
CRC_OFFSET: Final = 17
ATTRIBUTES_OFFSET: Final = 21
_MAX_TIMESTAMP_OFFSET: Final = 35
_HEADER_UP_TO_MAGIC: Final = _MAGIC_OFFSET + 1

_COMPRESSION_MASK: Final = 0x07
_TIMESTAMP_TYPE_FLAG: Final = 0x08
TRANSACTIONAL_FLAG: Final = 0x10
CONTROL_FLAG: Final = 0x20
_DELETE_HORIZON_FLAG: Final = 0x40

_INT32_MAX: Final = 0x7FFFFFFF

HEADER_STRUCT: Final = struct.Struct(">qiibIhiqqqhii")
"""The 61-byte header, every field in order: one ``unpack_from`` reads it all."""
_INT64: Final = struct.Struct(">q")
_INT32: Final = struct.Struct(">i")
_UINT32: Final = struct.Struct(">I")
_INT16: Final = struct.Struct(">h")


class Compression(IntEnum):
    """Codec ids of attribute bits 0-2 (Kafka's ``CompressionType``)."""

    NONE = 0
    GZIP = 1
    SNAPPY = 2
    LZ4 = 3
    ZSTD = 4


class TimestampType(IntEnum):
    """Attribute bit 3: who set the record timestamps (Kafka's ``TimestampType``)."""

    CREATE_TIME = 0
    LOG_APPEND_TIME = 1


_COMPRESSION_BY_ID: Final = tuple(Compression)


class BatchHeader:
    """A read-only view of one complete magic v2 batch inside a larger buffer.

    The header fields are unpacked once at construction; the records are not touched.  The view
    keeps a reference to ``buffer`` (not a copy), so :meth:`records_buffer` and
    :meth:`batch_buffer` are free.  The fields are a snapshot: after patching the buffer with
    :func:`set_base_offset` and friends, build a new ``BatchHeader`` to read the new values.

    Raises:
        CorruptRecordError: fewer than a full batch's bytes at ``position``, or a
            ``batch_length`` too small for a v2 header.
        UnsupportedMagicError: the entry is a magic 0/1 message.
    """

    __slots__ = (
        "attributes",
        "base_offset",
        "base_sequence",
        "base_timestamp",
        "batch_length",
        "buffer",
        "crc",
        "last_offset_delta",
        "magic",
        "max_timestamp",
        "partition_leader_epoch",
        "position",
        "producer_epoch",
        "producer_id",
        "records_count",
    )

    buffer: Buffer
    position: int
    base_offset: int
    batch_length: int
    partition_leader_epoch: int
    magic: int
    crc: int
    attributes: int
    last_offset_delta: int
    base_timestamp: int
    max_timestamp: int
    producer_id: int
    producer_epoch: int
    base_sequence: int
    records_count: int

    def __init__(self, buffer: Buffer, position: int = 0) -> None:
        available = len(buffer) - position
        if position < 0 or available < BATCH_HEADER_SIZE:
            raise CorruptRecordError(
                f"need {BATCH_HEADER_SIZE} bytes for a batch header at position {position}, "
                f"found {max(available, 0)}"
            )
        (
            self.base_offset,
            self.batch_length,
            self.partition_leader_epoch,
            self.magic,
            self.crc,
            self.attributes,
            self.last_offset_delta,
            self.base_timestamp,
            self.max_timestamp,
            self.producer_id,
            self.producer_epoch,
            self.base_sequence,
            self.records_count,
        ) = HEADER_STRUCT.unpack_from(buffer, position)
        if self.magic != MAGIC_V2:
            _raise_bad_magic(self.magic, position)
        if self.batch_length < MIN_BATCH_LENGTH:
            raise CorruptRecordError(
                f"batch at position {position} has batch_length {self.batch_length}, "
                f"below the minimum of {MIN_BATCH_LENGTH}"
            )
        if available - LOG_OVERHEAD < self.batch_length:
            raise CorruptRecordError(
                f"batch at position {position} declares {self.batch_length + LOG_OVERHEAD} bytes "
                f"but only {available} remain"
            )
        self.buffer = buffer
        self.position = position

    @property
    def compression(self) -> Compression:
        """The codec of the records section.

        Raises:
            UnsupportedCompressionError: the bits hold 5, 6 or 7, which no Kafka client can read.
        """
        codec_id = self.attributes & _COMPRESSION_MASK
        try:
            return _COMPRESSION_BY_ID[codec_id]
        except IndexError:
            raise UnsupportedCompressionError(
                f"batch at offset {self.base_offset} uses unknown compression id {codec_id}"
            ) from None

    @property
    def timestamp_type(self) -> TimestampType:
        """``LOG_APPEND_TIME`` means every record's timestamp is :attr:`max_timestamp`."""
        if self.attributes & _TIMESTAMP_TYPE_FLAG:
            return TimestampType.LOG_APPEND_TIME
        return TimestampType.CREATE_TIME

    @property
    def is_transactional(self) -> bool:
        return bool(self.attributes & TRANSACTIONAL_FLAG)

    @property
    def is_control(self) -> bool:
        return bool(self.attributes & CONTROL_FLAG)

    @property
    def has_delete_horizon(self) -> bool:
        """Set by the log cleaner (KIP-534): ``base_timestamp`` then holds the delete horizon."""
        return bool(self.attributes & _DELETE_HORIZON_FLAG)

    @property
    def has_producer_id(self) -> bool:
        return self.producer_id > NO_PRODUCER_ID

    @property
    def last_offset(self) -> int:
        return self.base_offset + self.last_offset_delta

    @property
    def next_offset(self) -> int:
        return self.base_offset + self.last_offset_delta + 1

    @property
    def size_in_bytes(self) -> int:
        return self.batch_length + LOG_OVERHEAD

    @property
    def last_sequence(self) -> int:
        """Sequence of the last record; sequences wrap from ``2**31 - 1`` to 0 as in Kafka."""
        return increment_sequence(self.base_sequence, self.last_offset_delta)

    def compute_crc(self) -> int:
        """CRC-32C of the bytes the stored :attr:`crc` covers (``attributes`` to the end)."""
        start = self.position + ATTRIBUTES_OFFSET
        end = self.position + LOG_OVERHEAD + self.batch_length
        return crc32c(memoryview(self.buffer)[start:end])

    def is_valid(self) -> bool:
        """Whether the stored CRC matches the bytes: the one check that touches the payload."""
        return self.compute_crc() == self.crc

    def records_buffer(self) -> memoryview:
        """The bytes after the header, still compressed if :attr:`compression` says so."""
        start = self.position + BATCH_HEADER_SIZE
        return memoryview(self.buffer)[start : self.position + LOG_OVERHEAD + self.batch_length]

    def batch_buffer(self) -> memoryview:
        """The whole batch, header included: what a log appends or a fetch returns."""
        return memoryview(self.buffer)[self.position : self.position + LOG_OVERHEAD + self.batch_length]

    def __repr__(self) -> str:
        return (
            f"BatchHeader(base_offset={self.base_offset}, batch_length={self.batch_length}, "
            f"partition_leader_epoch={self.partition_leader_epoch}, attributes={self.attributes:#06x}, "
            f"last_offset_delta={self.last_offset_delta}, base_timestamp={self.base_timestamp}, "
            f"max_timestamp={self.max_timestamp}, producer_id={self.producer_id}, "
            f"producer_epoch={self.producer_epoch}, base_sequence={self.base_sequence}, "
            f"records_count={self.records_count})"
        )


def increment_sequence(sequence: int, increment: int) -> int:
    """Kafka's ``DefaultRecordBatch.incrementSequence``: int32 sequences wrap to 0, not negative.

    ``NO_SEQUENCE`` stays ``NO_SEQUENCE``, so a non-idempotent batch has no last sequence either.
    """
    if sequence == NO_SEQUENCE:
        return NO_SEQUENCE
    if sequence > _INT32_MAX - increment:
        return increment - (_INT32_MAX - sequence) - 1
    return sequence + increment


def _raise_bad_magic(magic: int, position: int) -> None:
    if magic in (0, 1):
        raise UnsupportedMagicError(
            f"message set at position {position} has magic {magic}; only magic v2 batches are supported",
            magic,
        )
    raise CorruptRecordError(f"invalid magic {magic} in record batch at position {position}")


def _next_batch(buffer: Buffer, position: int, end: int) -> BatchHeader | None:
    """The batch at ``position``, or ``None`` if the bytes up to ``end`` hold only part of one.

    Follows the order of Kafka's ``ByteBufferLogInputStream.nextBatchSize``: a length too small
    for any message is corruption even when the rest is missing; the magic is judged as soon as
    its byte is present; only then does a short buffer count as a partial batch.
    """
    remaining = end - position
    if remaining < LOG_OVERHEAD:
        return None
    (batch_length,) = _INT32.unpack_from(buffer, position + _BATCH_LENGTH_OFFSET)
    if batch_length < _LEGACY_MIN_ENTRY_LENGTH:
        raise CorruptRecordError(
            f"record batch at position {position} has batch_length {batch_length}, "
            f"less than the minimum record overhead ({_LEGACY_MIN_ENTRY_LENGTH})"
        )
    if remaining < _HEADER_UP_TO_MAGIC:
        return None
    magic = buffer[position + _MAGIC_OFFSET]
    if magic != MAGIC_V2:
        _raise_bad_magic(magic if magic < 0x80 else magic - 0x100, position)
    if batch_length < MIN_BATCH_LENGTH:
        raise CorruptRecordError(
            f"record batch at position {position} has batch_length {batch_length}, "
            f"below the v2 minimum of {MIN_BATCH_LENGTH}"
        )
    if remaining - LOG_OVERHEAD < batch_length:
        return None
    return BatchHeader(buffer, position)


def iter_batches(buffer: Buffer, position: int = 0) -> Iterator[BatchHeader]:
    """Walk the batches concatenated in ``buffer`` from ``position``, without checking CRCs.

    This is the reader for stored logs and fetch responses: a fetch may end in the middle of a
    batch (Kafka cuts responses at ``max_bytes``), so a partial trailing batch ends the walk
    quietly.

    Raises:
        CorruptRecordError: a length no batch can have, or an unknown magic.
        UnsupportedMagicError: a magic 0/1 message set.
    """
    end = len(buffer)
    while True:
        header = _next_batch(buffer, position, end)
        if header is None:
            return
        yield header
        position += LOG_OVERHEAD + header.batch_length


def validate_batches(buffer: Buffer, *, from_client: bool = True) -> list[BatchHeader]:
    """Check a produce payload batch by batch from its headers and CRCs; decode no record.

    The payload must be one or more complete v2 batches exactly filling ``buffer``.  With
    ``from_client`` (the default, for Produce) Kafka's ``LogValidator.validateBatch`` rules for
    client appends also apply: ``records_count`` > 0 and equal to ``last_offset_delta + 1``, no
    control batches, and an idempotent batch (``producer_id`` >= 0) must carry a sequence.
    Replication and coordinator appends pass ``from_client=False``: their batches may be control
    batches, or empty ones the cleaner kept.

    Kafka answers Produce v3+ with ``INVALID_RECORD`` when a partition's payload holds more than
    one batch; that depends on the request version, so the caller checks ``len(result)``.

    Returns:
        The headers, in order, ready for sequence checks and offset assignment.

    Raises:
        CorruptRecordError: truncated batch, trailing bytes, impossible length, bad CRC,
            unknown magic, unknown compression id.
        UnsupportedMagicError: a magic 0/1 message set.
        InvalidRecordError: a header that breaks one of the rules above.
    """
    end = len(buffer)
    if end == 0 and from_client:
        raise InvalidRecordError("produce payload holds no record batch")
    headers: list[BatchHeader] = []
    position = 0
    while position < end:
        header = _next_batch(buffer, position, end)
        if header is None:
            raise CorruptRecordError(
                f"{end - position} bytes at position {position} are not a complete record batch"
            )
        if header.crc != header.compute_crc():
            raise CorruptRecordError(
                f"record batch at position {position} is corrupt "
                f"(stored crc = {header.crc}, computed crc = {header.compute_crc()})"
            )
        header.compression  # noqa: B018 -- raises UnsupportedCompressionError for ids 5-7
        if header.records_count < 0:
            raise InvalidRecordError(
                f"found invalid record count {header.records_count} in batch at position {position}"
            )
        if from_client:
            _validate_client_batch(header)
        headers.append(header)
        position += LOG_OVERHEAD + header.batch_length
    return headers


def _validate_client_batch(header: BatchHeader) -> None:
    """Kafka's ``LogValidator.validateBatch`` checks for ``AppendOrigin.CLIENT``, in its order."""
    count_from_offsets = header.last_offset_delta + 1
    if count_from_offsets <= 0:
        raise InvalidRecordError(
            f"batch has an invalid offset range: [{header.base_offset}, {header.last_offset}]"
        )
    if header.records_count <= 0:
        raise InvalidRecordError(f"invalid reported count for record batch: {header.records_count}")
    if count_from_offsets != header.records_count:
        raise InvalidRecordError(
            f"inconsistent batch offset range [{header.base_offset}, {header.last_offset}] "
            f"and count of records {header.records_count}"
        )
    if header.is_control:
        raise InvalidRecordError("clients are not allowed to write control records")
    if header.has_producer_id and header.base_sequence < 0:
        raise InvalidRecordError(
            f"invalid sequence number {header.base_sequence} in record batch "
            f"with producerId {header.producer_id}"
        )


def _require_batch(buffer: Buffer, position: int) -> int:
    """Return the ``batch_length`` at ``position`` after checking the whole batch is there."""
    if position < 0 or len(buffer) - position < BATCH_HEADER_SIZE:
        raise CorruptRecordError(f"no complete batch header at position {position}")
    (batch_length,) = _INT32.unpack_from(buffer, position + _BATCH_LENGTH_OFFSET)
    if batch_length < MIN_BATCH_LENGTH or len(buffer) - position - LOG_OVERHEAD < batch_length:
        raise CorruptRecordError(f"no complete batch at position {position}")
    return int(batch_length)


def set_base_offset(buffer: WritableBuffer, position: int, base_offset: int) -> None:
    """Write ``base_offset`` into the batch at ``position``; the CRC stays valid (field outside it)."""
    _INT64.pack_into(buffer, position, base_offset)


def set_partition_leader_epoch(buffer: WritableBuffer, position: int, epoch: int) -> None:
    """Write the leader epoch into the batch at ``position``; the CRC stays valid (field outside it)."""
    _INT32.pack_into(buffer, position + _PARTITION_LEADER_EPOCH_OFFSET, epoch)


def set_log_append_time(buffer: WritableBuffer, position: int, timestamp_ms: int) -> None:
    """Stamp the batch with the broker's clock for a ``message.timestamp.type=LogAppendTime`` topic.

    Sets the timestamp-type bit and ``max_timestamp`` -- readers then give every record that
    timestamp -- and recomputes the CRC, since both fields are inside it.  This is the only
    patch that costs a pass over the payload.  Like Kafka's ``setMaxTimestamp`` it leaves
    ``base_timestamp`` and the record deltas alone, and does nothing when already stamped.

    Raises:
        CorruptRecordError: no complete batch at ``position``.
    """
    batch_length = _require_batch(buffer, position)
    (attributes,) = _INT16.unpack_from(buffer, position + ATTRIBUTES_OFFSET)
    (max_timestamp,) = _INT64.unpack_from(buffer, position + _MAX_TIMESTAMP_OFFSET)
    if attributes & _TIMESTAMP_TYPE_FLAG and max_timestamp == timestamp_ms:
        return
    _INT16.pack_into(buffer, position + ATTRIBUTES_OFFSET, attributes | _TIMESTAMP_TYPE_FLAG)
    _INT64.pack_into(buffer, position + _MAX_TIMESTAMP_OFFSET, timestamp_ms)
    crc = crc32c(memoryview(buffer)[position + ATTRIBUTES_OFFSET : position + LOG_OVERHEAD + batch_length])
    _UINT32.pack_into(buffer, position + CRC_OFFSET, crc)
