"""Compaction: latest record per key, tombstones expire, offsets and batch framing are kept."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from wirekafka.log.cleaner import (
    RECORDS_PER_STEP,
    ActiveProducer,
    CleanResult,
    clean_log_in_steps,
    cleanable_section,
)
from wirekafka.log.config import LogConfig
from wirekafka.log.partition_log import PartitionLog
from wirekafka.log.steps import Steps, run_to_end
from wirekafka.records.batch import BatchHeader, Compression, iter_batches
from wirekafka.records.builder import build_batch
from wirekafka.records.control import ControlType, build_end_txn_marker
from wirekafka.records.record import Record, iter_records

from .helpers import batch, open_log, read_all

DAY = 86_400_000


def clean_log(log: PartitionLog, **options: Any) -> CleanResult | None:
    """A whole pass at once (the broker runs it in slices between requests)."""
    return run_to_end(clean_log_in_steps(log, **options))


COMPACT = LogConfig(
    segment_bytes=600,
    index_interval_bytes=100,
    cleanup_policy=("compact",),
    min_cleanable_dirty_ratio=0.0,
    file_delete_delay_ms=0,
)


def put(log: PartitionLog, key: str, value: str | None, *, timestamp: int = 1_000) -> int:
    encoded = value.encode() * 20 if value is not None else None
    info = log.append(batch([encoded], keys=[key.encode()], timestamp=timestamp), leader_epoch=0, now_ms=0)
    log.update_high_watermark(log.log_end_offset)
    return info.first_offset


def latest(log: PartitionLog) -> list[tuple[int, bytes | None, bytes | None]]:
    return [(record.offset, record.key, record.value) for record in read_all(log)]


def test_keeps_the_latest_record_per_key_with_original_offsets(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", COMPACT)
    writes = [("a", "1"), ("b", "1"), ("a", "2"), ("c", "1"), ("b", "2"), ("a", "3"), ("d", "1"), ("e", "1")]
    for key, value in writes:
        put(log, key, value)
    active_base = log.active_segment.base_offset
    assert active_base > 5
    result = clean_log(log, checkpoint=None, now_ms=0)
    assert result is not None and result.next_dirty_offset == active_base
    kept = latest(log)
    # Below the active segment only each key's latest record is left; the active segment is
    # never cleaned.
    latest_below_active = {key: offset for offset, (key, _) in enumerate(writes) if offset < active_base}
    cleaned = [offset for offset, _, _ in kept if offset < active_base]
    assert cleaned == sorted(latest_below_active.values()) and len(cleaned) < active_base
    assert [offset for offset, _, _ in kept if offset >= active_base] == list(range(active_base, 8))
    assert result.records_kept < result.records_read
    # The swap left exactly one set of files per segment, and a reopen serves the same data.
    names = sorted(os.listdir(tmp_path / "t-0"))
    assert not [name for name in names if name.endswith((".cleaned", ".swap", ".deleted"))]
    log.close()
    assert latest(open_log(tmp_path / "t-0", COMPACT, clean_shutdown=True)) == kept
    assert latest(open_log(tmp_path / "t-0", COMPACT, clean_shutdown=False)) == kept


def test_tombstones_stay_for_delete_retention_ms_then_go(tmp_path: Path) -> None:
    config = LogConfig(
        segment_bytes=200,
        cleanup_policy=("compact",),
        min_cleanable_dirty_ratio=0.0,
        delete_retention_ms=DAY,
        file_delete_delay_ms=0,
    )
    log = open_log(tmp_path / "t-0", config)
    put(log, "a", "1", timestamp=1_000)
    put(log, "b", "1", timestamp=1_000)
    put(log, "a", None, timestamp=2_000)  # tombstone for a
    put(log, "c", "1", timestamp=2_000)
    put(log, "d", "1", timestamp=3_000)
    assert [segment.base_offset for segment in log.segments] == [0, 2, 4]
    first = clean_log(log, checkpoint=None, now_ms=2_000 + DAY + 1)
    assert first is not None
    # The tombstone's segment was dirty in this pass, so the tombstone stays however old it is.
    assert (2, b"a", None) in latest(log)
    assert all(key != b"a" or value is None for _, key, value in latest(log))
    put(log, "e", "1", timestamp=4_000)
    put(log, "f", "1", timestamp=4_000)
    second = clean_log(log, checkpoint=first.next_dirty_offset, now_ms=2_000 + DAY - 1, force=True)
    assert second is not None
    assert (2, b"a", None) in latest(log)  # clean now, but younger than delete.retention.ms
    put(log, "g", "1", timestamp=5_000)
    third = clean_log(log, checkpoint=second.next_dirty_offset, now_ms=2_000 + DAY, force=True)
    assert third is not None
    assert all(key != b"a" for _, key, _ in latest(log))
    assert [key for _, key, _ in latest(log)][:2] == [b"b", b"c"]


def test_dirty_ratio_and_compaction_lag_decide_what_is_cleanable(tmp_path: Path) -> None:
    config = LogConfig(
        segment_bytes=700,
        cleanup_policy=("compact",),
        min_cleanable_dirty_ratio=0.5,
        min_compaction_lag_ms=1_000,
        file_delete_delay_ms=0,
    )
    log = open_log(tmp_path / "t-0", config)
    for index in range(6):
        log.append(batch([b"v" * 250], keys=[b"k"], timestamp=index * 1_000), leader_epoch=0, now_ms=0)
    log.update_high_watermark(6)
    segments = log.segments
    assert len(segments) == 3
    section = cleanable_section(log, checkpoint=None, now_ms=2_500)
    # Segments whose newest record is younger than 1 s at now=2.5 s are not cleanable yet.
    young = next(segment for segment in segments[:-1] if segment.max_timestamp > 1_500)
    assert section.first_uncleanable_offset == young.base_offset
    section = cleanable_section(log, checkpoint=log.active_segment.base_offset, now_ms=10_000)
    assert section.dirty_bytes == 0 and not section.should_clean(0.5)
    assert clean_log(log, checkpoint=log.active_segment.base_offset, now_ms=10_000) is None
    section = cleanable_section(log, checkpoint=None, now_ms=10_000)
    assert section.cleanable_ratio == 1.0 and section.should_clean(0.5)


def test_partly_kept_batches_keep_base_offset_range_and_compression(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", LogConfig(cleanup_policy=("compact",), min_cleanable_dirty_ratio=0.0))
    first = batch(
        [b"1", b"2", b"3", b"4"], keys=[b"a", b"b", b"c", b"a"], compression=Compression.LZ4, producer_id=7
    )
    log.append(first, leader_epoch=3, now_ms=0)
    log.append(batch([b"5", b"6"], keys=[b"b", b"x"]), leader_epoch=3, now_ms=0)
    log.update_high_watermark(6)
    log.roll(now_ms=0)
    assert clean_log(log, checkpoint=None, now_ms=0) is not None
    stored = log.read(0, 100_000, max_offset=6, min_one_batch=True).records
    headers = list(iter_batches(stored))
    rebuilt = headers[0]
    assert (rebuilt.base_offset, rebuilt.last_offset) == (0, 3)  # offset range of the original
    assert rebuilt.compression == Compression.LZ4 and rebuilt.is_valid()
    assert (rebuilt.producer_id, rebuilt.partition_leader_epoch, rebuilt.records_count) == (7, 3, 2)
    assert [(record.offset, record.key) for record in read_all(log)] == [
        (2, b"c"),
        (3, b"a"),
        (4, b"b"),
        (5, b"x"),
    ]
    assert headers[1].base_offset == 4 and bytes(headers[1].batch_buffer()) == stored[rebuilt.size_in_bytes :]


def test_records_without_keys_are_dropped_and_control_batches_kept(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", LogConfig(cleanup_policy=("compact",), min_cleanable_dirty_ratio=0.0))
    log.append(batch([b"no key"]), leader_epoch=0, now_ms=0)
    log.append(batch([b"v"], keys=[b"k"]), leader_epoch=0, now_ms=0)
    marker = bytearray(
        build_end_txn_marker(
            ControlType.COMMIT,
            producer_id=1,
            producer_epoch=0,
            coordinator_epoch=0,
            timestamp_ms=0,
            base_offset=2,
        )
    )
    log.append_as_follower(marker, now_ms=0)
    log.update_high_watermark(3)
    log.roll(now_ms=0)
    assert clean_log(log, checkpoint=None, now_ms=0) is not None
    stored = log.read(0, 100_000, max_offset=3, min_one_batch=True).records
    headers = list(iter_batches(stored))
    assert [(header.base_offset, header.is_control) for header in headers] == [(1, False), (2, True)]


def test_cleaning_never_passes_the_high_watermark(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", COMPACT)
    for index in range(8):
        log.append(batch([str(index).encode() * 200], keys=[b"k"]), leader_epoch=0, now_ms=0)
    log.update_high_watermark(2)
    result = clean_log(log, checkpoint=None, now_ms=0)
    assert result is not None and result.next_dirty_offset == 2
    # Offset 0 was superseded below the high watermark; nothing at or above it was touched,
    # although every later record shares the key.
    assert [record.offset for record in read_all(log)] == list(range(1, 8))
    header = BatchHeader(log.read(0, 1, max_offset=8, min_one_batch=True).records)
    assert header.base_offset == 1


# ---- transactions ---------------------------------------------------------------------------


def txn_put(log: PartitionLog, key: bytes, value: bytes, *, producer_id: int) -> int:
    """A transactional data batch of one record, appended as leader; returns its offset."""
    record = Record(offset=0, timestamp=1_000, key=key, value=value * 20)
    data = build_batch(
        [record],
        base_offset=0,
        producer_id=producer_id,
        producer_epoch=0,
        base_sequence=0,
        is_transactional=True,
    )
    return log.append(bytearray(data), leader_epoch=0, now_ms=0).first_offset


def end_txn(log: PartitionLog, control: ControlType, *, producer_id: int) -> None:
    marker = build_end_txn_marker(
        control,
        producer_id=producer_id,
        producer_epoch=0,
        coordinator_epoch=0,
        timestamp_ms=0,
        base_offset=log.log_end_offset,
    )
    log.append_as_follower(bytearray(marker), now_ms=0)


def values_by_key(log: PartitionLog) -> dict[bytes, list[bytes | None]]:
    found: dict[bytes, list[bytes | None]] = {}
    for header in iter_batches(
        log.read(0, 1 << 20, max_offset=log.log_end_offset, min_one_batch=True).records
    ):
        if header.is_control:
            continue
        for record in iter_records(header):
            if record.key is not None:
                found.setdefault(record.key, []).append(record.value)
    return found


def test_an_aborted_value_never_replaces_the_last_committed_one(tmp_path: Path) -> None:
    """The committed value of a key must survive compaction even when an aborted transaction wrote
    the key later: a read_committed reader (a Streams changelog, a transactional offset commit)
    skips the aborted record, so dropping the committed one would lose the key."""
    log = open_log(tmp_path / "t-0", LogConfig(cleanup_policy=("compact",), min_cleanable_dirty_ratio=0.0))
    txn_put(log, b"k", b"committed", producer_id=7)
    end_txn(log, ControlType.COMMIT, producer_id=7)
    aborted = txn_put(log, b"k", b"aborted", producer_id=7)
    txn_put(log, b"other", b"aborted too", producer_id=7)
    end_txn(log, ControlType.ABORT, producer_id=7)
    log.append(batch([b"plain"], keys=[b"p"]), leader_epoch=0, now_ms=0)
    log.update_high_watermark(log.log_end_offset)
    log.roll(now_ms=0)
    result = clean_log(log, checkpoint=None, now_ms=0, max_cleanable_offset=log.log_end_offset)
    assert result is not None
    assert values_by_key(log) == {b"k": [b"committed" * 20], b"p": [b"plain"]}
    stored = list(
        iter_batches(log.read(0, 1 << 20, max_offset=log.log_end_offset, min_one_batch=True).records)
    )
    assert aborted not in [header.base_offset for header in stored]  # the aborted batches are gone
    assert sum(header.is_control for header in stored) == 2  # both markers stay


def test_an_undecided_transaction_is_kept_and_does_not_shadow_committed_values(tmp_path: Path) -> None:
    """Bounded by the high watermark, a pass can meet a transaction with no marker yet: it may
    still abort, so its records are kept as they are and the committed value stays too."""
    log = open_log(tmp_path / "t-0", LogConfig(cleanup_policy=("compact",), min_cleanable_dirty_ratio=0.0))
    log.append(batch([b"v1"], keys=[b"k"]), leader_epoch=0, now_ms=0)
    txn_put(log, b"k", b"open", producer_id=9)
    log.append(batch([b"v"], keys=[b"x"]), leader_epoch=0, now_ms=0)
    log.update_high_watermark(log.log_end_offset)
    log.roll(now_ms=0)
    assert clean_log(log, checkpoint=None, now_ms=0) is not None
    assert values_by_key(log) == {b"k": [b"v1", b"open" * 20], b"x": [b"v"]}


def markers_of(log: PartitionLog) -> list[int]:
    stored = log.read(0, 1 << 20, max_offset=log.log_end_offset, min_one_batch=True).records
    return [header.base_offset for header in iter_batches(stored) if header.is_control]


def passes(
    log: PartitionLog, *, at: list[int], active_producers: dict[int, ActiveProducer] | None = None
) -> list[list[int]]:
    """One pass at each time of ``at`` (the first as a dirty pass, then forced ones over the
    clean log); the markers left after each."""
    left = []
    checkpoint = None
    for index, now_ms in enumerate(at):
        result = clean_log(
            log,
            checkpoint=checkpoint,
            now_ms=now_ms,
            max_cleanable_offset=log.log_end_offset,
            force=index > 0,
            active_producers=active_producers,
        )
        assert result is not None
        checkpoint = result.next_dirty_offset
        left.append(markers_of(log))
    return left


def txn_log(tmp_path: Path) -> PartitionLog:
    return open_log(
        tmp_path / "t-0",
        LogConfig(cleanup_policy=("compact",), min_cleanable_dirty_ratio=0.0, delete_retention_ms=DAY),
    )


def close_segment(log: PartitionLog) -> None:
    log.append(batch([b"plain"], keys=[b"p"]), leader_epoch=0, now_ms=0)
    log.update_high_watermark(log.log_end_offset)
    log.roll(now_ms=0)


def test_an_abort_marker_goes_once_its_batches_are_gone_and_delete_retention_passed(tmp_path: Path) -> None:
    log = txn_log(tmp_path)
    txn_put(log, b"k", b"aborted", producer_id=7)
    end_txn(log, ControlType.ABORT, producer_id=7)
    close_segment(log)
    # Pass 1 drops the aborted batch and keeps its marker (it met the batch); pass 2, a day
    # minus 1 ms later, finds nothing of the transaction but keeps the marker for
    # delete.retention.ms; pass 3 drops it.
    assert passes(log, at=[0, DAY - 1, DAY + 1_000]) == [[1], [1], []]
    assert values_by_key(log) == {b"p": [b"plain"]}


def test_a_pass_reports_when_a_marker_it_kept_for_delete_retention_may_go(tmp_path: Path) -> None:
    """What lets the log manager run the pass that removes it, with no new data written."""
    log = txn_log(tmp_path)
    txn_put(log, b"k", b"aborted", producer_id=7)
    end_txn(log, ControlType.ABORT, producer_id=7)
    close_segment(log)
    first = clean_log(log, checkpoint=None, now_ms=0, max_cleanable_offset=log.log_end_offset)
    assert first is not None and first.tombstones_expire_ms is None  # the marker met its batch
    second = clean_log(
        log, checkpoint=first.next_dirty_offset, now_ms=1, max_cleanable_offset=log.log_end_offset, force=True
    )
    assert second is not None and second.tombstones_expire_ms == 1_000 + DAY  # removable, kept for now
    assert markers_of(log) != []


def test_a_commit_marker_goes_once_its_records_were_compacted_away(tmp_path: Path) -> None:
    log = txn_log(tmp_path)
    txn_put(log, b"k", b"committed", producer_id=7)
    end_txn(log, ControlType.COMMIT, producer_id=7)
    log.append(batch([b"newer"], keys=[b"k"]), leader_epoch=0, now_ms=0)
    close_segment(log)
    assert passes(log, at=[0, DAY - 1, DAY + 1_000]) == [[1], [1], []]
    assert values_by_key(log) == {b"k": [b"newer"], b"p": [b"plain"]}


def test_a_marker_stays_while_its_transaction_has_records(tmp_path: Path) -> None:
    log = txn_log(tmp_path)
    txn_put(log, b"k", b"committed", producer_id=7)
    end_txn(log, ControlType.COMMIT, producer_id=7)
    close_segment(log)
    assert passes(log, at=[0, DAY + 1_000, 3 * DAY]) == [[1], [1], [1]]
    assert values_by_key(log) == {b"k": [b"committed" * 20], b"p": [b"plain"]}


def test_the_last_marker_of_an_active_producer_stays(tmp_path: Path) -> None:
    # Kafka keeps it: it holds the producer's epoch, which fences its zombies after a reload.
    log = txn_log(tmp_path)
    txn_put(log, b"k", b"aborted", producer_id=7)
    end_txn(log, ControlType.ABORT, producer_id=7)
    close_segment(log)
    active = {7: ActiveProducer(last_data_offset=-1, producer_epoch=0)}
    assert passes(log, at=[0, DAY + 1_000], active_producers=active) == [[1], [1]]
    # Once the producer has moved on to a newer epoch, the marker is an ordinary one.
    newer_epoch = {7: ActiveProducer(last_data_offset=-1, producer_epoch=1)}
    clean_log(
        log,
        checkpoint=log.active_segment.base_offset,
        now_ms=DAY + 2_000,
        force=True,
        active_producers=newer_epoch,
    )
    assert markers_of(log) == []


# ---- a producer's last batch (Kafka's RETAIN_EMPTY) ----------------------------------------


def idempotent_put(log: PartitionLog, key: bytes, value: bytes, *, producer_id: int, sequence: int) -> int:
    """A non-transactional batch of one record from an idempotent producer; returns its offset."""
    record = Record(offset=0, timestamp=1_000, key=key, value=value * 20)
    data = build_batch([record], producer_id=producer_id, producer_epoch=0, base_sequence=sequence)
    return log.append(bytearray(data), leader_epoch=0, now_ms=0).first_offset


def stored_batches(log: PartitionLog) -> dict[int, BatchHeader]:
    stored = log.read(0, 1 << 20, max_offset=log.log_end_offset, min_one_batch=True).records
    return {header.base_offset: header for header in iter_batches(stored)}


def one_pass(log: PartitionLog, active: dict[int, ActiveProducer] | None, *, now_ms: int = 0) -> None:
    result = clean_log(
        log,
        checkpoint=None,
        now_ms=now_ms,
        max_cleanable_offset=log.log_end_offset,
        force=True,
        active_producers=active,
    )
    assert result is not None


def emptied_last_batch(log: PartitionLog) -> int:
    """Producer 7's last batch (sequence 4), whose one record a later write of its key supersedes,
    after a pass with the producer active; returns the batch's offset."""
    last = idempotent_put(log, b"k", b"old", producer_id=7, sequence=4)
    log.append(batch([b"newer"], keys=[b"k"]), leader_epoch=0, now_ms=0)
    close_segment(log)
    one_pass(log, {7: ActiveProducer(last_data_offset=last, producer_epoch=0)})
    return last


