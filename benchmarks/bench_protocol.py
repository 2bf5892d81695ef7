"""Protocol codec figures: the two hot requests and the largest common response.

Run ``.venv/bin/python benchmarks/bench_protocol.py`` (``--quick`` for a rough pass,
``--profile`` to add cProfile listings of the Metadata encode and Fetch decode). It prints the
minimum and median time per operation over several ``timeit`` repeats, with the garbage collector
*enabled* (a broker runs with it on, and decoders allocate one object per struct), for:

(a) decoding a Produce request (v11, the latest we declare, and v7) carrying 1 KB and 1 MB of
    records: the two must cost about the same, because ``records`` stays a memoryview of the frame;
(b) encoding a Metadata response v12, 100 topics x 10 partitions (3 replicas, 3 in the ISR, topic
    ids), with the compiled codec; target < 2 ms;
(c) decoding a Fetch request for 100 partitions (10 topics x 10) at v12 (topic names) and v15
    (topic ids); target < 0.5 ms;
(d) compiled vs reference interpreter for (b) and (c);
(e) the same operations with kafka-python 3's generated classes, for comparison.

Every kafka-python input is made by decoding our bytes, and its output is checked to be our bytes,
so the two sides time the same work. Results are recorded in ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import io
import pstats
import random
import statistics
import sys
import timeit
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wirekafka.protocol import interpreter
from wirekafka.protocol.compiler import codec
from wirekafka.protocol.messages.fetch import FetchRequest
from wirekafka.protocol.messages.metadata import MetadataResponse
from wirekafka.protocol.messages.produce import ProduceRequest

try:
    from kafka.protocol.api_message import ApiMessage
    from kafka.protocol.consumer import FetchRequest as KafkaPythonFetchRequest
    from kafka.protocol.metadata import MetadataResponse as KafkaPythonMetadataResponse
    from kafka.protocol.producer import ProduceRequest as KafkaPythonProduceRequest
except ImportError:  # kafka-python 3 absent: print our figures alone
    ApiMessage = None

METADATA_TARGET_S = 2e-3
FETCH_TARGET_S = 0.5e-3


# -- the messages ---------------------------------------------------------------------------------


def produce_request(records_size: int) -> Any:
    """One partition carrying ``records_size`` bytes of records (opaque to the codec)."""
    records = random.Random(records_size).randbytes(records_size)
    partition = ProduceRequest.PartitionProduceData(index=0, records=records)
    topic = ProduceRequest.TopicProduceData(name="benchmark-topic", partition_data=[partition])
    return ProduceRequest(transactional_id=None, acks=-1, timeout_ms=30_000, topic_data=[topic])


def metadata_response(topics: int = 100, partitions: int = 10, brokers: int = 3) -> Any:
    """A cluster of ``brokers`` nodes; every partition has all of them as replicas and ISR."""
    rng = random.Random(7)
    broker_list = [
        MetadataResponse.MetadataResponseBroker(
            node_id=node, host=f"broker-{node}.kafka.internal", port=9092, rack=f"rack-{node}"
        )
        for node in range(brokers)
    ]
    topic_list = []
    for t in range(topics):
        partition_list = []
        for p in range(partitions):
            replicas = [(p + i) % brokers for i in range(brokers)]
            partition_list.append(
                MetadataResponse.MetadataResponsePartition(
                    error_code=0,
                    partition_index=p,
                    leader_id=replicas[0],
                    leader_epoch=5,
                    replica_nodes=replicas,
                    isr_nodes=list(replicas),
                    offline_replicas=[],
                )
            )
        topic_list.append(
            MetadataResponse.MetadataResponseTopic(
                error_code=0,
                name=f"orders.events.region-{t:03d}",
                topic_id=uuid.UUID(int=rng.getrandbits(128)),
                is_internal=False,
                partitions=partition_list,
                topic_authorized_operations=-2147483648,
            )
        )
    return MetadataResponse(
        throttle_time_ms=0,
        brokers=broker_list,
        cluster_id="wirekafka-benchmark-cluster",
        controller_id=0,
        topics=topic_list,
    )


def fetch_request(version: int, topics: int = 10, partitions: int = 10) -> Any:
    """A consumer's fetch of ``topics`` x ``partitions`` partitions (names below v13, ids from v13)."""
    rng = random.Random(11)
    topic_list = []
    for t in range(topics):
        partition_list = [
            FetchRequest.FetchPartition(
                partition=p,
                current_leader_epoch=5,
                fetch_offset=1_000_000 + p,
                last_fetched_epoch=5,
                log_start_offset=-1,
                partition_max_bytes=1_048_576,
            )
            for p in range(partitions)
        ]
        names = (
            {"topic": f"orders.events.region-{t:03d}"}
            if version < 13
            else {"topic_id": uuid.UUID(int=rng.getrandbits(128))}
        )
        topic_list.append(FetchRequest.FetchTopic(partitions=partition_list, **names))
    return FetchRequest(
        max_wait_ms=500,
        min_bytes=1,
        max_bytes=52_428_800,
        isolation_level=1,
        session_id=0,
        session_epoch=-1,
        topics=topic_list,
        forgotten_topics_data=[],
        rack_id="",
    )


