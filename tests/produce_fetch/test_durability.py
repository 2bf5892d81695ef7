"""Acknowledged data survives a clean restart and a ``kill -9`` of the broker process.

The crash test runs ``python -m wirekafka serve`` as a subprocess, produces with ``acks=all``,
kills it with SIGKILL (no flush, no checkpoint, no clean shutdown marker), starts it again on the
same data dir and reads everything back: every acknowledged record at the offset it was
acknowledged with, and the same high watermark.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from wirekafka.testing.broker import running_broker

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(data_dir: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m wirekafka serve`` until the block ends (or the test kills it first)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wirekafka",
            "serve",
            "--listen",
            f"127.0.0.1:{port}",
            "--data-dir",
            str(data_dir),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        assert "listening on" in line, line
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def produce(bootstrap: str, topic: str, count: int, partitions: int) -> dict[tuple[int, int], bytes]:
    """``acks=all``; returns (partition, offset) -> value of every acknowledged record."""
    producer = Producer(
        {"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 2, "enable.idempotence": False}
    )
    acknowledged: dict[tuple[int, int], bytes] = {}

    def delivered(error: Any, message: Any) -> None:
        if error is None:
            acknowledged[(message.partition(), message.offset())] = message.value()

    for i in range(count):
        producer.produce(topic, value=b"record-%06d" % i, partition=i % partitions, on_delivery=delivered)
        if i % 1000 == 0:
            producer.poll(0)
    assert producer.flush(60) == 0
    return acknowledged


def read_everything(
    bootstrap: str, topic: str, partitions: int, expected: int
) -> dict[tuple[int, int], bytes]:
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "durability", "enable.auto.commit": False}
    )
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    got: dict[tuple[int, int], bytes] = {}
    deadline = time.monotonic() + 60
    try:
        while len(got) < expected and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                got[(message.partition(), message.offset())] = message.value()
        highs = [
            consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(partitions)
        ]
    finally:
        consumer.close()
    assert sum(highs) == expected
    return got


def create_topic(bootstrap: str, topic: str, partitions: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, partitions, 1)])
    finally:
        admin.close()


@pytest.mark.slow
def test_kill_minus_nine_loses_nothing_acknowledged(tmp_path: Path) -> None:
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    with serve(tmp_path / "data", port) as process:
        create_topic(bootstrap, "crash", 3)
        acknowledged = produce(bootstrap, "crash", 20_000, 3)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert len(acknowledged) == 20_000
    assert not (tmp_path / "data" / ".kafka_cleanshutdown").exists()
    with serve(tmp_path / "data", port):
        assert read_everything(bootstrap, "crash", 3, len(acknowledged)) == acknowledged
        more = produce(bootstrap, "crash", 30, 3)
    assert sorted(more) == sorted(
        (p, 20_000 // 3 + (1 if p < 20_000 % 3 else 0) + i) for p in range(3) for i in range(10)
    )


def test_clean_restart_keeps_data_and_offsets(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_broker(data) as broker:
        create_topic(broker.bootstrap, "kept", 2)
        acknowledged = produce(broker.bootstrap, "kept", 500, 2)
    assert (data / ".kafka_cleanshutdown").exists()
    with running_broker(data) as broker:
        assert read_everything(broker.bootstrap, "kept", 2, 500) == acknowledged
