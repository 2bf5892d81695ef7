"""Control records: Kafka's end-transaction marker bytes and control key parsing."""

from __future__ import annotations

import pytest

from wirekafka.records import (
    BatchHeader,
    ControlType,
    InvalidRecordError,
    ParsedControlRecord,
    Record,
    TimestampType,
    build_end_txn_marker,
    iter_records,
    parse_control_record,
    validate_batches,
)
from wirekafka.records.control import control_record_key


def test_control_type_ids_are_kafkas() -> None:
    assert {control_type.name: int(control_type) for control_type in ControlType} == {
        "UNKNOWN": -1,
        "ABORT": 0,
        "COMMIT": 1,
        "LEADER_CHANGE": 2,
        "SNAPSHOT_HEADER": 3,
        "SNAPSHOT_FOOTER": 4,
        "KRAFT_VERSION": 5,
        "KRAFT_VOTERS": 6,
    }


def test_commit_marker_batch() -> None:
    marker = build_end_txn_marker(
        ControlType.COMMIT,
        producer_id=77,
        producer_epoch=4,
        coordinator_epoch=12,
        timestamp_ms=1_700_000_000_500,
        base_offset=1_000,
        partition_leader_epoch=9,
    )
    [header] = validate_batches(marker, from_client=False)
    assert header.is_control and header.is_transactional
    assert header.timestamp_type is TimestampType.CREATE_TIME
    assert (header.producer_id, header.producer_epoch, header.base_sequence) == (77, 4, -1)
    assert (header.base_offset, header.last_offset_delta, header.records_count) == (1_000, 0, 1)
    assert header.partition_leader_epoch == 9
    assert header.base_timestamp == header.max_timestamp == 1_700_000_000_500
    # Length 16, attributes, ts delta 0, offset delta 0, key (4 bytes), value (6 bytes), 0 headers:
    # the 17 bytes of Kafka's EndTransactionMarker.CURRENT_END_TXN_SCHEMA_RECORD_SIZE.
    assert bytes(header.records_buffer()) == bytes.fromhex("20 00 00 00 08 00000001 0c 00000000000c 00")
    [record] = iter_records(header)
    assert parse_control_record(record) == ParsedControlRecord(
        ControlType.COMMIT, 12, bytes.fromhex("00000000000c")
    )


def test_abort_marker_key() -> None:
    marker = build_end_txn_marker(
        ControlType.ABORT, producer_id=1, producer_epoch=0, coordinator_epoch=-1, timestamp_ms=0
    )
    [record] = iter_records(BatchHeader(marker))
    assert record.key == b"\x00\x00\x00\x00"
    parsed = parse_control_record(record)
    assert parsed.control_type is ControlType.ABORT
    assert parsed.coordinator_epoch == -1


@pytest.mark.parametrize("control_type", [ControlType.LEADER_CHANGE, ControlType.UNKNOWN])
def test_only_commit_and_abort_are_end_txn_markers(control_type: ControlType) -> None:
    with pytest.raises(ValueError):
        build_end_txn_marker(
            control_type, producer_id=1, producer_epoch=0, coordinator_epoch=0, timestamp_ms=0
        )


def test_unknown_control_key_cannot_be_serialized() -> None:
    with pytest.raises(ValueError):
        control_record_key(ControlType.UNKNOWN)
    assert control_record_key(ControlType.KRAFT_VOTERS) == b"\x00\x00\x00\x06"


def _control(key: bytes | None, value: bytes | None = None) -> Record:
    return Record(offset=0, timestamp=0, key=key, value=value)


def test_kraft_control_records_carry_their_value() -> None:
    parsed = parse_control_record(_control(b"\x00\x00\x00\x02", b"\x00\x00leader-change"))
    assert parsed == ParsedControlRecord(ControlType.LEADER_CHANGE, None, b"\x00\x00leader-change")


def test_unknown_type_is_unknown_not_an_error() -> None:
    assert parse_control_record(_control(b"\x00\x00\x00\x63")).control_type is ControlType.UNKNOWN


def test_newer_key_version_is_read_as_version_0() -> None:
    parsed = parse_control_record(_control(b"\x00\x01\x00\x01" + b"extra", b"\x00\x01\x00\x00\x00\x03more"))
    assert (parsed.control_type, parsed.coordinator_epoch) == (ControlType.COMMIT, 3)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (None, None, "key"),
        (b"\x00\x00\x00", None, "key"),
        (b"\xff\xff\x00\x01", b"\x00\x00\x00\x00\x00\x00", "version"),
        (b"\x00\x00\x00\x01", None, "value size"),
        (b"\x00\x00\x00\x00", b"\x00\x00\x00\x00\x00", "value size"),
        (b"\x00\x00\x00\x01", b"\xff\xff\x00\x00\x00\x00", "version"),
    ],
)
def test_malformed_control_records(key: bytes | None, value: bytes | None, message: str) -> None:
    with pytest.raises(InvalidRecordError, match=message):
        parse_control_record(_control(key, value))
