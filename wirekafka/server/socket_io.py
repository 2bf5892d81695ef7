"""Reading and writing a connected socket with one trip through trio's scheduler per request.

trio's socket methods make every call look blocking: ``recv_into`` and ``send`` each check for
cancellation, try the call, and on success yield to the scheduler (``cancel_shielded_checkpoint``);
a ``recv_into`` that would block first fails, then waits, then calls again. For a small request
answered at once that is two scheduler trips (the wait, the yield after ``send``) and a failing
syscall: a third of the broker's CPU per request. Here the read waits for readability *first* (after a response has gone out the
next request is rarely there yet, so trying first is a wasted ``EAGAIN``), and a write that the
kernel takes whole returns without yielding: the wait for the next request is the connection's
checkpoint. The connection adds one when it serves a frame that needed no read (pipelining).

Calls go to the file descriptor (``os.readv``/``os.write``, the same syscalls as ``recv``/``send``
without flags) so no private attribute of trio's socket is needed; the trio socket must stay
open, and owns the descriptor, while these run. A failing call (reset, timeout, broken pipe)
raises ``trio.BrokenResourceError``, as trio's streams do.
"""

from __future__ import annotations

import os

import trio


async def receive_into(fd: int, view: memoryview) -> int:
    """Wait until ``fd`` is readable, then read into ``view``: the byte count, 0 at end of stream."""
    while True:
        await trio.lowlevel.wait_readable(fd)
        try:
            return os.readv(fd, [view])
        except BlockingIOError:
            continue  # a spurious wakeup
        except OSError as exc:
            raise trio.BrokenResourceError(f"socket read failed: {exc}") from exc


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