# -- measuring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Seconds per operation over the repeats."""

    best: float
    median: float
    loops: int

    def __str__(self) -> str:
        return f"min {_human(self.best):>9}  median {_human(self.median):>9}"


def _human(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e3:.2f} ms"


def measure(operation: Callable[[], object], repeats: int, budget_s: float) -> Timing:
    """Time ``operation``: loops sized so one repeat takes about ``budget_s``, GC enabled."""
    timer = timeit.Timer(operation, setup=gc.enable)
    once = min(timer.repeat(repeat=3, number=1))
    loops = max(1, int(budget_s / max(once, 1e-7)))
    totals = timer.repeat(repeat=repeats, number=loops)
    per_operation = [total / loops for total in totals]
    return Timing(min(per_operation), statistics.median(per_operation), loops)


class Report:
    """Prints one line per measurement and keeps them for the summary."""

    def __init__(self, repeats: int, budget_s: float) -> None:
        self.repeats = repeats
        self.budget_s = budget_s
        self.results: dict[str, Timing] = {}

    def run(self, label: str, operation: Callable[[], object]) -> Timing:
        timing = measure(operation, self.repeats, self.budget_s)
        self.results[label] = timing
        print(f"  {label:<52} {timing}   ({timing.loops} loops x {self.repeats})", flush=True)
        return timing


# -- kafka-python ---------------------------------------------------------------------------------


def kafka_python_value(cls: Any, version: int, data: bytes) -> Any:
    """kafka-python's value holding what ``data`` holds, ready to ``encode``."""
    value = ApiMessage.decode.__func__(cls, data, version=version)
    value._header = None  # the compiled decoder leaves this slot unset; encode() reads it
    if bytes(value.encode(version=version)) != data:
        raise AssertionError(f"kafka-python does not reproduce our {cls.__name__} v{version} bytes")
    return value


# -- the benchmark --------------------------------------------------------------------------------


def bench_produce(report: Report) -> None:
    print("(a) Produce request decode: time must not grow with the records size")
    for version in (11, 7):
        compiled = codec(ProduceRequest, version)
        for label, size in (("1 KB", 1024), ("1 MB", 1024 * 1024)):
            data = compiled.encode(produce_request(size))
            decoded = compiled.decode(data)
            assert isinstance(decoded.topic_data[0].partition_data[0].records, memoryview)
            name = f"Produce v{version} decode, {label} records"
            report.run(f"{name}  [compiled]", functools.partial(compiled.decode, data))
            if ApiMessage is not None:
                their_decode = functools.partial(KafkaPythonProduceRequest.decode, data, version=version)
                report.run(f"{name}  [kafka-python]", their_decode)


