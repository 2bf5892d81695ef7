"""Property tests: hostile bytes raise only typed errors; built batches round-trip exactly."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kafka import codec as kafka_python_codec
from kafka.record.default_records import DefaultRecordBatch

from wirekafka.records import (
    BatchHeader,
    Compression,
    DecompressionError,
    Record,
    RecordsError,
    build_batch,
    compress,
    decompress,
    iter_batches,
    iter_records,
    validate_batches,
)
from wirekafka.records.errors import InvalidRecordError
from wirekafka.records.varint import read_varint, read_varlong, size_of_varint, write_varint

from .batch_bytes import batch_with_records_section

FUZZ = settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
ROUND_TRIP = settings(
    max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
SMALL_LIMIT = 1024 * 1024

codecs = st.sampled_from(list(Compression))
_KAFKA_PYTHON_HAS = {
    Compression.NONE: True,
    Compression.GZIP: kafka_python_codec.has_gzip(),
    Compression.SNAPPY: kafka_python_codec.has_snappy(),
    Compression.LZ4: kafka_python_codec.has_lz4(),
    Compression.ZSTD: kafka_python_codec.has_zstd(),
}
codecs_kafka_python_reads = st.sampled_from(
    [codec for codec, present in _KAFKA_PYTHON_HAS.items() if present]
)
nullable_bytes = st.none() | st.binary(max_size=300)
headers = st.lists(st.tuples(st.text(max_size=20), nullable_bytes), max_size=4).map(tuple)


@st.composite
def record_lists(draw: st.DrawFn) -> tuple[int, list[Record]]:
    base_offset = draw(st.integers(0, 2**62))
    gaps = draw(st.lists(st.integers(1, 1_000), min_size=1, max_size=25))
    first_gap = draw(st.integers(0, 2**20))
    base_timestamp = draw(st.integers(-1, 2**45))
    records = []
    offset = base_offset + first_gap
    for gap in gaps:
        records.append(
            Record(
                offset=offset,
                timestamp=base_timestamp + draw(st.integers(-(2**31), 2**31)),
                key=draw(nullable_bytes),
                value=draw(nullable_bytes),
                headers=draw(headers),
            )
        )
        offset += gap
    return base_offset, records


@st.composite
def valid_batches(draw: st.DrawFn) -> bytes:
    base_offset, records = draw(record_lists())
    return build_batch(records, base_offset=base_offset, compression=draw(codecs))


def _drain(buffer: bytes) -> None:
    """Everything a reader may do with untrusted bytes: walk, validate, decode."""
    try:
        validate_batches(buffer)
    except RecordsError:
        pass
    try:
        for header in iter_batches(buffer):
            header.is_valid()
            try:
                for _ in iter_records(header, max_decompressed_size=SMALL_LIMIT):
                    pass
            except RecordsError:
                pass
    except RecordsError:
        pass


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_raise_only_typed_errors(buffer: bytes) -> None:
    _drain(buffer)


@FUZZ
@given(
    valid_batches(), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=6), st.data()
)
def test_mutated_batches_raise_only_typed_errors(
    batch: bytes, edits: list[tuple[int, int]], data: st.DataObject
) -> None:
    edited = bytearray(batch)
    for index, byte in edits:
        edited[index % len(edited)] = byte
    cut = data.draw(st.integers(0, len(edited)))
    _drain(bytes(edited))
    _drain(bytes(edited[:cut]))
    _drain(bytes(edited) + bytes(edited[:cut]))


@FUZZ
@given(st.binary(max_size=600), st.integers(-5, 2**31 - 1), codecs)
def test_arbitrary_records_sections_raise_only_typed_errors(
    section: bytes, count: int, codec: Compression
) -> None:
    header = BatchHeader(batch_with_records_section(section, records_count=count, attributes=int(codec)))
    try:
        list(iter_records(header, max_decompressed_size=SMALL_LIMIT))
    except RecordsError:
        pass


@FUZZ
@given(
    codecs,
    st.binary(max_size=2_000),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4),
)
def test_decompress_raises_only_typed_errors(
    codec: Compression, data: bytes, edits: list[tuple[int, int]]
) -> None:
    for candidate in (data, compress(codec, data)):
        edited = bytearray(candidate)
        for index, byte in edits:
            if edited:
                edited[index % len(edited)] = byte
        try:
            decompress(codec, bytes(edited), max_size=SMALL_LIMIT)
        except DecompressionError:
            pass


@ROUND_TRIP
@given(record_lists(), codecs, st.data())
def test_build_then_decode_round_trips(
    generated: tuple[int, list[Record]], codec: Compression, data: st.DataObject
) -> None:
    base_offset, records = generated
    producer_id = data.draw(st.sampled_from([-1, 0, 2**63 - 1]))
    batch = build_batch(
        records,
        base_offset=base_offset,
        compression=codec,
        producer_id=producer_id,
        producer_epoch=-1 if producer_id < 0 else 5,
        base_sequence=-1 if producer_id < 0 else data.draw(st.integers(0, 2**31 - 1)),
        partition_leader_epoch=data.draw(st.integers(-1, 2**31 - 1)),
    )
    [header] = validate_batches(batch, from_client=False)
    assert header.compression is codec
    assert header.base_offset == base_offset
    assert header.last_offset == records[-1].offset
    assert header.records_count == len(records)
    assert header.max_timestamp == max(record.timestamp for record in records)
    assert header.base_timestamp == records[0].timestamp
    assert list(iter_records(header)) == records


@ROUND_TRIP
@given(
    st.lists(st.tuples(nullable_bytes, nullable_bytes, headers), min_size=1, max_size=20),
    codecs_kafka_python_reads,
)
def test_consecutive_offsets_pass_client_validation_and_a_foreign_reader(
    contents: list[tuple[bytes | None, bytes | None, tuple[tuple[str, bytes | None], ...]]],
    codec: Compression,
) -> None:
    records = [
        Record(index, 1_000 + index, key, value, hdrs) for index, (key, value, hdrs) in enumerate(contents)
    ]
    batch = build_batch(records, compression=codec)
    [header] = validate_batches(batch)
    assert header.records_count == len(records)
    reader = DefaultRecordBatch(batch)
    assert reader.validate_crc()
    assert [(r.offset, r.timestamp, r.key, r.value, tuple(r.headers)) for r in reader] == [
        (r.offset, r.timestamp, r.key, r.value, r.headers) for r in records
    ]


@given(st.integers(-(2**31), 2**31 - 1))
@settings(database=None)
def test_varint_round_trip(value: int) -> None:
    out = bytearray()
    write_varint(out, value)
    assert len(out) == size_of_varint(value) <= 5
    assert read_varint(bytes(out), 0) == (value, len(out))


@given(st.integers(-(2**63), 2**63 - 1))
@settings(database=None)
def test_varlong_round_trip(value: int) -> None:
    out = bytearray(b"\x99")
    write_varint(out, value)
    assert len(out) - 1 == size_of_varint(value) <= 10
    assert read_varlong(bytes(out), 1) == (value, len(out))


def test_two_byte_varints_read_as_kafka_writes_them() -> None:
    # The two-byte fast path (record sizes, offset deltas): every boundary, both signs.
    for value, encoded in [(64, "8001"), (-65, "8101"), (8191, "fe7f"), (-8192, "ff7f"), (8192, "808001")]:
        data = bytes.fromhex(encoded)
        assert read_varint(data, 0) == (value, len(data))
        assert read_varlong(b"\x00" + data, 1) == (value, len(data) + 1)
    with pytest.raises(InvalidRecordError):
        read_varint(bytes.fromhex("80"), 0)  # a first byte promising a second that is missing
    with pytest.raises(InvalidRecordError):
        read_varlong(memoryview(bytes.fromhex("8080")), 0)


def test_varint_matches_protobuf_zigzag_examples() -> None:
    # Kafka's ByteUtils / protobuf's zig-zag: 0->0, -1->1, 1->2, -2->3, 2**31-1 -> 0xfffffffe.
    for value, encoded in [
        (0, "00"),
        (-1, "01"),
        (1, "02"),
        (-2, "03"),
        (63, "7e"),
        (-64, "7f"),
        (64, "8001"),
    ]:
        out = bytearray()
        write_varint(out, value)
        assert out.hex() == encoded
    out = bytearray()
    write_varint(out, 2**31 - 1)
    assert out == bytes.fromhex("feffffff0f")
    assert read_varint(bytes(out), 0) == (2**31 - 1, 5)
