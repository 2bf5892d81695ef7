"""Reading and writing a connected socket with one trip through trio's scheduler per request.

trio's socket methods make every call look blocking: ``recv_into`` and ``send`` each check for
cancellation, try the call, and on success yield to the scheduler (``cancel_shielded_checkpoint``);
a ``recv_into`` that would block then registers with epoll (an ``epoll_ctl`` per wait: trio arms
its registrations one-shot), sleeps and calls again. For a small request answered at once that is
two scheduler trips, a failing syscall and an ``epoll_ctl``: over a third of the broker's CPU per
request.

Here a write the kernel takes whole returns without yielding, and a read yields *first*, then
tries the socket, and registers with epoll only if nothing has come: while the scheduler runs the
other ready connections (or polls epoll once), the client usually has its next request in
flight, so under load most reads need no registration at all (the 500-connection bench: 87 ->
~62 µs of broker CPU per request), and even one connection doing round trips gains (99 -> 83 µs).
The yield is the connection's checkpoint: it checks cancellation first, as trio's calls do.

Calls go to the file descriptor (``os.readv``/``os.write``, the same syscalls as ``recv``/``send``
without flags) so no private attribute of trio's socket is needed; the trio socket must stay
open, and owns the descriptor, while these run. A failing call (reset, timeout, broken pipe)
raises ``trio.BrokenResourceError``, as trio's streams do.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import trio

from wirekafka.log.file_region import FileRegion
from wirekafka.protocol.gather import BUFFER_TYPES, Records


async def receive_into(fd: int, view: memoryview) -> int:
    """Read into ``view`` after one yield, waiting for readability only if nothing is there yet.

    Returns the byte count, 0 at end of stream. Always a checkpoint.
    """
    await trio.lowlevel.checkpoint_if_cancelled()
    await trio.lowlevel.cancel_shielded_checkpoint()
    while True:
        try:
            return os.readv(fd, [view])
        except BlockingIOError:
            pass
        except OSError as exc:
            raise trio.BrokenResourceError(f"socket read failed: {exc}") from exc
        await trio.lowlevel.wait_readable(fd)


async def send_all(fd: int, data: bytes | bytearray | memoryview) -> None:
    """Write all of ``data`` to ``fd``, waiting for room only when the kernel's buffer is full.

    Does not yield when the kernel takes everything at once (every small response).
    """
    with memoryview(data) as view:
        total = len(view)
        sent = 0
        while True:
            try:
                sent += os.write(fd, view[sent:] if sent else view)
            except BlockingIOError:
                pass
            except OSError as exc:
                raise trio.BrokenResourceError(f"socket write failed: {exc}") from exc
            if sent >= total:
                return
            await trio.lowlevel.wait_writable(fd)


IOV_MAX = 1024
"""Most pieces one ``writev`` takes (Linux's ``UIO_MAXIOV``)."""


async def send_parts(fd: int, parts: Sequence[Records]) -> None:
    """Write ``parts`` in order as one stream: buffers with ``writev`` (``IOV_MAX`` at a time),
    file regions with ``sendfile``; waits for room only when the kernel's buffer is full.

    A frame whose records were set aside (``protocol.gather``) goes out without ever being one
    buffer. The parts are consumed: every file region among them is closed on return, sent or not.

    Raises:
        trio.BrokenResourceError: the write failed, or a file region's file was cut short.
    """
    try:
        if len(parts) == 1 and isinstance(parts[0], BUFFER_TYPES):
            await send_all(fd, parts[0])
            return
        buffers: list[memoryview] = []
        for part in parts:
            if isinstance(part, FileRegion):
                await _write_buffers(fd, buffers)
                buffers = []
                await _send_region(fd, part)
            else:
                buffers.append(memoryview(part))  # type: ignore[arg-type]  # bytes-like
        await _write_buffers(fd, buffers)
    finally:
        for part in parts:
            if isinstance(part, FileRegion):
                part.close()


async def _write_buffers(fd: int, pending: list[memoryview]) -> None:
    first = 0
    while first < len(pending):
        try:
            written = os.writev(fd, pending[first : first + IOV_MAX])
        except BlockingIOError:
            written = 0
        except OSError as exc:
            raise trio.BrokenResourceError(f"socket write failed: {exc}") from exc
        while first < len(pending) and written >= len(pending[first]):  # empty pieces too
            written -= len(pending[first])
            first += 1
        if first < len(pending):
            pending[first] = pending[first][written:]
            await trio.lowlevel.wait_writable(fd)


async def _send_region(fd: int, region: FileRegion) -> None:
    """``sendfile`` the region; its bytes never enter this process."""
    sent = 0
    while sent < region.size:
        try:
            count = os.sendfile(fd, region.fd, region.position + sent, region.size - sent)
        except BlockingIOError:
            await trio.lowlevel.wait_writable(fd)
            continue
        except OSError as exc:
            raise trio.BrokenResourceError(f"sendfile failed: {exc}") from exc
        if count == 0:
            # The frame's size prefix promised these bytes: the connection cannot go on.
            raise trio.BrokenResourceError(f"file region cut short after {sent} of {region.size} bytes")
        sent += count
