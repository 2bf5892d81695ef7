"""Batches for the transaction tests, built with the records package's builder."""

from __future__ import annotations

from wirekafka.records.batch import BatchHeader
from wirekafka.records.builder import build_batch
from wirekafka.records.control import ControlType, build_end_txn_marker
from wirekafka.records.record import Record


def data_batch(
    producer_id: int,
    producer_epoch: int,
    base_sequence: int,
    count: int = 1,
    *,
    transactional: bool = False,
    timestamp: int = 1_000,
    base_offset: int = 0,
    value: bytes = b"v",
    key: bytes | None = None,
) -> BatchHeader:
    """A producer's batch of ``count`` records, as a client sends it (base offset 0 by default)."""
    records = [
        Record(offset=base_offset + i, timestamp=timestamp, key=key, value=value) for i in range(count)
    ]
    raw = build_batch(
        records,
        base_offset=base_offset,
        producer_id=producer_id,
        producer_epoch=producer_epoch,
        base_sequence=base_sequence,
        is_transactional=transactional,
    )
    return BatchHeader(bytearray(raw))


def marker(
    producer_id: int,
    producer_epoch: int,
    *,
    commit: bool,
    coordinator_epoch: int = 0,
    timestamp: int = 2_000,
    base_offset: int = 0,
) -> BatchHeader:
    """A COMMIT or ABORT control batch as the transaction coordinator writes it."""
    raw = build_end_txn_marker(
        ControlType.COMMIT if commit else ControlType.ABORT,
        producer_id=producer_id,
        producer_epoch=producer_epoch,
        coordinator_epoch=coordinator_epoch,
        timestamp_ms=timestamp,
        base_offset=base_offset,
    )
    return BatchHeader(bytearray(raw))
