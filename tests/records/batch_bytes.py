"""Helpers shared by the records tests: hand-assembled batches and header rewrites.

These build bytes from struct layouts written out here, not through ``wirekafka.records``'s
builder, so a test that feeds them to the parser is not checking the code against itself.  Only
the CRC comes from ``crc32c``, which ``test_records_crc`` pins to published vectors.
"""

from __future__ import annotations

import struct

from crc32c import crc32c

HEADER = struct.Struct(">qiibIhiqqqhii")
FIELDS = (
    "base_offset",
    "batch_length",
    "partition_leader_epoch",
    "magic",
    "crc",
    "attributes",
    "last_offset_delta",
    "base_timestamp",
    "max_timestamp",
    "producer_id",
    "producer_epoch",
    "base_sequence",
    "records_count",
)

# One record: attributes 0, timestamp delta 0, offset delta 0, key b"k", value b"v", no headers.
GOLDEN_RECORDS = bytes.fromhex("10 00 00 00 02 6b 02 76 00")

# A transactional batch assembled field by field; the CRC was computed with kafka-python's
# pure-Python CRC-32C, an implementation independent of the one under test.
GOLDEN_BATCH = (
    bytes.fromhex(
        "0000000000000007"  # base_offset 7
        "0000003a"  # batch_length 58
        "00000003"  # partition_leader_epoch 3
        "02"  # magic 2
        "ddd260b3"  # crc
        "0010"  # attributes: transactional
        "00000000"  # last_offset_delta 0
        "0000018bcfe56800"  # base_timestamp 1700000000000
        "0000018bcfe56800"  # max_timestamp 1700000000000
        "00000000000003e8"  # producer_id 1000
        "0002"  # producer_epoch 2
        "00000029"  # base_sequence 41
        "00000001"  # records_count 1
    )
    + GOLDEN_RECORDS
)


def header_fields(batch: bytes) -> dict[str, int]:
    return dict(zip(FIELDS, HEADER.unpack_from(batch), strict=True))


def fix_crc(batch: bytes | bytearray) -> bytes:
    """Recompute the CRC of a single batch (bytes 21.. end) after a test edited it."""
    edited = bytearray(batch)
    struct.pack_into(">I", edited, 17, crc32c(bytes(edited[21:])))
    return bytes(edited)


def garbled_records(batch: bytes | bytearray) -> bytes:
    """``batch`` (one v2 batch) with every byte of its records scrambled and the CRC computed over
    them: what a client that checksums garbage sends. The header stays valid."""
    edited = bytearray(batch)
    for position in range(HEADER.size, len(edited)):
        edited[position] = (edited[position] * 7 + 13) & 0xFF
    return fix_crc(edited)


def rewrite_header(batch: bytes, *, keep_crc: bool = False, **fields: int) -> bytes:
    """Replace header fields of a single batch, then fix its CRC unless ``keep_crc``."""
    values = header_fields(batch)
    unknown = set(fields) - set(values)
    if unknown:
        raise TypeError(f"unknown header fields {unknown}")
    values.update(fields)
    edited = bytearray(batch)
    HEADER.pack_into(edited, 0, *(values[name] for name in FIELDS))
    return bytes(edited) if keep_crc else fix_crc(edited)


def batch_with_records_section(section: bytes, *, records_count: int, attributes: int = 0) -> bytes:
    """A batch around an arbitrary records section, with a correct length and CRC."""
    header = HEADER.pack(
        0,
        49 + len(section),
        -1,
        2,
        0,
        attributes,
        max(records_count - 1, 0),
        1000,
        1000,
        -1,
        -1,
        -1,
        records_count,
    )
    return fix_crc(header + section)


def legacy_message(magic: int) -> bytes:
    """A magic 0 or 1 message set entry (offset, size, crc, magic, attributes, [timestamp], key, value)."""
    body = bytes([magic, 0])
    if magic == 1:
        body += struct.pack(">q", 1700000000000)
    body += struct.pack(">i", -1) + struct.pack(">i", 5) + b"hello"
    message = struct.pack(">I", 0) + body  # the legacy CRC-32 is irrelevant to these tests
    return struct.pack(">qi", 0, len(message)) + message
