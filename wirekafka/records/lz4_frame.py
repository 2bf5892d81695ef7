"""LZ4 frames the way Kafka writes and reads them (``Lz4BlockOutputStream`` / ``Lz4BlockInputStream``).

Kafka's LZ4 codec (id 3) is the LZ4 *frame* format with a few constraints, and the Java reader
refuses anything outside them, so this module follows Kafka rather than a general LZ4 library:

* Writing: frame descriptor ``FLG=0x60`` (version 1, independent blocks, no checksums, no
  content size) and ``BD=0x40`` (64 KiB blocks), the header checksum of KIP-57 (the pre-0.10
  clients computed it over the magic too; that bug only applies to magic 0/1 messages), blocks
  stored raw when LZ4 does not shrink them, and a zero end mark.
* Reading: version 1 only, independent blocks only (Kafka: "Dependent block stream is
  unsupported"), reserved bits zero, block sizes 64 KiB to 4 MiB, an optional content-size field
  (python-lz4 writes one), optional block and content checksums (skipped: the batch's CRC-32C
  already covers these bytes end to end), and the header checksum verified.

Decoding is bounded: the block headers are walked first to get an upper bound of the output,
the output buffer is allocated once from that bound (at most ``max_size`` plus one block), and
each block is decoded into its slice of that buffer, so a bomb cannot make it grow further.
Decoding stops at the first block that takes the output past ``max_size``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import Final, NamedTuple

import cramjam

from .errors import DecompressedSizeLimitError, DecompressionError

__all__ = ["compress_lz4_frame", "decompress_lz4_frame", "xxh32"]

_MAGIC: Final = b"\x04\x22\x4d\x18"  # 0x184D2204 little-endian
_KAFKA_FLG: Final = 0x60  # version 01, block independence, no checksums, no content size
_KAFKA_BD: Final = 0x40  # block maximum size id 4: 64 KiB
_KAFKA_BLOCK_SIZE: Final = 64 * 1024
_INCOMPRESSIBLE_FLAG: Final = 0x80000000
_UINT32_LE: Final = struct.Struct("<I")

_PRIME32_1: Final = 0x9E3779B1
_PRIME32_2: Final = 0x85EBCA77
_PRIME32_3: Final = 0xC2B2AE3D
_PRIME32_4: Final = 0x27D4EB2F
_PRIME32_5: Final = 0x165667B1
_MASK32: Final = 0xFFFFFFFF


def _rotate_left(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (32 - bits))) & _MASK32


def xxh32(data: bytes | bytearray | memoryview, seed: int = 0) -> int:
    """XXH32 in pure Python, for the frame descriptor checksum only (2 to 10 bytes).

    Too slow for block or content checksums, which is why those are not verified here.
    """
    view = bytes(data)
    length = len(view)
    position = 0
    if length >= 16:
        accumulators = [
            (seed + _PRIME32_1 + _PRIME32_2) & _MASK32,
            (seed + _PRIME32_2) & _MASK32,
            seed & _MASK32,
            (seed - _PRIME32_1) & _MASK32,
        ]
        while position + 16 <= length:
            for lane in range(4):
                (word,) = _UINT32_LE.unpack_from(view, position)
                accumulator = (accumulators[lane] + word * _PRIME32_2) & _MASK32
                accumulators[lane] = (_rotate_left(accumulator, 13) * _PRIME32_1) & _MASK32
                position += 4
        hash_value = (
            _rotate_left(accumulators[0], 1)
            + _rotate_left(accumulators[1], 7)
            + _rotate_left(accumulators[2], 12)
            + _rotate_left(accumulators[3], 18)
        ) & _MASK32
    else:
        hash_value = (seed + _PRIME32_5) & _MASK32
    hash_value = (hash_value + length) & _MASK32
    while position + 4 <= length:
        (word,) = _UINT32_LE.unpack_from(view, position)
        hash_value = (hash_value + word * _PRIME32_3) & _MASK32
        hash_value = (_rotate_left(hash_value, 17) * _PRIME32_4) & _MASK32
        position += 4
    while position < length:
        hash_value = (hash_value + view[position] * _PRIME32_5) & _MASK32
        hash_value = (_rotate_left(hash_value, 11) * _PRIME32_1) & _MASK32
        position += 1
    hash_value ^= hash_value >> 15
    hash_value = (hash_value * _PRIME32_2) & _MASK32
    hash_value ^= hash_value >> 13
    hash_value = (hash_value * _PRIME32_3) & _MASK32
    hash_value ^= hash_value >> 16
    return hash_value


def _descriptor_checksum(descriptor: bytes | bytearray | memoryview) -> int:
    return (xxh32(descriptor) >> 8) & 0xFF


_KAFKA_HEADER: Final = _MAGIC + bytes(
    (_KAFKA_FLG, _KAFKA_BD, _descriptor_checksum(bytes((_KAFKA_FLG, _KAFKA_BD))))
)


def compress_lz4_frame(data: bytes | bytearray | memoryview) -> bytes:
    """Compress ``data`` into one LZ4 frame laid out exactly as Kafka's Java producer does."""
    view = memoryview(data)
    parts: list[bytes | memoryview] = [_KAFKA_HEADER]
    for start in range(0, len(view), _KAFKA_BLOCK_SIZE):
        chunk = view[start : start + _KAFKA_BLOCK_SIZE]
        compressed = bytes(cramjam.lz4.compress_block(chunk, store_size=False))
        if len(compressed) >= len(chunk):
            parts.append(_UINT32_LE.pack(len(chunk) | _INCOMPRESSIBLE_FLAG))
            parts.append(chunk)
        else:
            parts.append(_UINT32_LE.pack(len(compressed)))
            parts.append(compressed)
    parts.append(b"\x00\x00\x00\x00")  # end mark
    return b"".join(parts)


