"""Work-arounds applied by the proxy between a client and tansu, only where tansu itself fails.

They change what is forwarded, never what is recorded: golden request files are always the
bytes the client sent. Each shim is opt-in per client (``Client.shims`` in ``__main__``) and
is named in that client's manifest notes.

- ``api-versions-tags``: tansu writes default-valued tagged fields (SupportedFeatures,
  FinalizedFeaturesEpoch, FinalizedFeatures, ZkMigrationReady) in ApiVersions v3+ responses;
  librdkafka < 2.2 (Debian's kcat) mis-skips them and drops the connection. The shim removes
  the response's top-level tagged fields.
- ``init-producer-id-v3``: tansu answers InitProducerId v0/v1 (no producer_id/epoch fields)
  with UNKNOWN_SERVER_ERROR. The shim forwards such a request as v3 (producer_id -1, epoch -1)
  and turns the v3 response back into the v0/v1 layout.
"""

from __future__ import annotations

import struct

from tools.capture import wire

KNOWN = frozenset({"api-versions-tags", "init-producer-id-v3"})


def strip_api_versions_tags(response: bytes) -> bytes:
    """An ApiVersions v3+ response payload without its top-level tagged fields.

    Layout: correlation_id (header v0, no tags), error_code, compact array of (api_key,
    min_version, max_version, tags), throttle_time_ms, tags. Unparseable input is returned as is.
    """
    try:
        reader = wire.Reader(response, 4 + 2)
        for _ in range(reader.array_length(compact=True)):
            reader.take(6)
            reader.skip_tagged_fields()
        reader.int32()
        return response[: reader.pos] + b"\x00"
    except ValueError:
        return response


def _compact_nullable_string(value: bytes | None) -> bytes:
    if value is None:
        return b"\x00"
    length = len(value) + 1
    out = bytearray()
    while length >= 0x80:
        out.append((length & 0x7F) | 0x80)
        length >>= 7
    out.append(length)
    return bytes(out) + value


def init_producer_id_request_v3(request: bytes) -> bytes:
    """Re-encode an InitProducerId v0/v1 request payload as v3 (header v2).

    Raises:
        ValueError: if the payload is not a well-formed InitProducerId v0/v1 request.
    """
    header = wire.parse_request_header(request)
    if header.api_key != 22 or header.api_version > 1:
        raise ValueError("not an InitProducerId v0/v1 request")
    reader = wire.Reader(request, header.size)
    length = reader.int16()
    transactional_id = None if length < 0 else reader.take(length)
    timeout_ms = reader.int32()
    if not reader.at_end():
        raise ValueError("trailing bytes in InitProducerId request")
    client_id = request[8 : header.size]  # int16-length client_id, unchanged in header v2
    return (
        struct.pack(">hhi", 22, 3, header.correlation_id) + client_id + b"\x00"
        + _compact_nullable_string(transactional_id)
        + struct.pack(">iqh", timeout_ms, -1, -1) + b"\x00"
    )


def init_producer_id_response_v0(response: bytes) -> bytes:
    """Turn an InitProducerId v3 response payload (header v1) into the v0/v1 layout (header v0).

    Raises:
        ValueError: if the payload is truncated.
    """
    reader = wire.Reader(response, 4)
    reader.skip_tagged_fields()  # response header v1
    body = reader.take(4 + 2 + 8 + 2)  # throttle_time_ms, error_code, producer_id, producer_epoch
    return response[:4] + body
