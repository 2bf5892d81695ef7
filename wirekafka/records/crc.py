"""CRC-32C (Castagnoli), the checksum of magic v2 record batches.

The checksum covers every byte of a batch from ``attributes`` to its end, so on the produce hot
path it runs over the whole payload once per batch.  It must therefore be compiled code: the
``crc32c`` package uses the SSE4.2 ``crc32`` instruction on x86-64 and the ARMv8 CRC
instructions on aarch64 (and a slicing-by-8 C fallback elsewhere), reaching several GB/s where a
pure Python table loop manages a few MB/s.  See ``docs/decisions/0001-crc32c-and-compression.md``.
"""

from __future__ import annotations

from crc32c import crc32c as _crc32c

__all__ = ["crc32c"]


def crc32c(data: bytes | bytearray | memoryview, value: int = 0) -> int:
    """Return the CRC-32C of ``data`` as an unsigned 32-bit integer.

    Args:
        data: Any contiguous buffer; a ``memoryview`` slice is checksummed in place, without a copy.
        value: A previous result to continue from, so a checksum can be computed over several
            buffers as if they were one.
    """
    result: int = _crc32c(data, value)
    return result