def bench_metadata(report: Report) -> None:
    print("(b) Metadata response v12 encode, 100 topics x 10 partitions, 3 replicas + ISR, topic ids")
    value = metadata_response()
    compiled = codec(MetadataResponse, 12)
    data = compiled.encode(value)
    assert interpreter.encode(value, 12) == data
    print(f"  ({len(data)} bytes)")
    report.run("Metadata v12 encode  [compiled]", functools.partial(compiled.encode, value))
    report.run("Metadata v12 encode  [interpreter]", functools.partial(interpreter.encode, value, 12))
    if ApiMessage is not None:
        theirs = kafka_python_value(KafkaPythonMetadataResponse, 12, data)
        report.run("Metadata v12 encode  [kafka-python]", functools.partial(theirs.encode, version=12))


def bench_fetch(report: Report) -> None:
    print("(c) Fetch request decode, 100 partitions (10 topics x 10)")
    for version in (12, 15):
        compiled = codec(FetchRequest, version)
        data = compiled.encode(fetch_request(version))
        assert compiled.decode(data) == interpreter.decode(FetchRequest, version, data)
        print(f"  (v{version}: {len(data)} bytes)")
        name = f"Fetch v{version} decode"
        report.run(f"{name}  [compiled]", functools.partial(compiled.decode, data))
        report.run(
            f"{name}  [interpreter]", functools.partial(interpreter.decode, FetchRequest, version, data)
        )
        if ApiMessage is not None:
            kafka_python_value(KafkaPythonFetchRequest, version, data)  # same bytes, same work
            their_decode = functools.partial(KafkaPythonFetchRequest.decode, data, version=version)
            report.run(f"{name}  [kafka-python]", their_decode)


def summary(report: Report) -> None:
    """Ratios of minimums (steadier than medians on a shared machine) and the targets."""
    r = report.results
    print("\n(d) compiled vs interpreter, and vs kafka-python (ratio of minimums; > 1: compiled is faster)")
    for name in ("Metadata v12 encode", "Fetch v12 decode", "Fetch v15 decode"):
        compiled = r[f"{name}  [compiled]"].best
        line = f"  {name:<24} interpreter/compiled {r[f'{name}  [interpreter]'].best / compiled:5.1f}x"
        kafka_python = r.get(f"{name}  [kafka-python]")
        if kafka_python is not None:
            line += f"   kafka-python/compiled {kafka_python.best / compiled:5.2f}x"
        print(line)
    for version in (11, 7):
        small = r[f"Produce v{version} decode, 1 KB records  [compiled]"].best
        large = r[f"Produce v{version} decode, 1 MB records  [compiled]"].best
        print(f"  Produce v{version} decode           1 MB / 1 KB records   {large / small:5.2f}x")

    print("\nTargets (judged on the median)")
    checks = [("Metadata v12 encode", METADATA_TARGET_S)]
    checks += [(f"Fetch v{version} decode", FETCH_TARGET_S) for version in (12, 15)]
    for name, target in checks:
        timing = r[f"{name}  [compiled]"]
        verdict = "met" if timing.median < target else "MISSED"
        print(f"  {name} < {_human(target)}: {timing} -> {verdict}")


def profile(label: str, operation: Callable[[], object], loops: int) -> None:
    """cProfile ``loops`` calls of ``operation`` and print the functions where time goes."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(loops):
        operation()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    print(f"\n--- cProfile: {label}, {loops} calls, by own time ---")
    print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the Metadata encode and Fetch decode"
    )
    args = parser.parse_args(argv)
    report = Report(repeats=5 if args.quick else 9, budget_s=0.05 if args.quick else 0.25)
    print(f"Python {sys.version.split()[0]}; per operation, GC enabled, {report.repeats} repeats\n")
    bench_produce(report)
    bench_metadata(report)
    bench_fetch(report)
    summary(report)
    if args.profile:
        value = metadata_response()
        compiled = codec(MetadataResponse, 12)
        profile("Metadata v12 encode [compiled]", functools.partial(compiled.encode, value), 300)
        fetch = codec(FetchRequest, 15)
        data = fetch.encode(fetch_request(15))
        profile("Fetch v15 decode [compiled]", functools.partial(fetch.decode, data), 2000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
