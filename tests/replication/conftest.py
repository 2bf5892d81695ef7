"""A running replica manager on a temp log dir, following hand-published images."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio

from tests.replication.helpers import manager_for
from wirekafka.replication.replica_manager import ReplicaManager


@pytest.fixture
async def manager(tmp_path: Path, nursery: trio.Nursery) -> AsyncIterator[ReplicaManager]:
    replica_manager = manager_for(tmp_path / "data")
    await nursery.start(replica_manager.run)
    yield replica_manager
