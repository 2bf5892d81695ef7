"""kafkajs consumer groups (classic protocol, old encodings only), run by node in separate processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.coordinator.client_harness import kafkajs_unavailable, run_group_scenario

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(kafkajs_unavailable() is not None, reason=kafkajs_unavailable() or ""),
]


def test_kafkajs_group(tmp_path: Path) -> None:
    run_group_scenario("kafkajs", tmp_path)
