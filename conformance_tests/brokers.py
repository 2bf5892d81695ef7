"""Start a broker under test as a subprocess: wirekafka itself, or tansu for the comparison run.

Why a subprocess: the suite must treat every broker the same way, through a socket, and must be able
to run against a binary it knows nothing about. A broker counts as ready once it answers an
ApiVersions request (bounded time), and it is always terminated when the session ends.

Command line use (handy for poking at a broker by hand):

    python -m conformance_tests.brokers tansu --binary /path/to/tansu
    python -m conformance_tests.brokers wirekafka
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from conformance_tests import wire

TANSU_ENV = "CONFORMANCE_TANSU_BIN"

# Settings that keep the suite fast and make Kafka's defaults explicit (`-o KEY=VALUE` to wirekafka).
WIREKAFKA_CONFIG: dict[str, str] = {
    "group.initial.rebalance.delay.ms": "0",
    "auto.create.topics.enable": "true",
    "transaction.state.log.replication.factor": "1",
    "offsets.topic.replication.factor": "1",
}


class BrokerStartError(RuntimeError):
    """The broker process exited or did not answer ApiVersions in time."""


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (the broker binds it right after)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(bootstrap: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    """Poll with ApiVersions v0 until the broker answers or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise BrokerStartError(f"broker exited with code {process.returncode} before it was ready")
        try:
            wire.fetch_api_versions(bootstrap, timeout=2.0)
            return
        except (OSError, ValueError, AssertionError, wire.ConnectionClosed) as exc:
            last_error = exc
            time.sleep(0.2)
    raise BrokerStartError(f"no ApiVersions answer from {bootstrap} within {timeout:.0f}s: {last_error}")


class BrokerProcess:
    """A broker subprocess with its log file; use as a context manager."""

    def __init__(self, name: str, argv: Sequence[str], bootstrap: str, workdir: Path,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.argv = list(argv)
        self.bootstrap = bootstrap
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, ready_timeout: float = 30.0) -> BrokerProcess:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=self.workdir, env=self.env, start_new_session=True,
        )
        log.close()
        try:
            wait_until_ready(self.bootstrap, ready_timeout, self.process)
        except BrokerStartError as exc:
            self.stop()
            tail = self.log_tail()
            raise BrokerStartError(f"{self.name}: {exc}\n--- {self.log_path} ---\n{tail}") from exc
        return self

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after `grace` seconds; only this process (its own session)."""
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def __enter__(self) -> BrokerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wirekafka_process(workdir: Path, port: int | None = None, config: dict[str, str] | None = None) -> BrokerProcess:
    """`python -m wirekafka serve --listen 127.0.0.1:PORT --data-dir DIR -o KEY=VALUE ...`."""
    port = port or free_port()
    data_dir = workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "wirekafka", "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", str(data_dir)]
    for key, value in {**WIREKAFKA_CONFIG, **(config or {})}.items():
        argv += ["-o", f"{key}={value}"]
    return BrokerProcess("wirekafka", argv, f"127.0.0.1:{port}", workdir)


def find_tansu(explicit: str | None = None) -> Path | None:
    """The tansu binary: an explicit path, else $CONFORMANCE_TANSU_BIN, else `tansu` on PATH."""
    for candidate in (explicit, os.environ.get(TANSU_ENV), shutil.which("tansu")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def tansu_process(binary: Path, workdir: Path, port: int | None = None) -> BrokerProcess:
    """tansu with in-memory storage on loopback; it advertises the same address it listens on."""
    port = port or free_port()
    url = f"tcp://127.0.0.1:{port}"
    argv = [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
            "--storage-engine", "memory://tansu/"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    return BrokerProcess("tansu", argv, f"127.0.0.1:{port}", workdir, env=env)


@contextlib.contextmanager
def started(kind: str, *, tansu_binary: str | None = None, workdir: Path | None = None) -> Iterator[BrokerProcess]:
    """Start a broker of `kind` ("wirekafka" or "tansu") in a temp dir; stop it on exit."""
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"conformance-{kind}-")))
        if kind == "wirekafka":
            broker = wirekafka_process(workdir)
        elif kind == "tansu":
            binary = find_tansu(tansu_binary)
            if binary is None:
                raise BrokerStartError(f"tansu binary not found (pass --tansu-bin or set ${TANSU_ENV})")
            broker = tansu_process(binary, workdir)
        else:
            raise ValueError(f"unknown broker kind {kind!r}")
        yield stack.enter_context(broker)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["wirekafka", "tansu"])
    parser.add_argument("--binary", help="path of the tansu binary")
    args = parser.parse_args(argv)
    with started(args.kind, tansu_binary=args.binary) as broker:
        print(f"{broker.name} ready on {broker.bootstrap} (log: {broker.log_path}); Ctrl-C stops it", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while broker.process is not None and broker.process.poll() is None:
                time.sleep(0.5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
