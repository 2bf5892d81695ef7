"""The empty batch Kafka's cleaner keeps in place of a producer's last batch (RETAIN_EMPTY)."""

from __future__ import annotations

import crc32c

from wirekafka.records import BatchHeader, Compression, Record, iter_records, validate_batches
from wirekafka.records.builder import build_batch, build_empty_batch

# base offset 100 | length 49 | leader epoch 4 | magic 2 | crc | attributes 0x0010 (transactional,
# no codec) | last offset delta 2 | first and max timestamp 1010 (the batch's max) | producer 7 |
# epoch 2 | base sequence 5 | 0 records: DefaultRecordBatch.writeEmptyHeader's layout.
GOLDEN = bytes.fromhex(
    "0000000000000064"
    "00000031"
    "00000004"
    "02"
    "6c94835c"
    "0010"
    "00000002"
    "00000000000003f2"
    "00000000000003f2"
    "0000000000000007"
    "0002"
    "00000005"
    "00000000"
)


def source_batch() -> BatchHeader:
    records = [Record(offset=100 + i, timestamp=1_000 + 5 * i, key=b"k", value=b"v" * 50) for i in range(3)]
    raw = build_batch(
        records,
        base_offset=100,
        compression=Compression.GZIP,
        producer_id=7,
        producer_epoch=2,
        base_sequence=5,
        is_transactional=True,
        partition_leader_epoch=4,
    )
    return BatchHeader(raw)


def test_the_empty_batch_keeps_offsets_producer_and_sequence_and_drops_the_codec() -> None:
    source = source_batch()
    empty = build_empty_batch(source)
    assert empty == GOLDEN
    assert int.from_bytes(empty[17:21], "big") == crc32c.crc32c(empty[21:])
    header = BatchHeader(empty)
    assert (header.base_offset, header.last_offset, header.last_sequence) == (100, 102, 7)
    assert (header.producer_id, header.producer_epoch, header.is_transactional) == (7, 2, True)
    assert (header.records_count, header.compression) == (0, Compression.NONE)
    assert list(iter_records(header)) == []
    # A stored batch, not a client's: replication and recovery accept it, Produce would not.
    assert [h.base_offset for h in validate_batches(empty, from_client=False)] == [100]
