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

import trio


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


async def send_parts(fd: int, parts: list[bytes | bytearray | memoryview]) -> None:
    """Write ``parts`` in order as one stream of bytes, ``IOV_MAX`` pieces per ``writev``.

    A frame whose large records were set aside (``protocol.gather``) goes out without ever being
    one buffer; waits for room only when the kernel's buffer is full, as ``send_all`` does.
    """
    if len(parts) == 1:
        await send_all(fd, parts[0])
        return
    pending = [memoryview(part) for part in parts]
    first = 0
    while first < len(pending):
        try:
            written = os.writev(fd, pending[first : first + IOV_MAX])
        except BlockingIOError:
            written = 0
        except OSError as exc:
            raise trio.BrokenResourceError(f"socket write failed: {exc}") from exc
        while written and first < len(pending):
            size = len(pending[first])
            if written >= size:
                written -= size
                first += 1
            else:
                pending[first] = pending[first][written:]
                written = 0
        if first < len(pending):
            await trio.lowlevel.wait_writable(fd)
