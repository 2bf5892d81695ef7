"""Server figures: time to first ApiVersions, idle memory, and 500 concurrent connections.

Run ``.venv/bin/python benchmarks/bench_server.py`` (``--quick`` for a rough pass). Without
``--bootstrap`` it starts ``wirekafka serve`` itself as a subprocess on a free port with a temp
data dir, and always stops it (SIGINT, then SIGKILL) and removes the dir. With
``--bootstrap HOST:PORT`` it measures an already-running broker: startup is skipped, and memory
and CPU are read only if the broker's pid is known (``--pid``, or found through
``/proc/net/tcp`` when the broker runs as this user).

It prints, for the targets of issue 3 (2-core machine):

(a) **startup**: from just before ``fork``/``exec`` of ``wirekafka serve`` to the first
    ApiVersions response over a raw socket (the client connects as soon as the port accepts and
    retries every millisecond). Repeated ``--startup-runs`` times, min / median, in turns
    between the setups: the dev venv as it runs (editable, ``PYTHONDONTWRITEBYTECODE=1``:
    wirekafka's own modules are compiled from source on every start), and for each
    ``--startup-python`` (default: the interpreter this venv was made from) a fresh venv into
    which ``pip install .`` installed the project, as the README does (pip writes every
    ``.pyc``). Target <= 300 ms. Each setup has a *floor* line: its interpreter until it has
    imported only trio and click (exit not counted, as for the broker), measured in the same
    turn, so the VM's drift shows.
(b) **idle RSS** (``VmRSS`` of ``/proc/<pid>/status``) after startup, after a few requests, and
    after the connection load. Target <= 40 MB, read as 40 MiB (the unit of /proc and ps);
    the figures are also printed in SI megabytes.
(c) **connections**: ``--connections`` (500) connections from ``--load-processes`` separate
    processes (asyncio protocols over raw sockets, requests pre-encoded with wirekafka's codec,
    only the correlation id patched per request, so the load generator is cheap):
    * *bootstrap burst*: every connection opens at once and sends ApiVersions then Metadata,
      as a client's bootstrap does; all must be answered;
    * *sustained*: the connections stay open and each repeats ApiVersions + Metadata, one
      request in flight per connection, for ``--duration`` seconds; target >= 15,000 requests/s.
    Metadata (all topics, at the highest version both sides know) is included only when the
    broker advertises API key 3 in its ApiVersions response; otherwise ApiVersions only.
    CPU time of the broker (``/proc/<pid>/stat`` utime+stime) and of the load processes
    (``getrusage``) is printed for each phase, so a saturated load generator shows.

``--calibrate`` then repeats the sustained load against two minimal servers that replay the
broker's recorded answers: a bare ``selectors`` loop (the load generator's ceiling here) and a
trio loop shaped like wirekafka's connection (trio's own cost per request).

``--profile FILE`` runs the broker of the connection phases under cProfile, timed with the
process's CPU clock (figures are then slower than without it), and prints its top functions. Figures are recorded in
``docs/performance.md`` ("Server: startup, memory, connections").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import pstats
import resource
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wirekafka.protocol.framing import RequestHeader, decode_response, encode_request
from wirekafka.protocol.messages import by_name

REPO_ROOT = Path(__file__).resolve().parents[1]
API_VERSIONS = 18
METADATA = 3
API_VERSIONS_VERSION = 3  # what kafka-python 3 and librdkafka send first
METADATA_MAX_VERSION = 12  # the highest version wirekafka's codec declares
CLIENT_ID = "bench-server"
_SIZE = struct.Struct(">i")
_CORRELATION = struct.Struct(">i")
_CORRELATION_OFFSET = 8  # size (4) + api_key (2) + api_version (2)


# -- the wire -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestKind:
    """One pre-encoded request; ``frame`` has correlation id 0, patched per send."""

    api_key: int
    version: int
    frame: bytes


def api_versions_request(version: int = API_VERSIONS_VERSION) -> RequestKind:
    body = by_name("ApiVersionsRequest")(
        client_software_name="wirekafka-bench", client_software_version="0.1"
    )
    header = RequestHeader(API_VERSIONS, version, 0, CLIENT_ID)
    return RequestKind(API_VERSIONS, version, encode_request(header, body))


def metadata_request(version: int) -> RequestKind:
    """All topics (``topics=None``; v0 means all with an empty list), as a client's bootstrap asks."""
    body = by_name("MetadataRequest")(topics=None if version >= 1 else [], allow_auto_topic_creation=False)
    header = RequestHeader(METADATA, version, 0, CLIENT_ID)
    return RequestKind(METADATA, version, encode_request(header, body))


