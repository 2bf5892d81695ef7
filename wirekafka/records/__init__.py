"""Kafka record batches (magic v2), sans-IO: no sockets, no trio, no other wirekafka imports.

The rules of this package:

1. **The hot path reads headers only.**  Produce calls :func:`validate_batches` (lengths, magic,
   CRC-32C, header fields), then patches ``base_offset`` and ``partition_leader_epoch`` -- both
   outside the CRC -- with :func:`set_base_offset` / :func:`set_partition_leader_epoch`, and
   appends the bytes verbatim.  Fetch returns stored bytes.  Neither decodes a record.
2. **Records are decoded only where a feature needs them** (:func:`iter_records`: compaction,
   timestamp lookups, the CLI, tests), and decompression is always bounded by a size limit.
3. **Hostile bytes raise typed errors** (:mod:`.errors`), never ``IndexError``,
   ``struct.error`` or ``MemoryError``, so the broker can answer with Kafka's error code.
4. **Kafka is the reference**: layouts, defaults, checks and their order follow
   ``DefaultRecordBatch``, ``DefaultRecord``, ``LogValidator`` and the Java codecs.
"""

from .batch import (
    BATCH_HEADER_SIZE,
    LOG_OVERHEAD,
    MAGIC_V2,
    NO_PARTITION_LEADER_EPOCH,
    NO_PRODUCER_EPOCH,
    NO_PRODUCER_ID,
    NO_SEQUENCE,
    NO_TIMESTAMP,
    BatchHeader,
    Compression,
    TimestampType,
    iter_batches,
    set_base_offset,
    set_log_append_time,
    set_partition_leader_epoch,
    validate_batches,
)
from .builder import BatchBuilder, build_batch
from .compression import DEFAULT_MAX_DECOMPRESSED_SIZE, compress, decompress
from .control import ControlType, ParsedControlRecord, build_end_txn_marker, parse_control_record
from .crc import crc32c
from .errors import (
    CorruptRecordError,
    DecompressedSizeLimitError,
    DecompressionError,
    InvalidRecordError,
    RecordsError,
    UnsupportedCompressionError,
    UnsupportedMagicError,
)
from .record import Header, Record, iter_records

__all__ = [
    "BATCH_HEADER_SIZE",
    "DEFAULT_MAX_DECOMPRESSED_SIZE",
    "LOG_OVERHEAD",
    "MAGIC_V2",
    "NO_PARTITION_LEADER_EPOCH",
    "NO_PRODUCER_EPOCH",
    "NO_PRODUCER_ID",
    "NO_SEQUENCE",
    "NO_TIMESTAMP",
    "BatchBuilder",
    "BatchHeader",
    "Compression",
    "ControlType",
    "CorruptRecordError",
    "DecompressedSizeLimitError",
    "DecompressionError",
    "Header",
    "InvalidRecordError",
    "ParsedControlRecord",
    "Record",
    "RecordsError",
    "TimestampType",
    "UnsupportedCompressionError",
    "UnsupportedMagicError",
    "build_batch",
    "build_end_txn_marker",
    "compress",
    "crc32c",
    "decompress",
    "iter_batches",
    "iter_records",
    "parse_control_record",
    "set_base_offset",
    "set_log_append_time",
    "set_partition_leader_epoch",
    "validate_batches",
]