def test_a_producers_last_batch_stays_empty_when_its_records_go(tmp_path: Path) -> None:
    """Its last sequence must stay readable from the log, so the batch stays without records."""
    log = txn_log(tmp_path)
    last = emptied_last_batch(log)
    kept = stored_batches(log)[last]
    assert (kept.records_count, kept.producer_id, kept.last_offset, kept.last_sequence) == (0, 7, last, 4)
    assert values_by_key(log) == {b"k": [b"newer"], b"p": [b"plain"]}


def test_a_batch_not_the_last_of_an_active_producer_goes(tmp_path: Path) -> None:
    log = txn_log(tmp_path)
    first = idempotent_put(log, b"k", b"old", producer_id=7, sequence=0)
    log.append(batch([b"newer"], keys=[b"k"]), leader_epoch=0, now_ms=0)
    last = idempotent_put(log, b"j", b"mine", producer_id=7, sequence=1)
    close_segment(log)
    one_pass(log, {7: ActiveProducer(last_data_offset=last, producer_epoch=0)})
    assert first not in stored_batches(log) and stored_batches(log)[last].records_count == 1
    one_pass(log, None)  # no active producer: nothing is kept for it either
    assert first not in stored_batches(log)


def test_an_empty_batch_goes_once_its_producer_has_written_again(tmp_path: Path) -> None:
    log = txn_log(tmp_path)
    last = emptied_last_batch(log)
    assert stored_batches(log)[last].records_count == 0
    later = idempotent_put(log, b"j", b"again", producer_id=7, sequence=5)
    close_segment(log)
    one_pass(log, {7: ActiveProducer(last_data_offset=later, producer_epoch=0)})
    assert last not in stored_batches(log)
    assert stored_batches(log)[later].records_count == 1


