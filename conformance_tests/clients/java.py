"""Java client adapter (Apache Kafka's own `kafka-clients`): runs java/Driver.java per command.

The driver reads one line-based command on stdin and prints one JSON line (see its header). It is
compiled once per source version into `java/build/<hash>/`; the jars come from
`python -m conformance_tests.clients.java_jars`. Every client runs with the library's defaults but
for what the command names, so "works with the Java client" means with no special settings (its
producer is idempotent by default, for one).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from conformance_tests.clients.base import ClientAdapter, Msg, ProduceOptions
from conformance_tests.clients.java_jars import JARS, LIB_DIR, installed

JAVA_DIR = Path(__file__).resolve().parent.parent / "java"
SOURCE = JAVA_DIR / "Driver.java"


def availability() -> str | None:
    for tool in ("java", "javac"):
        if shutil.which(tool) is None:
            return f"client not installed: {tool} not found on PATH (a JDK 11+ is needed)"
    if not installed():
        return "client not installed: Java client jars (run `python -m conformance_tests.clients.java_jars`)"
    return None


def classpath() -> str:
    """The jars and the compiled driver; compiles it on first use (atomically, so concurrent runs agree)."""
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]
    build = JAVA_DIR / "build" / digest
    jars = [str(LIB_DIR / jar) for jar in JARS]
    if not (build / "Driver.class").is_file():
        build.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix="driver-", dir=build.parent))
        done = subprocess.run(["javac", "-d", str(staging), "-cp", os.pathsep.join(jars), str(SOURCE)],
                              capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise RuntimeError(f"javac failed: {done.stderr[-1000:]}")
        try:
            staging.rename(build)
        except OSError:  # another process compiled the same source first
            shutil.rmtree(staging, ignore_errors=True)
    return os.pathsep.join([*jars, str(build)])


class JavaClientError(RuntimeError):
    """An exception the Java client raised; `code` is its Kafka error code (-1: not a Kafka error)."""

    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__(f"java {info.get('name')} (code {info.get('code')}): {info.get('message')}")
        self.info = info
        self.code = int(info.get("code", -1))


def b64(value: bytes | None) -> str:
    return "-" if value is None else base64.b64encode(value).decode()


def unb64(value: str | None) -> bytes | None:
    return None if value is None else base64.b64decode(value)


def message_line(m: Msg) -> str:
    headers = ",".join(f"{b64(k.encode())}:{b64(v)}" for k, v in m.headers)
    timestamp = "-" if m.timestamp is None else str(m.timestamp)
    return f"msg {m.partition} {b64(m.key)} {b64(m.value)} {timestamp} {headers}"


def run_driver(bootstrap: str, op: str, messages: list[Msg] | None = None, timeout_s: float = 45.0,
               **settings: Any) -> Any:
    """Run one driver command; returns its `result` or raises JavaClientError."""
    lines = [f"op {op}", f"bootstrap {bootstrap}"]
    lines += [f"{k} {str(v).lower() if isinstance(v, bool) else v}" for k, v in settings.items()]
    lines += [message_line(m) for m in messages or []]
    done = subprocess.run(["java", "-cp", classpath(), "Driver"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=timeout_s, check=False)
    answers = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not answers:
        raise RuntimeError(f"java driver exited {done.returncode} without output: {done.stderr[-800:]}")
    answer = json.loads(answers[-1])
    if not answer.get("ok"):
        raise JavaClientError(answer.get("error", {}))
    return answer.get("result")


def to_msg(record: dict[str, Any]) -> Msg:
    return Msg(unb64(record["key"]), unb64(record["value"]),
               [(k, unb64(v) or b"") for k, v in record["headers"]], int(record["timestamp"]),
               int(record["partition"]), int(record["offset"]))


class JavaClient(ClientAdapter):
    name = "java"

    def call(self, op: str, messages: list[Msg] | None = None, **settings: Any) -> Any:
        return run_driver(self.bootstrap, op, messages, timeout_s=self.timeout_s + 30,
                          timeout_ms=int(self.timeout_s * 1000), **settings)

    def produce(self, topic: str, messages: list[Msg], options: ProduceOptions | None = None) -> None:
        opts = options or ProduceOptions()
        self.call("produce", messages, topic=topic, acks=opts.acks, compression=opts.compression,
                  idempotent=opts.idempotent, max_request_size=opts.max_request_size)

    def consume(self, topic: str, count: int, partitions: list[int] | None = None, *,
                read_committed: bool = False, timeout_s: float = 20.0) -> list[Msg]:
        records = run_driver(self.bootstrap, "consume", topic=topic, count=count,
                             partitions=",".join(str(p) for p in partitions or [0]),
                             read_committed=read_committed, timeout_ms=int(timeout_s * 1000),
                             timeout_s=timeout_s + 30)
        return [to_msg(r) for r in records]

    def partition_count(self, topic: str) -> int:
        return int(self.call("partitions", topic=topic))

    def watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        low, high = self.call("watermarks", topic=topic, partitions=partition)
        return int(low), int(high)

    def offset_for_time(self, topic: str, partition: int, timestamp_ms: int) -> int | None:
        found = self.call("offsetForTime", topic=topic, partitions=partition, timestamp=timestamp_ms)
        return None if found is None else int(found)
