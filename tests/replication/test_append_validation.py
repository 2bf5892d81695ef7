"""Produce payload rules (Kafka's ``ProduceRequest.validateRecords``) and batch validation."""

from __future__ import annotations

import struct

import pytest

from tests.replication.helpers import client_batch
from wirekafka.log.config import LogConfig
from wirekafka.protocol.errors import ErrorCode
from wirekafka.records.batch import Compression
from wirekafka.records.control import ControlType, build_end_txn_marker
from wirekafka.records.crc import crc32c
from wirekafka.replication.append_validation import (
    AppendError,
    single_produce_batch,
    validate_client_batch,
    validate_internal_batches,
)


def marker(committed: bool) -> bytes:
    kind = ControlType.COMMIT if committed else ControlType.ABORT
    return build_end_txn_marker(kind, producer_id=5, producer_epoch=0, coordinator_epoch=0, timestamp_ms=1)


def legacy_message(magic: int) -> bytes:
    """A magic 0/1 message set entry: offset, size, crc, magic, attributes, [timestamp], key, value."""
    body = bytes([magic, 0]) + (struct.pack(">q", 1000) if magic == 1 else b"") + struct.pack(">i", -1)
    body += struct.pack(">i", 5) + b"hello"
    message = struct.pack(">I", 0) + body
    return struct.pack(">qi", 0, len(message)) + message


def error_of(call: object) -> AppendError:
    with pytest.raises(AppendError) as caught:
        call()  # type: ignore[operator]
    return caught.value


@pytest.mark.parametrize("magic", [0, 1])
def test_legacy_message_sets_are_invalid_records(magic: int) -> None:
    """Kafka 4 answers INVALID_RECORD (``validateRecords``): v3+ produce carries magic v2 only."""
    error = error_of(lambda: single_produce_batch(3, legacy_message(magic)))
    assert error.error_code == ErrorCode.INVALID_RECORD
    assert "magic version 2" in error.message


def test_exactly_one_batch_per_partition() -> None:
    two = client_batch([b"a"]) + client_batch([b"b"])
    assert error_of(lambda: single_produce_batch(9, two)).error_code == ErrorCode.INVALID_RECORD
    assert error_of(lambda: single_produce_batch(9, b"")).error_code == ErrorCode.INVALID_RECORD
    assert error_of(lambda: single_produce_batch(9, None)).error_code == ErrorCode.INVALID_RECORD
    truncated = client_batch([b"a"])[:-3]
    assert error_of(lambda: single_produce_batch(9, truncated)).error_code == ErrorCode.INVALID_RECORD


def test_trailing_partial_bytes_are_trimmed() -> None:
    batch = client_batch([b"a"])
    assert bytes(single_produce_batch(9, batch + batch[:20])) == batch


def test_impossible_lengths_are_corrupt() -> None:
    bad = bytearray(client_batch([b"a"]))
    struct.pack_into(">i", bad, 8, 3)
    assert error_of(lambda: single_produce_batch(9, bytes(bad))).error_code == ErrorCode.CORRUPT_MESSAGE


def test_zstd_needs_produce_v7() -> None:
    batch = client_batch([b"a"], compression=Compression.ZSTD)
    assert (
        error_of(lambda: single_produce_batch(6, batch)).error_code == ErrorCode.UNSUPPORTED_COMPRESSION_TYPE
    )
    assert bytes(single_produce_batch(7, batch)) == batch


def test_client_batch_rules() -> None:
    config = LogConfig()
    now = 1_700_000_000_000  # the helpers' record timestamp: within the default future limit
    check = lambda batch: validate_client_batch(batch, config, now_ms=now, topic_partition="t-0")  # noqa: E731
    ok = client_batch([b"a", b"b"])
    assert check(ok) == ok
    control = marker(committed=True)
    assert error_of(lambda: check(control)).error_code == ErrorCode.INVALID_RECORD
    idempotent_without_sequence = bytearray(client_batch([b"a"], producer_id=7))
    struct.pack_into(">i", idempotent_without_sequence, 53, -1)
    struct.pack_into(">I", idempotent_without_sequence, 17, crc32c(bytes(idempotent_without_sequence[21:])))
    error = error_of(lambda: check(bytes(idempotent_without_sequence)))
    assert (error.error_code, "sequence" in error.message) == (ErrorCode.INVALID_RECORD, True)


def test_internal_batches_may_be_control_batches_but_not_corrupt() -> None:
    control = marker(committed=False)
    validate_internal_batches(control, LogConfig())
    corrupt = bytearray(control)
    corrupt[-1] ^= 0xFF
    assert (
        error_of(lambda: validate_internal_batches(bytes(corrupt), LogConfig())).error_code
        == ErrorCode.CORRUPT_MESSAGE
    )
    big = client_batch([b"v" * 1000])
    small = LogConfig(max_message_bytes=100)
    assert error_of(lambda: validate_internal_batches(big, small)).error_code == ErrorCode.MESSAGE_TOO_LARGE


def test_future_timestamps_are_judged_from_the_header() -> None:
    config = LogConfig(message_timestamp_after_max_ms=1000)
    batch = client_batch([b"a", b"b"], timestamps=[10_000, 99_000])
    error = error_of(lambda: validate_client_batch(batch, config, now_ms=10_000, topic_partition="t-0"))
    assert error.error_code == ErrorCode.INVALID_TIMESTAMP
    assert [e.batch_index for e in error.record_errors] == [1]
