"""Helpers for the real-client transaction tests: a broker subprocess, a lossy proxy, consumers.

The broker runs as ``python -m wirekafka serve`` in its own process so it can be killed with
SIGKILL. The proxy sits between clients and broker and, every n-th Produce, closes the connection
after the request reached the broker but before its response reached the client: the client must
retry a batch the broker already wrote -- exactly the case idempotence exists for.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PRODUCE = 0

BROKER_SETTINGS: Mapping[str, str] = {
    "group.initial.rebalance.delay.ms": "0",
    "offsets.topic.num.partitions": "3",
    "offsets.topic.replication.factor": "1",
    "transaction.state.log.num.partitions": "3",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BrokerProcess:
    """One broker subprocess on a fixed port and data dir; can be killed and started again."""

    def __init__(
        self, data_dir: Path, overrides: Mapping[str, str] | None = None, advertised_port: int | None = None
    ):
        self.data_dir = data_dir
        self.port = free_port()
        self.advertised_port = advertised_port
        self.overrides = {**BROKER_SETTINGS, **(overrides or {})}
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.advertised_port or self.port}"

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "wirekafka",
            "serve",
            "--listen",
            f"127.0.0.1:{self.port}",
            "--data-dir",
            str(self.data_dir),
        ]
        if self.advertised_port is not None:
            command += ["--advertised-listener", f"127.0.0.1:{self.advertised_port}"]
        for key, value in self.overrides.items():
            command += ["-o", f"{key}={value}"]
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ}
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode()
        assert "listening on" in line, f"broker did not start: {line!r}"

    def kill(self) -> None:
        """SIGKILL: no flush, no snapshot, no clean shutdown marker."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@contextlib.contextmanager
def broker(
    data_dir: Path, overrides: Mapping[str, str] | None = None, **kwargs: Any
) -> Iterator[BrokerProcess]:
    process = BrokerProcess(data_dir, overrides, **kwargs)
    process.start()
    try:
        yield process
    finally:
        process.stop()


# ---- a proxy that loses Produce responses -----------------------------------------------------------


def _read_frame(sock: socket.socket) -> bytes | None:
    header = _read_exactly(sock, 4)
    if header is None:
        return None
    (size,) = struct.unpack(">i", header)
    body = _read_exactly(sock, size)
    return None if body is None else header + body


def _read_exactly(sock: socket.socket, count: int) -> bytes | None:
    data = bytearray()
    while len(data) < count:
        try:
            chunk = sock.recv(count - len(data))
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    return bytes(data)


class LossyProxy:
    """Forwards every connection to the broker; the response to every ``drop_every``-th Produce
    request is never delivered: the connection is closed instead."""

    def __init__(self, listen_port: int, upstream_port: int, drop_every: int = 4) -> None:
        self.upstream_port = upstream_port
        self.drop_every = drop_every
        self.drop_all = False
        """When set, every Produce response is lost (a broker that writes but never answers)."""
        self.produce_requests = 0
        self.dropped = 0
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", listen_port))
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._closed = True
        self._server.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            pending: deque[int] = deque()
            threading.Thread(target=self._requests, args=(client, upstream, pending), daemon=True).start()
            threading.Thread(target=self._responses, args=(client, upstream, pending), daemon=True).start()

    def _requests(self, client: socket.socket, upstream: socket.socket, pending: deque[int]) -> None:
        while True:
            frame = _read_frame(client)
            if frame is None:
                break
            (api_key, _version) = struct.unpack_from(">hh", frame, 4)
            acks = struct.unpack_from(">h", frame, _acks_position(frame))[0] if api_key == PRODUCE else -1
            if not (api_key == PRODUCE and acks == 0):
                pending.append(api_key)
            try:
                upstream.sendall(frame)
            except OSError:
                break
        _close(client, upstream)

    def _responses(self, client: socket.socket, upstream: socket.socket, pending: deque[int]) -> None:
        while True:
            frame = _read_frame(upstream)
            if frame is None:
                break
            api_key = pending.popleft() if pending else -1
            if api_key == PRODUCE:
                with self._lock:
                    self.produce_requests += 1
                    drop = self.drop_all or self.produce_requests % self.drop_every == 0
                    if drop:
                        self.dropped += 1
                if drop:
                    break
            try:
                client.sendall(frame)
            except OSError:
                break
        _close(client, upstream)


def _acks_position(frame: bytes) -> int:
    """Where ``acks`` sits in a Produce request (v3+): after the header and the transactional id."""
    position = 4 + 2 + 2 + 4
    (client_id_length,) = struct.unpack_from(">h", frame, position)
    position += 2 + max(client_id_length, 0)
    (version,) = struct.unpack_from(">h", frame, 6)
    if version >= 9:  # flexible: tagged fields in the header, compact transactional id
        position += 1  # empty header tag buffer
        length, position = _unsigned_varint(frame, position)
        position += max(length - 1, 0)
    else:
        (length,) = struct.unpack_from(">h", frame, position)
        position += 2 + max(length, 0)
    return position


def _unsigned_varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()


# ---- clients ------------------------------------------------------------------------------------------


def create_topic(bootstrap: str, name: str, partitions: int = 1) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(name, partitions, 1)]).values():
        future.result(30)


def consume_all(
    bootstrap: str,
    topic: str,
    *,
    read_committed: bool,
    partitions: int = 1,
    idle_s: float = 3.0,
    limit_s: float = 60,
) -> list[bytes]:
    """Every record of ``topic`` (assigned from offset 0, no group), ending after ``idle_s`` of quiet."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "unused",
            "enable.auto.commit": False,
            "isolation.level": "read_committed" if read_committed else "read_uncommitted",
        }
    )
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    values: list[bytes] = []
    started = last = time.monotonic()
    try:
        while time.monotonic() - last < idle_s and time.monotonic() - started < limit_s:
            message = consumer.poll(0.2)
            if message is None or message.error():
                continue
            values.append(message.value())
            last = time.monotonic()
    finally:
        consumer.close()
    return values
