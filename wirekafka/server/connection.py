"""One client connection: read frames, serve them one at a time, write responses in order.

Kafka mutes a connection while a request is in flight; serving one request at a time gives the
same guarantee (responses in request order) and natural back-pressure: a client that pipelines
requests waits in its own socket buffer, not in broker memory.

Frames are split by the sans-IO ``framing.FrameReader``, which the socket reads straight into:
small frames come out of a 16 KiB read buffer, a large one (a produce request of megabytes) is
received into a buffer of its own, allocated only after the size passed
``socket.request.max.bytes`` and grown as its bytes arrive (from 1 MiB, doubling), so memory
follows what a peer sent rather than what it declared.

Reads and writes go through ``socket_io`` (one scheduler trip per request instead of trio's
two, and usually no epoll registration); every read is a checkpoint, and the frame source adds
one when it hands out a frame without having read, so a pipelining client cannot keep the loop
to itself.
"""

from __future__ import annotations

import itertools
import logging
from typing import TYPE_CHECKING

import trio

from wirekafka.protocol.errors import FrameTooLargeError
from wirekafka.protocol.framing import FrameReader
from wirekafka.server.dispatch import Close, Peer, dispatch
from wirekafka.server.socket_io import receive_into, send_parts

if TYPE_CHECKING:
    from wirekafka.broker.broker import Broker

logger = logging.getLogger("wirekafka.server")

_READ_BUFFER = 16384  # small frames; a larger frame is received into a buffer of its own
_connection_ids = itertools.count(1)


class FrameSource:
    """Whole frames from a socket: the I/O shell around :class:`framing.FrameReader`."""

    def __init__(self, sock: trio.socket.SocketType, max_frame_size: int) -> None:
        self._sock = sock  # owns the descriptor: kept open while frames are read
        self._fd = sock.fileno()
        self._reader = FrameReader(max_frame_size, _READ_BUFFER)

    async def next_frame(self) -> bytearray | None:
        """The next frame's payload, or None when the peer closed the connection.

        Raises:
            FrameTooLargeError: the declared size is negative or too large.
        """
        reader = self._reader
        waited = False  # every read is a checkpoint
        while (frame := reader.next_frame()) is None:
            got = await receive_into(self._fd, reader.receive_buffer())
            if not got:
                return None
            reader.received(got)
            waited = True
        if not waited:
            await trio.lowlevel.checkpoint()  # pipelined frame, served from the buffer
        return frame


async def serve_connection(
    broker: Broker, stream: trio.SocketStream, listener_name: str = "PLAINTEXT"
) -> None:
    """Serve ``stream`` until the peer closes it or breaks the protocol; always closes it."""
    try:
        host, port = stream.socket.getpeername()[:2]
    except OSError:
        host, port = "?", 0
    peer = Peer(host, port, f"{host}:{port}-{next(_connection_ids)}", listener_name)
    frames = FrameSource(stream.socket, broker.config["socket.request.max.bytes"])
    fd = stream.socket.fileno()
    broker.connection_opened()
    try:
        while True:
            try:
                frame = await frames.next_frame()
            except FrameTooLargeError as exc:
                logger.info("closing %s: %s", peer.connection_id, exc)
                return
            if frame is None:
                return
            outcome = await dispatch(broker, frame, peer)
            if isinstance(outcome, Close):
                logger.info("closing %s: %s", peer.connection_id, outcome.reason)
                return
            if outcome is not None:
                await send_parts(fd, outcome)
    except (trio.BrokenResourceError, trio.ClosedResourceError, ConnectionError):
        return
    except Exception:
        logger.exception("closing %s after an unexpected error", peer.connection_id)
    finally:
        broker.connection_closed()
        with trio.move_on_after(1) as scope:
            scope.shield = True
            await stream.aclose()
