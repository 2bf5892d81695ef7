"""Size-prefixed frames and request/response headers, with Kafka's quirks. Sans-IO.

A Kafka connection carries frames: an int32 size, then that many bytes. A request frame starts
with a request header; a response frame with a response header. The header version follows from
the API and its version:

* request header v1: api_key int16, api_version int16, correlation_id int32, client_id nullable
  string (int16 length even in flexible versions: Kafka pins it with ``flexibleVersions: none``);
  v2 adds a tag buffer. Flexible API versions use v2.
* response header v0: correlation_id; v1 adds a tag buffer. Flexible API versions use v1 —
  except ApiVersions, whose response header is **always v0** so that a client that does not yet
  know the broker's versions can read it (one stray byte there has crashed librdkafka).
* An ApiVersions request at a version the broker does not know is answered in the **v0 layout**
  with UNSUPPORTED_VERSION (35) and the supported ranges, so the client can retry lower.

The frame reader checks a declared size against ``max_frame_size`` (``socket.request.max.bytes``)
before buffering anything for it: an attacker's size never sizes an allocation.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from wirekafka.protocol import primitives as p
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.compiler import codec
from wirekafka.protocol.errors import DecodeError, ErrorCode, FrameTooLargeError
from wirekafka.protocol.gather import GatherBuffer, Records
from wirekafka.protocol.messages import REQUESTS, RESPONSES
from wirekafka.protocol.messages.api_versions import ApiVersionsResponse

DEFAULT_MAX_FRAME_SIZE = 104_857_600  # Kafka's socket.request.max.bytes


def checked_frame_size(buffer: bytes | bytearray | memoryview, position: int, max_frame_size: int) -> int:
    """The size declared at ``position``, refused before anything is allocated for it.

    Raises:
        FrameTooLargeError: negative or above ``max_frame_size``; the connection must be closed.
    """
    size: int = p.INT32.unpack_from(buffer, position)[0]
    if size < 0 or size > max_frame_size:
        raise FrameTooLargeError(f"frame of {size} bytes (maximum {max_frame_size})")
    return size


class FrameReader:
    """Splits a byte stream into frames. Sans-IO: the caller receives bytes straight into
    :meth:`receive_buffer` and reports how many with :meth:`received` (0 is end of stream).

    Small frames are sliced out of one read buffer of ``read_buffer`` bytes (compacted when it
    fills). A frame larger than that gets a buffer of its own, allocated only after the declared
    size passed ``max_frame_size``, and the rest of it is received straight into that buffer: its
    bytes are copied once, from the kernel. The buffer starts at ``large_frame_step`` bytes (or the
    whole frame, if smaller) and doubles as the bytes actually arrive, so what a peer makes the
    broker hold follows what it sent, not what it declared: 500 connections each declaring 100 MB
    and sending nothing cost 500 small buffers. Frames are ``bytearray`` so that the records of a
    produce request stay writable views of it all the way to the log.
    """

    def __init__(
        self,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        read_buffer: int = 16384,
        large_frame_step: int = 1_048_576,
    ) -> None:
        self.max_frame_size = max_frame_size
        self.large_frame_step = large_frame_step
        self._buffer = bytearray(read_buffer)
        self._view = memoryview(self._buffer)
        self._start = 0
        self._end = 0
        self._large: bytearray | None = None  # a frame too big for the read buffer, being filled
        self._large_view = memoryview(b"")
        self._large_filled = 0
        self._large_size = 0  # its declared size; the buffer grows towards it

    def next_frame(self) -> bytearray | None:
        """The next complete frame's payload (without its size), or None until more bytes arrive.

        Raises:
            FrameTooLargeError: the declared size is negative or above ``max_frame_size``; the
                connection must be closed, as Kafka does.
        """
        large = self._large
        if large is not None:
            if self._large_filled < self._large_size:
                return None
            self._large = None
            self._large_view = memoryview(b"")
            return large
        available = self._end - self._start
        if available < 4:
            return None
        size = checked_frame_size(self._buffer, self._start, self.max_frame_size)
        begin = self._start + 4
        if available - 4 >= size:
            self._start = begin + size
            return bytearray(self._view[begin : begin + size])
        if 4 + size <= len(self._buffer):
            return None  # fits the read buffer: wait for the rest there
        have = available - 4
        frame = bytearray(min(size, max(have, self.large_frame_step)))
        frame[:have] = self._view[begin : self._end]
        self._start = self._end = 0
        self._large, self._large_view, self._large_filled = frame, memoryview(frame), have
        self._large_size = size
        return None

    def receive_buffer(self) -> memoryview:
        """Where the next received bytes go; never empty. Call :meth:`next_frame` until it
        returns None before asking, so that a large frame gets its own buffer."""
        large = self._large
        if large is not None:
            filled = self._large_filled
            if filled == len(large):  # full, and the frame is not complete: double it
                grown = bytearray(min(self._large_size, 2 * len(large)))
                grown[:filled] = self._large_view
                self._large, self._large_view = grown, memoryview(grown)
            return self._large_view[filled:]
        if self._start == self._end:
            self._start = self._end = 0
        elif self._end == len(self._buffer):
            remaining = self._end - self._start
            self._buffer[:remaining] = self._view[self._start : self._end]
            self._start, self._end = 0, remaining
        return self._view[self._end :]

    def received(self, count: int) -> None:
        """``count`` bytes were written at the start of the last :meth:`receive_buffer`."""
        if self._large is not None:
            self._large_filled += count
        else:
            self._end += count

    @property
    def buffered(self) -> int:
        """Bytes received and not yet handed out as a frame."""
        return self._end - self._start + (self._large_filled if self._large is not None else 0)


# api_key, api_version, correlation_id and the client id's length, read in one call.
_HEADER_START = struct.Struct(">hhih")


@dataclass(slots=True)
class RequestHeader:
    api_key: int
    api_version: int
    correlation_id: int
    client_id: str | None
    unknown_tagged_fields: list[tuple[int, bytes]] = field(default_factory=list)

    @property
    def header_version(self) -> int:
        return request_header_version(self.api_key, self.api_version)


# Every request and response asks whether its (api_key, api_version) is flexible; the answer
# never changes, so it is looked up in the schemas once per pair (at most 4096 pairs are kept,
# so a client sending random keys and versions cannot grow it without bound).
_FLEXIBLE: dict[tuple[int, int], bool | None] = {}


def is_flexible(api_key: int, api_version: int) -> bool | None:
    """Whether (api_key, api_version) uses flexible encoding; None if wirekafka does not declare it."""
    key = (api_key, api_version)
    try:
        return _FLEXIBLE[key]
    except KeyError:
        pass
    request = REQUESTS.get(api_key)
    if request is None or api_version not in request.schema.valid_versions:
        flexible = None
    else:
        flexible = bool(request.schema.is_flexible(api_version))
    if len(_FLEXIBLE) < 4096:
        _FLEXIBLE[key] = flexible
    return flexible


def request_header_version(api_key: int, api_version: int) -> int:
    """1 for classic versions, 2 for flexible ones (unknown versions count as classic)."""
    return 2 if is_flexible(api_key, api_version) else 1


def response_header_version(api_key: int, api_version: int) -> int:
    """0 for classic versions, 1 for flexible ones — and always 0 for ApiVersions."""
    if api_key == ApiKey.API_VERSIONS:
        return 0
    return 1 if is_flexible(api_key, api_version) else 0


def decode_request_header(frame: bytes | bytearray | memoryview) -> tuple[RequestHeader, int]:
    """Decode the request header at the start of ``frame``; returns it and where the body starts.

    For an API or version wirekafka does not declare, the tag buffer (header v2) is not read: the
    caller cannot decode such a body anyway and answers from the header alone.
    """
    common = _decode_common_header(frame)
    if common is None:
        return _decode_request_header(frame)
    header, position = common
    if is_flexible(header.api_key, header.api_version):
        if position < len(frame) and frame[position] == 0:
            return header, position + 1  # empty tag buffer
        return _decode_request_header(frame)
    return header, position


def _decode_common_header(frame: bytes | bytearray | memoryview) -> tuple[RequestHeader, int] | None:
    """The header (without tag buffer) of almost every request, in one ``unpack``: ASCII client id.

    ``None`` sends the frame to the general decoder (null or non-ASCII client id, truncated
    frame), which also words the errors.
    """
    if len(frame) < _HEADER_START.size:
        return None
    api_key, api_version, correlation_id, length = _HEADER_START.unpack_from(frame, 0)
    start = _HEADER_START.size
    if length < 0 or start + length > len(frame):
        return None
    raw = frame[start : start + length]
    if isinstance(raw, memoryview):
        raw = raw.tobytes()
    if not raw.isascii():
        return None
    return RequestHeader(api_key, api_version, correlation_id, str(raw, "ascii")), start + length


def _decode_request_header(frame: bytes | bytearray | memoryview) -> tuple[RequestHeader, int]:
    try:
        api_key, position = p.read_struct(p.INT16, frame, 0)
        api_version, position = p.read_struct(p.INT16, frame, position)
        correlation_id, position = p.read_struct(p.INT32, frame, position)
        client_id, position = p.read_string(frame, position, compact=False, nullable=True)
        header = RequestHeader(api_key, api_version, correlation_id, client_id)
        if is_flexible(api_key, api_version):
            fields, position = p.read_tagged_fields(frame, position)
            header.unknown_tagged_fields = [(tag, bytes(data)) for tag, data in fields]
    except DecodeError as exc:
        raise DecodeError(f"request header: {exc.reason}", position=exc.position) from None
    return header, position


def encode_request_header(out: bytearray, header: RequestHeader) -> None:
    out += p.INT16.pack(header.api_key)
    out += p.INT16.pack(header.api_version)
    out += p.INT32.pack(header.correlation_id)
    p.write_string(out, header.client_id, compact=False)
    if request_header_version(header.api_key, header.api_version) >= 2:
        p.write_tagged_fields(out, sorted(header.unknown_tagged_fields))


def decode_request(frame: bytes | memoryview) -> tuple[RequestHeader, Any]:
    """Decode a whole request frame: header and body (``records`` stay views of ``frame``).

    Raises:
        DecodeError: malformed header or body, or an API/version wirekafka does not declare.
    """
    header, position = decode_request_header(frame)
    request_class = REQUESTS.get(header.api_key)
    if request_class is None or header.api_version not in request_class.schema.valid_versions:
        raise DecodeError(
            "undeclared api key or version", api_key=header.api_key, api_version=header.api_version
        )
    view = memoryview(frame)[position:]
    # Kafka ignores bytes after the body; librdkafka's all-topics Metadata v9+ request has 3.
    body = codec(request_class, header.api_version).decode(view, exact=False)
    return header, body


def encode_request(header: RequestHeader, body: Any) -> bytes:
    """A size-prefixed request frame (used by wirekafka's own client and by tests)."""
    out = bytearray(b"\0\0\0\0")
    encode_request_header(out, header)
    codec(type(body), header.api_version).encode_into(out, body)
    p.INT32.pack_into(out, 0, len(out) - 4)
    return bytes(out)


class EncodedBody:
    """A response body already encoded at one API version, written as is after the header.

    For answers that stay the same from one request to the next — ApiVersions (the first request
    of every connection: its ~60 entries cost more to encode than the rest of the request) and
    all-topics Metadata. A handler may return one in place of the response object.
    """

    __slots__ = ("api_version", "data")

    def __init__(self, api_version: int, data: bytes) -> None:
        self.api_version = api_version
        self.data = data

    @classmethod
    def of(cls, body: Any, api_version: int) -> EncodedBody:
        """``body`` (a response object) encoded at ``api_version``."""
        return cls(api_version, codec(type(body), api_version).encode(body))


def encode_response(api_key: int, api_version: int, correlation_id: int, body: Any) -> bytearray:
    """A size-prefixed response frame with the right header version, in one buffer.

    ``body`` is a response object or an ``EncodedBody`` of the same version. Returned as the
    ``bytearray`` it was built in: copying it into ``bytes`` would only cost time.
    """
    out = bytearray(b"\0\0\0\0")
    _encode_response_into(out, api_key, api_version, correlation_id, body)
    p.INT32.pack_into(out, 0, len(out) - 4)
    return out


def encode_response_parts(api_key: int, api_version: int, correlation_id: int, body: Any) -> list[Records]:
    """The frame of ``encode_response``, as pieces for a gathering write (``protocol.gather``).

    Large ``records`` (a fetch answer's stored batches) are pieces of their own, not copied; a
    small answer is one piece. Joined, the pieces are exactly ``encode_response``'s bytes. An
    answer whose layout has no records field (all but Fetch) is built in one buffer directly:
    the 500-connection ApiVersions + Metadata load felt even the small cost of gathering.
    """
    if isinstance(body, EncodedBody) or not codec(type(body), api_version).carries_records:
        return [encode_response(api_key, api_version, correlation_id, body)]
    out = GatherBuffer(b"\0\0\0\0")
    _encode_response_into(out, api_key, api_version, correlation_id, body)
    p.INT32.pack_into(out, 0, out.frame_size() - 4)
    return out.parts()


def _encode_response_into(
    out: bytearray, api_key: int, api_version: int, correlation_id: int, body: Any
) -> None:
    out += p.INT32.pack(correlation_id)
    if response_header_version(api_key, api_version) >= 1:
        out.append(0)  # empty tag buffer
    if isinstance(body, EncodedBody):
        if body.api_version != api_version:
            raise ValueError(f"body encoded at version {body.api_version}, response is version {api_version}")
        out += body.data
    else:
        codec(type(body), api_version).encode_into(out, body)


def decode_response(api_key: int, api_version: int, frame: bytes | memoryview) -> tuple[int, Any]:
    """Decode a response frame (without size) into (correlation_id, body)."""
    correlation_id, position = p.read_struct(p.INT32, frame, 0)
    if response_header_version(api_key, api_version) >= 1:
        _, position = p.read_tagged_fields(frame, position)
    body = codec(RESPONSES[api_key], api_version).decode(memoryview(frame)[position:])
    return correlation_id, body


def unsupported_api_versions_response(correlation_id: int, api_keys: list[tuple[int, int, int]]) -> bytearray:
    """The answer to an ApiVersions request at an unknown version: v0 layout, error 35, the ranges.

    Args:
        correlation_id: from the request header.
        api_keys: (api_key, min_version, max_version) the broker serves.
    """
    body = ApiVersionsResponse(
        error_code=ErrorCode.UNSUPPORTED_VERSION,
        api_keys=[
            ApiVersionsResponse.ApiVersion(api_key=key, min_version=low, max_version=high)
            for key, low, high in api_keys
        ],
    )
    return encode_response(ApiKey.API_VERSIONS, 0, correlation_id, body)
