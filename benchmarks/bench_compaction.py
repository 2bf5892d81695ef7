"""How long a compaction pass holds up the other requests of a broker.

Run ``.venv/bin/python benchmarks/bench_compaction.py`` (``--records 100000`` for a rough pass).
It starts ``wirekafka serve`` as a subprocess on a free port with a temp data dir (stopped and
removed at the end), creates a compacted topic of 8 MiB segments, and produces ``--records``
records of 100 bytes over ``--keys`` keys with confluent-kafka. Then a raw connection sends
ApiVersions back to back, each as soon as the previous one is answered, until the broker's
``cleaner-offset-checkpoint`` names the topic (the pass has ended) and for half a second more.

It prints how long the pass took to show up, how many ApiVersions were answered meanwhile, and
their latency: median, p99 and the longest. A pass that kept the event loop to itself shows as
a longest answer as long as the pass; one run in slices (``housekeeping.run_in_slices``) shows
a longest answer of a few milliseconds. Figures are recorded in ``docs/performance.md``
("Compaction and the other requests").
"""

from __future__ import annotations

import argparse
import gc
import socket
import statistics
import struct
import sys
import time
import uuid
from pathlib import Path

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_produce_consume import started_broker
from bench_server import api_versions_request, read_frame, with_correlation_id

SEGMENT_BYTES = 8 * 1024 * 1024


def data_dir_of(pid: int) -> Path:
    """The broker's ``--data-dir``, read from its command line."""
    arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    return Path(arguments[arguments.index(b"--data-dir") + 1].decode())


def produce(bootstrap: str, topic: str, records: int, keys: int) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "acks": 1})
    value = b"v" * 100
    for index in range(records):
        while True:
            try:
                producer.produce(topic, value, key=b"key-%d" % (index % keys))
                break
            except BufferError:
                producer.poll(0.01)
    if producer.flush(60):
        raise RuntimeError("records left unsent")


def cleaned(data_dir: Path, topic: str) -> bool:
    checkpoint = data_dir / "cleaner-offset-checkpoint"
    try:
        return f"{topic} 0 " in checkpoint.read_text()
    except FileNotFoundError:
        return False


def probe(
    address: tuple[str, int], data_dir: Path, topic: str, timeout: float
) -> tuple[list[tuple[float, float]], float]:
    """(seconds into probing, latency in seconds) of every ApiVersions until the pass ended and
    half a second more; and how long after the start of probing the pass was seen to end."""
    kind = api_versions_request()
    latencies: list[tuple[float, float]] = []
    started = time.perf_counter()
    ended_at: float | None = None
    with socket.create_connection(address) as sock:
        correlation_id = 0
        while True:
            now = time.perf_counter()
            if ended_at is None and cleaned(data_dir, topic):
                ended_at = now - started
            if ended_at is not None and now - started > ended_at + 0.5:
                break
            if now - started > timeout:
                raise RuntimeError(f"no compaction pass within {timeout} s")
            correlation_id += 1
            sent = time.perf_counter()
            sock.sendall(with_correlation_id(kind.frame, correlation_id))
            (answered,) = struct.unpack_from(">i", read_frame(sock), 0)
            latencies.append((sent - started, time.perf_counter() - sent))
            if answered != correlation_id:
                raise RuntimeError("answers out of order")
    return latencies, ended_at


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--keys", type=int, default=5_000)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    with started_broker(None) as (bootstrap, pid):
        data_dir = data_dir_of(pid)
        topic = f"compacted-{uuid.uuid4().hex[:8]}"
        admin = AdminClient({"bootstrap.servers": bootstrap})
        configs = {
            "cleanup.policy": "compact",
            "segment.bytes": str(SEGMENT_BYTES),
            "min.cleanable.dirty.ratio": "0.01",
        }
        admin.create_topics([NewTopic(topic, 1, 1, config=configs)])[topic].result(30)
        started = time.perf_counter()
        produce(bootstrap, topic, args.records, args.keys)
        produced = time.perf_counter() - started
        segments = len(list((data_dir / f"{topic}-0").glob("*.log")))
        print(
            f"produced {args.records:,} records over {args.keys:,} keys in {produced:.1f} s "
            f"({segments} segments of {SEGMENT_BYTES >> 20} MiB)"
        )
        host, port = bootstrap.rsplit(":", 1)
        gc.disable()  # this process's own full collections (~20 ms) would count as the broker's
        try:
            answers, ended = probe((host, int(port)), data_dir, topic, args.timeout)
        finally:
            gc.enable()
        ordered = sorted(latency for _, latency in answers)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        print(
            f"pass seen ended {ended:.2f} s into probing; {len(answers):,} ApiVersions answered meanwhile: "
            f"median {1000 * statistics.median(ordered):.2f} ms, p99 {1000 * p99:.2f} ms"
        )
        longest = sorted(answers, key=lambda answer: answer[1])[-3:]
        print(
            "longest: "
            + ", ".join(f"{1000 * latency:.1f} ms at {sent:.2f} s" for sent, latency in reversed(longest))
        )


if __name__ == "__main__":
    main()
