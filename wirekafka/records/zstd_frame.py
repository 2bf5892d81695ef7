"""Zstandard for Kafka's codec id 4, with the output bounded before decoding starts.

Kafka's Java client streams through zstd-jni (level 3 by default): standard frames, usually
without a content size.  Before decoding, the frame and block headers (RFC 8878 section 3.1) are
walked -- no decompression -- to bound the output: a frame's declared content size if it has one
(the decoder fails a frame whose output differs), else the sum of its blocks' bounds (raw and RLE
blocks state their size; a compressed block produces at most ``min(window_size, 128 KiB)``).

The decoder then writes into a buffer allocated here, of the bound's size, or of ``max_size + 1``
when the bound is above ``max_size`` (block splitting makes the block bound loose by up to a
block per split, so it cannot refuse on its own).  A full buffer stops the decoder, so memory is
bounded by the buffer whatever the headers claim.  Skippable frames are skipped, as zstd-jni
skips them; concatenated frames decode to the concatenation.

A window larger than 128 MiB (zstd's default ``windowLogMax`` of 27, which zstd-jni keeps) is
refused, as the reference decoder refuses it, so a frame header cannot make the decoder reserve
a huge window either.
"""

from __future__ import annotations

import struct
from typing import Final, NamedTuple

import cramjam

from .errors import DecompressedSizeLimitError, DecompressionError

__all__ = ["DEFAULT_ZSTD_LEVEL", "compress_zstd", "decompress_zstd", "zstd_output_bound"]

DEFAULT_ZSTD_LEVEL: Final = 3  # Kafka's CompressionType.ZSTD default level (ZSTD_CLEVEL_DEFAULT)
_FRAME_MAGIC: Final = 0xFD2FB528
_SKIPPABLE_MAGIC_MASK: Final = 0xFFFFFFF0
_SKIPPABLE_MAGIC: Final = 0x184D2A50
_BLOCK_SIZE_MAX: Final = 128 * 1024
_WINDOW_SIZE_MAX: Final = 1 << 27
_UINT32_LE: Final = struct.Struct("<I")
_DICTIONARY_ID_SIZES: Final = (0, 1, 2, 4)
_CONTENT_SIZE_FIELD_SIZES: Final = (0, 2, 4, 8)
_RAW_BLOCK: Final = 0
_RLE_BLOCK: Final = 1
_COMPRESSED_BLOCK: Final = 2
_BUFFER_FULL: Final = "whole buffer"  # cramjam's (std::io::WriteZero) report of a full output buffer


def compress_zstd(data: bytes | bytearray | memoryview, level: int = DEFAULT_ZSTD_LEVEL) -> bytes:
    """Compress ``data`` into one zstd frame at Kafka's default level."""
    return bytes(cramjam.zstd.compress(data, level=level))


class _FrameHeader(NamedTuple):
    block_size_max: int
    has_content_checksum: bool
    content_size: int | None
    first_block_position: int


def _frame_header(view: memoryview, position: int) -> _FrameHeader:
    """Parse the frame header whose magic is at ``position``."""
    end = len(view)
    if end - position < 5:
        raise DecompressionError("zstd: truncated frame header")
    descriptor = view[position + 4]
    content_size_flag = descriptor >> 6
    single_segment = bool(descriptor & 0x20)
    if descriptor & 0x08:
        raise DecompressionError("zstd: reserved bit set in frame header descriptor")
    cursor = position + 5
    window_size = 0
    if not single_segment:
        if end - cursor < 1:
            raise DecompressionError("zstd: truncated window descriptor")
        window_descriptor = view[cursor]
        cursor += 1
        window_log = 10 + (window_descriptor >> 3)
        window_base = 1 << window_log
        window_size = window_base + (window_base >> 3) * (window_descriptor & 0x07)
    cursor += _DICTIONARY_ID_SIZES[descriptor & 0x03]
    content_size_bytes = _CONTENT_SIZE_FIELD_SIZES[content_size_flag]
    if single_segment and content_size_flag == 0:
        content_size_bytes = 1
    if end - cursor < content_size_bytes:
        raise DecompressionError("zstd: truncated frame header")
    content_size: int | None = None
    if content_size_bytes:
        content_size = int.from_bytes(view[cursor : cursor + content_size_bytes], "little")
        if content_size_bytes == 2:
            content_size += 256
    if single_segment:
        window_size = content_size or 0
    cursor += content_size_bytes
    if window_size > _WINDOW_SIZE_MAX:
        raise DecompressionError(
            f"zstd: frame requires a {window_size}-byte window, above {_WINDOW_SIZE_MAX}"
        )
    return _FrameHeader(min(window_size, _BLOCK_SIZE_MAX), bool(descriptor & 0x04), content_size, cursor)


