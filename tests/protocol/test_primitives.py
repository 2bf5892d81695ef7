"""Golden bytes for Kafka's primitive types (values from Kafka's ByteUtils/protocol tests)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wirekafka.protocol import primitives as p
from wirekafka.protocol.errors import DecodeError, EncodeError


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, b"\x00"),
        (1, b"\x01"),
        (127, b"\x7f"),
        (128, b"\x80\x01"),
        (300, b"\xac\x02"),
        (16383, b"\xff\x7f"),
        (16384, b"\x80\x80\x01"),
        (0xFFFFFFFF, b"\xff\xff\xff\xff\x0f"),
    ],
)
def test_unsigned_varint_golden(value: int, encoded: bytes) -> None:
    out = bytearray()
    p.write_unsigned_varint(out, value)
    assert bytes(out) == encoded
    assert p.read_unsigned_varint(encoded, 0) == (value, len(encoded))
    assert p.unsigned_varint_size(value) == len(encoded)


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, b"\x00"),
        (-1, b"\x01"),
        (1, b"\x02"),
        (-2, b"\x03"),
        (63, b"\x7e"),
        (-64, b"\x7f"),
        (64, b"\x80\x01"),
        (2**31 - 1, b"\xfe\xff\xff\xff\x0f"),
        (-(2**31), b"\xff\xff\xff\xff\x0f"),
    ],
)
def test_zigzag_varint_golden(value: int, encoded: bytes) -> None:
    out = bytearray()
    p.write_varint(out, value)
    assert bytes(out) == encoded
    assert p.read_varint(encoded, 0) == (value, len(encoded))


@given(st.integers(-(2**63), 2**63 - 1))
def test_varlong_round_trip(value: int) -> None:
    out = bytearray()
    p.write_varlong(out, value)
    assert p.read_varlong(bytes(out), 0) == (value, len(out))


def test_overlong_varint_is_rejected() -> None:
    with pytest.raises(DecodeError, match="longer than 5"):
        p.read_unsigned_varint(b"\xff\xff\xff\xff\xff\x01", 0)
    with pytest.raises(DecodeError, match="truncated"):
        p.read_unsigned_varint(b"\x80", 0)
    with pytest.raises(EncodeError):
        p.write_unsigned_varint(bytearray(), -1)


def test_strings_classic_and_compact() -> None:
    out = bytearray()
    p.write_string(out, "héllo", compact=False)
    assert bytes(out) == b"\x00\x06h\xc3\xa9llo"
    out = bytearray()
    p.write_string(out, "ab", compact=True)
    p.write_string(out, None, compact=True)
    p.write_string(out, None, compact=False)
    assert bytes(out) == b"\x03ab\x00\xff\xff"
    assert p.read_string(b"\x03ab", 0, compact=True, nullable=False) == ("ab", 3)
    assert p.read_string(b"\x00", 0, compact=True, nullable=True) == (None, 1)
    with pytest.raises(DecodeError):
        p.read_string(b"\x00", 0, compact=True, nullable=False)


def test_uuid_and_records_view() -> None:
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    out = bytearray()
    p.write_uuid(out, value)
    assert bytes(out) == value.bytes
    frame = b"\x00\x00\x00\x03abc"
    records, end = p.read_records(frame, 0, compact=False, nullable=True)
    assert isinstance(records, memoryview) and bytes(records) == b"abc" and end == 7


def test_tagged_fields_golden_and_order() -> None:
    out = bytearray()
    p.write_tagged_fields(out, [(0, b"\x01"), (3, b"xy")])
    assert bytes(out) == b"\x02\x00\x01\x01\x03\x02xy"
    fields, end = p.read_tagged_fields(bytes(out), 0)
    assert [(t, bytes(d)) for t, d in fields] == [(0, b"\x01"), (3, b"xy")] and end == len(out)
    with pytest.raises(DecodeError, match="out of order"):
        p.read_tagged_fields(b"\x02\x03\x00\x01\x00", 0)
