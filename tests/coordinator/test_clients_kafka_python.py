"""kafka-python consumer groups (classic protocol, range assignment)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.coordinator.client_harness import run_group_scenario

pytestmark = pytest.mark.slow


def test_kafka_python_group(tmp_path: Path) -> None:
    run_group_scenario("kafka-python", tmp_path)
