"""Kafka's primitive wire types: fixed-width integers, varints, UUIDs, strings, bytes, tag buffers.

These functions are the vocabulary of the reference interpreter and of the generated codecs. Every
reader takes ``(buffer, position)`` and returns ``(value, new_position)``; every writer appends to a
``bytearray``. Readers never trust a length field: a length larger than the bytes left raises
``DecodeError`` before anything is sliced or allocated.

Rules:
1. Integers are big-endian, two's complement (Kafka's ``ByteBuffer`` order).
2. Unsigned varints carry lengths in flexible versions; zigzag varints/varlongs appear only inside
   record batches and are here so ``records/`` and the codec share one implementation.
3. A varint longer than 5 bytes (varlong: 10) is malformed, as in Kafka's ``ByteUtils``.
"""

from __future__ import annotations

import struct
import uuid
from typing import Final

from wirekafka.protocol.errors import DecodeError, EncodeError

INT8: Final = struct.Struct(">b")
INT16: Final = struct.Struct(">h")
INT32: Final = struct.Struct(">i")
INT64: Final = struct.Struct(">q")
UINT16: Final = struct.Struct(">H")
UINT32: Final = struct.Struct(">I")
FLOAT64: Final = struct.Struct(">d")

ZERO_UUID: Final = uuid.UUID(int=0)

Buffer = bytes | bytearray | memoryview


def _need(buffer: Buffer, position: int, size: int, what: str) -> None:
    if size < 0 or position + size > len(buffer):
        raise DecodeError(f"{what}: need {size} bytes, {len(buffer) - position} left", position=position)


# -- unsigned varints (lengths, tags in flexible versions) ----------------------------------------


