"""Robustness: malformed input closes (at most) the offending connection, never the broker.

Every case ends by proving the broker still answers ApiVersions and Metadata on a fresh connection.
"""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from conformance_tests import wire


def assert_alive(bootstrap: str) -> None:
    with wire.Connection.to(bootstrap, timeout=10) as conn:
        assert wire.parse_api_versions(conn.request(18, 0, b""), 0).error_code == 0
        assert wire.metadata(conn, 1, None).brokers, "no brokers in Metadata after the bad input"


def send_and_expect_close(bootstrap: str, data: bytes, what: str) -> None:
    with wire.Connection.to(bootstrap) as conn:
        try:
            conn.send(data)
        except OSError:
            return  # already closed on us: fine
        assert conn.wait_closed(5), f"broker kept the connection open after {what}"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        pytest.param(name, data, id=name)
        for name, data in [
            ("random_bytes", wire.i32(60) + os.urandom(60)),
            ("huge_declared_size", wire.i32(0x7FFFFFFF) + b"\x00" * 16),
            ("negative_size", wire.i32(-5) + b"\x00" * 16),
            ("zero_size", wire.i32(0) + wire.request_frame(18, 0, 1, b"")),
            ("unknown_api_key", wire.request_frame(9999, 0, 1, b"")),
            ("unsupported_metadata_version", wire.request_frame(3, 999, 1, wire.metadata_body(1, None))),
            ("truncated_body", wire.request_frame(3, 1, 1, wire.i32(5))),
            ("client_id_longer_than_frame",
             wire.i32(10) + wire.i16(18) + wire.i16(0) + wire.i32(1) + wire.i16(30000)),
        ]
    ],
)
def test_malformed_frame_closes_connection(bootstrap: str, name: str, data: bytes) -> None:
    """Kafka closes a connection whose frame it cannot read (size over socket.request.max.bytes,
    unknown api key, a version it does not serve, a body that does not parse)."""
    send_and_expect_close(bootstrap, data, name)
    assert_alive(bootstrap)


def test_partial_frame_then_disconnect(bootstrap: str) -> None:
    frame = wire.request_frame(3, 1, 1, wire.metadata_body(1, None))
    with wire.Connection.to(bootstrap) as conn:
        conn.send(frame[: len(frame) // 2])
    assert_alive(bootstrap)


def test_frame_sent_byte_by_byte(bootstrap: str) -> None:
    """A request that arrives in 1-byte TCP segments is reassembled and answered."""
    frame = wire.request_frame(18, 0, 7, b"")
    with wire.Connection.to(bootstrap) as conn:
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for b in frame:
            conn.send(bytes([b]))
            time.sleep(0.005)
        reader = wire.Reader(conn.recv_frame())
        assert reader.i32() == 7
        assert wire.parse_api_versions(reader, 0).error_code == 0


def test_disconnect_before_reading_response(bootstrap: str) -> None:
    """The client goes away while its request is being served (the broker must not choke writing back)."""
    for _ in range(5):
        with wire.Connection.to(bootstrap) as conn:
            conn.send(wire.request_frame(3, 1, 1, wire.metadata_body(1, None)))
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    assert_alive(bootstrap)


def test_many_concurrent_connections(bootstrap: str) -> None:
    """64 connections at once, each doing ApiVersions + Metadata."""
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            assert_alive(bootstrap)
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, f"{len(errors)} connections failed, first: {errors[0]!r}"


def test_bad_connection_does_not_disturb_others(bootstrap: str) -> None:
    """A healthy connection opened before the garbage keeps working after it."""
    with wire.Connection.to(bootstrap) as healthy:
        assert wire.parse_api_versions(healthy.request(18, 0, b""), 0).error_code == 0
        send_and_expect_close(bootstrap, wire.i32(0x7FFFFFFF) + b"junk", "a huge frame")
        assert wire.parse_api_versions(healthy.request(18, 0, b""), 0).error_code == 0


def test_idle_connection_not_dropped_quickly(bootstrap: str) -> None:
    """An idle client connection survives a few seconds of silence (clients pool connections)."""
    with wire.Connection.to(bootstrap) as conn:
        time.sleep(3)
        assert wire.parse_api_versions(conn.request(18, 0, b""), 0).error_code == 0