class _FrameDescriptor(NamedTuple):
    max_block_size: int
    has_block_checksum: bool
    has_content_checksum: bool
    first_block_position: int


def _read_descriptor(frame: memoryview) -> _FrameDescriptor:
    """Check the magic and frame descriptor as Kafka's ``Lz4BlockInputStream.readHeader`` does."""
    length = len(frame)
    if length < 7:
        raise DecompressionError("lz4: stream ended prematurely (no frame header)")
    if frame[:4].tobytes() != _MAGIC:
        raise DecompressionError("lz4: stream unsupported (invalid magic bytes)")
    flg = frame[4]
    bd = frame[5]
    if flg >> 6 != 1:
        raise DecompressionError(f"lz4: frame version {flg >> 6} is unsupported")
    if not flg & 0x20:
        raise DecompressionError("lz4: dependent block stream is unsupported")
    if flg & 0x03:
        raise DecompressionError("lz4: reserved bits (or a dictionary id) set in the frame descriptor")
    block_size_id = (bd >> 4) & 0x07
    if bd & 0x8F or not 4 <= block_size_id <= 7:
        raise DecompressionError(f"lz4: invalid block descriptor byte {bd:#04x}")
    descriptor_end = 6 + (8 if flg & 0x08 else 0)  # optional content size, skipped as Kafka skips it
    if length < descriptor_end + 1:
        raise DecompressionError("lz4: stream ended prematurely (frame descriptor)")
    if frame[descriptor_end] != _descriptor_checksum(frame[4:descriptor_end]):
        raise DecompressionError("lz4: stream frame descriptor corrupted")
    return _FrameDescriptor(
        max_block_size=1 << (2 * block_size_id + 8),
        has_block_checksum=bool(flg & 0x10),
        has_content_checksum=bool(flg & 0x04),
        first_block_position=descriptor_end + 1,
    )


def _blocks(frame: memoryview, descriptor: _FrameDescriptor) -> Iterator[tuple[int, int, bool]]:
    """``(start, size, compressed)`` of each data block, from the block headers alone."""
    length = len(frame)
    checksum_size = 4 if descriptor.has_block_checksum else 0
    position = descriptor.first_block_position
    while True:
        if length - position < 4:
            raise DecompressionError("lz4: stream ended prematurely (block header)")
        (block_word,) = _UINT32_LE.unpack_from(frame, position)
        position += 4
        if block_word == 0:  # end mark
            if descriptor.has_content_checksum and length - position < 4:
                raise DecompressionError("lz4: stream ended prematurely (content checksum)")
            return
        block_size = block_word & ~_INCOMPRESSIBLE_FLAG
        if block_size > descriptor.max_block_size:
            raise DecompressionError(
                f"lz4: block size {block_size} exceeded max: {descriptor.max_block_size}"
            )
        if length - position < block_size + checksum_size:
            raise DecompressionError("lz4: stream ended prematurely (block data)")
        yield position, block_size, not block_word & _INCOMPRESSIBLE_FLAG
        position += block_size + checksum_size


def decompress_lz4_frame(data: bytes | bytearray | memoryview, max_size: int) -> bytes:
    """Decode one Kafka LZ4 frame, refusing more than ``max_size`` bytes of output.

    Two passes over the block headers: the first validates the frame and bounds the output
    (no decoding, nothing stored), the second decodes each block into one buffer.  Bytes after
    the frame's end mark are ignored, as Kafka's reader ignores them.

    Raises:
        DecompressionError: not a frame Kafka can read, or a block that does not decode.
        DecompressedSizeLimitError: the output would exceed ``max_size``.
    """
    frame = memoryview(data)
    descriptor = _read_descriptor(frame)
    max_block_size = descriptor.max_block_size
    bound = sum(max_block_size if compressed else size for _, size, compressed in _blocks(frame, descriptor))
    # Room for max_size plus one whole block: while ``written`` <= max_size the next block always
    # fits, so a block that fails to decode is corrupt, never merely too large.
    output = bytearray(min(bound, max_size + max_block_size))
    output_view = memoryview(output)
    written = 0
    for start, size, compressed in _blocks(frame, descriptor):
        block = frame[start : start + size]
        if compressed:
            target = output_view[written : written + max_block_size]
            try:
                produced: int = cramjam.lz4.decompress_block_into(block, target)
            except cramjam.DecompressionError as error:
                raise DecompressionError(f"lz4: {error}") from None
        else:
            output_view[written : written + size] = block
            produced = size
        written += produced
        if written > max_size:
            raise DecompressedSizeLimitError(f"lz4: decompressed data exceeds {max_size} bytes")
    return bytes(output_view[:written])
