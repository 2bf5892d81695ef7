"""The handshake over a real socket: ApiVersions at every version, the v0 fallback, bad frames."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

import pytest

from wirekafka.protocol import framing
from wirekafka.protocol.messages import by_name
from wirekafka.testing.broker import RunningBroker, running_broker

ApiVersionsRequest = by_name("ApiVersionsRequest")


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBroker]:
    with running_broker(tmp_path_factory.mktemp("data")) as running:
        yield running


def connect(broker: RunningBroker) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", broker.port), timeout=10)
    return sock


def read_frame(sock: socket.socket) -> bytes:
    def exactly(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    (size,) = struct.unpack(">i", exactly(4))
    return exactly(size)


def api_versions(sock: socket.socket, version: int, correlation_id: int = 1) -> tuple[int, object]:
    header = framing.RequestHeader(
        api_key=18, api_version=version, correlation_id=correlation_id, client_id="t"
    )
    body = ApiVersionsRequest(client_software_name="wirekafka-tests", client_software_version="1")
    sock.sendall(framing.encode_request(header, body))
    return framing.decode_response(18, version, read_frame(sock))


@pytest.mark.parametrize("version", [0, 1, 2, 3, 4])
def test_api_versions_at_every_version(broker: RunningBroker, version: int) -> None:
    with connect(broker) as sock:
        correlation_id, body = api_versions(sock, version, correlation_id=40 + version)
    assert correlation_id == 40 + version
    assert body.error_code == 0  # type: ignore[attr-defined]
    served = {k.api_key: (k.min_version, k.max_version) for k in body.api_keys}  # type: ignore[attr-defined]
    assert served[18] == (0, 4)
    assert served == {key: (low, high) for key, low, high in broker.broker.registry.api_versions()}


def test_unknown_api_versions_version_answers_v0_with_error_35(broker: RunningBroker) -> None:
    with connect(broker) as sock:
        # version 99 with a v2 header and some body bytes the broker cannot know
        payload = b"\x00\x12\x00\x63\x00\x00\x00\x07\x00\x01c\x00" + b"\x05junk\x00"
        sock.sendall(struct.pack(">i", len(payload)) + payload)
        frame = read_frame(sock)
        correlation_id, body = framing.decode_response(18, 0, frame)
        assert correlation_id == 7
        assert body.error_code == 35
        assert any(k.api_key == 18 and k.max_version == 4 for k in body.api_keys)
        # the connection stays usable for the retry at a lower version
        assert api_versions(sock, 3)[1].error_code == 0  # type: ignore[attr-defined]


def test_unknown_api_key_closes_only_that_connection(broker: RunningBroker) -> None:
    with connect(broker) as sock:
        payload = b"\x03\xe7\x00\x00\x00\x00\x00\x01\xff\xff"  # api key 999
        sock.sendall(struct.pack(">i", len(payload)) + payload)
        assert sock.recv(10) == b""
    with connect(broker) as other:
        assert api_versions(other, 2)[1].error_code == 0  # type: ignore[attr-defined]


def test_oversized_frame_is_refused_and_broker_keeps_serving(broker: RunningBroker) -> None:
    with connect(broker) as sock:
        sock.sendall(struct.pack(">i", 2**31 - 1) + b"\x00\x12")
        assert sock.recv(10) == b""
    with connect(broker) as sock:
        sock.sendall(b"\xff\xff\xff\xf0")  # negative size
        assert sock.recv(10) == b""
    with connect(broker) as other:
        assert api_versions(other, 0)[1].error_code == 0  # type: ignore[attr-defined]


def test_garbage_body_closes_the_connection(broker: RunningBroker) -> None:
    with connect(broker) as sock:
        payload = b"\x00\x12\x00\x03\x00\x00\x00\x01\xff\xff\x00" + b"\xff\xff\xff\xff\xff\xff"
        sock.sendall(struct.pack(">i", len(payload)) + payload)
        assert sock.recv(10) == b""


def test_pipelined_requests_are_answered_in_order(broker: RunningBroker) -> None:
    with connect(broker) as sock:
        frames = b"".join(
            framing.encode_request(
                framing.RequestHeader(api_key=18, api_version=v, correlation_id=100 + i, client_id=None),
                ApiVersionsRequest(),
            )
            for i, v in enumerate([0, 3, 1, 4, 2])
        )
        sock.sendall(frames)
        ids = [framing.decode_response(18, v, read_frame(sock))[0] for v in [0, 3, 1, 4, 2]]
    assert ids == [100, 101, 102, 103, 104]


def test_bytes_after_a_complete_body_are_ignored_as_kafka_does(broker: RunningBroker) -> None:
    """librdkafka's all-topics Metadata v9+ request carries 3 such bytes; Kafka's parser ignores them."""
    with connect(broker) as sock:
        frame = framing.encode_request(
            framing.RequestHeader(api_key=18, api_version=3, correlation_id=77, client_id="t"),
            ApiVersionsRequest(),
        )
        padded = frame[4:] + b"\x01\x00\x00"
        sock.sendall(struct.pack(">i", len(padded)) + padded)
        correlation_id, body = framing.decode_response(18, 3, read_frame(sock))
    assert correlation_id == 77 and body.error_code == 0  # type: ignore[attr-defined]
