"""A real partition log with its producer state: duplicates, LSO, aborted index, snapshots, recovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.txn.batches import data_batch, marker
from wirekafka.log.cleaner import clean_log_in_steps
from wirekafka.log.config import LogConfig
from wirekafka.log.partition_log import AppendInfo, PartitionLog
from wirekafka.log.partition_transactions import DuplicateAppend, PartitionTransactions
from wirekafka.log.producer_snapshot import list_snapshots
from wirekafka.log.producer_state import AbortedTransaction, AppendOrigin, ProducerStateError
from wirekafka.log.steps import run_to_end
from wirekafka.log.transaction_index import transaction_index_path
from wirekafka.records.batch import BatchHeader, iter_batches

SMALL = LogConfig(segment_bytes=600, index_interval_bytes=100, file_delete_delay_ms=0, retention_ms=-1)
PID, OTHER = 1000, 2000


def open_partition(
    directory: Path, config: LogConfig = SMALL, *, clean: bool = False
) -> PartitionTransactions:
    log = PartitionLog.open(directory, config, now_ms=0, clean_shutdown=clean)
    return PartitionTransactions.open(log, now_ms=0, transaction_verification_enabled=False)


def raw(batch: BatchHeader) -> bytearray:
    return bytearray(batch.batch_buffer())


def produce(partition: PartitionTransactions, batch: BatchHeader) -> AppendInfo | DuplicateAppend:
    return partition.append_as_leader(raw(batch), leader_epoch=0, now_ms=0)


def end_txn(partition: PartitionTransactions, producer_id: int, *, commit: bool, epoch: int = 0) -> int:
    info = partition.append_as_leader(
        raw(marker(producer_id, epoch, commit=commit)),
        leader_epoch=0,
        now_ms=0,
        origin=AppendOrigin.COORDINATOR,
    )
    assert isinstance(info, AppendInfo)
    partition.log.update_high_watermark(partition.log.log_end_offset)
    partition.on_high_watermark_updated(partition.log.high_watermark)
    return info.first_offset


def state_of(partition: PartitionTransactions) -> dict[int, tuple[int, int, int | None, int]]:
    """What must survive a restart: epoch, last sequence, open transaction, coordinator epoch."""
    return {
        entry.producer_id: (
            entry.producer_epoch,
            entry.last_sequence,
            entry.current_txn_first_offset,
            entry.coordinator_epoch,
        )
        for entry in partition.producers()
    }


def test_retried_batch_is_acknowledged_with_its_offsets_and_not_written(tmp_path: Path) -> None:
    partition = open_partition(tmp_path / "t-0")
    first = produce(partition, data_batch(PID, 0, 0, 3))
    assert isinstance(first, AppendInfo)
    size = partition.log.size_in_bytes
    again = produce(partition, data_batch(PID, 0, 0, 3))
    assert again == DuplicateAppend(0, 2, 1_000, 0)
    assert partition.log.log_end_offset == 3 and partition.log.size_in_bytes == size


def test_refused_batch_leaves_log_and_state_alone(tmp_path: Path) -> None:
    partition = open_partition(tmp_path / "t-0")
    produce(partition, data_batch(PID, 0, 0))
    with pytest.raises(ProducerStateError) as refused:
        produce(partition, data_batch(PID, 0, 2))
    assert refused.value.kafka_error == "OUT_OF_ORDER_SEQUENCE_NUMBER"
    assert partition.log.log_end_offset == 1
    assert isinstance(produce(partition, data_batch(PID, 0, 1)), AppendInfo)


def test_last_stable_offset_and_aborted_transactions(tmp_path: Path) -> None:
    partition = open_partition(tmp_path / "t-0")
    produce(partition, data_batch(OTHER, 0, 0))  # 0
    produce(partition, data_batch(PID, 0, 0, 2, transactional=True))  # 1-2
    partition.log.update_high_watermark(3)
    partition.on_high_watermark_updated(3)
    assert partition.last_stable_offset == 1
    abort_at = end_txn(partition, PID, commit=False)  # 3
    assert abort_at == 3
    assert partition.last_stable_offset == 4
    assert partition.aborted_transactions(0, 4) == [AbortedTransaction(PID, 1, 3, 4)]
    assert partition.aborted_transactions(4, 4) == []
    produce(partition, data_batch(PID, 0, 2, transactional=True))  # 4
    end_txn(partition, PID, commit=True)  # 5
    assert partition.last_stable_offset == 6
    assert partition.aborted_transactions(4, 6) == []


def test_clean_close_snapshots_at_the_log_end_and_reopen_replays_nothing(tmp_path: Path) -> None:
    partition = open_partition(tmp_path / "t-0")
    produce(partition, data_batch(PID, 0, 0, transactional=True))
    produce(partition, data_batch(OTHER, 2, 5))
    before = state_of(partition)
    end = partition.log.log_end_offset
    partition.close()
    assert list_snapshots(tmp_path / "t-0")[-1] == end
    reopened = open_partition(tmp_path / "t-0", clean=True)
    assert state_of(reopened) == before
    assert reopened.state.map_end_offset == end
    assert reopened.last_stable_offset == 0


def test_crash_without_snapshot_rebuilds_state_and_index_from_the_log(tmp_path: Path) -> None:
    """kill -9: no snapshot at the end. Reopening replays the log: same state, same aborted list,
    no index entry twice."""
    directory = tmp_path / "t-0"
    partition = open_partition(directory)
    produce(partition, data_batch(PID, 0, 0, transactional=True))
    produce(partition, data_batch(OTHER, 0, 0, 2))
    end_txn(partition, PID, commit=False)
    produce(partition, data_batch(PID, 0, 1, transactional=True))
    produce(partition, data_batch(OTHER, 0, 2))
    before = state_of(partition)
    aborted = partition.aborted_transactions(0, partition.log.log_end_offset)
    assert aborted and partition.last_stable_offset == 4
    # no close: the process died
    recovered = open_partition(directory)
    recovered.log.update_high_watermark(recovered.log.log_end_offset)
    recovered.on_high_watermark_updated(recovered.log.high_watermark)
    assert state_of(recovered) == before
    assert recovered.aborted_transactions(0, recovered.log.log_end_offset) == aborted
    assert recovered.last_stable_offset == 4
    # the retry of the last batch is still recognised after the restart
    assert isinstance(produce(recovered, data_batch(OTHER, 0, 2)), DuplicateAppend)


def test_rolls_write_snapshots_and_reopen_uses_the_newest(tmp_path: Path) -> None:
    directory = tmp_path / "t-0"
    partition = open_partition(directory)
    for sequence in range(30):
        produce(partition, data_batch(PID, 0, sequence, value=b"x" * 40))
    bases = [segment.base_offset for segment in partition.log.segments]
    assert len(bases) > 3
    assert list_snapshots(directory) == bases[1:]
    before = state_of(partition)
    recovered = open_partition(directory)
    assert state_of(recovered) == before
    assert isinstance(produce(recovered, data_batch(PID, 0, 30)), AppendInfo)


def test_corrupt_newest_snapshot_falls_back_to_an_older_one(tmp_path: Path) -> None:
    directory = tmp_path / "t-0"
    partition = open_partition(directory)
    for sequence in range(30):
        produce(partition, data_batch(PID, 0, sequence, value=b"x" * 40))
    before = state_of(partition)
    newest = list_snapshots(directory)[-1]
    (directory / f"{newest:020d}.snapshot").write_bytes(b"\x00\x01garbage")
    recovered = open_partition(directory)
    assert state_of(recovered) == before
    assert newest not in list_snapshots(directory)


def test_follower_truncation_reopens_the_transaction(tmp_path: Path) -> None:
    partition = open_partition(tmp_path / "t-0")
    produce(partition, data_batch(PID, 0, 0, transactional=True))  # 0
    abort_at = end_txn(partition, PID, commit=False)  # 1
    assert partition.aborted_transactions(0, 2) == [AbortedTransaction(PID, 0, 1, 2)]
    partition.log.update_high_watermark(1)
    partition.truncate_to(abort_at, now_ms=0)
    assert partition.log.log_end_offset == 1
    assert partition.state.first_unstable_offset == 0
    assert partition.aborted_transactions(0, 1) == []
    assert state_of(partition)[PID][2] == 0


def test_follower_appends_apply_the_leaders_batches(tmp_path: Path) -> None:
    partition = open_partition(tmp_path / "t-0")
    partition.append_as_follower(raw(data_batch(PID, 0, 0, transactional=True, base_offset=0)), now_ms=0)
    partition.append_as_follower(raw(marker(PID, 0, commit=False, base_offset=1)), now_ms=0)
    assert partition.aborted_transactions(0, 2) == [AbortedTransaction(PID, 0, 1, 2)]


def test_retention_takes_index_files_and_old_snapshots_along(tmp_path: Path) -> None:
    directory = tmp_path / "t-0"
    partition = open_partition(directory)
    produce(partition, data_batch(PID, 0, 0, transactional=True))
    end_txn(partition, PID, commit=False)
    for sequence in range(1, 30):
        produce(partition, data_batch(OTHER, 0, sequence - 1, value=b"x" * 40))
    first_base = partition.log.segments[0].base_offset
    assert transaction_index_path(directory, first_base).is_file()
    partition.log.update_high_watermark(partition.log.log_end_offset)
    partition.log.delete_records_before(partition.log.segments[2].base_offset, now_ms=0)
    partition.maintain(now_ms=0)
    assert not transaction_index_path(directory, first_base).exists()
    assert min(list_snapshots(directory)) >= partition.log.segments[0].base_offset
    assert partition.aborted_transactions(0, partition.log.log_end_offset) == []


def test_compaction_removing_an_abort_marker_takes_its_transaction_out_of_the_index(tmp_path: Path) -> None:
    """A read_committed consumer skips a producer's batches from an aborted transaction's first
    offset until it meets the ABORT marker: listed without its marker, the aborted transaction
    would hide the producer's later, committed batches (Kafka drops it from the cleaned index)."""
    compacted = LogConfig(
        segment_bytes=600,
        index_interval_bytes=100,
        file_delete_delay_ms=0,
        cleanup_policy=("compact",),
        min_cleanable_dirty_ratio=0.0,
        delete_retention_ms=1_000,
    )
    partition = open_partition(tmp_path / "t-0", compacted)
    produce(partition, data_batch(PID, 0, 0, transactional=True, key=b"a"))  # 0
    abort_at = end_txn(partition, PID, commit=False)  # 1
    produce(partition, data_batch(PID, 0, 1, transactional=True, key=b"k", value=b"later"))  # 2
    end_txn(partition, PID, commit=True)  # 3
    produce(partition, data_batch(OTHER, 0, 0, key=b"x"))  # 4
    partition.log.update_high_watermark(partition.log.log_end_offset)
    partition.on_high_watermark_updated(partition.log.high_watermark)
    partition.log.roll(now_ms=0)
    end = partition.log.log_end_offset
    assert partition.aborted_transactions(0, end) == [AbortedTransaction(PID, 0, 1, 2)]
    forgotten: list[int] = []

    def forget(marker_offset: int) -> None:
        stored = partition.log.read(0, 1 << 20, max_offset=end, min_one_batch=True).records
        assert marker_offset in [h.base_offset for h in iter_batches(stored)]  # before the swap
        forgotten.append(marker_offset)
        partition.forget_aborted_transaction(marker_offset)

    checkpoint = None
    for index, now_ms in enumerate([0, 5_000]):  # the aborted batch goes, then (horizon) its marker
        result = run_to_end(
            clean_log_in_steps(
                partition.log,
                checkpoint=checkpoint,
                now_ms=now_ms,
                max_cleanable_offset=end,
                force=index > 0,
                forget_aborted=forget,
            )
        )
        assert result is not None
        checkpoint = result.next_dirty_offset
        partition.sync_segments()
    assert forgotten == [abort_at]
    assert partition.aborted_transactions(0, end) == []
    stored = partition.log.read(0, 1 << 20, max_offset=end, min_one_batch=True).records
    assert [h.base_offset for h in iter_batches(stored)] == [2, 3, 4]
    partition.close()
    assert open_partition(tmp_path / "t-0", compacted, clean=True).aborted_transactions(0, end) == []
