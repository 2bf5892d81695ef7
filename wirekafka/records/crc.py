"""CRC-32C (Castagnoli), the checksum of magic v2 record batches.

The checksum covers every byte of a batch from ``attributes`` to its end, so on the produce hot
path it runs over the whole payload once per batch.  It must therefore be compiled code: the
``crc32c`` package uses the SSE4.2 ``crc32`` instruction on x86-64 and the ARMv8 CRC
instructions on aarch64 (and a slicing-by-8 C fallback elsewhere), reaching several GB/s where a
pure Python table loop manages a few MB/s.  See ``docs/decisions/0001-crc32c-and-compression.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.machinery import ExtensionFileLoader, PathFinder
from importlib.util import module_from_spec

__all__ = ["crc32c"]

_Checksum = Callable[[bytes | bytearray | memoryview, int], int]


def _load_checksum() -> _Checksum:
    """The ``crc32c`` package's C function, loaded without running the package's ``__init__``.

    That ``__init__`` calls ``importlib.metadata.version()`` (which imports ``email`` and scans
    distributions) and imports its command-line module: ~35 ms of a broker start that needs
    neither.  Loading ``crc32c/_crc32c*.so`` straight from the package directory gives the very
    same compiled function.  Any other layout of the package falls back to the plain import.
    """
    package = PathFinder.find_spec("crc32c")
    locations = package.submodule_search_locations if package is not None else None
    spec = PathFinder.find_spec("crc32c._crc32c", locations) if locations else None
    if spec is not None and isinstance(spec.loader, ExtensionFileLoader):
        module = module_from_spec(spec)
        spec.loader.exec_module(module)
        checksum: _Checksum = module.crc32c
        return checksum
    from crc32c import crc32c as imported

    return imported


_crc32c = _load_checksum()


def crc32c(data: bytes | bytearray | memoryview, value: int = 0) -> int:
    """Return the CRC-32C of ``data`` as an unsigned 32-bit integer.

    Args:
        data: Any contiguous buffer; a ``memoryview`` slice is checksummed in place, without a copy.
        value: A previous result to continue from, so a checksum can be computed over several
            buffers as if they were one.
    """
    result: int = _crc32c(data, value)
    return result
