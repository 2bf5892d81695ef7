"""The transaction state machines stay sans-IO (ARCHITECTURE.md principle 1): no trio, no sockets."""

from __future__ import annotations

import subprocess
import sys

import pytest

PURE = [
    "wirekafka.log.producer_state",
    "wirekafka.log.producer_snapshot",
    "wirekafka.log.transaction_index",
    "wirekafka.log.partition_transactions",
    "wirekafka.coordinator.txn.state",
    "wirekafka.coordinator.txn.records",
    "wirekafka.coordinator.txn.shard",
    "wirekafka.protocol.messages.txn_records",
]


@pytest.mark.parametrize("module", PURE)
def test_module_does_not_import_trio(module: str) -> None:
    code = (
        f"import sys, {module}\nprint(sorted(m for m in sys.modules if m == 'trio' or m.startswith('trio.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
