"""Offsets by timestamp (ListOffsets): time index, then batch headers, then one batch's records."""

from __future__ import annotations

from pathlib import Path

from wirekafka.log.segment import TimestampAndOffset

from .helpers import batch, open_log


def test_first_offset_at_or_after_a_timestamp_across_segments(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    for index in range(40):
        base = index * 100
        log.append(
            batch([b"x" * 40, b"y" * 40], timestamps=[base + 10, base + 50]),
            leader_epoch=index // 10,
            now_ms=0,
        )
    assert len(log.segments) > 3
    assert log.offset_for_timestamp(0) == TimestampAndOffset(10, 0, 0)
    assert log.offset_for_timestamp(10) == TimestampAndOffset(10, 0, 0)
    assert log.offset_for_timestamp(11) == TimestampAndOffset(50, 1, 0)
    assert log.offset_for_timestamp(1_250) == TimestampAndOffset(1_250, 25, 1)
    assert log.offset_for_timestamp(1_251) == TimestampAndOffset(1_310, 26, 1)
    assert log.offset_for_timestamp(3_950) == TimestampAndOffset(3_950, 79, 3)
    assert log.offset_for_timestamp(3_951) is None
    for target in range(0, 3_951, 37):
        found = log.offset_for_timestamp(target)
        assert found is not None
        index, within = divmod(found.offset, 2)
        assert found.timestamp == index * 100 + (10 if within == 0 else 50) >= target


def test_timestamps_out_of_order_inside_and_across_batches(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    log.append(batch([b"a", b"b", b"c"], timestamps=[500, 100, 300]), leader_epoch=0, now_ms=0)
    log.append(batch([b"d"], timestamps=[200]), leader_epoch=0, now_ms=0)
    assert log.offset_for_timestamp(150) == TimestampAndOffset(500, 0, 0)
    assert log.offset_for_timestamp(501) is None
    assert log.max_timestamp_and_offset() == TimestampAndOffset(500, 0, 0)


def test_offsets_below_the_log_start_are_never_answered(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    log.append(batch([b"a", b"b", b"c"], timestamps=[10, 20, 30]), leader_epoch=0, now_ms=0)
    log.update_high_watermark(3)
    log.delete_records_before(2, now_ms=0)
    assert log.offset_for_timestamp(0) == TimestampAndOffset(30, 2, 0)


def test_log_append_time_batches_answer_with_the_broker_time(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    log.append(batch([b"a", b"b"], timestamps=[1, 2]), leader_epoch=0, now_ms=5_000, log_append_time=True)
    assert log.offset_for_timestamp(3) == TimestampAndOffset(5_000, 0, 0)


def test_max_timestamp_record_over_many_segments(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    for index in range(30):
        timestamp = 9_999 if index == 13 else index
        log.append(batch([b"x" * 100, b"y"], timestamps=[index, timestamp]), leader_epoch=2, now_ms=0)
    log.append(batch([b"z"], timestamps=[9_999]), leader_epoch=2, now_ms=0)
    assert log.max_timestamp_and_offset() == TimestampAndOffset(9_999, 27, 2)
    log.close()
    reopened = open_log(tmp_path / "t-0", clean_shutdown=True)
    assert reopened.max_timestamp_and_offset() == TimestampAndOffset(9_999, 27, 2)
    assert reopened.offset_for_timestamp(9_000) == TimestampAndOffset(9_999, 27, 2)


def test_empty_log_has_no_timestamps(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0")
    assert log.offset_for_timestamp(0) is None
    assert log.max_timestamp_and_offset() is None
