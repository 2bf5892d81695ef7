"""Append and read throughput of the partition log for batches of 1 KiB to 1 MiB.

Run: ``.venv/bin/python benchmarks/bench_log.py [--total-mb 64] [--dir /tmp]``. Appends go to
the page cache (no fsync, Kafka's default flush policy); reads are fetches of up to 1 MiB from
the start, as a consumer catching up would issue them. Numbers are per process, one core.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from wirekafka.log.config import LogConfig
from wirekafka.log.partition_log import PartitionLog
from wirekafka.records.builder import build_batch
from wirekafka.records.record import Record

SIZES = (1024, 16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024)


def one_batch(size: int) -> bytes:
    """A single-record batch of about ``size`` bytes."""
    return build_batch([Record(offset=0, timestamp=1_000, key=None, value=b"x" * (size - 80))])


def bench(directory: Path, size: int, total_bytes: int) -> tuple[float, float, int]:
    template = one_batch(size)
    count = max(1, total_bytes // len(template))
    log = PartitionLog.open(directory, LogConfig(), now_ms=0)
    buffer = bytearray(template)
    started = time.perf_counter()
    for _ in range(count):
        buffer[:] = template
        log.append(buffer, leader_epoch=0, now_ms=0)
    append_seconds = time.perf_counter() - started
    appended = count * len(template)

    started = time.perf_counter()
    offset = 0
    read = 0
    end = log.log_end_offset
    while offset < end:
        result = log.read(offset, 1024 * 1024, max_offset=end, min_one_batch=True)
        read += len(result.records)
        offset = result.next_offset
    read_seconds = time.perf_counter() - started
    log.close()
    return appended / append_seconds / 1e6, read / read_seconds / 1e6, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total-mb", type=int, default=64, help="data written per batch size")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the logs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as root:
        print(f"{'batch':>9} {'batches':>8} {'append MB/s':>12} {'read MB/s':>10}")
        for size in SIZES:
            append_rate, read_rate, count = bench(
                Path(root) / f"bench-{size}", size, args.total_mb * 1_000_000
            )
            print(f"{size // 1024:>6} KiB {count:>8} {append_rate:>12.0f} {read_rate:>10.0f}")


if __name__ == "__main__":
    main()