def with_correlation_id(frame: bytes, correlation_id: int) -> bytes:
    patched = bytearray(frame)
    _CORRELATION.pack_into(patched, _CORRELATION_OFFSET, correlation_id)
    return bytes(patched)


def read_frame(sock: socket.socket) -> bytes:
    """One response frame (without its size) from a blocking socket.

    Raises:
        ConnectionError: the broker closed the connection first.
    """
    size = _SIZE.unpack(_read_exactly(sock, 4))[0]
    return _read_exactly(sock, size)


def _read_exactly(sock: socket.socket, count: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < count:
        data = sock.recv(count - len(chunks))
        if not data:
            raise ConnectionError("connection closed by the broker")
        chunks += data
    return bytes(chunks)


def exchange(sock: socket.socket, kind: RequestKind, correlation_id: int) -> Any:
    """Send one request and decode its response; checks the correlation id."""
    sock.sendall(with_correlation_id(kind.frame, correlation_id))
    received, body = decode_response(kind.api_key, kind.version, read_frame(sock))
    if received != correlation_id:
        raise RuntimeError(f"correlation id {received} answered {correlation_id}")
    return body


def parse_address(text: str) -> tuple[str, int]:
    host, port = text.rsplit(":", 1)
    return host.strip("[]"), int(port)


def advertised_apis(address: tuple[str, int]) -> dict[int, tuple[int, int]]:
    """API key -> (min, max) version from the broker's ApiVersions response."""
    with socket.create_connection(address, timeout=10) as sock:
        body = exchange(sock, api_versions_request(), 1)
    if body.error_code != 0:
        raise RuntimeError(f"ApiVersions answered error {body.error_code}")
    return {k.api_key: (k.min_version, k.max_version) for k in body.api_keys}


def request_mix(apis: dict[int, tuple[int, int]]) -> list[RequestKind]:
    """ApiVersions, plus Metadata at the highest common version when the broker serves it."""
    kinds = [api_versions_request()]
    if METADATA in apis:
        low, high = apis[METADATA]
        version = min(high, METADATA_MAX_VERSION)
        if version >= low:
            kinds.append(metadata_request(version))
    return kinds


# -- the broker process ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve_command() -> list[str]:
    """The ``wirekafka`` console script next to this interpreter, as a user would run it."""
    script = Path(sys.executable).with_name("wirekafka")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "wirekafka"]


@dataclass
class BrokerProcess:
    process: subprocess.Popen[bytes]
    address: tuple[str, int]
    started_at: float
    stderr_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-4000:]


