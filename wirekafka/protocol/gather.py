"""Frames that leave large ``records`` out of themselves, for a gathering write. Sans-IO.

A fetch answer is mostly the stored batches, megabytes of the segments. Copying them into the
frame's ``bytearray`` costs a pass over every byte and, worse, a second buffer as large as the
answer whose pages the kernel has to fault in. Kafka hands the file regions to the socket as they
are (``sendfile``); here the encoder writes the records' length prefix into a ``GatherBuffer``
and sets the records themselves aside with their position, and the connection writes the pieces
in order (``writev``, and ``sendfile`` for records still in their file). The bytes on the wire
are exactly those of the copying encoder.

``records`` are bytes-like, or *stored records*: an object with a length and a ``read()`` that
the codec does not look into (``wirekafka.log.file_region.FileRegion``). A gathering frame always
sets those aside; a frame built in one buffer reads them in. Bytes-like records are set aside
from ``GATHER_MIN_SIZE`` bytes: below that a copy is cheaper than an extra piece, and a small
answer stays one buffer and one ``write``.
"""

from __future__ import annotations

from typing import Protocol, TypeAlias

Buffer: TypeAlias = bytes | bytearray | memoryview


class StoredRecords(Protocol):
    """Records kept outside memory (a range of a segment file) until the frame is written."""

    def __len__(self) -> int: ...

    def read(self) -> bytes: ...


Records: TypeAlias = Buffer | StoredRecords

BUFFER_TYPES = (bytes, bytearray, memoryview)
"""``Buffer`` for ``isinstance``: a tuple, cheaper to test than the union on every response."""

GATHER_MIN_SIZE = 65_536


class GatherBuffer(bytearray):
    """A frame under construction: its own bytes plus records set aside at their positions."""

    __slots__ = ("deferred", "deferred_size")

    def __init__(self, initial: bytes = b"") -> None:
        super().__init__(initial)
        self.deferred: list[tuple[int, Records]] = []
        """(position in this buffer, records) in encoding order."""
        self.deferred_size = 0

    def set_aside(self, records: Records) -> None:
        self.deferred.append((len(self), records))
        self.deferred_size += len(records)

    def frame_size(self) -> int:
        """Bytes of the whole frame: this buffer's and the records set aside."""
        return len(self) + self.deferred_size

    def parts(self) -> list[Records]:
        """The frame's bytes in order, as pieces: slices of this buffer between the records."""
        if not self.deferred:
            return [self]
        view = memoryview(self)
        pieces: list[Records] = []
        start = 0
        for position, records in self.deferred:
            if position > start:
                pieces.append(view[start:position])
            pieces.append(records)
            start = position
        if start < len(self):
            pieces.append(view[start:])
        return pieces


def put_records(out: bytearray, records: Records) -> None:
    """Append ``records`` to ``out``, or set them aside if ``out`` gathers (see the module).

    Called by the generated encoders for every ``records`` field, after its length prefix.
    """
    if isinstance(records, BUFFER_TYPES):
        if type(out) is GatherBuffer and len(records) >= GATHER_MIN_SIZE:
            out.set_aside(records)
        else:
            out += records
    elif type(out) is GatherBuffer:
        out.set_aside(records)
    else:
        out += records.read()
