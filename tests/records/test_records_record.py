"""iter_records: Kafka's record layout, its null rules, and every malformed shape."""

from __future__ import annotations

import pytest

from wirekafka.records import (
    BatchBuilder,
    BatchHeader,
    Compression,
    DecompressedSizeLimitError,
    DecompressionError,
    InvalidRecordError,
    Record,
    build_batch,
    compress,
    iter_records,
    set_log_append_time,
)
from wirekafka.records.record import keyless_records
from wirekafka.records.varint import write_varint

from .batch_bytes import GOLDEN_BATCH, batch_with_records_section


def _varint(value: int) -> bytes:
    out = bytearray()
    write_varint(out, value)
    return bytes(out)


def _record(body: bytes) -> bytes:
    return _varint(len(body)) + body


def _body(
    *,
    timestamp_delta: int = 0,
    offset_delta: int = 0,
    key: bytes = _varint(-1),
    value: bytes = _varint(-1),
    headers: bytes = _varint(0),
) -> bytes:
    return b"\x00" + _varint(timestamp_delta) + _varint(offset_delta) + key + value + headers


def _decode(section: bytes, count: int, attributes: int = 0) -> list[Record]:
    return list(
        iter_records(
            BatchHeader(batch_with_records_section(section, records_count=count, attributes=attributes))
        )
    )


def test_golden_record() -> None:
    [record] = iter_records(BatchHeader(GOLDEN_BATCH))
    assert record == Record(offset=7, timestamp=1_700_000_000_000, key=b"k", value=b"v", headers=())


def test_deltas_are_added_to_the_bases() -> None:
    section = _record(_body(timestamp_delta=-3, offset_delta=0)) + _record(
        _body(timestamp_delta=250, offset_delta=5)
    )
    first, second = _decode(section, 2)
    assert (first.offset, first.timestamp) == (0, 997)
    assert (second.offset, second.timestamp) == (5, 1250)


def test_any_negative_length_is_null_as_in_java() -> None:
    section = _record(
        _body(key=_varint(-7), value=_varint(-1), headers=_varint(1) + _varint(1) + b"h" + _varint(-3))
    )
    [record] = _decode(section, 1)
    assert record.key is None
    assert record.value is None
    assert record.headers == (("h", None),)


def test_empty_key_and_value_are_not_null() -> None:
    [record] = _decode(_record(_body(key=_varint(0), value=_varint(0))), 1)
    assert record.key == b""
    assert record.value == b""


def test_malformed_header_key_utf8_is_replaced_as_java_does() -> None:
    headers = _varint(1) + _varint(2) + b"\xff\xfe" + _varint(0)
    [record] = _decode(_record(_body(headers=headers)), 1)
    assert record.headers == (("\ufffd\ufffd", b""),)


def test_log_append_time_batches_report_max_timestamp() -> None:
    builder = BatchBuilder(base_offset=3)
    builder.append(b"a", b"1", timestamp=10)
    builder.append(b"b", b"2", timestamp=30)
    batch = bytearray(builder.build())
    set_log_append_time(batch, 0, 99)
    assert [record.timestamp for record in iter_records(BatchHeader(batch))] == [99, 99]


@pytest.mark.parametrize(
    ("section", "count", "message"),
    [
        (_record(_body(key=_varint(50) + b"short")), 1, "key"),
        (_record(_body(value=_varint(50) + b"short")), 1, "value"),
        (_record(_body(headers=_varint(-1))), 1, "headers"),
        (_record(_body(headers=_varint(1000))), 1, "headers"),
        (_record(_body(headers=_varint(1) + _varint(-2) + _varint(0))), 1, "header key"),
        (_record(_body(headers=_varint(1) + _varint(9) + b"k" + _varint(0))), 1, "header key"),
        (_record(_body(headers=_varint(1) + _varint(1) + b"k" + _varint(9) + b"v")), 1, "header value"),
        (_varint(100) + _body(), 1, "record size"),  # declared length longer than the data
        (_varint(-1) + _body(), 1, "record size"),
        (_varint(3) + _body(), 1, "headers"),  # declared length shorter than the fields
        (_varint(0), 1, "empty"),
        (_record(_body()) + b"\x00", 1, "remain"),  # bytes after the last record
        (_record(_body()), 2, "past the end"),  # count larger than the records present
        (b"\xff" * 6, 1, "longer than 5"),  # varint that never ends
        (b"\x80", 1, "past the end"),
        (_record(b"\x00" + b"\xff" * 10 + b"\x01"), 1, "varlong"),  # timestamp delta > 10 bytes
        (b"", 2**31 - 1, "past the end"),  # a huge count over no data: fails at once, allocates nothing
    ],
)
def test_malformed_records(section: bytes, count: int, message: str) -> None:
    with pytest.raises(InvalidRecordError, match=message):
        _decode(section, count)


def test_negative_count_in_header() -> None:
    batch = batch_with_records_section(b"", records_count=-1)
    with pytest.raises(InvalidRecordError):
        list(iter_records(BatchHeader(batch)))


def test_garbage_compressed_section() -> None:
    with pytest.raises(DecompressionError):
        _decode(b"\x00garbage\x01\x02", 1, attributes=int(Compression.ZSTD))


def test_compressed_section_with_trailing_bytes_after_the_records() -> None:
    section = compress(Compression.GZIP, _record(_body()) + b"\x00\x00")
    with pytest.raises(InvalidRecordError, match="remain"):
        _decode(section, 1, attributes=int(Compression.GZIP))


def test_max_decompressed_size_is_passed_through() -> None:
    batch = build_batch([Record(0, 0, None, bytes(100_000))], compression=Compression.SNAPPY)
    header = BatchHeader(batch)
    assert len(list(iter_records(header, max_decompressed_size=200_000))) == 1
    with pytest.raises(DecompressedSizeLimitError):
        list(iter_records(header, max_decompressed_size=50_000))


# ---- keyless_records: the compacted topic's key check without decoding whole records ---------


@pytest.mark.parametrize(
    "compression", [Compression.NONE, Compression.GZIP, Compression.LZ4, Compression.ZSTD]
)
def test_keyless_records_names_exactly_the_records_without_a_key(compression: Compression) -> None:
    records = [
        Record(
            offset=index,
            timestamp=1000 + index,
            key=None if index in (0, 64, 299) else b"k%d" % index,
            value=b"v" * 150,
        )
        for index in range(300)  # sizes and offset deltas past one varint byte
    ]
    header = BatchHeader(build_batch(records, compression=compression), 0)
    assert keyless_records(header) == [0, 64, 299]
    assert [index for index, record in enumerate(iter_records(header)) if record.key is None] == [0, 64, 299]


def test_keyless_records_refuses_what_iter_records_refuses() -> None:
    one = _varint(6) + b"\x00" + _varint(0) + _varint(0) + _varint(-1) + _varint(-1) + _varint(0)
    valid = BatchHeader(batch_with_records_section(one, records_count=1), 0)
    assert keyless_records(valid) == [0]
    assert next(iter_records(valid)).key is None
    for section, error in [(one + b"\x00", "remain"), (_varint(90) + b"\x00" * 5, "record size")]:
        malformed = BatchHeader(batch_with_records_section(section, records_count=1), 0)
        with pytest.raises(InvalidRecordError, match=error):
            keyless_records(malformed)
        with pytest.raises(InvalidRecordError, match=error):
            list(iter_records(malformed))
