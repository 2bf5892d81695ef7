"""Batches and logs for the log tests, built with the records package's own builder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from wirekafka.log.config import LogConfig
from wirekafka.log.partition_log import PartitionLog
from wirekafka.records.batch import Compression, iter_batches
from wirekafka.records.builder import build_batch
from wirekafka.records.record import Record, iter_records

SMALL = LogConfig(segment_bytes=1024, index_interval_bytes=100, file_delete_delay_ms=0)
"""Segments of 1 KiB and an index entry every ~100 bytes: many segments and entries fast."""


def batch(
    values: Sequence[bytes | None],
    *,
    timestamp: int = 1_000,
    keys: Sequence[bytes | None] | None = None,
    timestamps: Sequence[int] | None = None,
    compression: Compression = Compression.NONE,
    producer_id: int = -1,
) -> bytearray:
    """One client batch (base offset 0, as a producer sends it)."""
    records = [
        Record(
            offset=index,
            timestamp=timestamps[index] if timestamps is not None else timestamp,
            key=keys[index] if keys is not None else None,
            value=value,
        )
        for index, value in enumerate(values)
    ]
    return bytearray(
        build_batch(
            records,
            base_offset=0,
            compression=compression,
            producer_id=producer_id,
            producer_epoch=0 if producer_id >= 0 else -1,
            base_sequence=0 if producer_id >= 0 else -1,
        )
    )


def value_batch(size: int, *, count: int = 1, timestamp: int = 1_000, fill: int = 0x61) -> bytearray:
    """A batch of ``count`` records whose values are ``size`` bytes each."""
    return batch([bytes([fill]) * size] * count, timestamp=timestamp)


def decode(records: bytes) -> list[Record]:
    """Every record in a byte range of whole batches."""
    return [record for header in iter_batches(records) for record in iter_records(header)]


def offsets_of(records: bytes) -> list[int]:
    return [record.offset for record in decode(records)]


def base_offsets(records: bytes) -> list[int]:
    return [header.base_offset for header in iter_batches(records)]


def read_all(log: PartitionLog, start: int | None = None) -> list[Record]:
    """Every record from ``start`` (default log start) to the log end, fetch after fetch."""
    offset = log.log_start_offset if start is None else start
    records: list[Record] = []
    while offset < log.log_end_offset:
        result = log.read(offset, 1 << 20, max_offset=log.log_end_offset, min_one_batch=True)
        assert result.records, f"no progress reading at {offset}"
        records.extend(record for record in decode(result.records) if record.offset >= offset)
        offset = result.next_offset
    return records


def open_log(
    directory: Path, config: LogConfig = SMALL, *, now_ms: int = 0, **kwargs: object
) -> PartitionLog:
    return PartitionLog.open(directory, config, now_ms=now_ms, **kwargs)  # type: ignore[arg-type]
