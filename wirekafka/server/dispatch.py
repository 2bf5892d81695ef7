"""From one request frame to the bytes to send back (or to closing the connection). No sockets.

Kafka's rules, in order:
1. A frame whose header does not decode closes the connection.
2. ApiVersions at a version the broker does not serve gets the v0 answer with UNSUPPORTED_VERSION.
3. An API the broker does not serve closes the connection (there is no response layout to use).
4. A served API at a version outside the served range gets UNSUPPORTED_VERSION in the response's
   top-level ``error_code`` when the codec knows the version's layout and it has such a field;
   otherwise the connection is closed, as Kafka does.
5. A body that does not decode closes the connection. Bytes after a complete body are ignored,
   as Kafka's parser does: librdkafka's all-topics Metadata v9+ request carries 3 of them.
6. A handler returning ``None`` sends nothing (Produce with acks=0); returning ``Close`` closes the
   connection (Kafka closes an acks=0 producer's connection when its write fails, since it cannot
   be told otherwise).
7. A handler may return a ``framing.EncodedBody`` instead of a response object: an answer encoded
   once and reused (ApiVersions, all-topics Metadata); only the header is written per request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wirekafka.broker.context import RequestContext
from wirekafka.protocol import framing
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.compiler import codec
from wirekafka.protocol.errors import DecodeError, ErrorCode
from wirekafka.protocol.gather import Records
from wirekafka.protocol.messages import REQUESTS, RESPONSES

if TYPE_CHECKING:
    from wirekafka.broker.broker import Broker

logger = logging.getLogger("wirekafka.server")


@dataclass(frozen=True, slots=True)
class Close:
    """The connection must be closed; ``reason`` is logged."""

    reason: str


@dataclass(frozen=True, slots=True)
class Peer:
    host: str
    port: int
    connection_id: str
    listener_name: str = "PLAINTEXT"


async def dispatch(broker: Broker, frame: bytes | bytearray, peer: Peer) -> list[Records] | Close | None:
    """Serve one request frame: the response frame's pieces in order (``protocol.gather``: a
    fetch answer's large records are pieces of their own), ``None`` for no response, or
    ``Close``."""
    try:
        header, body_start = framing.decode_request_header(frame)
    except DecodeError as exc:
        return Close(f"undecodable request header: {exc}")
    registration = broker.registry.lookup(header.api_key)
    if registration is None or not registration.serves(header.api_version):
        return _unserved(broker, header, registration is not None)
    request_class = REQUESTS[header.api_key]
    try:
        request = codec(request_class, header.api_version).decode(memoryview(frame)[body_start:], exact=False)
    except DecodeError as exc:
        return Close(f"undecodable request: {exc}")
    context = RequestContext(header, broker, peer.host, peer.port, peer.connection_id, peer.listener_name)
    response = await registration.handler(context, request)
    if response is None or isinstance(response, Close):
        return response
    return framing.encode_response_parts(header.api_key, header.api_version, header.correlation_id, response)


def _unserved(broker: Broker, header: framing.RequestHeader, api_is_served: bool) -> list[Records] | Close:
    if header.api_key == ApiKey.API_VERSIONS:
        return [
            framing.unsupported_api_versions_response(header.correlation_id, broker.registry.api_versions())
        ]
    if not api_is_served:
        return Close(f"unsupported api key {header.api_key}")
    response_class = RESPONSES.get(header.api_key)
    if response_class is None or header.api_version not in response_class.schema.valid_versions:
        return Close(f"unsupported version {header.api_version} of api key {header.api_key}")
    if not any(
        f.name == "error_code" and f.present_in(header.api_version)
        for f in response_class.schema.struct.fields
    ):
        return Close(f"unsupported version {header.api_version} of api key {header.api_key}")
    response: Any = response_class(error_code=ErrorCode.UNSUPPORTED_VERSION)
    return [framing.encode_response(header.api_key, header.api_version, header.correlation_id, response)]