def zstd_output_bound(data: bytes | bytearray | memoryview, limit: int) -> int:
    """Upper bound of the decoded size of the frames in ``data``, from their headers alone.

    A frame's bound is its declared content size when it has one (the decoder fails a frame
    whose output differs from it), else the sum of its blocks' bounds.  Counting stops once the
    bound passes ``limit``, so a stream of tiny blocks costs at most one header read per block
    up to the limit.

    Raises:
        DecompressionError: the frames are structurally invalid or truncated.
    """
    view = memoryview(data)
    end = len(view)
    position = 0
    bound = 0
    if end == 0:
        raise DecompressionError("zstd: empty input")
    while position < end:
        if end - position < 4:
            raise DecompressionError("zstd: truncated frame magic")
        (magic,) = _UINT32_LE.unpack_from(view, position)
        if magic & _SKIPPABLE_MAGIC_MASK == _SKIPPABLE_MAGIC:
            if end - position < 8:
                raise DecompressionError("zstd: truncated skippable frame")
            (skip,) = _UINT32_LE.unpack_from(view, position + 4)
            position += 8 + skip
            if position > end:
                raise DecompressionError("zstd: truncated skippable frame")
            continue
        if magic != _FRAME_MAGIC:
            raise DecompressionError(f"zstd: unknown frame magic {magic:#010x}")
        header = _frame_header(view, position)
        position = header.first_block_position
        content_limit = header.content_size if header.content_size is not None else limit + 1
        frame_bound = 0
        last = False
        while not last:
            if end - position < 3:
                raise DecompressionError("zstd: truncated block header")
            block_header = view[position] | (view[position + 1] << 8) | (view[position + 2] << 16)
            position += 3
            last = bool(block_header & 1)
            block_type = (block_header >> 1) & 0x03
            block_size = block_header >> 3
            if block_type == _RAW_BLOCK:
                content_size, produced = block_size, block_size
            elif block_type == _RLE_BLOCK:
                content_size, produced = 1, block_size
            elif block_type == _COMPRESSED_BLOCK:
                content_size, produced = block_size, header.block_size_max
            else:
                raise DecompressionError("zstd: reserved block type")
            if block_size > _BLOCK_SIZE_MAX:
                raise DecompressionError(f"zstd: block size {block_size} above {_BLOCK_SIZE_MAX}")
            if end - position < content_size:
                raise DecompressionError("zstd: truncated block")
            position += content_size
            frame_bound += produced
            if bound + min(frame_bound, content_limit) > limit:
                return bound + min(frame_bound, content_limit)
        bound += min(frame_bound, content_limit)
        if header.has_content_checksum:
            if end - position < 4:
                raise DecompressionError("zstd: truncated content checksum")
            position += 4
    return bound


def decompress_zstd(data: bytes | bytearray | memoryview, max_size: int) -> bytes:
    """Decode concatenated zstd frames, refusing more than ``max_size`` bytes of output.

    The decoder writes into a buffer allocated here and fails when it is full, so memory never
    exceeds ``min(bound, max_size + 1)`` whatever the frames claim.

    Raises:
        DecompressionError: malformed frames, or data that does not decode.
        DecompressedSizeLimitError: the output would exceed ``max_size``.
    """
    bound = zstd_output_bound(data, max_size)
    capped = bound > max_size
    output = bytearray(max_size + 1 if capped else bound)
    try:
        produced: int = cramjam.zstd.decompress_into(data, output)
    except cramjam.DecompressionError as error:
        if capped and _BUFFER_FULL in str(error):
            raise DecompressedSizeLimitError(f"zstd: decompressed data exceeds {max_size} bytes") from None
        raise DecompressionError(f"zstd: {error}") from None
    if produced > max_size:
        raise DecompressedSizeLimitError(f"zstd: decompressed data exceeds {max_size} bytes")
    return bytes(memoryview(output)[:produced])
