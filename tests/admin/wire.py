"""One request, one response, over a real socket, at an exact version (what clients cannot choose)."""

from __future__ import annotations

import socket
import struct
from itertools import count
from typing import Any

from wirekafka.protocol import framing
from wirekafka.protocol.messages import REQUESTS

_correlation = count(1)


def _exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("connection closed by the broker")
        data += chunk
    return data


def call(port: int, api_key: int, version: int, **fields: Any) -> Any:
    """Send ``REQUESTS[api_key](**fields)`` at ``version``; return the decoded response body."""
    body = REQUESTS[api_key](**fields)
    correlation_id = next(_correlation)
    header = framing.RequestHeader(
        api_key=api_key, api_version=version, correlation_id=correlation_id, client_id="t"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(framing.encode_request(header, body))
        (size,) = struct.unpack(">i", _exactly(sock, 4))
        answered, response = framing.decode_response(api_key, version, _exactly(sock, size))
    assert answered == correlation_id
    return response
