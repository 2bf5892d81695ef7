"""Broker throughput and latency with librdkafka (confluent-kafka) as the load generator.

Run ``.venv/bin/python benchmarks/bench_produce_consume.py`` (``--quick`` for a rough pass).
Without ``--bootstrap`` it starts ``wirekafka serve`` itself as a subprocess on a free port with a
temp data dir (stopped and removed at the end) and reads the broker's CPU time from
``/proc/<pid>/stat``. ``--bootstrap HOST:PORT`` measures a running broker instead (``--pid`` for
its CPU time); given twice, the same workload runs against both and the ratios are printed, so
wirekafka can be compared with Apache Kafka on the same machine.

Workloads (each on a fresh topic of ``--partitions`` partitions):

(a) **produce 100 B**: ``--records`` records of 100 bytes, acks=1, linger.ms=5, no compression,
    as fast as the producer takes them (``produce_batch``, error-only delivery reports); records/s
    from the first ``produce_batch`` to ``flush``, then the end offsets are checked.
(b) **produce 100 KB**: ``--large-mb`` MB in 100 KB records, acks=1; MB/s.
(c) **consume**: read the records of (a) from the start with one consumer; records/s.
(d) **end-to-end latency**: ``--rate`` records/s (2,000) for ``--seconds``, linger.ms=0, acks=1,
    one consumer long-polling the topic; each value carries its send time (same process, one
    monotonic clock); p50 / p99 / max of receive - send, after a 2 s warm-up that is not
    measured (connections, the consumer's first coordinator lookup); this process's garbage
    collector is off while measuring, so its pauses do not count as the broker's.

For each workload it prints the wall time, the broker's CPU seconds (user+system) and this
process's (librdkafka's threads included), so a workload whose client saturates a core shows as
such rather than as a broker figure. ``--profile FILE`` runs the started broker under cProfile
and prints its top functions at the end (figures are then lower). Figures are recorded in
``docs/performance.md`` ("Broker throughput").
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import pstats
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, KafkaException, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# ---- broker process ------------------------------------------------------------------------


def process_cpu_times(pid: int | None) -> tuple[float, float] | None:
    """(utime, stime) of ``pid`` (all its threads) in seconds, from ``/proc/<pid>/stat``.

    Kept apart because the kernel's share (socket copies, page-cache writes) is the part the broker's
    Python cannot shrink; the figures print it so a reader can tell the two limits apart.
    """
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) / CLOCK_TICKS, int(fields[12]) / CLOCK_TICKS


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def started_broker(profile: str | None) -> Iterator[tuple[str, int]]:
    """``wirekafka serve`` on a free port and a temp data dir; yields (bootstrap, pid)."""
    data = Path(tempfile.mkdtemp(prefix="wirekafka-bench-"))
    port = free_port()
    command = [sys.executable]
    if profile:
        command += ["-m", "cProfile", "-o", profile]
    command += ["-m", "wirekafka", "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", str(data)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        if "listening on" not in line:
            raise RuntimeError(f"broker did not start: {line}")
        yield f"127.0.0.1:{port}", process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(data, ignore_errors=True)


# ---- measurements --------------------------------------------------------------------------


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    wall_s: float
    broker_cpu_s: float | None
    client_cpu_s: float
    extra: dict[str, float] = field(default_factory=dict)
    broker_sys_s: float | None = None

    def line(self) -> str:
        broker = "n/a" if self.broker_cpu_s is None else f"{self.broker_cpu_s:6.2f} s"
        if self.broker_sys_s is not None:
            broker += f" (kernel {self.broker_sys_s:.2f} s)"
        detail = "".join(f", {key} {value:,.2f}" for key, value in self.extra.items())
        return (
            f"  {self.name:<28} {self.value:>14,.1f} {self.unit:<10} wall {self.wall_s:6.2f} s, "
            f"broker CPU {broker}, client CPU {self.client_cpu_s:6.2f} s{detail}"
        )


@contextlib.contextmanager
def measured(pid: int | None) -> Iterator[dict[str, float | None]]:
    box: dict[str, float | None] = {}
    broker_before, client_before, start = process_cpu_times(pid), own_cpu_seconds(), time.perf_counter()
    yield box
    box["wall"] = time.perf_counter() - start
    broker_after = process_cpu_times(pid)
    if broker_before is None or broker_after is None:
        box["broker"] = box["broker_sys"] = None
    else:
        kernel = broker_after[1] - broker_before[1]
        box["broker_sys"], box["broker"] = kernel, broker_after[0] - broker_before[0] + kernel
    box["client"] = own_cpu_seconds() - client_before


def create_topic(bootstrap: str, partitions: int) -> str:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics(
        [NewTopic(name, partitions, 1, config={"max.message.bytes": str(2 * 1024 * 1024)})]
    ).values():
        future.result(30)
    time.sleep(0.5)  # let the partitions' leaders settle before the clock starts
    return name


def producer(bootstrap: str, **settings: Any) -> Producer:
    config: dict[str, Any] = {
        "bootstrap.servers": bootstrap,
        "enable.idempotence": False,
        "acks": "1",
        "queue.buffering.max.messages": 2_000_000,
        "queue.buffering.max.kbytes": 2_000_000,
    }
    config.update(settings)
    return Producer(config)


def records_stored(bootstrap: str, topic: str) -> int:
    """The sum of the topic's end offsets minus its start offsets, from ListOffsets."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"check-{uuid.uuid4().hex[:6]}"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        total = 0
        for partition in partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            total += high - low
        return total
    finally:
        consumer.close()


