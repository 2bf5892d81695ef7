"""One client connection: read frames, serve them one at a time, write responses in order.

Kafka mutes a connection while a request is in flight; serving one request at a time gives the
same guarantee (responses in request order) and natural back-pressure: a client that pipelines
requests waits in its own socket buffer, not in broker memory.
"""

from __future__ import annotations

import itertools
import logging
from typing import TYPE_CHECKING

import trio

from wirekafka.protocol.errors import FrameTooLargeError
from wirekafka.protocol.framing import FrameReader
from wirekafka.server.dispatch import Close, Peer, dispatch

if TYPE_CHECKING:
    from wirekafka.broker.broker import Broker

logger = logging.getLogger("wirekafka.server")

_MIN_READ = 65536
_MAX_READ = 8 * 1024 * 1024
_connection_ids = itertools.count(1)


async def serve_connection(
    broker: Broker, stream: trio.SocketStream, listener_name: str = "PLAINTEXT"
) -> None:
    """Serve ``stream`` until the peer closes it or breaks the protocol; always closes it."""
    try:
        host, port = stream.socket.getpeername()[:2]
    except OSError:
        host, port = "?", 0
    peer = Peer(host, port, f"{host}:{port}-{next(_connection_ids)}", listener_name)
    reader = FrameReader(broker.config["socket.request.max.bytes"])
    broker.connection_opened()
    try:
        while True:
            try:
                frame = reader.next_frame()
            except FrameTooLargeError as exc:
                logger.info("closing %s: %s", peer.connection_id, exc)
                return
            if frame is None:
                data = await stream.receive_some(min(max(_MIN_READ, reader.bytes_needed()), _MAX_READ))
                if not data:
                    return
                reader.feed(data)
                continue
            outcome = await dispatch(broker, frame, peer)
            if isinstance(outcome, Close):
                logger.info("closing %s: %s", peer.connection_id, outcome.reason)
                return
            if outcome is not None:
                await stream.send_all(outcome)
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        return
    except Exception:
        logger.exception("closing %s after an unexpected error", peer.connection_id)
    finally:
        broker.connection_closed()
        with trio.move_on_after(1) as scope:
            scope.shield = True
            await stream.aclose()
