"""Compress and decompress the records section of a batch, with every codec Kafka defines.

Each codec writes what Kafka's Java producer writes, at Kafka's default level, and reads what
any mainstream client writes:

=======  ===========================================  =====================================
codec    written                                      read
=======  ===========================================  =====================================
GZIP     one gzip member, deflate level 6 (stdlib)    concatenated members (as Java's
                                                      ``GZIPInputStream``); trailing non-gzip
                                                      bytes ignored, as Java ignores them
SNAPPY   xerial framing, 32 KiB blocks                xerial framing or one raw block
LZ4      Kafka's LZ4 frame (64 KiB independent        any LZ4 frame Kafka's reader accepts
         blocks, no checksums)                        (see :mod:`.lz4_frame`)
ZSTD     one zstd frame, level 3                      concatenated and skippable frames
=======  ===========================================  =====================================

Snappy, LZ4 and zstd come from ``cramjam`` (one compiled Rust wheel for the three); gzip uses
the standard library's ``zlib``: it is C zlib, it compresses about twice as fast as cramjam's
gzip here, and its ``decompressobj(max_length=...)`` is the one gzip API that can stop at an
output limit.  See ``docs/decisions/0001-crc32c-and-compression.md`` for the measurements.

Every decoder refuses to produce more than ``max_size`` bytes *before* allocating them, so a
small hostile batch cannot make the broker allocate gigabytes.
"""

from __future__ import annotations

import zlib
from typing import Final

from .batch import Compression
from .errors import DecompressedSizeLimitError, DecompressionError, UnsupportedCompressionError
from .lz4_frame import compress_lz4_frame, decompress_lz4_frame
from .snappy_xerial import compress_snappy_xerial, decompress_snappy
from .zstd_frame import compress_zstd, decompress_zstd

__all__ = ["DEFAULT_GZIP_LEVEL", "DEFAULT_MAX_DECOMPRESSED_SIZE", "compress", "decompress"]

DEFAULT_MAX_DECOMPRESSED_SIZE: Final = 128 * 1024 * 1024
"""Default cap on one batch's decompressed records: 128 MiB.

Far above any batch a client produces under Kafka's default ``max.message.bytes`` (1 MiB
compressed, and real data rarely compresses past 50:1), yet small enough that decoding a few
hostile batches at once cannot exhaust the machine.  Callers with other needs pass their own.
"""

DEFAULT_GZIP_LEVEL: Final = 6  # java.util.zip.Deflater.DEFAULT_COMPRESSION, Kafka's default
_GZIP_WINDOW_BITS: Final = 16 + zlib.MAX_WBITS  # gzip header and trailer, not zlib's
_GZIP_MAGIC: Final = b"\x1f\x8b"

_Data = bytes | bytearray | memoryview


def compress(codec: Compression, data: _Data) -> bytes:
    """Compress a records section with ``codec``, laid out as Kafka's Java producer lays it out.

    ``Compression.NONE`` returns the bytes unchanged (as ``bytes``).
    """
    if codec == Compression.NONE:
        return bytes(data)
    if codec == Compression.GZIP:
        compressor = zlib.compressobj(DEFAULT_GZIP_LEVEL, zlib.DEFLATED, _GZIP_WINDOW_BITS)
        return compressor.compress(data) + compressor.flush()
    if codec == Compression.SNAPPY:
        return compress_snappy_xerial(data)
    if codec == Compression.LZ4:
        return compress_lz4_frame(data)
    if codec == Compression.ZSTD:
        return compress_zstd(data)
    raise UnsupportedCompressionError(f"unknown compression codec {codec!r}")


def decompress(codec: Compression, data: _Data, max_size: int = DEFAULT_MAX_DECOMPRESSED_SIZE) -> bytes:
    """Decompress a records section, refusing to produce more than ``max_size`` bytes.

    Raises:
        DecompressionError: the data is not valid for ``codec`` (a :class:`CorruptRecordError`).
        DecompressedSizeLimitError: the output would exceed ``max_size``.
        UnsupportedCompressionError: ``codec`` is not one of Kafka's codecs.
    """
    if codec == Compression.NONE:
        if len(data) > max_size:
            raise DecompressedSizeLimitError(f"records section exceeds {max_size} bytes")
        return bytes(data)
    if codec == Compression.GZIP:
        return _decompress_gzip(data, max_size)
    if codec == Compression.SNAPPY:
        return decompress_snappy(data, max_size)
    if codec == Compression.LZ4:
        return decompress_lz4_frame(data, max_size)
    if codec == Compression.ZSTD:
        return decompress_zstd(data, max_size)
    raise UnsupportedCompressionError(f"unknown compression codec {codec!r}")


def _decompress_gzip(data: _Data, max_size: int) -> bytes:
    """Decode gzip members one after another, stopping at ``max_size + 1`` bytes of output."""
    parts: list[bytes] = []
    produced = 0
    remaining: bytes | bytearray | memoryview = data
    while True:
        decompressor = zlib.decompressobj(_GZIP_WINDOW_BITS)
        try:
            part = decompressor.decompress(remaining, max_size - produced + 1)
        except zlib.error as error:
            raise DecompressionError(f"gzip: {error}") from None
        produced += len(part)
        if produced > max_size:
            raise DecompressedSizeLimitError(f"gzip: decompressed data exceeds {max_size} bytes")
        parts.append(part)
        if not decompressor.eof:
            raise DecompressionError("gzip: unexpected end of the compressed stream")
        remaining = decompressor.unused_data
        if remaining[:2] != _GZIP_MAGIC:
            # Java's GZIPInputStream stops quietly at bytes that are not another member.
            return b"".join(parts)
