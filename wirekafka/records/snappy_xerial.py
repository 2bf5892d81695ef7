"""Snappy as Kafka carries it: xerial-framed blocks, or one raw snappy block.

Kafka's Java producer wraps its output in xerial's ``SnappyOutputStream``: a 16-byte header
(``0x82 'SNAPPY' 0x00``, then version 1 and minimum compatible version 1 as big-endian int32s)
followed by blocks of at most 32 KiB of input, each written as a big-endian int32 length and a
raw snappy block.  kafka-python writes the same.  librdkafka writes one raw snappy block with no
framing, and xerial's ``SnappyInputStream`` falls back to raw snappy when the magic is absent, so
the reader here accepts both.  The version fields are not checked: some writers are known to get
their byte order wrong, and Java only rejects versions below 1.

Every raw snappy block starts with its uncompressed length as a varint, so decoding is bounded
exactly: the lengths are summed and checked against ``max_size`` before anything is allocated.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Final

import cramjam

from .errors import DecompressedSizeLimitError, DecompressionError

__all__ = ["XERIAL_BLOCK_SIZE", "compress_snappy_xerial", "decompress_snappy"]

XERIAL_BLOCK_SIZE: Final = 32 * 1024  # SnappyOutputStream.DEFAULT_BLOCK_SIZE
_XERIAL_MAGIC: Final = b"\x82SNAPPY\x00"
_XERIAL_HEADER: Final = _XERIAL_MAGIC + struct.pack(">ii", 1, 1)
_XERIAL_HEADER_SIZE: Final = 16
_INT32_BE: Final = struct.Struct(">i")


def compress_snappy_xerial(data: bytes | bytearray | memoryview) -> bytes:
    """Compress ``data`` into xerial framing with 32 KiB blocks, as Kafka's Java producer does."""
    view = memoryview(data)
    parts: list[bytes] = [_XERIAL_HEADER]
    for start in range(0, len(view), XERIAL_BLOCK_SIZE):
        block = bytes(cramjam.snappy.compress_raw(view[start : start + XERIAL_BLOCK_SIZE]))
        parts.append(_INT32_BE.pack(len(block)))
        parts.append(block)
    return b"".join(parts)


def _uncompressed_length(block: memoryview) -> int:
    try:
        length: int = cramjam.snappy.decompress_raw_len(block)
    except cramjam.DecompressionError as error:
        raise DecompressionError(f"snappy: {error}") from None
    return length


def _decode_into(block: memoryview, target: memoryview) -> None:
    try:
        produced: int = cramjam.snappy.decompress_raw_into(block, target)
    except cramjam.DecompressionError as error:
        raise DecompressionError(f"snappy: {error}") from None
    if produced != len(target):
        raise DecompressionError(f"snappy: block decoded to {produced} bytes, its header says {len(target)}")


def _xerial_blocks(view: memoryview) -> Iterator[tuple[memoryview, int]]:
    """Each raw block of a xerial stream with its declared uncompressed length."""
    position = _XERIAL_HEADER_SIZE
    end = len(view)
    while position < end:
        if view[position : position + len(_XERIAL_MAGIC)].tobytes() == _XERIAL_MAGIC:
            # Concatenated xerial streams: SnappyInputStream skips the repeated header.
            if end - position < _XERIAL_HEADER_SIZE:
                raise DecompressionError("snappy: truncated xerial header")
            position += _XERIAL_HEADER_SIZE
            continue
        if end - position < 4:
            raise DecompressionError("snappy: truncated xerial block length")
        (size,) = _INT32_BE.unpack_from(view, position)
        position += 4
        if size < 0 or size > end - position:
            raise DecompressionError(
                f"snappy: xerial block of {size} bytes at {position} overruns the stream"
            )
        block = view[position : position + size]
        yield block, _uncompressed_length(block)
        position += size


def decompress_snappy(data: bytes | bytearray | memoryview, max_size: int) -> bytes:
    """Decode xerial-framed or raw snappy, refusing more than ``max_size`` bytes of output.

    Two passes over a xerial stream: the first sums the blocks' declared lengths (nothing is
    decoded or stored), the second decodes each block into its exact slice of one buffer.

    Raises:
        DecompressionError: malformed framing or snappy data.
        DecompressedSizeLimitError: the declared lengths add up to more than ``max_size``.
    """
    view = memoryview(data)
    xerial = len(view) >= _XERIAL_HEADER_SIZE and view[: len(_XERIAL_MAGIC)].tobytes() == _XERIAL_MAGIC
    if xerial:
        total = 0
        for _, length in _xerial_blocks(view):
            total += length
            if total > max_size:
                raise DecompressedSizeLimitError(f"snappy: decompressed data exceeds {max_size} bytes")
    else:
        total = _uncompressed_length(view)
        if total > max_size:
            raise DecompressedSizeLimitError(f"snappy: decompressed data exceeds {max_size} bytes")
    output = bytearray(total)
    output_view = memoryview(output)
    written = 0
    for block, length in _xerial_blocks(view) if xerial else iter([(view, total)]):
        _decode_into(block, output_view[written : written + length])
        written += length
    return bytes(output_view)
