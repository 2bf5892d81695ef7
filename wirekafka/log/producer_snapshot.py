"""Producer state snapshots: Kafka's ``<offset>.snapshot`` files, byte for byte.

A snapshot holds every producer's state as of an offset (the file name, 20 digits), so that
opening a log replays only the batches after it instead of the whole log. Kafka writes one when a
segment rolls (at the new segment's base offset) and when a log closes (at the log end offset);
so does :mod:`.partition_transactions`.

The format is Kafka's ``ProducerStateManager`` version 1, big-endian::

    int16  version (1)
    uint32 crc           CRC-32C of every byte after this field
    int32  entry count
    entries, 46 bytes each:
        int64 producer_id, int16 producer_epoch, int32 last_sequence, int64 last_offset,
        int32 offset_delta, int64 timestamp, int32 coordinator_epoch,
        int64 current_txn_first_offset (-1: no open transaction)

Only each producer's *last* batch is kept (as in Kafka): after a restart, a retry of one of the
four batches before it is answered OUT_OF_ORDER_SEQUENCE_NUMBER instead of as a duplicate --
never written twice. Files are written to ``.tmp``, fsynced and renamed (Kafka writes in place);
a file that fails its CRC or layout is :class:`CorruptSnapshotError` and the caller deletes it and
falls back to an older snapshot or the log, as Kafka does.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from wirekafka.log.checkpoints import write_atomically
from wirekafka.log.errors import LogError
from wirekafka.log.producer_state import BatchMetadata, ProducerStateEntry
from wirekafka.records.crc import crc32c

__all__ = [
    "SNAPSHOT_SUFFIX",
    "SNAPSHOT_VERSION",
    "CorruptSnapshotError",
    "decode_snapshot",
    "delete_snapshot",
    "encode_snapshot",
    "list_snapshots",
    "read_snapshot",
    "snapshot_path",
    "write_snapshot",
]

SNAPSHOT_SUFFIX: Final = ".snapshot"
SNAPSHOT_VERSION: Final = 1

_HEADER: Final = struct.Struct(">hIi")
_CRC_END: Final = 6  # the CRC covers everything after version and crc
_ENTRY: Final = struct.Struct(">qhiqiqiq")


class CorruptSnapshotError(LogError):
    """A snapshot file that is not a valid version-1 snapshot (Kafka's ``CorruptSnapshotException``)."""

    kafka_error = "KAFKA_STORAGE_ERROR"


def snapshot_path(directory: Path, offset: int) -> Path:
    return directory / f"{offset:020d}{SNAPSHOT_SUFFIX}"


def encode_snapshot(entries: Iterable[ProducerStateEntry]) -> bytes:
    body = bytearray()
    count = 0
    for entry in entries:
        txn_first = -1 if entry.current_txn_first_offset is None else entry.current_txn_first_offset
        body += _ENTRY.pack(
            entry.producer_id,
            entry.producer_epoch,
            entry.last_sequence,
            entry.last_data_offset,
            entry.last_offset_delta,
            entry.last_timestamp,
            entry.coordinator_epoch,
            txn_first,
        )
        count += 1
    payload = struct.pack(">i", count) + bytes(body)
    return struct.pack(">hI", SNAPSHOT_VERSION, crc32c(payload)) + payload


def decode_snapshot(data: bytes) -> list[ProducerStateEntry]:
    """Raises:
    CorruptSnapshotError: wrong version, CRC, length or entry count."""
    if len(data) < _HEADER.size:
        raise CorruptSnapshotError(f"snapshot of {len(data)} bytes is shorter than its header")
    version, crc, count = _HEADER.unpack_from(data)
    if version != SNAPSHOT_VERSION:
        raise CorruptSnapshotError(f"snapshot contained an unknown file version {version}")
    computed = crc32c(memoryview(data)[_CRC_END:])
    if crc != computed:
        raise CorruptSnapshotError(f"snapshot is corrupt (stored crc {crc}, computed crc {computed})")
    if count < 0 or len(data) != _HEADER.size + count * _ENTRY.size:
        raise CorruptSnapshotError(f"snapshot of {len(data)} bytes does not hold {count} entries")
    entries: list[ProducerStateEntry] = []
    for index in range(count):
        (
            producer_id,
            producer_epoch,
            last_sequence,
            last_offset,
            offset_delta,
            timestamp,
            coordinator_epoch,
            txn_first,
        ) = _ENTRY.unpack_from(data, _HEADER.size + index * _ENTRY.size)
        batches = (
            [BatchMetadata(last_sequence, last_offset, offset_delta, timestamp)] if last_offset >= 0 else []
        )
        entries.append(
            ProducerStateEntry(
                producer_id,
                producer_epoch=producer_epoch,
                coordinator_epoch=coordinator_epoch,
                last_timestamp=timestamp,
                current_txn_first_offset=txn_first if txn_first >= 0 else None,
                batches=batches,
            )
        )
    return entries


def list_snapshots(directory: Path) -> list[int]:
    """Offsets of the snapshot files in ``directory``, ascending."""
    offsets: list[int] = []
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        return []
    for name in names:
        stem = name[: -len(SNAPSHOT_SUFFIX)]
        if name.endswith(SNAPSHOT_SUFFIX) and len(stem) == 20 and stem.isdigit():
            offsets.append(int(stem))
    return sorted(offsets)


def write_snapshot(directory: Path, offset: int, entries: Iterable[ProducerStateEntry]) -> Path:
    path = snapshot_path(directory, offset)
    write_atomically(path, encode_snapshot(entries))
    return path


def read_snapshot(directory: Path, offset: int) -> list[ProducerStateEntry]:
    """Raises:
    CorruptSnapshotError: the file is not a valid snapshot.
    FileNotFoundError: no snapshot at ``offset``."""
    return decode_snapshot(snapshot_path(directory, offset).read_bytes())


def delete_snapshot(directory: Path, offset: int) -> None:
    try:
        snapshot_path(directory, offset).unlink()
    except FileNotFoundError:
        pass