def test_an_aborted_last_batch_stays_empty_and_keeps_its_marker(tmp_path: Path) -> None:
    log = txn_log(tmp_path)
    aborted = txn_put(log, b"k", b"aborted", producer_id=7)
    end_txn(log, ControlType.ABORT, producer_id=7)
    close_segment(log)
    active = {7: ActiveProducer(last_data_offset=aborted, producer_epoch=0)}
    # The marker's transaction still has a batch (empty): past delete.retention.ms too it stays.
    assert passes(log, at=[0, DAY + 1_000], active_producers=active) == [[1], [1]]
    assert stored_batches(log)[aborted].records_count == 0
    assert values_by_key(log) == {b"p": [b"plain"]}


# ---- a pass in steps (the broker runs it between requests) ---------------------------------


def compacted_log_of(tmp_path: Path, rounds: int = 8) -> PartitionLog:
    """Several segments of rewritten keys a..e, then one more segment so all of them are cleanable."""
    log = open_log(tmp_path / "t-0", COMPACT)
    for round_number in range(rounds):
        for key in "abcde":
            put(log, key, f"{key}{round_number}")
    log.roll(0)
    return log


def counting_pauses(steps: Steps[CleanResult | None]) -> tuple[int, CleanResult | None]:
    """Run a pass to its end (its fsyncs skipped); how many times it paused, and its result."""
    pauses = 0
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return pauses, done.value
        pauses += 1


