"""confluent-kafka (librdkafka) consumer groups: eager range, cooperative-sticky, and KIP-848."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.coordinator.client_harness import run_group_scenario

pytest.importorskip("confluent_kafka")
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("mode", ["eager", "cooperative", "consumer"])
def test_confluent_group(mode: str, tmp_path: Path) -> None:
    run_group_scenario(f"confluent-{mode}", tmp_path)
