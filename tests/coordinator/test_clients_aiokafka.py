"""aiokafka consumer groups (classic protocol; aiokafka never sends flexible versions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.coordinator.client_harness import run_group_scenario

pytest.importorskip("aiokafka")
pytestmark = pytest.mark.slow


def test_aiokafka_group(tmp_path: Path) -> None:
    run_group_scenario("aiokafka", tmp_path)
