"""The single-node metadata log: one fsynced batch per commit, read back in order after a restart."""

from __future__ import annotations

import os
from pathlib import Path

from tests.metadata.helpers import partition, register, topic
from wirekafka.metadata.local_log import METADATA_LOG_DIRECTORY, LocalMetadataLog
from wirekafka.metadata.records import decode_record
from wirekafka.protocol.messages import metadata_records as m
from wirekafka.records import Record, build_batch, iter_batches, iter_records


def segment_file(directory: Path) -> Path:
    return directory / METADATA_LOG_DIRECTORY / f"{0:020d}.log"


def test_records_survive_reopening_with_their_offsets(tmp_path: Path) -> None:
    log = LocalMetadataLog.open(tmp_path, now_ms=1)
    assert log.append([m.FeatureLevelRecord(name="metadata.version", feature_level=21)], now_ms=1) == 0
    assert log.append([register(1), topic("t", 1), partition(1, 0, [1])], now_ms=2) == 3
    log.close()
    reopened = LocalMetadataLog.open(tmp_path, now_ms=3)
    read = list(reopened.read())
    assert [offset for offset, _ in read] == [0, 1, 2, 3]
    assert read[2][1] == topic("t", 1) and read[3][1] == partition(1, 0, [1])
    assert reopened.end_offset == 4
    assert [offset for offset, _ in reopened.read(2)] == [2, 3]
    reopened.close()


def test_each_commit_is_one_batch_of_framed_values_with_null_keys(tmp_path: Path) -> None:
    log = LocalMetadataLog.open(tmp_path, now_ms=1)
    log.append([topic("a", 1), partition(1, 0, [1])], now_ms=5)
    log.append([m.NoOpRecord()], now_ms=6)
    log.close()
    batches = list(iter_batches(segment_file(tmp_path).read_bytes()))
    assert [(b.base_offset, b.last_offset) for b in batches] == [(0, 1), (2, 2)]
    records = [r for b in batches for r in iter_records(b)]
    assert all(r.key is None for r in records)
    assert decode_record(records[0].value or b"")[0] == topic("a", 1)


def test_a_torn_last_batch_is_cut_off_and_earlier_commits_kept(tmp_path: Path) -> None:
    log = LocalMetadataLog.open(tmp_path, now_ms=1)
    log.append([topic("a", 1)], now_ms=1)
    log.append([topic("b", 2), partition(2, 0, [1])], now_ms=2)
    log.close()
    path = segment_file(tmp_path)
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.truncate(size - 7)
        os.fsync(handle.fileno())
    reopened = LocalMetadataLog.open(tmp_path, now_ms=3)
    assert [record for _, record in reopened.read()] == [topic("a", 1)]
    assert reopened.end_offset == 1
    assert reopened.append([m.NoOpRecord()], now_ms=4) == 1
    reopened.close()


def test_control_batches_are_skipped(tmp_path: Path) -> None:
    """A Raft-written log interleaves control batches (leader changes); they are not metadata."""
    log = LocalMetadataLog.open(tmp_path, now_ms=1)
    log.append([topic("a", 1)], now_ms=1)
    log.close()
    control = build_batch(
        [Record(offset=1, timestamp=2, key=b"\x00\x00\x00\x02", value=b"\x00\x00")],
        base_offset=1,
        is_control=True,
    )
    with open(segment_file(tmp_path), "ab") as handle:
        handle.write(control)
    reopened = LocalMetadataLog.open(tmp_path, now_ms=3)
    assert reopened.end_offset == 2
    assert list(reopened.read()) == [(0, topic("a", 1))]
    assert reopened.append([m.NoOpRecord()], now_ms=4) == 2
    reopened.close()
