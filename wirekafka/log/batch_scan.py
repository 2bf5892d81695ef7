"""Reading batch headers straight from a segment file, without reading the batches.

``wirekafka.records.batch.BatchHeader`` insists on holding the whole batch (so it can check the
CRC). Locating an offset or building an index only needs a handful of header fields, and a fetch
of a 1 MiB batch should not read 1 MiB to learn where the batch ends. :class:`StoredBatch` is
that handful, unpacked from the first bytes of a batch; everything that needs the records (CRC
validation in recovery, timestamp lookups, compaction) reads the full batch and uses the
records package.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from typing import NamedTuple

from wirekafka.records.batch import (
    BATCH_HEADER_SIZE,
    CONTROL_FLAG,
    LOG_OVERHEAD,
    MAGIC_V2,
    MIN_BATCH_LENGTH,
    TRANSACTIONAL_FLAG,
)

# base_offset, batch_length, partition_leader_epoch, magic, crc, attributes, last_offset_delta,
# base_timestamp, max_timestamp, producer_id: the first 51 bytes of a v2 batch header.
_PREFIX = struct.Struct(">qiibIhiqqq")
_LENGTH = struct.Struct(">i")

SCAN_CHUNK_SIZE = 16 * 1024
"""Bytes read per ``pread`` while walking headers: one index interval plus change, so locating an
offset usually costs a single read."""


class StoredBatch(NamedTuple):
    """Where one batch lies in a segment file and the header fields the log itself needs."""

    position: int
    size: int
    base_offset: int
    last_offset: int
    partition_leader_epoch: int
    max_timestamp: int
    attributes: int
    producer_id: int

    @property
    def next_offset(self) -> int:
        return self.last_offset + 1

    @property
    def is_transactional(self) -> bool:
        return bool(self.attributes & TRANSACTIONAL_FLAG)

    @property
    def is_control(self) -> bool:
        return bool(self.attributes & CONTROL_FLAG)


def parse_stored_batch(buffer: bytes | memoryview, at: int, position: int) -> StoredBatch | None:
    """The batch whose header starts at ``buffer[at]`` (file position ``position``).

    Returns ``None`` when the header is not a v2 batch header (garbage or a torn write); callers
    walking a healthy segment never see that.
    """
    if len(buffer) - at < _PREFIX.size:
        return None
    (
        base_offset,
        batch_length,
        partition_leader_epoch,
        magic,
        _crc,
        attributes,
        last_offset_delta,
        _base_timestamp,
        max_timestamp,
        producer_id,
    ) = _PREFIX.unpack_from(buffer, at)
    if magic != MAGIC_V2 or batch_length < MIN_BATCH_LENGTH or last_offset_delta < 0:
        return None
    return StoredBatch(
        position,
        batch_length + LOG_OVERHEAD,
        base_offset,
        base_offset + last_offset_delta,
        partition_leader_epoch,
        max_timestamp,
        attributes,
        producer_id,
    )


def iter_stored_batches(fd: int, start: int, end: int) -> Iterator[StoredBatch]:
    """Walk the complete batches of file ``fd`` between byte ``start`` and ``end``.

    Reads :data:`SCAN_CHUNK_SIZE` at a time and re-reads only when a header straddles the chunk,
    so a run of small batches costs one ``pread`` per chunk and a run of large batches one small
    ``pread`` each. Stops quietly at a partial or unreadable trailing batch.
    """
    position = start
    chunk = b""
    chunk_start = start
    while position + LOG_OVERHEAD <= end:
        at = position - chunk_start
        if at + BATCH_HEADER_SIZE > len(chunk):
            chunk = os.pread(fd, max(SCAN_CHUNK_SIZE, BATCH_HEADER_SIZE), position)
            chunk_start, at = position, 0
        batch = parse_stored_batch(chunk, at, position)
        if batch is None or position + batch.size > end:
            return
        yield batch
        position += batch.size


def batch_length_at(buffer: bytes | memoryview, at: int) -> int:
    """``batch_length`` field of the batch at ``buffer[at]`` (caller checked 12 bytes exist)."""
    (length,) = _LENGTH.unpack_from(buffer, at + 8)
    return int(length)
