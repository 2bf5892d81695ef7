"""The line-based driver protocol shared by the compiled clients (Java's `Driver.java`, Sarama's
`driver.go`): one command in on stdin, one JSON line out.

Why lines and not JSON in: the drivers then need no JSON parser beside their client library
(the JVM has none built in). Command lines are `op <name>`, `bootstrap <host:port>`, then
`<setting> <value>` and `msg <partition> <key> <value> <timestamp> <headers>`; bytes travel as
base64 with `-` for null, headers as `name:value,...` with both parts base64. The answer is
`{"ok": true, "result": ...}` or `{"ok": false, "error": {"name", "code", "message"}}`, `code`
being the Kafka error code of the client's exception (-1 when it is not the broker's).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tempfile
from abc import abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance_tests.clients.base import ClientAdapter, Msg, ProduceOptions


class DriverError(RuntimeError):
    """An error the client library raised; `code` is its Kafka error code (-1: not a Kafka error)."""

    def __init__(self, client: str, info: dict[str, Any]) -> None:
        super().__init__(f"{client} {info.get('name')} (code {info.get('code')}): {info.get('message')}")
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


def to_msg(record: dict[str, Any]) -> Msg:
    return Msg(unb64(record["key"]), unb64(record["value"]),
               [(k, unb64(v) or b"") for k, v in record["headers"]], int(record["timestamp"]),
               int(record["partition"]), int(record["offset"]))


def run(client: str, argv: list[str], bootstrap: str, op: str, messages: list[Msg] | None = None,
        timeout_s: float = 45.0, **settings: Any) -> Any:
    """Run one command through the driver `argv`; returns its `result` or raises DriverError."""
    lines = [f"op {op}", f"bootstrap {bootstrap}"]
    lines += [f"{k} {str(v).lower() if isinstance(v, bool) else v}" for k, v in settings.items()]
    lines += [message_line(m) for m in messages or []]
    done = subprocess.run(argv, input="\n".join(lines) + "\n", capture_output=True, text=True,
                          timeout=timeout_s, check=False)
    answers = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not answers:
        raise RuntimeError(f"{client} driver exited {done.returncode} without output: {done.stderr[-800:]}")
    answer = json.loads(answers[-1])
    if not answer.get("ok"):
        raise DriverError(client, answer.get("error", {}))
    return answer.get("result")


def compiled(client: str, source: Path, build_root: Path, compile_into: Callable[[Path], list[str]],
             env: dict[str, str] | None = None) -> Path:
    """The directory holding `source` compiled, built on first use: `compile_into(dir)` is the
    compiler's command line. One directory per source version; built in a staging directory and
    renamed into place, so concurrent runs never see half a build."""
    build = build_root / hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    if build.is_dir():
        return build
    build_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=build_root))
    done = subprocess.run(compile_into(staging), capture_output=True, text=True, timeout=300, check=False,
                          env=env)
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeError(f"building the {client} driver failed: {done.stderr[-1500:]}")
    try:
        staging.rename(build)
    except OSError:  # another process built the same source first
        shutil.rmtree(staging, ignore_errors=True)
    return build


class LineDriverClient(ClientAdapter):
    """The round-trip operations of a client driven through a line driver: only the command that
    starts the driver differs between them."""

    @abstractmethod
    def driver_argv(self) -> list[str]:
        """The command that starts the driver."""

    def call(self, op: str, messages: list[Msg] | None = None, *, timeout_s: float | None = None,
             **settings: Any) -> Any:
        wait_s = self.timeout_s if timeout_s is None else timeout_s
        return run(self.name, self.driver_argv(), self.bootstrap, op, messages, wait_s + 30,
                   timeout_ms=int(wait_s * 1000), **settings)

    def produce(self, topic: str, messages: list[Msg], options: ProduceOptions | None = None) -> None:
        opts = options or ProduceOptions()
        self.call("produce", messages, topic=topic, acks=opts.acks, compression=opts.compression,
                  idempotent=opts.idempotent, max_request_size=opts.max_request_size)

    def consume(self, topic: str, count: int, partitions: list[int] | None = None, *,
                read_committed: bool = False, timeout_s: float = 20.0) -> list[Msg]:
        records = self.call("consume", timeout_s=timeout_s, topic=topic, count=count,
                            partitions=",".join(str(p) for p in partitions or [0]), read_committed=read_committed)
        return [to_msg(r) for r in records]

    def partition_count(self, topic: str) -> int:
        return int(self.call("partitions", topic=topic))

    def watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        low, high = self.call("watermarks", topic=topic, partitions=partition)
        return int(low), int(high)

    def offset_for_time(self, topic: str, partition: int, timestamp_ms: int) -> int | None:
        found = self.call("offsetForTime", topic=topic, partitions=partition, timestamp=timestamp_ms)
        return None if found is None else int(found)
