"""What the produce hot path costs per batch, and what the codec and CRC choices buy.

Run from the repository root:

    .venv/bin/python benchmarks/bench_records.py            # hot path: validate + patch
    .venv/bin/python benchmarks/bench_records.py --codecs   # also CRC-32C and codec MB/s

The hot path (``validate_batches`` + ``set_base_offset`` + ``set_partition_leader_epoch``)
reads a 61-byte header and runs CRC-32C over the batch; it decodes no record.  Its cost is a
few microseconds per batch plus the CRC, which runs at memory speed, so a 1 MB batch costs about
as much as a handful of 1 KB ones -- compare with ``iter_records``, which is what decoding the
records would cost.  Figures are printed, never asserted: they depend on the machine.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import timeit
from collections.abc import Callable

from wirekafka.records import (
    Compression,
    Record,
    build_batch,
    compress,
    decompress,
    iter_batches,
    iter_records,
    set_base_offset,
    set_partition_leader_epoch,
    validate_batches,
)
from wirekafka.records.crc import crc32c

MB = 1_000_000


def _payload(size: int, seed: int = 1) -> bytes:
    """Log-like JSON lines: the kind of data Kafka topics usually carry."""
    generator = random.Random(seed)
    lines = []
    total = 0
    while total < size:
        line = json.dumps(
            {
                "ts": 1_700_000_000_000 + generator.randrange(10**6),
                "user": f"user-{generator.randrange(10_000)}",
                "event": generator.choice(["click", "view", "purchase", "scroll"]),
                "path": f"/products/{generator.randrange(500)}",
                "latency_ms": round(generator.random() * 300, 2),
            }
        ).encode()
        lines.append(line)
        total += len(line) + 1
    return b"\n".join(lines)[:size]


def _batch_of(size: int, compression: Compression) -> bytes:
    """One batch of ~``size`` bytes of records (before compression), 100-byte values."""
    data = _payload(size)
    values = [data[start : start + 100] for start in range(0, len(data), 100)]
    records = [Record(index, 1_700_000_000_000 + index, None, value) for index, value in enumerate(values)]
    return build_batch(records, compression=compression, producer_id=1, producer_epoch=0, base_sequence=0)


def _best_seconds(action: Callable[[], object], budget: float = 0.3) -> float:
    timer = timeit.Timer(action)
    loops, elapsed = timer.autorange()
    loops = max(1, int(loops * budget / max(elapsed, 1e-9)))
    return min(timer.repeat(repeat=5, number=loops)) / loops


def _hot_path(buffer: bytes) -> Callable[[], None]:
    def produce() -> None:
        writable = bytearray(buffer)
        next_offset = 1_000
        for header in validate_batches(writable):
            set_base_offset(writable, header.position, next_offset)
            set_partition_leader_epoch(writable, header.position, 3)
            next_offset += header.records_count

    return produce


def hot_path_report() -> None:
    print("Produce hot path: validate_batches + set_base_offset + set_partition_leader_epoch")
    print("(bytearray copy of the request buffer included, as the handler makes one to patch)\n")
    header_line = f"{'payload':<34}{'batches':>8}{'bytes':>10}{'per call':>12}{'per batch':>12}{'MB/s':>9}"
    print(header_line)
    print("-" * len(header_line))
    cases = [
        ("1 KB, one batch", [_batch_of(1_000, Compression.NONE)]),
        ("1 MB, one batch", [_batch_of(1_000_000, Compression.NONE)]),
        ("1 MB, one lz4 batch", [_batch_of(1_000_000, Compression.LZ4)]),
        ("1 MB as 1000 batches of 1 KB", [_batch_of(1_000, Compression.NONE)] * 1000),
    ]
    for name, batches in cases:
        buffer = b"".join(batches)
        seconds = _best_seconds(_hot_path(buffer))
        print(
            f"{name:<34}{len(batches):>8}{len(buffer):>10}{seconds * 1e6:>10.1f}us"
            f"{seconds / len(batches) * 1e6:>10.2f}us{len(buffer) / seconds / MB:>9.0f}"
        )

    print("\nWhere the time goes, and what decoding records would cost instead:\n")
    one_kb = _batch_of(1_000, Compression.NONE)
    one_mb = _batch_of(1_000_000, Compression.NONE)
    one_mb_lz4 = _batch_of(1_000_000, Compression.LZ4)
    parts = [
        ("header walk only, 1 KB batch", lambda: list(iter_batches(one_kb))),
        ("header walk only, 1 MB batch", lambda: list(iter_batches(one_mb))),
        ("CRC-32C of a 1 MB batch", lambda: crc32c(one_mb)),
        ("iter_records, 1 MB batch", lambda: sum(1 for _ in iter_records(next(iter_batches(one_mb))))),
        (
            "iter_records, 1 MB lz4 batch",
            lambda: sum(1 for _ in iter_records(next(iter_batches(one_mb_lz4)))),
        ),
    ]
    for name, action in parts:
        print(f"  {name:<34}{_best_seconds(action) * 1e6:>12.1f}us")


def _maybe(module: str) -> object | None:
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        return None


def crc_report(data: bytes) -> None:
    print(f"\nCRC-32C over {len(data) / MB:.1f} MB\n")
    rows: list[tuple[str, Callable[[], object], int]] = [("crc32c (chosen)", lambda: crc32c(data), len(data))]
    google = _maybe("google_crc32c")
    if google is not None:
        rows.append(("google-crc32c", lambda: google.value(data), len(data)))  # type: ignore[attr-defined]
    pure = _maybe("kafka.record._crc32c")
    if pure is not None:
        sample = data[:65_536]
        rows.append(("pure Python (kafka-python)", lambda: pure.crc(sample), len(sample)))  # type: ignore[attr-defined]
    for name, action, size in rows:
        print(f"  {name:<30}{size / _best_seconds(action) / MB:>10.1f} MB/s")


def codec_report(data: bytes) -> None:
    print(f"\nCodecs over {len(data) / MB:.1f} MB of JSON lines (compress / decompress MB/s, ratio)\n")
    for codec in Compression:
        if codec == Compression.NONE:
            continue
        compressed = compress(codec, data)
        compress_speed = len(data) / _best_seconds(functools.partial(compress, codec, data)) / MB
        decompress_speed = len(data) / _best_seconds(functools.partial(decompress, codec, compressed)) / MB
        ratio = len(data) / len(compressed)
        print(f"  wirekafka {codec.name:<20}{compress_speed:>8.0f}{decompress_speed:>10.0f}{ratio:>8.1f}x")

    import cramjam

    alternatives: list[tuple[str, Callable[[], bytes], Callable[[bytes], object]]] = [
        (
            "cramjam gzip (rejected)",
            lambda: bytes(cramjam.gzip.compress(data, level=6)),
            cramjam.gzip.decompress,
        ),
    ]
    snappy = _maybe("snappy")
    if snappy is not None:
        alternatives.append(("python-snappy raw", lambda: snappy.compress(data), snappy.decompress))  # type: ignore[attr-defined]
    lz4_frame = _maybe("lz4.frame")
    if lz4_frame is not None:
        alternatives.append(
            (
                "python-lz4 frame",
                lambda: lz4_frame.compress(data, block_linked=False),  # type: ignore[attr-defined]
                lz4_frame.decompress,  # type: ignore[attr-defined]
            )
        )
    zstandard = _maybe("zstandard")
    if zstandard is not None:
        compressor = zstandard.ZstdCompressor(level=3)  # type: ignore[attr-defined]
        decompressor = zstandard.ZstdDecompressor()  # type: ignore[attr-defined]
        alternatives.append(("zstandard level 3", lambda: compressor.compress(data), decompressor.decompress))
    for name, encode, decode in alternatives:
        compressed = encode()
        compress_speed = len(data) / _best_seconds(encode) / MB
        decompress_speed = len(data) / _best_seconds(functools.partial(decode, compressed)) / MB
        print(
            f"  {name:<30}{compress_speed:>8.0f}{decompress_speed:>10.0f}{len(data) / len(compressed):>8.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codecs", action="store_true", help="also measure CRC-32C and codec throughput")
    arguments = parser.parse_args()
    hot_path_report()
    if arguments.codecs:
        data = _payload(4 * MB)
        crc_report(data)
        codec_report(data)


if __name__ == "__main__":
    main()
