"""Frames and headers, with the quirks real clients depend on (see ../shared/CLIENT-QUIRKS.md)."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wirekafka.protocol import framing
from wirekafka.protocol.compiler import codec
from wirekafka.protocol.errors import DecodeError, FrameTooLargeError, UnsupportedVersionError
from wirekafka.protocol.messages import by_name

ApiVersionsRequest = by_name("ApiVersionsRequest")
ApiVersionsResponse = by_name("ApiVersionsResponse")
MetadataRequest = by_name("MetadataRequest")
MetadataResponse = by_name("MetadataResponse")


def deliver(reader: framing.FrameReader, stream: bytes, chunk: int) -> list[bytes]:
    """Play a socket: receive ``stream`` into the reader ``chunk`` bytes at a time, taking frames."""
    frames: list[bytes] = []
    position = 0
    while True:
        while (frame := reader.next_frame()) is not None:
            assert isinstance(frame, bytearray)
            frames.append(bytes(frame))
        if position == len(stream):
            return frames
        buffer = reader.receive_buffer()
        assert len(buffer) > 0
        count = min(len(buffer), chunk, len(stream) - position)
        buffer[:count] = stream[position : position + count]
        reader.received(count)
        position += count


def framed(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


def test_frame_reader_splits_a_stream_received_byte_by_byte() -> None:
    reader = framing.FrameReader(max_frame_size=100)
    stream = b"\x00\x00\x00\x03abc\x00\x00\x00\x00\x00\x00\x00\x02xy"
    assert deliver(reader, stream, 1) == [b"abc", b"", b"xy"]
    assert reader.buffered == 0


@given(
    st.lists(st.binary(max_size=300) | st.integers(0, 5_000).map(lambda n: b"L" * n), max_size=12),
    st.integers(1, 2_000),
)
def test_frames_of_any_size_survive_any_chunking(payloads: list[bytes], chunk: int) -> None:
    """Small frames in the 64-byte read buffer, larger ones in buffers of their own that grow."""
    reader = framing.FrameReader(max_frame_size=10_000, read_buffer=64, large_frame_step=100)
    assert deliver(reader, b"".join(framed(p) for p in payloads), chunk) == payloads
    assert reader.buffered == 0


def test_a_large_frame_is_received_into_a_buffer_of_its_own() -> None:
    reader = framing.FrameReader(max_frame_size=10_000, read_buffer=64)
    buffer = reader.receive_buffer()
    head = framed(b"x" * 1_000)[:40]
    buffer[:40] = head
    reader.received(40)
    assert reader.next_frame() is None
    rest = reader.receive_buffer()
    assert len(rest) == 1_000 - 36  # the frame's own buffer, minus what the read buffer held


def test_a_declared_size_alone_does_not_size_an_allocation() -> None:
    """What a peer makes the reader hold follows the bytes it sent, not the size it declared."""
    reader = framing.FrameReader(max_frame_size=200_000_000, read_buffer=64, large_frame_step=1_000)
    payload = bytes(range(256)) * 40  # 10,240 bytes
    stream = struct.pack(">i", 100_000_000) + b"\x01" * 60  # declares 100 MB, sends 60 bytes
    assert deliver(reader, stream, 64) == []
    assert len(reader.receive_buffer()) <= 1_000  # not 100 MB
    # A frame that does arrive is received whole, its buffer doubling on the way.
    reader = framing.FrameReader(max_frame_size=200_000_000, read_buffer=64, large_frame_step=1_000)
    offered = []
    frames: list[bytes] = []
    stream = framed(payload) + framed(b"after")
    position = 0
    while position < len(stream):
        while (frame := reader.next_frame()) is not None:
            frames.append(bytes(frame))
        buffer = reader.receive_buffer()  # still held when the next one is asked for
        offered.append(len(buffer))
        count = min(len(buffer), len(stream) - position)
        buffer[:count] = stream[position : position + count]
        reader.received(count)
        position += count
    while (frame := reader.next_frame()) is not None:
        frames.append(bytes(frame))
    assert frames == [payload, b"after"]
    assert max(offered) <= len(payload) // 2 + 1  # the last doubling: half the frame at most
    assert reader.buffered == 0


def test_frame_over_the_maximum_is_refused_from_its_size_alone() -> None:
    reader = framing.FrameReader(max_frame_size=1024)
    with pytest.raises(FrameTooLargeError):
        deliver(reader, struct.pack(">i", 1025), 4)
    negative = framing.FrameReader()
    with pytest.raises(FrameTooLargeError):
        deliver(negative, b"\xff\xff\xff\xff", 4)


def test_request_header_v1_and_v2_golden() -> None:
    v1 = framing.encode_request(
        framing.RequestHeader(api_key=3, api_version=1, correlation_id=7, client_id="c"),
        MetadataRequest(topics=None),
    )
    assert v1 == b"\x00\x00\x00\x0f" + b"\x00\x03\x00\x01\x00\x00\x00\x07\x00\x01c" + b"\xff\xff\xff\xff"
    v2 = framing.encode_request(
        framing.RequestHeader(api_key=3, api_version=12, correlation_id=7, client_id=None),
        MetadataRequest(topics=None),
    )
    # header v2: client id stays an int16-length string, then an empty tag buffer
    assert v2[4:15] == b"\x00\x03\x00\x0c\x00\x00\x00\x07\xff\xff\x00"
    header, body = framing.decode_request(v2[4:])
    assert header.header_version == 2 and header.client_id is None and body.topics is None


def test_api_versions_response_always_uses_header_v0() -> None:
    body = ApiVersionsResponse(
        api_keys=[ApiVersionsResponse.ApiVersion(api_key=18, min_version=0, max_version=4)]
    )
    frame = framing.encode_response(18, 3, 9, body)
    # size, correlation id, then straight into the body: error_code int16 — no tag byte
    assert frame[4:8] == b"\x00\x00\x00\x09"
    assert frame[8:10] == b"\x00\x00"
    assert codec(ApiVersionsResponse, 3).decode(frame[8:]) == body
    # a flexible Metadata response does get header v1 (one empty tag buffer byte)
    metadata = framing.encode_response(3, 12, 9, MetadataResponse())
    assert metadata[8] == 0 and framing.decode_response(3, 12, metadata[4:])[0] == 9


def test_an_encoded_body_is_framed_like_the_object_it_encodes() -> None:
    body = ApiVersionsResponse(
        api_keys=[ApiVersionsResponse.ApiVersion(api_key=18, min_version=0, max_version=4)]
    )
    for api_key, version, response in ((18, 3, body), (3, 12, MetadataResponse())):
        encoded = framing.EncodedBody.of(response, version)
        assert framing.encode_response(api_key, version, 9, encoded) == framing.encode_response(
            api_key, version, 9, response
        )
    with pytest.raises(ValueError, match="version"):
        framing.encode_response(18, 2, 9, framing.EncodedBody.of(body, 3))


def test_unknown_api_versions_version_gets_v0_answer_with_error_35() -> None:
    frame = framing.unsupported_api_versions_response(5, [(0, 0, 11), (18, 0, 4)])
    correlation_id, body = framing.decode_response(18, 0, frame[4:])
    assert correlation_id == 5
    assert body.error_code == 35
    assert [(k.api_key, k.min_version, k.max_version) for k in body.api_keys] == [(0, 0, 11), (18, 0, 4)]
    assert frame == b"\x00\x00\x00\x16\x00\x00\x00\x05\x00\x23\x00\x00\x00\x02" + (
        b"\x00\x00\x00\x00\x00\x0b" + b"\x00\x12\x00\x00\x00\x04"
    )


def test_header_of_an_undeclared_version_still_decodes() -> None:
    frame = b"\x00\x12\x00\x63\x00\x00\x00\x01\x00\x04kcat\x01\x02"
    header, position = framing.decode_request_header(frame)
    assert (header.api_key, header.api_version, header.correlation_id, header.client_id) == (
        18,
        99,
        1,
        "kcat",
    )
    assert position == 14
    with pytest.raises(DecodeError, match="undeclared"):
        framing.decode_request(frame)


def test_garbage_header_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="request header"):
        framing.decode_request_header(b"\x00\x03\x00")


def _header_or_error(decode: object, frame: bytes | bytearray | memoryview) -> object:
    try:
        header, position = decode(frame)  # type: ignore[operator]
    except DecodeError as exc:
        return str(exc)
    return header, position


_PREFIXES = st.sampled_from(
    [b"\x00\x12\x00\x03", b"\x00\x03\x00\x0c", b"\x00\x03\x00\x01", b"\x7f\x00\x00\x01"]
)


@given(
    _PREFIXES,
    st.binary(max_size=4),
    st.sampled_from([-2, -1, 0, 1, 3, 200]),
    st.one_of(st.text(max_size=4).map(lambda t: t.encode()), st.binary(max_size=4)),
    st.binary(max_size=6),
)
def test_header_fast_path_agrees_with_the_general_decoder(
    prefix: bytes, correlation: bytes, length: int, client_id: bytes, rest: bytes
) -> None:
    frame = prefix + correlation.ljust(4, b"\0") + struct.pack(">h", length) + client_id + rest
    for cut in (len(frame), 9, 10, 11):
        for data in (frame[:cut], bytearray(frame[:cut]), memoryview(frame[:cut])):
            fast = _header_or_error(framing.decode_request_header, data)
            assert fast == _header_or_error(framing._decode_request_header, data)


def test_non_default_value_in_absent_field_raises() -> None:
    # ClientSoftwareName exists from v3 and is ignorable: dropped silently below v3
    assert codec(ApiVersionsRequest, 2).encode(ApiVersionsRequest(client_software_name="x")) == b""
    # Metadata's include_topic_authorized_operations (v8+) is not ignorable
    request = MetadataRequest(topics=None, include_topic_authorized_operations=True)
    with pytest.raises(UnsupportedVersionError, match="include_topic_authorized_operations"):
        codec(MetadataRequest, 7).encode(request)


def test_codec_for_an_undeclared_version_raises() -> None:
    with pytest.raises(UnsupportedVersionError):
        codec(ApiVersionsRequest, 99)