def leftovers(tmp_path: Path) -> list[str]:
    return [name for name in os.listdir(tmp_path / "t-0") if name.endswith((".cleaned", ".swap"))]


def test_a_pass_in_steps_pauses_after_every_batch_and_ends_as_a_pass_at_once(tmp_path: Path) -> None:
    stepped_log = compacted_log_of(tmp_path / "stepped")
    whole_log = compacted_log_of(tmp_path / "whole")
    batches = sum(1 for segment in stepped_log.segments for _ in segment.iter_batches(0))
    steps = clean_log_in_steps(stepped_log, checkpoint=None, now_ms=0)
    pauses, stepped = counting_pauses(steps)
    whole = clean_log(whole_log, checkpoint=None, now_ms=0)
    # The fates scan, the offset map and the rewrite each pause after every batch they read.
    assert pauses >= batches
    assert stepped == whole
    assert latest(stepped_log) == latest(whole_log)


def test_appends_and_a_roll_while_a_pass_is_paused_are_kept(tmp_path: Path) -> None:
    log = compacted_log_of(tmp_path)
    steps = clean_log_in_steps(log, checkpoint=None, now_ms=0)
    for _ in range(10):
        next(steps)
    first_new = put(log, "a", "late")
    log.roll(0)
    put(log, "z", "later")
    result = run_to_end(steps)
    assert result is not None and result.next_dirty_offset == first_new  # where the log ended at its start
    kept = latest(log)
    assert (first_new, b"a", b"late" * 20) in kept
    assert kept[-1][1:] == (b"z", b"later" * 20)
    # Below the pass's end, only each key's last record stays.
    cleaned_keys = [key for offset, key, _ in kept if offset < result.next_dirty_offset]
    assert len(cleaned_keys) == 5 and set(cleaned_keys) == {b"a", b"b", b"c", b"d", b"e"}
    assert not leftovers(tmp_path)


