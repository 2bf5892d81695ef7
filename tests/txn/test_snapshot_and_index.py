"""Kafka's ``.snapshot`` and ``.txnindex`` formats, byte for byte, and the index's search rules."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from crc32c import crc32c

from wirekafka.log.producer_snapshot import (
    CorruptSnapshotError,
    decode_snapshot,
    encode_snapshot,
    list_snapshots,
    read_snapshot,
    write_snapshot,
)
from wirekafka.log.producer_state import AbortedTransaction, BatchMetadata, ProducerStateEntry
from wirekafka.log.transaction_index import (
    PartitionTransactionIndex,
    TransactionIndex,
    transaction_index_path,
)

# Kafka's snapshot entry, field by field as ProducerStateManager.PRODUCER_SNAPSHOT_ENTRY_SCHEMA lists
# them, assembled here with struct rather than with the code under test.
ENTRY = struct.Struct(">q h i q i q i q")


def golden_snapshot(*entries: tuple[int, int, int, int, int, int, int, int]) -> bytes:
    body = struct.pack(">i", len(entries)) + b"".join(ENTRY.pack(*entry) for entry in entries)
    return struct.pack(">hI", 1, crc32c(body)) + body


def test_snapshot_bytes_are_kafkas() -> None:
    entries = [
        ProducerStateEntry(
            7,
            producer_epoch=3,
            coordinator_epoch=2,
            last_timestamp=1_700,
            current_txn_first_offset=40,
            batches=[BatchMetadata(9, 45, 4, 1_600), BatchMetadata(12, 48, 2, 1_700)],
        ),
        ProducerStateEntry(8, producer_epoch=0, coordinator_epoch=5, last_timestamp=900),
    ]
    assert encode_snapshot(entries) == golden_snapshot(
        (7, 3, 12, 48, 2, 1_700, 2, 40),
        (8, 0, -1, -1, 0, 900, 5, -1),
    )


def test_snapshot_keeps_the_last_batch_of_each_producer() -> None:
    decoded = decode_snapshot(golden_snapshot((7, 3, 12, 48, 2, 1_700, 2, 40), (8, 0, -1, -1, 0, 900, 5, -1)))
    assert decoded == [
        ProducerStateEntry(
            7,
            producer_epoch=3,
            coordinator_epoch=2,
            last_timestamp=1_700,
            current_txn_first_offset=40,
            batches=[BatchMetadata(12, 48, 2, 1_700)],
        ),
        ProducerStateEntry(8, producer_epoch=0, coordinator_epoch=5, last_timestamp=900),
    ]
    assert decoded[0].find_duplicate(3, 10, 12) is not None


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[:-1], id="truncated"),
        pytest.param(lambda data: data[:10] + bytes([data[10] ^ 1]) + data[11:], id="flipped bit"),
        pytest.param(lambda data: struct.pack(">h", 2) + data[2:], id="unknown version"),
        pytest.param(lambda data: data[:3], id="shorter than the header"),
    ],
)
def test_damaged_snapshot_is_corrupt(damage: object) -> None:
    data = golden_snapshot((7, 3, 12, 48, 2, 1_700, 2, 40))
    with pytest.raises(CorruptSnapshotError):
        decode_snapshot(damage(data))  # type: ignore[operator]


def test_snapshot_files_are_named_by_offset(tmp_path: Path) -> None:
    write_snapshot(tmp_path, 1234, [ProducerStateEntry(1, producer_epoch=0, last_timestamp=5)])
    write_snapshot(tmp_path, 7, [])
    (tmp_path / "00000000000000000099.snapshot.tmp").write_bytes(b"x")
    assert (tmp_path / "00000000000000001234.snapshot").is_file()
    assert list_snapshots(tmp_path) == [7, 1234]
    assert read_snapshot(tmp_path, 7) == []


# ---- transaction index -------------------------------------------------------------------------


def golden_index(*entries: tuple[int, int, int, int]) -> bytes:
    return b"".join(struct.pack(">hqqqq", 0, *entry) for entry in entries)


def test_index_file_bytes_are_kafkas(tmp_path: Path) -> None:
    index = TransactionIndex.open(tmp_path, 100)
    index.append(AbortedTransaction(5, 100, 110, 111))
    index.append(AbortedTransaction(6, 104, 112, 113))
    assert transaction_index_path(tmp_path, 100).read_bytes() == golden_index(
        (5, 100, 110, 111), (6, 104, 112, 113)
    )
    assert TransactionIndex.open(tmp_path, 100).entries == index.entries


def test_index_refuses_markers_out_of_order(tmp_path: Path) -> None:
    index = TransactionIndex.open(tmp_path, 0)
    index.append(AbortedTransaction(5, 0, 10, 11))
    with pytest.raises(ValueError):
        index.append(AbortedTransaction(6, 3, 10, 11))


def test_a_torn_last_entry_is_dropped(tmp_path: Path) -> None:
    transaction_index_path(tmp_path, 0).write_bytes(golden_index((5, 0, 10, 11), (6, 1, 12, 13))[:-5])
    index = TransactionIndex.open(tmp_path, 0)
    assert index.entries == (AbortedTransaction(5, 0, 10, 11),)
    assert transaction_index_path(tmp_path, 0).read_bytes() == golden_index((5, 0, 10, 11))


# Three aborts: A = [0..5] (LSO after it 3, B still open), B = [3..8] (LSO 9), C = [20..25] (LSO 26).
ABORTS = [AbortedTransaction(1, 0, 5, 3), AbortedTransaction(2, 3, 8, 9), AbortedTransaction(3, 20, 25, 26)]

COLLECT_CASES = [
    pytest.param(0, 4, [1, 2], id="B starts inside the range; A's LSO 3 is below the bound"),
    pytest.param(0, 3, [1], id="A's LSO 3 reaches the bound: B cannot overlap"),
    pytest.param(0, 2, [1], id="stops at A: its LSO 3 is past the bound"),
    pytest.param(6, 9, [2], id="A ended before the fetch offset"),
    pytest.param(9, 20, [], id="a gap between transactions"),
    pytest.param(9, 21, [3], id="C starts inside the range"),
    pytest.param(25, 30, [3], id="the fetch starts at C's marker"),
    pytest.param(26, 40, [], id="after everything"),
]


@pytest.mark.parametrize(("fetch_offset", "upper_bound", "producers"), COLLECT_CASES)
def test_collect_returns_aborts_overlapping_the_range(
    tmp_path: Path, fetch_offset: int, upper_bound: int, producers: list[int]
) -> None:
    index = PartitionTransactionIndex(tmp_path, [0, 7, 20])
    for entry in ABORTS:
        index.append(entry)
    assert transaction_index_path(tmp_path, 0).is_file() and transaction_index_path(tmp_path, 7).is_file()
    found = index.collect(fetch_offset, upper_bound)
    assert [entry.producer_id for entry in found] == producers


def test_truncation_drops_markers_at_or_above_the_offset(tmp_path: Path) -> None:
    index = PartitionTransactionIndex(tmp_path, [0, 7, 20])
    for entry in ABORTS:
        index.append(entry)
    index.truncate_to(8)
    assert list(index.entries()) == ABORTS[:1]
    assert not transaction_index_path(tmp_path, 7).exists()
    reopened = PartitionTransactionIndex(tmp_path, [0, 7, 20])
    assert list(reopened.entries()) == ABORTS[:1]


def test_segments_follow_the_log(tmp_path: Path) -> None:
    """Retention drops the entries of deleted segments; a compaction merge keeps them."""
    index = PartitionTransactionIndex(tmp_path, [0, 7, 20])
    for entry in ABORTS:
        index.append(entry)
    index.sync_segments([0, 20])  # segments 0 and 7 merged into the cleaned segment 0
    assert list(index.entries()) == ABORTS
    assert not transaction_index_path(tmp_path, 7).exists()
    index.sync_segments([20, 30])  # retention deleted segment 0
    assert list(index.entries()) == ABORTS[2:]
    assert not transaction_index_path(tmp_path, 0).exists()


def test_forget_drops_the_transaction_of_a_removed_marker(tmp_path: Path) -> None:
    """Compaction removing an ABORT marker takes its transaction out of the index, on disk too."""
    index = PartitionTransactionIndex(tmp_path, [0, 7, 20])
    for entry in ABORTS:
        index.append(entry)
    index.forget(8)  # the marker of ABORTS[1], in segment 7
    assert list(index.entries()) == [ABORTS[0], ABORTS[2]]
    assert not transaction_index_path(tmp_path, 7).exists()  # its only entry went
    index.forget(9)  # no marker there: nothing changes
    assert list(PartitionTransactionIndex(tmp_path, [0, 7, 20]).entries()) == [ABORTS[0], ABORTS[2]]
    assert index.collect(0, 30) == [ABORTS[0], ABORTS[2]]