def read_unsigned_varint(buffer: Buffer, position: int) -> tuple[int, int]:
    """Read an unsigned LEB128 varint of at most 5 bytes (a uint32)."""
    result = 0
    shift = 0
    end = len(buffer)
    while True:
        if position >= end:
            raise DecodeError("truncated varint", position=position)
        byte = buffer[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, position
        shift += 7
        if shift > 28:
            raise DecodeError("varint is longer than 5 bytes", position=position)


def read_unsigned_varlong(buffer: Buffer, position: int) -> tuple[int, int]:
    """Read an unsigned LEB128 varlong of at most 10 bytes."""
    result = 0
    shift = 0
    end = len(buffer)
    while True:
        if position >= end:
            raise DecodeError("truncated varlong", position=position)
        byte = buffer[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, position
        shift += 7
        if shift > 63:
            raise DecodeError("varlong is longer than 10 bytes", position=position)


def write_unsigned_varint(out: bytearray, value: int) -> None:
    """Append ``value`` (0 <= value < 2**32) as an unsigned varint."""
    if value < 0 or value > 0xFFFFFFFF:
        raise EncodeError(f"unsigned varint out of range: {value}")
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def unsigned_varint_size(value: int) -> int:
    """How many bytes ``value`` takes as an unsigned varint."""
    size = 1
    while value >= 0x80:
        value >>= 7
        size += 1
    return size


# -- zigzag varints (record batches) --------------------------------------------------------------


def read_varint(buffer: Buffer, position: int) -> tuple[int, int]:
    """Read a zigzag-encoded signed varint (int32)."""
    raw, position = read_unsigned_varint(buffer, position)
    return (raw >> 1) ^ -(raw & 1), position


def read_varlong(buffer: Buffer, position: int) -> tuple[int, int]:
    """Read a zigzag-encoded signed varlong (int64)."""
    raw, position = read_unsigned_varlong(buffer, position)
    return (raw >> 1) ^ -(raw & 1), position


def write_varint(out: bytearray, value: int) -> None:
    """Append a signed int32 as a zigzag varint."""
    if value < -(2**31) or value >= 2**31:
        raise EncodeError(f"varint out of range: {value}")
    write_unsigned_varint(out, ((value << 1) ^ (value >> 31)) & 0xFFFFFFFF)


def write_varlong(out: bytearray, value: int) -> None:
    """Append a signed int64 as a zigzag varlong."""
    if value < -(2**63) or value >= 2**63:
        raise EncodeError(f"varlong out of range: {value}")
    raw = ((value << 1) ^ (value >> 63)) & 0xFFFFFFFFFFFFFFFF
    while raw >= 0x80:
        out.append((raw & 0x7F) | 0x80)
        raw >>= 7
    out.append(raw)


# -- fixed-width values ---------------------------------------------------------------------------


def read_struct(fmt: struct.Struct, buffer: Buffer, position: int) -> tuple[int, int]:
    """Read one fixed-width value described by ``fmt``."""
    _need(buffer, position, fmt.size, fmt.format)
    return fmt.unpack_from(buffer, position)[0], position + fmt.size


def read_bool(buffer: Buffer, position: int) -> tuple[bool, int]:
    _need(buffer, position, 1, "bool")
    return buffer[position] != 0, position + 1


def read_uuid(buffer: Buffer, position: int) -> tuple[uuid.UUID, int]:
    _need(buffer, position, 16, "uuid")
    return uuid.UUID(bytes=bytes(buffer[position : position + 16])), position + 16


def write_uuid(out: bytearray, value: uuid.UUID) -> None:
    out += value.bytes


# -- strings and bytes ----------------------------------------------------------------------------


def read_length(buffer: Buffer, position: int, compact: bool) -> tuple[int, int]:
    """Read the length prefix of a string/bytes/array: int16/int32 classic, uvarint+1 compact.

    Returns -1 for null. The caller picks the classic width; this helper is for compact lengths
    and int32 lengths (bytes, arrays).
    """
    if compact:
        raw, position = read_unsigned_varint(buffer, position)
        return raw - 1, position
    return read_struct(INT32, buffer, position)


def read_string(buffer: Buffer, position: int, *, compact: bool, nullable: bool) -> tuple[str | None, int]:
    if compact:
        raw, position = read_unsigned_varint(buffer, position)
        length = raw - 1
    else:
        length, position = read_struct(INT16, buffer, position)
    if length < 0:
        if length == -1 and nullable:
            return None, position
        raise DecodeError(f"invalid string length {length}", position=position)
    _need(buffer, position, length, "string")
    try:
        return str(buffer[position : position + length], "utf-8"), position + length
    except UnicodeDecodeError as exc:
        raise DecodeError(f"string is not UTF-8: {exc.reason}", position=position) from exc


def write_string(out: bytearray, value: str | None, *, compact: bool) -> None:
    if value is None:
        if compact:
            out.append(0)
        else:
            out += b"\xff\xff"
        return
    data = value.encode("utf-8")
    if compact:
        write_unsigned_varint(out, len(data) + 1)
    else:
        if len(data) > 0x7FFF:
            raise EncodeError(f"string of {len(data)} bytes is longer than 32767")
        out += INT16.pack(len(data))
    out += data


def read_bytes(buffer: Buffer, position: int, *, compact: bool, nullable: bool) -> tuple[bytes | None, int]:
    length, position = read_length(buffer, position, compact)
    if length < 0:
        if length == -1 and nullable:
            return None, position
        raise DecodeError(f"invalid bytes length {length}", position=position)
    _need(buffer, position, length, "bytes")
    return bytes(buffer[position : position + length]), position + length


def read_records(
    buffer: Buffer, position: int, *, compact: bool, nullable: bool
) -> tuple[memoryview | None, int]:
    """Read a ``records`` field as a zero-copy view of the frame (principle 3: batches stay bytes)."""
    length, position = read_length(buffer, position, compact)
    if length < 0:
        if length == -1 and nullable:
            return None, position
        raise DecodeError(f"invalid records length {length}", position=position)
    _need(buffer, position, length, "records")
    return memoryview(buffer)[position : position + length], position + length


def write_bytes(out: bytearray, value: Buffer | None, *, compact: bool) -> None:
    if value is None:
        if compact:
            out.append(0)
        else:
            out += b"\xff\xff\xff\xff"
        return
    if compact:
        write_unsigned_varint(out, len(value) + 1)
    else:
        out += INT32.pack(len(value))
    out += value


def read_array_length(buffer: Buffer, position: int, *, compact: bool, nullable: bool) -> tuple[int, int]:
    """Read an array length; -1 means null. The count is bounded by the bytes left.

    Every element takes at least one byte except in degenerate schemas, so a count larger than
    the bytes left is malformed — checking it here keeps a hostile count from sizing a list.
    """
    length, position = read_length(buffer, position, compact)
    if length < 0:
        if length == -1 and nullable:
            return -1, position
        raise DecodeError(f"invalid array length {length}", position=position)
    if length > len(buffer) - position:
        raise DecodeError(
            f"array of {length} elements with {len(buffer) - position} bytes left", position=position
        )
    return length, position


def write_array_length(out: bytearray, length: int, *, compact: bool) -> None:
    """Append an array length (-1 for null)."""
    if compact:
        write_unsigned_varint(out, length + 1)
    else:
        out += INT32.pack(length)


# -- tagged fields --------------------------------------------------------------------------------


def read_tagged_fields(buffer: Buffer, position: int) -> tuple[list[tuple[int, memoryview]], int]:
    """Read a tag buffer: count, then (tag, size, bytes) in strictly ascending tag order."""
    count, position = read_unsigned_varint(buffer, position)
    if count > len(buffer) - position:
        raise DecodeError(
            f"{count} tagged fields with {len(buffer) - position} bytes left", position=position
        )
    fields: list[tuple[int, memoryview]] = []
    previous = -1
    view = memoryview(buffer)
    for _ in range(count):
        tag, position = read_unsigned_varint(buffer, position)
        if tag <= previous:
            raise DecodeError(f"tagged field {tag} out of order", position=position)
        previous = tag
        size, position = read_unsigned_varint(buffer, position)
        _need(buffer, position, size, "tagged field")
        fields.append((tag, view[position : position + size]))
        position += size
    return fields, position


def write_tagged_fields(out: bytearray, fields: list[tuple[int, bytes]]) -> None:
    """Append a tag buffer; ``fields`` must already be sorted by tag."""
    write_unsigned_varint(out, len(fields))
    for tag, data in fields:
        write_unsigned_varint(out, tag)
        write_unsigned_varint(out, len(data))
        out += data