def produce_flood(
    bootstrap: str, topic: str, count: int, size: int, linger_ms: int, pid: int | None
) -> Figure:
    """``count`` records of ``size`` bytes, as fast as librdkafka takes them.

    Records go in through ``produce_batch`` (librdkafka's ``rd_kafka_produce_batch``) and delivery
    reports come back for failures only (``delivery.report.only.error``): one ``produce()`` call
    and one Python delivery callback per record cost this client 2-3 µs, which held the 100 B
    workload to 311k-498k records/s with the client's core saturated and the broker's a third
    busy. Nothing goes unchecked for it: after ``flush`` the topic's end offsets must add up to
    ``count``, and a broker whose do not gets a warning printed above its figure.
    """
    client = producer(
        bootstrap,
        **{"linger.ms": linger_ms, "batch.size": 1_000_000, "delivery.report.only.error": True},
    )
    value = os.urandom(size)
    chunk = [{"value": value} for _ in range(max(1, min(10_000, 10_000_000 // size)))]
    errors: list[Any] = []

    def delivered(error: Any, _message: Any) -> None:
        errors.append(error)

    with measured(pid) as box:
        sent = 0
        while sent < count:
            batch = chunk if count - sent >= len(chunk) else chunk[: count - sent]
            queued = client.produce_batch(topic, batch, on_delivery=delivered)
            if queued != len(batch):
                raise RuntimeError(f"librdkafka queued {queued} of {len(batch)} records")
            sent += queued
            client.poll(0)
        client.flush(600)
    if errors:
        raise RuntimeError(f"{len(errors)} delivery errors, first: {errors[0]}")
    stored = records_stored(bootstrap, topic)
    if stored != count:
        # Not an exception: tansu 0.6.0 answers ListOffsets(latest) with its last batch's base
        # offset while serving every record, and the comparison should still print its figure.
        print(f"  WARNING: sent {count} records, the topic's end offsets add up to {stored}", flush=True)
    wall = float(box["wall"] or 0)
    broker = box["broker"]
    client_cpu = float(box["client"] or 0)
    if size >= 10_000:
        extra = {} if broker is None else {"broker ms/MB": broker / (count * size / 1e6) * 1000}
        return Figure(
            f"produce {size // 1000} KB acks=1",
            count * size / wall / 1e6,
            "MB/s",
            wall,
            broker,
            client_cpu,
            extra,
            box["broker_sys"],
        )
    extra = {} if broker is None else {"broker us/record": broker / count * 1e6}
    return Figure(
        f"produce {size} B acks=1 linger 5",
        count / wall,
        "records/s",
        wall,
        broker,
        client_cpu,
        extra,
        box["broker_sys"],
    )


def consume_all(bootstrap: str, topic: str, partitions: int, count: int, pid: int | None) -> Figure:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"bench-{uuid.uuid4().hex[:6]}",
            "enable.auto.commit": False,
            # fetch.max.bytes (50 MB) and max.partition.fetch.bytes (1 MB) stay librdkafka's and
            # the Java client's defaults: with 10 MB partition fetches the broker read each answer
            # into fresh 10 MB buffers and spent 2-3x the kernel time faulting their pages in.
            "queued.max.messages.kbytes": 1_048_576,
            # librdkafka postpones a partition's next fetch by fetch.queue.backoff.ms (1 s) once
            # its local queue holds queued.min.messages (100,000): with defaults the consumer
            # idles ~1 s after every 10 MB fetch and measures its own back-off, not the broker.
            "queued.min.messages": 1_000_000,
        }
    )
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    seen = 0
    with measured(pid) as box:
        while seen < count:
            messages = consumer.consume(10_000, 1.0)
            # Every message is checked, in C (map/filter) rather than a Python loop: the loop
            # alone cost ~0.4 µs a record, a third of this client's CPU.
            failed = next(filter(None, map(Message.error, messages)), None)
            if failed is not None:
                raise KafkaException(failed)
            seen += len(messages)
    consumer.close()
    wall = float(box["wall"] or 0)
    broker = box["broker"]
    extra = {} if broker is None else {"broker us/record": broker / seen * 1e6}
    return Figure(
        "consume from start",
        seen / wall,
        "records/s",
        wall,
        broker,
        float(box["client"] or 0),
        extra,
        box["broker_sys"],
    )


def latency(bootstrap: str, topic: str, rate: int, seconds: float, pid: int | None) -> Figure:
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"latency-{uuid.uuid4().hex[:6]}",
            "enable.auto.commit": False,
            "fetch.wait.max.ms": 500,
            "fetch.min.bytes": 1,
        }
    )
    consumer.assign([TopicPartition(topic, 0, 0)])
    samples: list[float] = []
    total = int(rate * seconds)
    done = threading.Event()

    def receive() -> None:
        while len(samples) < total and not done.is_set():
            message = consumer.poll(0.2)
            if message is None or message.error() is not None:
                continue
            (sent,) = struct.unpack_from(">d", message.value())
            samples.append(time.perf_counter() - sent)

    client = producer(bootstrap, **{"linger.ms": 0})
    padding = bytes(92)
    # Warm-up, not measured: the consumer starts long-polling, the producer connects, and the
    # consumer's first coordinator lookup creates __consumer_offsets (50 partitions, ~200 ms
    # during which the broker answers nothing else: docs/performance.md).
    warm_up_until = time.perf_counter() + 2.0
    while time.perf_counter() < warm_up_until:
        client.produce(topic, partition=0, value=struct.pack(">d", time.perf_counter()) + padding)
        client.poll(0)
        consumer.poll(0.01)
    client.flush(30)
    while consumer.poll(0.5) is not None:
        pass
    reader = threading.Thread(target=receive)
    reader.start()
    # This process's own full collections (~15 ms each, seen with gc.callbacks) would be counted
    # as the broker's latency: the collector is off while measuring.
    gc.disable()
    with measured(pid) as box:
        start = time.perf_counter()
        for index in range(total):
            due = start + index / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            client.produce(topic, partition=0, value=struct.pack(">d", time.perf_counter()) + padding)
            client.poll(0)
        client.flush(60)
        reader.join(30)
        done.set()
    gc.enable()
    consumer.close()
    if not samples:
        raise RuntimeError("no record came back")
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return Figure(
        f"end-to-end {rate}/s linger 0",
        p99,
        "ms p99",
        float(box["wall"] or 0),
        box["broker"],
        float(box["client"] or 0),
        {
            "p50 ms": p50,
            "max ms": ordered[-1] * 1000,
            "received": float(len(samples)),
            **({} if box["broker"] is None else {"broker us/record": float(box["broker"]) / total * 1e6}),
        },
        box["broker_sys"],
    )


