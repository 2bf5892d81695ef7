"""Batches from real Kafka client libraries, read by us; ours, read by them; every codec.

Two independent implementations of the v2 format serve as oracles: kafka-python's pure-Python
``kafka.record.default_records`` and aiokafka's Cython ``aiokafka.record.default_records``.  A
codec is skipped for a library only when that library's own codec dependency is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from wirekafka.records import (
    Compression,
    ControlType,
    Record,
    TimestampType,
    build_batch,
    build_end_txn_marker,
    iter_records,
    validate_batches,
)


@dataclass(frozen=True)
class ClientLibrary:
    name: str
    builder: Any
    reader: Any
    codec_module: Any

    def has_codec(self, codec: Compression) -> bool:
        checks = {
            Compression.NONE: lambda: True,
            Compression.GZIP: self.codec_module.has_gzip,
            Compression.SNAPPY: self.codec_module.has_snappy,
            Compression.LZ4: self.codec_module.has_lz4,
            Compression.ZSTD: self.codec_module.has_zstd,
        }
        return bool(checks[codec]())


def _kafka_python() -> ClientLibrary:
    from kafka import codec
    from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder

    return ClientLibrary("kafka-python", DefaultRecordBatchBuilder, DefaultRecordBatch, codec)


def _aiokafka() -> ClientLibrary:
    aiokafka_codec = pytest.importorskip("aiokafka.codec")
    from aiokafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder

    return ClientLibrary("aiokafka", DefaultRecordBatchBuilder, DefaultRecordBatch, aiokafka_codec)


LIBRARIES = [_kafka_python, _aiokafka]

# Compressible values so that kafka-python and aiokafka keep the codec (both fall back to
# uncompressed when compression does not pay), null keys and values, empty and null header
# values, non-ASCII header keys, out-of-order timestamps.
RECORDS = [
    Record(
        offset=index,
        timestamp=1_700_000_000_000 + (index * 37) % 11 - 5,
        key=None if index % 4 == 0 else b"key-%d" % index,
        value=None if index % 7 == 3 else b"value %d, " % index * (index % 9 + 1),
        headers=(
            ()
            if index % 3 == 0
            else (("trace-id", b"%032x" % index), ("empty", b""), ("null", None), ("clé-ü", b"\x00\xff"))
        ),
    )
    for index in range(60)
]


def _library(factory: Any, codec: Compression) -> ClientLibrary:
    library: ClientLibrary = factory()
    if not library.has_codec(codec):
        pytest.skip(f"{library.name} has no {codec.name} codec installed")
    return library


def _their_records(library: ClientLibrary, batch: bytes) -> list[Record]:
    reader = library.reader(batch)
    assert reader.validate_crc()
    return [
        Record(
            record.offset,
            record.timestamp,
            record.key,
            record.value,
            tuple((key, value) for key, value in record.headers),
        )
        for record in reader
    ]


@pytest.mark.parametrize("factory", LIBRARIES, ids=["kafka-python", "aiokafka"])
@pytest.mark.parametrize("codec", list(Compression), ids=lambda codec: codec.name)
class TestBothDirections:
    def test_their_batch_read_by_us(self, factory: Any, codec: Compression) -> None:
        library = _library(factory, codec)
        builder = library.builder(2, int(codec), 0, -1, -1, -1, 10 * 1024 * 1024)
        for record in RECORDS:
            builder.append(record.offset, record.timestamp, record.key, record.value, list(record.headers))
        batch = bytes(builder.build())

        [header] = validate_batches(batch)
        assert header.compression is codec
        assert header.records_count == len(RECORDS)
        assert header.last_offset_delta == len(RECORDS) - 1
        assert header.base_timestamp == RECORDS[0].timestamp
        assert header.max_timestamp == max(record.timestamp for record in RECORDS)
        assert header.timestamp_type is TimestampType.CREATE_TIME
        assert (header.producer_id, header.producer_epoch, header.base_sequence) == (-1, -1, -1)
        assert list(iter_records(header)) == RECORDS
        assert list(iter_records(header)) == _their_records(library, batch)

    def test_our_batch_read_by_them(self, factory: Any, codec: Compression) -> None:
        library = _library(factory, codec)
        batch = build_batch(RECORDS, compression=codec)
        reader = library.reader(batch)
        assert reader.compression_type == codec
        assert reader.last_offset_delta == len(RECORDS) - 1
        assert reader.max_timestamp == max(record.timestamp for record in RECORDS)
        assert _their_records(library, batch) == RECORDS

    def test_idempotent_transactional_fields(self, factory: Any, codec: Compression) -> None:
        library = _library(factory, codec)
        builder = library.builder(2, int(codec), 1, 4242, 7, 2**31 - 2, 1024 * 1024)
        for record in RECORDS[:4]:
            builder.append(record.offset, record.timestamp, record.key, record.value, list(record.headers))
        theirs = bytes(builder.build())
        ours = build_batch(
            RECORDS[:4],
            compression=codec,
            producer_id=4242,
            producer_epoch=7,
            base_sequence=2**31 - 2,
            is_transactional=True,
        )
        for batch in (theirs, ours):
            [header] = validate_batches(batch)
            assert header.is_transactional
            assert (header.producer_id, header.producer_epoch, header.base_sequence) == (4242, 7, 2**31 - 2)
            assert header.last_sequence == 1  # 2**31-2, 2**31-1, 0, 1
        reader = library.reader(ours)
        assert reader.is_transactional
        assert (reader.producer_id, reader.producer_epoch, reader.base_sequence) == (4242, 7, 2**31 - 2)


@pytest.mark.parametrize("factory", LIBRARIES, ids=["kafka-python", "aiokafka"])
@pytest.mark.parametrize("control_type", [ControlType.ABORT, ControlType.COMMIT])
def test_end_txn_marker_read_by_clients(factory: Any, control_type: ControlType) -> None:
    library = _library(factory, Compression.NONE)
    marker = build_end_txn_marker(
        control_type,
        producer_id=11,
        producer_epoch=3,
        coordinator_epoch=5,
        timestamp_ms=1_234,
        base_offset=40,
    )
    reader = library.reader(marker)
    assert reader.validate_crc()
    assert reader.is_control_batch and reader.is_transactional
    [record] = list(reader)
    assert record.offset == 40
    assert record.timestamp == 1_234
    assert record.key == bytes([0, 0, 0, int(control_type)])
    assert record.value == bytes([0, 0, 0, 0, 0, 5])
