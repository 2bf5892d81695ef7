"""``wirekafka serve`` as a process: it stops cleanly on SIGTERM (kill, systemd, docker stop) and
on Ctrl-C, and takes the open-files limit a broker needs.

A clean stop means exit status 0, no traceback, and the log manager's clean-shutdown marker in
the data directory (so the next start skips log recovery).
"""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

CLEAN_SHUTDOWN_MARKER = ".kafka_cleanshutdown"


@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_broker_cleanly(tmp_path: Path, signal_number: signal.Signals) -> None:
    data_dir = tmp_path / "data"
    process = subprocess.Popen(
        [sys.executable, "-m", "wirekafka", "serve", "--listen", "127.0.0.1:0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        assert ready.startswith("wirekafka: listening on 127.0.0.1:"), ready
        process.send_signal(signal_number)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert f"{signal_number.name}, stopping" in stderr and "wirekafka: stopped" in stderr
    assert "Traceback" not in stderr
    assert (data_dir / CLEAN_SHUTDOWN_MARKER).exists()


def _open_files_limits(pid: int) -> tuple[str, str]:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return soft, hard
    raise AssertionError("no open files line in /proc/<pid>/limits")


@pytest.mark.skipif(not Path("/proc/self/limits").exists(), reason="needs Linux's /proc/<pid>/limits")
def test_serve_raises_the_open_files_soft_limit_to_the_hard_one(tmp_path: Path) -> None:
    """As the JVM does for Kafka: started with a soft limit of 256 (below the hard one), the
    broker runs with soft = hard, so ~1000 partitions do not exhaust its descriptors."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 256:
        pytest.skip(f"the hard limit ({hard}) leaves nothing to raise")

    def lower_soft_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wirekafka",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            str(tmp_path / "d"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lower_soft_limit,
    )
    try:
        assert process.stdout is not None
        ready = process.stdout.readline()
        assert ready.startswith("wirekafka: listening on 127.0.0.1:"), ready
        soft_now, hard_now = _open_files_limits(process.pid)
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if hard == resource.RLIM_INFINITY:
        assert soft_now in ("256", "unlimited")
    else:
        assert (soft_now, hard_now) == (str(hard), str(hard))