WORKLOADS = ("small", "large", "consume", "latency")


def run_suite(bootstrap: str, pid: int | None, args: argparse.Namespace) -> list[Figure]:
    figures: list[Figure] = []
    chosen = set(args.only or WORKLOADS)

    def record(figure: Figure) -> None:
        figures.append(figure)
        print(figure.line(), flush=True)

    small = create_topic(bootstrap, args.partitions)
    if chosen & {"small", "consume"}:
        record(produce_flood(bootstrap, small, args.records, 100, 5, pid))
    if "large" in chosen:
        large = create_topic(bootstrap, args.partitions)
        count = max(1, args.large_mb * 1_000_000 // 100_000)
        record(produce_flood(bootstrap, large, count, 100_000, 5, pid))
    if "consume" in chosen:
        record(consume_all(bootstrap, small, args.partitions, args.records, pid))
    if "latency" in chosen:
        record(latency(bootstrap, create_topic(bootstrap, 1), args.rate, args.seconds, pid))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--bootstrap", action="append", default=[], help="HOST:PORT of a running broker (twice: compare)"
    )
    parser.add_argument(
        "--pid", action="append", type=int, default=[], help="pid of each --bootstrap broker (CPU time)"
    )
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--large-mb", type=int, default=1000)
    parser.add_argument("--partitions", type=int, default=3)
    parser.add_argument("--rate", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true", help="200k small records, 200 MB large, 5 s latency")
    parser.add_argument("--profile", metavar="FILE", help="run the started broker under cProfile into FILE")
    parser.add_argument(
        "--only", action="append", choices=WORKLOADS, help="run only these workloads (repeatable)"
    )
    args = parser.parse_args()
    if args.quick:
        args.records, args.large_mb, args.seconds = 200_000, 200, 5.0
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}", flush=True
    )
    results: list[list[Figure]] = []
    if not args.bootstrap:
        with started_broker(args.profile) as (bootstrap, pid):
            print(f"wirekafka (started, pid {pid}) at {bootstrap}", flush=True)
            results.append(run_suite(bootstrap, pid, args))
        if args.profile:
            print(f"\ntop functions of the broker by own time ({args.profile}):")
            pstats.Stats(args.profile).sort_stats("tottime").print_stats(25)
    else:
        for index, bootstrap in enumerate(args.bootstrap):
            pid = args.pid[index] if index < len(args.pid) else None
            print(f"broker {index + 1} at {bootstrap}" + (f" (pid {pid})" if pid else ""), flush=True)
            results.append(run_suite(bootstrap, pid, args))
    if len(results) == 2:
        print("\nratios (first / second):")
        for first, second in zip(results[0], results[1], strict=True):
            better: Callable[[float, float], float] = (
                (lambda a, b: b / a) if "ms" in first.unit else (lambda a, b: a / b)
            )
            print(f"  {first.name:<28} {better(first.value, second.value):6.2f}x")


if __name__ == "__main__":
    main()
