"""A byte range of a segment file that a fetch answer sends without reading it (zero copy).

Kafka serves fetches with ``sendfile``: the stored batches go from the page cache to the socket
and never pass through the broker's memory. A large fetch read here returns a ``FileRegion``
instead of bytes; the connection writes it with ``os.sendfile`` (``server.socket_io``). That
saves a copy and, more, a fresh buffer the size of the read whose pages the kernel must fault in
on every fetch (with 10 MB partition fetches that was most of the broker's CPU for consuming).

The region holds its own duplicate of the segment's descriptor: retention, compaction or a
deleted topic may close the segment before the answer is sent, and the open duplicate keeps
serving the bytes that were read, as Kafka's open ``FileChannel`` does. Whoever ends up with the
region closes it (``close``); a region dropped unsent is closed when it is collected.
"""

from __future__ import annotations

import os


class FileRegion:
    """Bytes ``[position, position + size)`` of an open file."""

    __slots__ = ("fd", "position", "size")

    def __init__(self, fd: int, position: int, size: int) -> None:
        """``fd`` is duplicated: the region stays readable after the caller closes its own."""
        self.fd = -1  # closed, should dup fail (``__del__`` still runs)
        self.fd = os.dup(fd)
        self.position = position
        self.size = size

    def __len__(self) -> int:
        return self.size

    def read(self) -> bytes:
        """The bytes, for a writer that needs them in memory (a frame built in one buffer).

        Raises:
            OSError: the file no longer holds them all (it was truncated).
        """
        data = os.pread(self.fd, self.size, self.position)
        if len(data) != self.size:
            raise OSError(f"file region of {self.size} bytes at {self.position}: only {len(data)} left")
        return data

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __del__(self) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"FileRegion(fd={self.fd}, position={self.position}, size={self.size})"