def test_a_pass_whose_segments_are_deleted_meanwhile_changes_nothing_more(tmp_path: Path) -> None:
    log = compacted_log_of(tmp_path)
    steps = clean_log_in_steps(log, checkpoint=None, now_ms=0)
    for _ in range(3):
        next(steps)
    # DeleteRecords up to the active segment: every segment the pass was going to rewrite goes.
    start = log.active_segment.base_offset
    log.delete_records_before(start, now_ms=0)
    assert run_to_end(steps) is None
    assert log.log_start_offset == start
    assert [offset for offset, _, _ in latest(log)] == list(range(start, log.log_end_offset))
    assert not leftovers(tmp_path)


def test_a_pass_stopped_midway_leaves_the_log_as_it_was(tmp_path: Path) -> None:
    log = compacted_log_of(tmp_path)
    before = latest(log)
    segments = log.segments
    steps = clean_log_in_steps(log, checkpoint=None, now_ms=0)
    while not leftovers(tmp_path):  # into the rewrite: a .cleaned segment is being written
        next(steps)
    steps.close()  # what cancelling the broker's housekeeping does
    assert not leftovers(tmp_path)
    assert log.segments == segments
    assert latest(log) == before


def test_a_pass_stopped_in_the_middle_of_a_swap_leaves_the_log_as_it_was(tmp_path: Path) -> None:
    log = compacted_log_of(tmp_path)
    before = latest(log)
    segments = log.segments
    steps = clean_log_in_steps(log, checkpoint=None, now_ms=0)
    blocking_calls = 0
    while blocking_calls < 2:  # the cleaned segment's fsync, then the directory's after ``.swap``
        step = next(steps)
        if step is not None:
            step()
            blocking_calls += 1
    assert any(name.endswith(".swap") for name in leftovers(tmp_path))
    steps.close()
    assert not leftovers(tmp_path)
    assert log.segments == segments
    assert latest(log) == before