@contextlib.contextmanager
def started_broker(
    env: dict[str, str], *, prefix: list[str] | None = None, work_dir: Path | None = None
) -> Iterator[BrokerProcess]:
    """``wirekafka serve`` on a free port with a temp data dir; always stopped and cleaned up."""
    root = Path(tempfile.mkdtemp(prefix="wirekafka-bench-", dir=work_dir))
    port = free_port()
    command = [
        *(prefix or serve_command()),
        "serve",
        "--listen",
        f"127.0.0.1:{port}",
        "--data-dir",
        str(root / "data"),
    ]
    stderr_path = root / "stderr.txt"
    process: subprocess.Popen[bytes] | None = None
    try:
        with stderr_path.open("wb") as stderr:
            started_at = time.perf_counter()
            process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
        yield BrokerProcess(process, ("127.0.0.1", port), started_at, stderr_path)
    finally:
        if process is not None:
            stop_process(process)
        shutil.rmtree(root, ignore_errors=True)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGINT (the broker's Ctrl-C, which also lets cProfile write its file), then SIGKILL."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(broker: BrokerProcess, timeout: float = 60) -> float:
    """Seconds from process start to the first successful ApiVersions response.

    Raises:
        RuntimeError: the process exited, or did not answer within ``timeout``.
    """
    request = api_versions_request()
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if broker.process.poll() is not None:
            raise RuntimeError(f"wirekafka serve exited ({broker.process.returncode}):\n{broker.stderr()}")
        try:
            with socket.create_connection(broker.address, timeout=timeout) as sock:
                body = exchange(sock, request, 1)
                answered = time.perf_counter()
            if body.error_code == 0:
                return answered - broker.started_at
        except OSError:
            pass  # not listening yet (refused) or closed while starting: try again
        time.sleep(0.001)
    raise RuntimeError(f"no ApiVersions answer within {timeout} s:\n{broker.stderr()}")


# -- /proc ----------------------------------------------------------------------------------------


def memory_mib(pid: int) -> dict[str, float]:
    """VmRSS (resident now), VmHWM (peak), RssAnon (private heap) and RssFile (mapped files:
    the interpreter, shared libraries such as libcrypto; shared with other processes) in MiB."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            values[name] = int(rest.split()[0]) / 1024  # kB
    return values


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()  # the command name may hold spaces
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def pid_listening_on(port: int) -> int | None:
    """The pid owning the listening socket on ``port`` (this user's processes only), if found."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                columns = line.split()
                if columns[3] == "0A" and int(columns[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(columns[9])
    if not inodes:
        return None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return int(entry.name)
    return None


# -- the load generator (runs in separate processes) ----------------------------------------------


@dataclass
class WorkerStats:
    responses: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    last_answered: float = 0.0


class LoadConnection(asyncio.Protocol):
    """One client connection: sends the next request of its mix when the previous is answered.

    ``run_phase`` sends rounds of the mix until a round count or a deadline; the connection stays
    open between phases (``close`` ends it). Responses are checked by correlation id, and the
    first round's are decoded in full with their error codes checked: decoding every response
    would make the generator the bottleneck.
    """

    def __init__(self) -> None:
        self.kinds: list[RequestKind] = []
        self.rounds = 0
        self.deadline: float | None = None
        self.stats = WorkerStats()
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.done.set_result(None)
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.sent = 0  # in this phase
        self.correlation_id = 0
        self.decoded_rounds = 0
        self.sent_at = 0.0
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def run_phase(
        self, kinds: list[RequestKind], stats: WorkerStats, *, rounds: int = 1, deadline: float | None = None
    ) -> asyncio.Future[None]:
        """Send rounds of ``kinds`` (``rounds`` of them, or until ``deadline``); resolves when done."""
        self.kinds, self.stats, self.rounds, self.deadline = kinds, stats, rounds, deadline
        self.sent = 0
        self.done = asyncio.get_running_loop().create_future()
        if self.lost:
            self._fail("connection lost before the phase")
        else:
            self._send_next()
        return self.done

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def _send_next(self) -> None:
        assert self.transport is not None
        kind = self.kinds[self.sent % len(self.kinds)]
        self.correlation_id += 1
        frame = bytearray(kind.frame)
        _CORRELATION.pack_into(frame, _CORRELATION_OFFSET, self.correlation_id)
        self.sent_at = time.perf_counter()
        self.transport.write(frame)
        self.sent += 1

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= 4:
            size = _SIZE.unpack_from(self.buffer, 0)[0]
            if len(self.buffer) < 4 + size:
                return
            frame = bytes(self.buffer[4 : 4 + size])
            del self.buffer[: 4 + size]
            self._answered(frame)

    def _answered(self, frame: bytes) -> None:
        now = time.perf_counter()
        stats = self.stats
        if self.done.done():
            self._fail("a response nobody asked for")
            return
        kind = self.kinds[(self.sent - 1) % len(self.kinds)]
        correlation_id = _CORRELATION.unpack_from(frame, 0)[0]
        if correlation_id != self.correlation_id:
            self._fail(f"correlation id {correlation_id}, expected {self.correlation_id}")
            return
        if self.decoded_rounds == 0:
            _, body = decode_response(kind.api_key, kind.version, frame)
            if getattr(body, "error_code", 0) != 0:
                self._fail(f"api {kind.api_key} answered error {body.error_code}")
                return
        stats.responses += 1
        stats.latencies.append(now - self.sent_at)
        stats.last_answered = now
        if self.sent % len(self.kinds) == 0:
            self.decoded_rounds += 1
            if (self.deadline is not None and now >= self.deadline) or (
                self.deadline is None and self.sent >= self.rounds * len(self.kinds)
            ):
                self.done.set_result(None)
                return
        self._send_next()

    def _fail(self, reason: str) -> None:
        self.stats.errors.append(reason)
        self.close()
        if not self.done.done():
            self.done.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.done.done():
            self.stats.errors.append(f"connection lost: {exc or 'closed by the broker'}")
            self.done.set_result(None)


async def open_connection(address: tuple[str, int]) -> LoadConnection:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(LoadConnection, *address)
    return protocol


async def worker_main(config: dict[str, Any]) -> dict[str, Any]:
    """One load process: prepare, report ``connected``, wait for ``go`` on stdin, run, report.

    ``burst``: connect after ``go``, one round of the mix per connection, close.
    ``sustained``: connect and do one round (a client's bootstrap) before ``go``; after it,
    repeat the mix on the same connections until ``duration`` seconds have passed.
    """
    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    address = (config["host"], config["port"])
    kinds = [RequestKind(k["api_key"], k["version"], bytes.fromhex(k["frame"])) for k in config["kinds"]]
    count = config["connections"]
    loop = asyncio.get_running_loop()
    stats = WorkerStats()
    connections: list[LoadConnection] = []
    try:
        if config["mode"] == "sustained":
            warmup = WorkerStats()
            connections = list(await asyncio.gather(*(open_connection(address) for _ in range(count))))
            await asyncio.gather(*(c.run_phase(kinds, warmup) for c in connections))
            if warmup.errors:
                print(json.dumps({"errors": warmup.errors[:10]}), flush=True)
                return {}
        print("connected", flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)
        usage_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        if config["mode"] == "sustained":
            deadline = started + config["duration"]
            await asyncio.gather(*(c.run_phase(kinds, stats, deadline=deadline) for c in connections))
        else:
            results = await asyncio.gather(
                *(open_connection(address) for _ in range(count)), return_exceptions=True
            )
            connections = [r for r in results if isinstance(r, LoadConnection)]
            stats.errors += [f"connect: {r!r}" for r in results if not isinstance(r, LoadConnection)]
            await asyncio.gather(*(c.run_phase(kinds, stats) for c in connections))
        finished = time.perf_counter()
        usage_after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        for connection in connections:
            connection.close()
    cpu = (usage_after.ru_utime - usage_before.ru_utime) + (usage_after.ru_stime - usage_before.ru_stime)
    latencies = sorted(stats.latencies)
    return {
        "responses": stats.responses,
        "expected": count * len(kinds),
        "errors": stats.errors[:10],
        "error_count": len(stats.errors),
        "started": started,
        "finished": finished,
        "cpu": cpu,
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else None,
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)] if latencies else None,
    }


def run_worker() -> None:
    config = json.loads(sys.stdin.readline())
    result = asyncio.run(worker_main(config))
    if result:
        print(json.dumps(result), flush=True)


@dataclass
class LoadResult:
    mode: str
    connections: int
    responses: int
    expected: int | None
    errors: list[str]
    wall: float
    client_cpu: float
    broker_cpu: float | None
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.responses / self.wall if self.wall > 0 else 0.0


def run_load(
    address: tuple[str, int],
    kinds: list[RequestKind],
    *,
    mode: str,
    connections: int,
    processes: int,
    duration: float,
    broker_pid: int | None,
) -> LoadResult:
    """Run the load from ``processes`` separate worker processes, started together."""
    shares = [connections // processes + (1 if i < connections % processes else 0) for i in range(processes)]
    env = dict(os.environ)
    workers: list[subprocess.Popen[str]] = []
    try:
        for share in shares:
            worker = subprocess.Popen(
                [sys.executable, __file__, "--worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
            assert worker.stdin is not None
            config = {
                "host": address[0],
                "port": address[1],
                "mode": mode,
                "connections": share,
                "duration": duration,
                "kinds": [
                    {"api_key": k.api_key, "version": k.version, "frame": k.frame.hex()} for k in kinds
                ],
            }
            worker.stdin.write(json.dumps(config) + "\n")
            worker.stdin.flush()
            workers.append(worker)
        for worker in workers:
            assert worker.stdout is not None
            line = worker.stdout.readline()
            if line.strip() != "connected":
                raise RuntimeError(f"load worker failed before the start: {line.strip() or 'no output'}")
        broker_before = cpu_seconds(broker_pid) if broker_pid else None
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        results = []
        for worker in workers:
            assert worker.stdout is not None
            results.append(json.loads(worker.stdout.readline()))
            worker.wait(30)
        broker_after = cpu_seconds(broker_pid) if broker_pid else None
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    errors = [e for r in results for e in r["errors"]]
    wall = max(r["finished"] for r in results) - min(r["started"] for r in results)
    return LoadResult(
        mode=mode,
        connections=connections,
        responses=sum(r["responses"] for r in results),
        expected=sum(r["expected"] for r in results) if mode == "burst" else None,
        errors=errors,
        wall=wall,
        client_cpu=sum(r["cpu"] for r in results),
        broker_cpu=None if broker_before is None or broker_after is None else broker_after - broker_before,
        p50_ms=max((r["p50_ms"] or 0.0) for r in results),
        p99_ms=max((r["p99_ms"] or 0.0) for r in results),
    )


# -- the figures ----------------------------------------------------------------------------------


def measure_startup(
    runs: int, env: dict[str, str], prefix: list[str] | None = None
) -> tuple[list[float], list[float]]:
    """(wall seconds to the first answer, CPU seconds the broker had used by then) per run.

    The CPU figure is what the startup costs on an idle core; the wall figure also contains
    waiting for a CPU, which on a shared machine can be most of it.
    """
    times, cpu = [], []
    for _ in range(runs):
        with started_broker(env, prefix=prefix) as broker:
            times.append(wait_ready(broker))
            cpu.append(cpu_seconds(broker.pid))
    return times, cpu


FLOOR_PROGRAM = "import sys, trio, click; sys.stdout.write('ready\\n'); sys.stdout.flush(); sys.stdin.read()"
"""The floor's child: import what ``wirekafka serve`` cannot do without, say so, and wait."""


def dependency_floor(runs: int, env: dict[str, str], python: str = sys.executable) -> list[float]:
    """Seconds from spawning ``python`` to its having imported trio and click, per run.

    The part of the startup figure wirekafka cannot shrink: this VM's speed drifts by 1.25x and
    more within an hour, so the floor is measured in the same breath as the broker, and what
    wirekafka's own modules and start cost is the difference. The child reports over a pipe and
    is stopped afterwards, so, like the broker's figure, it excludes the interpreter's exit
    (~40 ms here, which an earlier floor of ``python -c 'import trio, click'`` included).
    """
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        child = subprocess.Popen(
            [python, "-c", FLOOR_PROGRAM],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            times.append(time.perf_counter() - started)
            if line.strip() != "ready":
                raise RuntimeError(f"floor child failed: {line!r}")
        finally:
            child.kill()
            child.wait()
    return times


@contextlib.contextmanager
def installed_venv(base_python: str) -> Iterator[Path | None]:
    """A fresh venv of ``base_python`` holding wirekafka as the README installs it, or ``None``
    (with the reason printed) when it cannot be made; removed afterwards.

    ``pip install .`` (not editable, so no import hook of an editable install; pip writes every
    module's ``.pyc``) is what a user's ``wirekafka serve`` runs from: the figure the target is
    about. pip fetches the dependencies from the package index.
    """
    root = Path(tempfile.mkdtemp(prefix="wirekafka-bench-venv-"))
    try:
        steps = [
            [base_python, "-m", "venv", str(root)],
            [str(root / "bin" / "python"), "-m", "pip", "install", "-q", str(REPO_ROOT)],
        ]
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                print(f"    (cannot install into a venv of {base_python}: {done.stderr.strip()[-300:]})")
                yield None
                return
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def interpreter_label(python: str) -> str:
    """``/usr/bin/python3.11 (3.11.2)``: which build a figure was measured with."""
    version = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return f"{python} ({version})"


def print_startup(label: str, times: list[float], cpu: list[float]) -> None:
    verdict = "met" if statistics.median(times) <= 0.300 else "MISSED"
    print(
        f"    {label:<38} wall min {1000 * min(times):4.0f} ms  median "
        f"{1000 * statistics.median(times):4.0f} ms  max {1000 * max(times):4.0f} ms   [{verdict}]"
    )
    print(
        f"    {'':<38} CPU  min {1000 * min(cpu):4.0f} ms  median {1000 * statistics.median(cpu):4.0f} ms"
        " (user+sys of the broker when it answered)"
    )


def print_floor(floor: list[float]) -> None:
    label = "floor: python importing trio, click"
    print(
        f"    {label:<38} wall min {1000 * min(floor):4.0f} ms  median "
        f"{1000 * statistics.median(floor):4.0f} ms (start to imported; no wirekafka)"
    )


def startup_figures(runs: int, interpreters: list[str]) -> None:
    """The dev venv's start, then, per interpreter, the start of a ``pip install .`` of it.

    How fast the interpreter itself runs decides most of the figure: on this VM pyenv's build of
    3.11 (no profile-guided optimisation, ``--enable-shared``) needs ~1.4x the time of Debian's
    for the same work, so every setup prints its own floor. The setups take turns, one start
    each, so the VM's drift shows in all of them alike.
    """
    print(f"(a) startup: process start -> first ApiVersions answered, {runs} runs (target <= 300 ms)")
    clean_env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    }
    dev_env = dict(clean_env, PYTHONDONTWRITEBYTECODE="1")
    # (heading, env, serve command, python of the floor)
    setups: list[tuple[str, dict[str, str], list[str] | None, str]] = [
        (
            f"dev venv (editable, PYTHONDONTWRITEBYTECODE=1), {interpreter_label(sys.executable)}",
            dev_env,
            None,
            sys.executable,
        ),
    ]
    with contextlib.ExitStack() as stack:
        for base in interpreters:
            venv = stack.enter_context(installed_venv(base))
            if venv is not None:
                command = [str(venv / "bin" / "wirekafka")]
                measure_startup(1, clean_env, command)  # warm-up: the OS's file cache, any missing .pyc
                setups.append(
                    (
                        f"pip install . into a fresh venv of {interpreter_label(base)}",
                        clean_env,
                        command,
                        str(venv / "bin" / "python"),
                    )
                )
        figures: list[tuple[list[float], list[float], list[float]]] = [([], [], []) for _ in setups]
        for _ in range(runs):
            for (_, env, command, python), (times, cpu, floor) in zip(setups, figures, strict=True):
                run_times, run_cpu = measure_startup(1, env, command)
                times += run_times
                cpu += run_cpu
                floor += dependency_floor(1, env, python)
    for (heading, *_), (times, cpu, floor) in zip(setups, figures, strict=True):
        print(f"  {heading}")
        print_startup("wirekafka serve", times, cpu)
        print_floor(floor)


def print_rss(label: str, pid: int | None, *, idle: bool = True) -> float | None:
    """Print the broker's memory; ``idle`` figures are judged against the 40 MB target."""
    if pid is None:
        print(f"    {label:<44} (pid unknown: pass --pid)")
        return None
    memory = memory_mib(pid)
    rss = memory["VmRSS"]
    verdict = ("met" if rss <= 40 else "MISSED") if idle else "not idle: for information"
    print(
        f"    {label:<40} VmRSS {rss:5.1f} MiB ({rss * 1.048576:5.1f} MB)  VmHWM {memory['VmHWM']:5.1f} MiB"
        f"  RssAnon {memory.get('RssAnon', 0):5.1f}  RssFile {memory.get('RssFile', 0):5.1f}  [{verdict}]"
    )
    return rss


def few_requests(
    address: tuple[str, int], kinds: list[RequestKind], connections: int = 10, rounds: int = 10
) -> None:
    """A handful of clients doing their bootstrap, to warm the codecs the load will use."""
    for _ in range(connections):
        with socket.create_connection(address, timeout=10) as sock:
            correlation_id = 0
            for _ in range(rounds):
                for kind in kinds:
                    correlation_id += 1
                    exchange(sock, kind, correlation_id)


def print_load(result: LoadResult, target: float | None) -> None:
    answered = f"{result.responses}" + (f" of {result.expected}" if result.expected is not None else "")
    verdict = "reference"
    if result.expected is not None:
        verdict = (
            "all answered"
            if result.responses == result.expected and not result.errors
            else "NOT ALL ANSWERED"
        )
    if target is not None:
        verdict = (
            "met" if result.rate >= target and not result.errors else "MISSED"
        ) + f" (target {target:,.0f}/s)"
    broker_cpu = "?" if result.broker_cpu is None else f"{result.broker_cpu:.2f} s"
    print(
        f"    {result.mode:<9} {result.connections} conns: {answered} responses in {result.wall:.2f} s = "
        f"{result.rate:,.0f} req/s   latency p50 {result.p50_ms:.1f} ms p99 {result.p99_ms:.1f} ms   [{verdict}]"
    )
    print(
        f"              CPU: broker {broker_cpu} ({_share(result.broker_cpu, result.wall)}), "
        f"load generator {result.client_cpu:.2f} s ({_share(result.client_cpu, result.wall)})"
    )
    if result.broker_cpu and result.responses:
        per_request = result.broker_cpu / result.responses
        print(
            f"              broker CPU per request {1e6 * per_request:.0f} us = "
            f"{1 / per_request:,.0f} req/s per fully available core"
        )
    for error in result.errors[:5]:
        print(f"              error: {error}")


def _share(cpu: float | None, wall: float) -> str:
    return "?" if cpu is None or wall <= 0 else f"{100 * cpu / wall:.0f} % of one core"


def connection_figures(address: tuple[str, int], pid: int | None, args: argparse.Namespace) -> None:
    apis = advertised_apis(address)
    kinds = request_mix(apis)
    names = " + ".join(
        f"{'ApiVersions' if k.api_key == API_VERSIONS else 'Metadata'} v{k.version}" for k in kinds
    )
    if METADATA not in apis:
        names += " (Metadata not advertised by the broker yet)"
    print("(b) idle memory (target <= 40 MB, judged as MiB)")
    print_rss("after startup", pid)
    few_requests(address, kinds)
    print_rss(f"after {10 * 10 * len(kinds)} requests on 10 connections", pid)
    print(f"(c) {args.connections} concurrent connections, {names}; {args.load_processes} load process(es)")
    burst = run_load(
        address,
        kinds,
        mode="burst",
        connections=args.connections,
        processes=args.load_processes,
        duration=args.duration,
        broker_pid=pid,
    )
    print_load(burst, None)
    sustained = run_load(
        address,
        kinds,
        mode="sustained",
        connections=args.connections,
        processes=args.load_processes,
        duration=args.duration,
        broker_pid=pid,
    )
    print_load(sustained, 15_000)
    time.sleep(0.5)  # let the broker close the connections
    print("(b) memory after the load")
    print_rss(f"after {args.connections} connections closed", pid, idle=False)
    if pid is not None and args.idle_seconds > 0:
        # An idle broker must sleep: a timer loop that does not (seen once in the housekeeping
        # loop of an earlier build) costs a core and distorts every other figure on the machine.
        before = cpu_seconds(pid)
        time.sleep(args.idle_seconds)
        used = cpu_seconds(pid) - before
        print(
            f"    idle CPU over {args.idle_seconds:.0f} s after the load: {used:.2f} s "
            f"({100 * used / args.idle_seconds:.1f} % of one core)"
        )
    if args.calibrate:
        calibration_figures(address, kinds, args)


# -- calibration: the same load against minimal servers -------------------------------------------

# A server that answers each request frame with the broker's own response to that API (recorded
# beforehand), correlation id patched, and does nothing else. ``selectors``: a bare epoll loop,
# the ceiling of the load generator on this machine. ``trio``: the shape of wirekafka's
# connection loop (one task per connection, ``receive_some`` / ``send_all``), the floor of any
# trio server before decoding, handling and encoding.
REFERENCE_SERVER = r"""
import json, selectors, socket, struct, sys
mode, port = sys.argv[1], int(sys.argv[2])
canned = {int(k): bytes.fromhex(v) for k, v in json.loads(sys.stdin.readline()).items()}
SIZE = struct.Struct(">i")

def answers(buffer):
    while len(buffer) >= 4:
        size = SIZE.unpack_from(buffer, 0)[0]
        if len(buffer) < 4 + size:
            return
        response = bytearray(canned[struct.unpack_from(">h", buffer, 4)[0]])
        response[4:8] = buffer[8:12]
        del buffer[: 4 + size]
        yield response

if mode == "selectors":
    selector = selectors.DefaultSelector()
    listener = socket.create_server(("127.0.0.1", port), backlog=4096)
    listener.setblocking(False)
    selector.register(listener, selectors.EVENT_READ)
    print("ready", flush=True)
    buffers = {}
    while True:
        for key, _ in selector.select():
            if key.fileobj is listener:
                connection, _ = listener.accept()
                connection.setblocking(False)
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                buffers[connection] = bytearray()
                selector.register(connection, selectors.EVENT_READ)
                continue
            connection = key.fileobj
            try:
                data = connection.recv(65536)
            except ConnectionError:
                data = b""
            if not data:
                selector.unregister(connection)
                connection.close()
                del buffers[connection]
                continue
            buffer = buffers[connection]
            buffer += data
            for response in answers(buffer):
                connection.sendall(response)  # small frames: the socket buffer always has room
else:
    import trio

    async def handle(stream):
        buffer = bytearray()
        try:
            while True:
                data = await stream.receive_some(65536)
                if not data:
                    return
                buffer += data
                for response in answers(buffer):
                    await stream.send_all(response)
        except trio.BrokenResourceError:
            pass

    async def main():
        async with trio.open_nursery() as nursery:
            await nursery.start(trio.serve_tcp, handle, port)
            print("ready", flush=True)

    trio.run(main)
"""


def recorded_responses(address: tuple[str, int], kinds: list[RequestKind]) -> dict[int, bytes]:
    """The broker's response frame (with size) to each kind of request, by API key."""
    recorded = {}
    with socket.create_connection(address, timeout=10) as sock:
        for kind in kinds:
            sock.sendall(with_correlation_id(kind.frame, 1))
            frame = read_frame(sock)
            recorded[kind.api_key] = _SIZE.pack(len(frame)) + frame
    return recorded


def calibration_figures(address: tuple[str, int], kinds: list[RequestKind], args: argparse.Namespace) -> None:
    print("calibration: the same sustained load against minimal servers replaying the broker's answers")
    canned = json.dumps({str(k): v.hex() for k, v in recorded_responses(address, kinds).items()})
    for mode in ("selectors", "trio"):
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-c", REFERENCE_SERVER, mode, str(port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdin is not None and server.stdout is not None
            server.stdin.write(canned + "\n")
            server.stdin.flush()
            if server.stdout.readline().strip() != "ready":
                raise RuntimeError(f"reference server {mode} did not start")
            result = run_load(
                ("127.0.0.1", port),
                kinds,
                mode="sustained",
                connections=args.connections,
                processes=args.load_processes,
                duration=args.duration,
                broker_pid=server.pid,
            )
            result.mode = mode
            print_load(result, None)
        finally:
            server.kill()
            server.wait()


# cProfile with the process's CPU clock, not the wall clock: on a shared machine a process that is
# preempted inside a system call (send() wakes the load generator, which may then run first)
# would otherwise be charged for time it spent waiting for a CPU.
PROFILE_WRAPPER = """
import cProfile, sys, time
from wirekafka.cli import main
profiler = cProfile.Profile(time.process_time)
profiler.enable()
try:
    main(sys.argv[2:], standalone_mode=False)
finally:
    profiler.disable()
    profiler.dump_stats(sys.argv[1])
"""


def print_profile(path: Path, limit: int = 25) -> None:
    if not path.exists():
        print(f"no profile written to {path}")
        return
    stats = pstats.Stats(str(path))
    print(f"\nbroker profile ({path}), by own time:")
    stats.sort_stats("tottime").print_stats(limit)
    print("by cumulative time:")
    stats.sort_stats("cumulative").print_stats(limit)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bootstrap", default=None, metavar="HOST:PORT", help="measure this running broker")
    parser.add_argument("--pid", type=int, default=None, help="pid of the --bootstrap broker (memory, CPU)")
    parser.add_argument("--startup-runs", type=int, default=10)
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--load-processes", type=int, default=1)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of sustained load")
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="idle CPU check after the load")
    parser.add_argument("--quick", action="store_true", help="3 startup runs, 2 s of load")
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument(
        "--startup-python",
        action="append",
        default=None,
        metavar="PYTHON",
        help="interpreter to install into a fresh venv for the startup figure (repeatable; "
        "default: the one this venv was made from)",
    )
    parser.add_argument("--profile", type=Path, default=None, metavar="FILE", help="cProfile the broker")
    parser.add_argument(
        "--calibrate", action="store_true", help="also load minimal selectors and trio servers (see docs)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker()
        return
    if args.quick:
        args.startup_runs, args.duration, args.idle_seconds = 3, 2.0, 3.0
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    if args.bootstrap:
        address = parse_address(args.bootstrap)
        pid = args.pid or pid_listening_on(address[1])
        print(f"broker at {args.bootstrap}, pid {pid or 'unknown'}; startup not measured (already running)")
        connection_figures(address, pid, args)
        return
    if not args.skip_startup:
        startup_figures(args.startup_runs, args.startup_python or [sys._base_executable])
    prefix = None
    if args.profile is not None:
        args.profile = args.profile.resolve()
        prefix = [sys.executable, "-c", PROFILE_WRAPPER, str(args.profile)]
        print("(broker under cProfile: the figures below are slower than without it)")
    with started_broker(dict(os.environ), prefix=prefix) as broker:
        ready = wait_ready(broker)
        time.sleep(0.2)  # let the first connection's task finish
        print(f"broker pid {broker.pid} on 127.0.0.1:{broker.address[1]}, ready after {1000 * ready:.0f} ms")
        connection_figures(broker.address, broker.pid, args)
    print(f"load average at the end {os.getloadavg()[0]:.2f} (other processes share these CPUs)")
    if args.profile is not None:
        print_profile(args.profile)


if __name__ == "__main__":
    main()
