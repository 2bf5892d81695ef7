"""kafkajs adapter: runs node/driver.js with one JSON command on stdin and reads JSON from stdout.

kafkajs 2.2 only consumes through consumer groups, so its consume uses a throwaway group id; it ships
gzip only (snappy/lz4/zstd need extra packages), so those codecs are not offered for it.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from conformance_tests.clients.base import ClientAdapter, Msg, ProduceOptions

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
DRIVER = NODE_DIR / "driver.js"


def availability() -> str | None:
    if shutil.which("node") is None:
        return "client not installed: node not found on PATH"
    if not (NODE_DIR / "node_modules" / "kafkajs").is_dir():
        return "client not installed: kafkajs (run `npm install` in conformance_tests/node)"
    return None


def b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode()


def unb64(value: str | None) -> bytes | None:
    return None if value is None else base64.b64decode(value)


class KafkajsError(RuntimeError):
    """An error reported by kafkajs; `info` holds its name, type and code."""

    def __init__(self, info: dict[str, Any]) -> None:
        super().__init__(f"kafkajs {info.get('name')}: {info.get('type') or ''} {info.get('message')}")
        self.info = info


def run_driver(command: dict[str, Any], timeout_s: float = 45.0) -> Any:
    """Run one driver command; returns its `result` or raises KafkajsError."""
    done = subprocess.run(["node", str(DRIVER)], input=json.dumps(command).encode(), capture_output=True,
                          timeout=timeout_s, cwd=NODE_DIR, check=False)
    lines = [line for line in done.stdout.decode(errors="replace").splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"kafkajs driver exited {done.returncode} without output: "
                           f"{done.stderr.decode(errors='replace')[-500:]}")
    answer = json.loads(lines[-1])
    if not answer.get("ok"):
        raise KafkajsError(answer.get("error", {}))
    return answer.get("result")


class KafkajsClient(ClientAdapter):
    name = "kafkajs"
    codecs = frozenset({"none", "gzip"})

    def call(self, op: str, **args: Any) -> Any:
        return run_driver({"op": op, "brokers": [self.bootstrap], **args}, timeout_s=self.timeout_s + 15)

    def produce(self, topic: str, messages: list[Msg], options: ProduceOptions | None = None) -> None:
        opts = options or ProduceOptions()
        payload = [{"key": b64(m.key), "value": b64(m.value), "partition": m.partition,
                    "headers": [[k, b64(v)] for k, v in m.headers],
                    "timestamp": None if m.timestamp is None else str(m.timestamp)} for m in messages]
        self.call("produce", topic=topic, messages=payload, acks={"0": 0, "1": 1, "all": -1}[opts.acks],
                  compression=opts.compression, idempotent=opts.idempotent)

    def consume(self, topic: str, count: int, partitions: list[int] | None = None, *,
                read_committed: bool = False, timeout_s: float = 20.0) -> list[Msg]:
        records = self.call("consume", topic=topic, count=count, timeoutMs=int(timeout_s * 1000),
                            readCommitted=read_committed, partitions=partitions or [0])
        return [Msg(unb64(r["key"]), unb64(r["value"]), [(k, unb64(v) or b"") for k, v in r["headers"]],
                    int(r["timestamp"]), r["partition"], int(r["offset"])) for r in records]

    def partition_count(self, topic: str) -> int:
        meta = self.call("metadata", topics=[topic])
        return len(meta["topics"][0]["partitions"]) if meta["topics"] else 0

    def watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        for entry in self.call("offsets", topic=topic):
            if entry["partition"] == partition:
                return int(entry["low"]), int(entry["high"])
        raise AssertionError(f"partition {partition} missing from fetchTopicOffsets")

    def offset_for_time(self, topic: str, partition: int, timestamp_ms: int) -> int | None:
        for entry in self.call("offsetsByTime", topic=topic, timestamp=timestamp_ms):
            if entry["partition"] == partition:
                offset = int(entry["offset"])
                return None if offset < 0 else offset
        raise AssertionError(f"partition {partition} missing from fetchTopicOffsetsByTimestamp")
