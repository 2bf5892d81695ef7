"""``wirekafka serve`` stops cleanly on SIGTERM (kill, systemd, docker stop) and on Ctrl-C.

A clean stop means exit status 0, no traceback, and the log manager's clean-shutdown marker in
the data directory (so the next start skips log recovery).
"""

from __future__ import annotations

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
