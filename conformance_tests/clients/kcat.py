"""kcat adapter: librdkafka's command-line client driven through subprocesses.

kcat takes text on stdin/stdout, so its cases use printable payloads (supports_binary = False) and it
cannot set record timestamps. Headers given with -H apply to a whole run, so produce starts one kcat
per (partition, headers) group.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess

from conformance_tests.clients.base import ClientAdapter, Msg, ProduceOptions

KEY_DELIMITER = "\x1f"  # ASCII unit separator: never in test payloads
ACKS = {"0": "0", "1": "1", "all": "-1"}


def availability() -> str | None:
    return None if shutil.which("kcat") else "client not installed: kcat not found on PATH (apt-get install kcat)"


class KcatClient(ClientAdapter):
    name = "kcat"
    supports_timestamps = False
    supports_binary = False

    def _run(self, args: list[str], stdin: bytes | None = None, timeout: float | None = None) -> str:
        argv = ["kcat", "-b", self.bootstrap, "-X", "broker.address.family=v4", "-X", "client.id=conformance-kcat", *args]
        done = subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout or self.timeout_s, check=False)
        if done.returncode != 0:
            err = done.stderr.decode(errors="replace").strip().splitlines()
            raise RuntimeError(f"kcat exited {done.returncode}: {' / '.join(err[-3:])}")
        return done.stdout.decode(errors="replace")

    def produce(self, topic: str, messages: list[Msg], options: ProduceOptions | None = None) -> None:
        opts = options or ProduceOptions()
        for (partition, headers), group in itertools.groupby(messages, key=lambda m: (m.partition, tuple(m.headers))):
            batch = list(group)
            nulls = any(m.key is None or m.value is None for m in batch)
            if nulls and any(m.key == b"" or m.value == b"" for m in batch):
                raise ValueError("kcat cannot mix empty and null keys/values in one run")
            keyed = any(m.key is not None for m in batch)
            lines = []
            for m in batch:
                value = (m.value or b"").decode()
                lines.append(f"{(m.key or b'').decode()}{KEY_DELIMITER}{value}" if keyed else value)
            args = ["-P", "-t", topic, "-p", str(partition), "-z", opts.compression, "-D", "\n",
                    "-X", f"acks={ACKS[opts.acks]}", "-X", f"message.max.bytes={opts.max_request_size}",
                    "-X", f"enable.idempotence={'true' if opts.idempotent else 'false'}"]
            if keyed:
                args += ["-K", KEY_DELIMITER]
            if nulls:
                args.append("-Z")
            for hkey, hval in headers:
                args += ["-H", f"{hkey}={hval.decode()}"]
            self._run(args, stdin=("\n".join(lines) + "\n").encode())

    def consume(self, topic: str, count: int, partitions: list[int] | None = None, *,
                read_committed: bool = False, timeout_s: float = 20.0) -> list[Msg]:
        out: list[Msg] = []
        for partition in partitions or [0]:
            args = ["-C", "-t", topic, "-p", str(partition), "-o", "beginning", "-e", "-J",
                    "-X", f"isolation.level={'read_committed' if read_committed else 'read_uncommitted'}"]
            text = self._run(args, timeout=timeout_s)
            for line in text.splitlines():
                if not line.startswith("{"):
                    continue
                rec = json.loads(line)
                raw_headers = rec.get("headers") or []
                headers = [(raw_headers[i], raw_headers[i + 1].encode()) for i in range(0, len(raw_headers), 2)]
                key = rec.get("key")
                payload = rec.get("payload")
                out.append(Msg(None if key is None else key.encode(), None if payload is None else payload.encode(),
                               headers, rec.get("ts"), rec["partition"], rec["offset"]))
        return out[: max(count, len(out))]

    def partition_count(self, topic: str) -> int:
        meta = json.loads(self._run(["-L", "-J", "-t", topic]))
        for t in meta.get("topics", []):
            if t.get("topic") == topic and not t.get("error"):
                return len(t.get("partitions", []))
        return 0

    def _query(self, topic: str, partition: int, timestamp: int) -> int:
        text = self._run(["-Q", "-J", "-t", f"{topic}:{partition}:{timestamp}"])
        data = json.loads(text.strip().splitlines()[-1])
        entry = data[topic][str(partition)]
        if entry.get("error"):
            raise RuntimeError(f"kcat -Q error: {entry['error']}")
        return int(entry["offset"])

    def watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        return self._query(topic, partition, -2), self._query(topic, partition, -1)

    def offset_for_time(self, topic: str, partition: int, timestamp_ms: int) -> int | None:
        offset = self._query(topic, partition, timestamp_ms)
        return None if offset < 0 else offset
