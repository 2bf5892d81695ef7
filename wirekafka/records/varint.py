"""Zig-zag varints as used inside magic v2 records (protobuf encoding, Kafka's ``ByteUtils``).

The records package keeps its own copy rather than importing the protocol package's, so it stays
a leaf with no wirekafka imports.  Decoding follows Kafka's limits: a varint (int32) has at most
5 bytes and a varlong (int64) at most 10; anything longer, or a buffer ending mid-number, is an
:class:`InvalidRecordError` -- never an ``IndexError`` and never an unbounded Python int.
"""

from __future__ import annotations

from .errors import InvalidRecordError

__all__ = [
    "read_varint",
    "read_varlong",
    "size_of_varint",
    "write_varint",
]

_Readable = bytes | bytearray | memoryview


def _read_long_zigzag(buffer: _Readable, position: int, max_bytes: int, bits: int) -> tuple[int, int]:
    """The multi-byte case, kept out of the one-byte fast path of the public readers."""
    kind = "varint" if bits == 32 else "varlong"
    result = 0
    shift = 0
    try:
        for index in range(position, position + max_bytes):
            byte = buffer[index]
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                value = (result >> 1) ^ -(result & 1)
                if not -(1 << (bits - 1)) <= value < (1 << (bits - 1)):
                    raise InvalidRecordError(f"{kind} at position {position} does not fit in {bits} bits")
                return value, index + 1
            shift += 7
    except IndexError:
        raise InvalidRecordError(f"{kind} at position {position} runs past the end of the buffer") from None
    raise InvalidRecordError(f"{kind} at position {position} is longer than {max_bytes} bytes")


def read_varint(buffer: _Readable, position: int) -> tuple[int, int]:
    """Read a zig-zag varint (int32, at most 5 bytes); return ``(value, next_position)``."""
    try:
        byte = buffer[position]
    except IndexError:
        raise InvalidRecordError(f"varint at position {position} runs past the end of the buffer") from None
    if byte < 0x80:  # one byte: by far the most common case (small deltas and lengths)
        return (byte >> 1) ^ -(byte & 1), position + 1
    if position + 1 < len(buffer) and buffer[position + 1] < 0x80:  # two: record sizes, deltas < 8192
        raw = (byte & 0x7F) | (buffer[position + 1] << 7)
        return (raw >> 1) ^ -(raw & 1), position + 2
    return _read_long_zigzag(buffer, position, 5, 32)


def read_varlong(buffer: _Readable, position: int) -> tuple[int, int]:
    """Read a zig-zag varlong (int64, at most 10 bytes); return ``(value, next_position)``."""
    try:
        byte = buffer[position]
    except IndexError:
        raise InvalidRecordError(f"varlong at position {position} runs past the end of the buffer") from None
    if byte < 0x80:
        return (byte >> 1) ^ -(byte & 1), position + 1
    if position + 1 < len(buffer) and buffer[position + 1] < 0x80:
        raw = (byte & 0x7F) | (buffer[position + 1] << 7)
        return (raw >> 1) ^ -(raw & 1), position + 2
    return _read_long_zigzag(buffer, position, 10, 64)


def write_varint(out: bytearray, value: int) -> None:
    """Append ``value`` (an int32 or int64) to ``out`` as a zig-zag varint."""
    encoded = (value << 1) ^ (value >> 63)
    while encoded >= 0x80:
        out.append((encoded & 0x7F) | 0x80)
        encoded >>= 7
    out.append(encoded)


def size_of_varint(value: int) -> int:
    """Number of bytes :func:`write_varint` uses for ``value``."""
    encoded = (value << 1) ^ (value >> 63)
    size = 1
    while encoded >= 0x80:
        encoded >>= 7
        size += 1
    return size
