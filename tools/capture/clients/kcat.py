"""kcat workload (librdkafka as Debian ships it): metadata, produce per codec with keys, NULL
values and headers, acks=0, idempotent and transactional produce, consume, group consume, offset
query. kcat has no admin commands: the topic is created beforehand, outside the proxy.

Run by ``python -m tools.capture``; alone: ``python -m tools.capture.clients.kcat --bootstrap
127.0.0.1:PORT --prefix golden-x`` (then answer each ``@@step`` line on stdin).
"""

from __future__ import annotations

import re
import subprocess
import time

from tools.capture.clients._steps import CODECS, arguments, note, step, version


def kcat_version() -> str:
    text = subprocess.run(["kcat", "-V"], capture_output=True, text=True, check=False).stdout
    kcat = re.search(r"Version (\S+)", text)
    librdkafka = re.search(r"librdkafka (\S+)", text)
    return f"{kcat.group(1) if kcat else '?'} (librdkafka {librdkafka.group(1) if librdkafka else '?'})"


def kcat(label: str, options: list[str], stdin: str | None = None, seconds: float = 30) -> None:
    """Run one kcat command as one workload step; a failure becomes a note."""
    step(label)
    try:
        done = subprocess.run(["kcat", *options], input=stdin, capture_output=True, text=True,
                              timeout=seconds, check=False)
    except subprocess.TimeoutExpired:
        note(f"{label}: FAILED timeout after {seconds}s")
        return
    if done.returncode != 0:
        note(f"{label}: FAILED exit {done.returncode}: {done.stderr.strip()[-300:]}")


def lines(codec: str) -> str:
    """Input for ``-K :`` with ``-Z``: empty key or value becomes NULL."""
    value = (f"{codec} value ".encode() * 8)[:120].decode()
    return f"key-0:{value}0\nkey-null-value:\n:{value}2\nkey-3:{value}3\n"


def main() -> None:
    args = arguments(__doc__ or "")
    version(kcat_version())
    topic = args.prefix
    base = ["-b", args.bootstrap, "-X", "client.id=golden-kcat", "-m", "10"]
    produce = [*base, "-P", "-t", topic, "-p", "0", "-K", ":", "-Z",
               "-H", "trace-id=abc123", "-H", "empty=", "-X", "linger.ms=50"]

    kcat("metadata: -L", [*base, "-L"])
    kcat("metadata: -L -t topic", [*base, "-L", "-t", topic])
    for codec in CODECS:
        kcat(f"produce {codec}: keys, a NULL key and value, headers (acks=all)",
             [*produce, "-X", f"compression.codec={codec}", "-X", "acks=all"], lines(codec))
    kcat("produce acks=0 (no response expected)", [*produce, "-X", "acks=0"], lines("none"))
    kcat("idempotent producer: InitProducerId + Produce with sequence",
         [*produce, "-X", "enable.idempotence=true", "-X", "compression.codec=zstd"], lines("zstd"))
    kcat("transactional producer: InitProducerId, AddPartitionsToTxn, Produce, EndTxn",
         [*produce, "-X", f"transactional.id={args.prefix}-txn"], lines("none"))
    kcat("consume partition 0 from beginning (ListOffsets, Fetch)",
         [*base, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q"])
    kcat("consume read_uncommitted from offset -2 (relative)",
         [*base, "-C", "-t", topic, "-p", "0", "-o", "-2", "-e", "-q", "-X", "isolation.level=read_uncommitted"])
    kcat("group consumer: FindCoordinator, JoinGroup, SyncGroup, Fetch, OffsetCommit, LeaveGroup",
         [*base, "-G", f"{args.prefix}-group", "-o", "beginning", "-e", "-q",
          "-X", "enable.auto.commit=true", "-X", "auto.commit.interval.ms=200", topic], seconds=40)
    kcat("group consumer again: resumes from committed offsets (OffsetFetch)",
         [*base, "-G", f"{args.prefix}-group", "-e", "-q", topic], seconds=40)
    timestamp = int(time.time() * 1000) - 60_000
    kcat("query offset by timestamp (-Q)", [*base, "-Q", "-t", f"{topic}:0:{timestamp}"])


if __name__ == "__main__":
    main()
