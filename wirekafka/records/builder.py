"""Building magic v2 batches: for control markers, internal topics, tests and the CLI.

Clients build the batches the broker stores; the broker itself builds only a few (transaction
markers, ``__consumer_offsets`` and ``__transaction_state`` records), so clarity wins over speed
here.  The output matches what Kafka's ``MemoryRecordsBuilder`` writes for the same input:
``base_timestamp`` is the first record's timestamp, ``max_timestamp`` the largest, the attribute
byte of each record is 0, and the codec is used even when it does not shrink the data (Kafka
does not fall back to ``NONE`` as kafka-python does).

The builder takes every timestamp from its caller: the records package has no clock.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import Final

from .batch import (
    ATTRIBUTES_OFFSET,
    BATCH_HEADER_SIZE,
    CONTROL_FLAG,
    CRC_OFFSET,
    HEADER_STRUCT,
    LOG_OVERHEAD,
    MAGIC_V2,
    NO_PARTITION_LEADER_EPOCH,
    NO_PRODUCER_EPOCH,
    NO_PRODUCER_ID,
    NO_SEQUENCE,
    TRANSACTIONAL_FLAG,
    BatchHeader,
    Compression,
    TimestampType,
)
from .compression import compress
from .crc import crc32c
from .record import Header, Record
from .varint import write_varint

__all__ = ["BatchBuilder", "build_batch", "build_empty_batch"]

_CRC: Final = struct.Struct(">I")
_INT32_MAX: Final = 0x7FFFFFFF


def _write_nullable_bytes(out: bytearray, data: bytes | None) -> None:
    if data is None:
        write_varint(out, -1)
    else:
        write_varint(out, len(data))
        out += data


class BatchBuilder:
    """Accumulates records and produces one batch with a correct CRC.

    Offsets are absolute: ``append`` gives the next offset after the previous record unless told
    otherwise, and stored offset deltas are relative to ``base_offset``.  Offsets must increase,
    as in Kafka.  ``build`` may be called more than once; it encodes the records it has so far.
    """

    def __init__(
        self,
        *,
        base_offset: int = 0,
        compression: Compression = Compression.NONE,
        producer_id: int = NO_PRODUCER_ID,
        producer_epoch: int = NO_PRODUCER_EPOCH,
        base_sequence: int = NO_SEQUENCE,
        is_transactional: bool = False,
        is_control: bool = False,
        partition_leader_epoch: int = NO_PARTITION_LEADER_EPOCH,
        timestamp_type: TimestampType = TimestampType.CREATE_TIME,
        base_timestamp: int | None = None,
    ) -> None:
        self.base_offset = base_offset
        self.compression = Compression(compression)
        self.producer_id = producer_id
        self.producer_epoch = producer_epoch
        self.base_sequence = base_sequence
        self.is_transactional = is_transactional
        self.is_control = is_control
        self.partition_leader_epoch = partition_leader_epoch
        self.timestamp_type = TimestampType(timestamp_type)
        self.base_timestamp = base_timestamp
        self._records: list[tuple[int, int, bytes | None, bytes | None, tuple[Header, ...]]] = []

    @property
    def records_count(self) -> int:
        return len(self._records)

    def append(
        self,
        key: bytes | None,
        value: bytes | None,
        headers: Sequence[Header] = (),
        *,
        timestamp: int,
        offset: int | None = None,
    ) -> int:
        """Add a record; return its absolute offset.

        Raises:
            ValueError: ``offset`` does not follow the previous record's, or lies outside the
                int32 delta range from ``base_offset``.
        """
        if offset is None:
            offset = self._records[-1][0] + 1 if self._records else self.base_offset
        previous = self._records[-1][0] if self._records else self.base_offset - 1
        if offset <= previous:
            raise ValueError(f"illegal offset {offset} following previous offset {previous}")
        if offset - self.base_offset > _INT32_MAX:
            raise ValueError(f"offset {offset} is too far from base offset {self.base_offset}")
        self._records.append((offset, timestamp, key, value, tuple(headers)))
        return offset

    def build(self) -> bytes:
        """Encode the records appended so far as one batch.

        Raises:
            ValueError: no record was appended (an empty batch needs an explicit offset range).
        """
        if not self._records:
            raise ValueError("a batch needs at least one record")
        base_timestamp = self.base_timestamp
        if base_timestamp is None:
            base_timestamp = self._records[0][1]
        max_timestamp = max(timestamp for _, timestamp, _, _, _ in self._records)
        section = bytearray()
        body = bytearray()
        for offset, timestamp, key, value, headers in self._records:
            body.clear()
            body.append(0)  # record attributes
            write_varint(body, timestamp - base_timestamp)
            write_varint(body, offset - self.base_offset)
            _write_nullable_bytes(body, key)
            _write_nullable_bytes(body, value)
            write_varint(body, len(headers))
            for header_key, header_value in headers:
                encoded_key = header_key.encode("utf-8")
                write_varint(body, len(encoded_key))
                body += encoded_key
                _write_nullable_bytes(body, header_value)
            write_varint(section, len(body))
            section += body
        payload = compress(self.compression, section)
        attributes = (
            int(self.compression)
            | (int(self.timestamp_type) << 3)
            | (0x10 if self.is_transactional else 0)
            | (0x20 if self.is_control else 0)
        )
        batch = bytearray(BATCH_HEADER_SIZE)
        batch += payload
        HEADER_STRUCT.pack_into(
            batch,
            0,
            self.base_offset,
            len(batch) - LOG_OVERHEAD,
            self.partition_leader_epoch,
            MAGIC_V2,
            0,  # crc, computed below over the finished bytes
            attributes,
            self._records[-1][0] - self.base_offset,
            base_timestamp,
            max_timestamp,
            self.producer_id,
            self.producer_epoch,
            self.base_sequence,
            len(self._records),
        )
        _CRC.pack_into(batch, CRC_OFFSET, crc32c(memoryview(batch)[ATTRIBUTES_OFFSET:]))
        return bytes(batch)


def build_batch(
    records: Iterable[Record],
    *,
    base_offset: int = 0,
    compression: Compression = Compression.NONE,
    producer_id: int = NO_PRODUCER_ID,
    producer_epoch: int = NO_PRODUCER_EPOCH,
    base_sequence: int = NO_SEQUENCE,
    is_transactional: bool = False,
    is_control: bool = False,
    partition_leader_epoch: int = NO_PARTITION_LEADER_EPOCH,
    timestamp_type: TimestampType = TimestampType.CREATE_TIME,
    base_timestamp: int | None = None,
) -> bytes:
    """Encode ``records`` (absolute offsets and timestamps) as one v2 batch with a valid CRC.

    Decoding the result with :func:`~wirekafka.records.record.iter_records` gives the same
    records back (for ``CREATE_TIME`` batches; ``LOG_APPEND_TIME`` readers report
    ``max_timestamp`` for every record).

    Raises:
        ValueError: no records, or offsets that do not increase from ``base_offset``.
    """
    builder = BatchBuilder(
        base_offset=base_offset,
        compression=compression,
        producer_id=producer_id,
        producer_epoch=producer_epoch,
        base_sequence=base_sequence,
        is_transactional=is_transactional,
        is_control=is_control,
        partition_leader_epoch=partition_leader_epoch,
        timestamp_type=timestamp_type,
        base_timestamp=base_timestamp,
    )
    for record in records:
        builder.append(
            record.key, record.value, record.headers, timestamp=record.timestamp, offset=record.offset
        )
    return builder.build()


def build_empty_batch(header: BatchHeader) -> bytes:
    """``header``'s batch with no records left: same offsets, producer, sequence and flags.

    This is what Kafka's cleaner writes (``DefaultRecordBatch.writeEmptyHeader``) for a producer's
    last batch whose records all went: the batch must stay so that the producer's last sequence
    and epoch can still be read from the log. As Kafka's: uncompressed, and both timestamps are
    the batch's ``max_timestamp``.
    """
    attributes = (
        (int(header.timestamp_type) << 3)
        | (TRANSACTIONAL_FLAG if header.is_transactional else 0)
        | (CONTROL_FLAG if header.is_control else 0)
    )
    batch = bytearray(BATCH_HEADER_SIZE)
    HEADER_STRUCT.pack_into(
        batch,
        0,
        header.base_offset,
        BATCH_HEADER_SIZE - LOG_OVERHEAD,
        header.partition_leader_epoch,
        MAGIC_V2,
        0,  # crc, computed below
        attributes,
        header.last_offset_delta,
        header.max_timestamp,
        header.max_timestamp,
        header.producer_id,
        header.producer_epoch,
        header.base_sequence,
        0,
    )
    _CRC.pack_into(batch, CRC_OFFSET, crc32c(memoryview(batch)[ATTRIBUTES_OFFSET:]))
    return bytes(batch)