def test_a_pass_on_a_log_closed_meanwhile_ends_quietly(tmp_path: Path) -> None:
    log = compacted_log_of(tmp_path)
    steps = clean_log_in_steps(log, checkpoint=None, now_ms=0)
    next(steps)
    log.close()
    assert run_to_end(steps) is None
    assert not leftovers(tmp_path)


def test_a_pass_also_pauses_inside_a_large_batch(tmp_path: Path) -> None:
    # A producer's 1 MB batch holds thousands of small records: decoding one takes tens of
    # milliseconds, so the offset map and the rewrite each pause every RECORDS_PER_STEP records.
    config = LogConfig(cleanup_policy=("compact",), min_cleanable_dirty_ratio=0.0, file_delete_delay_ms=0)
    log = open_log(tmp_path / "t-0", config)
    records_per_batch = 3 * RECORDS_PER_STEP
    for round_number in range(2):
        keys = [b"k%d" % (index % 100) for index in range(records_per_batch)]
        values: list[bytes | None] = [b"%d" % round_number] * records_per_batch
        log.append(batch(values, keys=keys), leader_epoch=0, now_ms=0)
    log.update_high_watermark(log.log_end_offset)
    log.roll(0)
    steps = clean_log_in_steps(log, checkpoint=None, now_ms=0)
    pauses, result = counting_pauses(steps)
    assert result is not None and result.records_kept == 100
    # Per batch: one pause in the fates scan, one plus three in the map, one plus three in the rewrite.
    assert pauses >= 2 * (1 + 3 + 3)
