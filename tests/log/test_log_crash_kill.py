"""A writer killed with SIGKILL at a random moment loses no append it reported as done."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wirekafka.log.partition_log import PartitionLog

from .crash_child import CONFIG
from .helpers import read_all

CHILD = Path(__file__).with_name("crash_child.py")


Report = tuple[int, int, int, int]


def parse(line: bytes | str) -> Report:
    round_number, batch_number, first_offset, count = (int(field) for field in line.split())
    return round_number, batch_number, first_offset, count


def run_and_kill(directory: Path, round_number: int, rng: random.Random) -> list[Report]:
    """Start the child, let it report a random number of appends, SIGKILL it mid-flight."""
    target = rng.randrange(1, 400)
    process = subprocess.Popen(
        [sys.executable, str(CHILD), str(directory), str(round_number)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )
    assert process.stdout is not None
    reported: list[Report] = []
    try:
        while len(reported) < target:
            line = process.stdout.readline()
            if not line:
                break
            reported.append(parse(line))
        time.sleep(rng.random() / 500)  # land the kill anywhere inside the next append
        process.send_signal(signal.SIGKILL)
        remaining, errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL, errors.decode()
    reported.extend(parse(line) for line in remaining.decode().splitlines())
    return reported


@pytest.mark.slow
def test_every_reported_append_survives_sigkill_with_its_offsets(tmp_path: Path) -> None:
    directory = tmp_path / "crash-0"
    rng = random.Random(int.from_bytes(os.urandom(4), "big"))
    reported: list[Report] = []
    for round_number in range(4):
        reported.extend(run_and_kill(directory, round_number, rng))
    log = PartitionLog.open(directory, CONFIG, now_ms=0, clean_shutdown=False)
    stored = {record.offset: record.value for record in read_all(log)}
    assert reported, "the child reported nothing"
    for round_number, batch_number, first_offset, count in reported:
        for index in range(count):
            expected = f"{round_number}-{batch_number}-{index}".encode() * (1 + batch_number % 13)
            assert stored.get(first_offset + index) == expected, (round_number, batch_number, index)
    # Offsets stay dense and every round continued exactly where the recovered log ended.
    assert sorted(stored) == list(range(len(stored)))
    firsts = [first for _, _, first, _ in reported]
    assert firsts == sorted(firsts)
    # Each round appended as leader epoch <round>; the cache was rebuilt through every recovery.
    assert [epoch for epoch, _ in log.leader_epoch_cache.entries] == sorted({r for r, _, _, _ in reported})
