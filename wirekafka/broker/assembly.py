"""The subsystems a node runs, in start order. Each entry builds one component for a broker.

A component is an object with ``async def run(self, *, task_status=trio.TASK_STATUS_IGNORED)``
that calls ``task_status.started()`` once it serves; the factory also attaches it to the broker
under the name handlers use (``broker.replica_manager``, ``broker.group_coordinator``...). Order
matters: metadata first (it publishes the image others react to), then storage and replication,
then the coordinators that write to internal topics.

The coordinators are *background* components: as Kafka loads its group and transaction
coordinators after its socket server accepts requests, the broker starts them once its listeners
serve (``Broker.run``), and the coordinator APIs answer COORDINATOR_LOAD_IN_PROGRESS meanwhile,
the answer for a coordinator partition that is still loading. Their modules (~60 ms of imports)
are then off the path to the first answer.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import trio

if TYPE_CHECKING:
    from wirekafka.broker.broker import Broker

ComponentFactory = Callable[["Broker"], Any]
BackgroundLoader = Callable[[], Awaitable[list[ComponentFactory]]]
"""Imports (without blocking the event loop for long) and returns background factories."""

IMPORT_PAUSE = 0.001
"""Seconds between two background imports: requests that arrived meanwhile are served first."""


def default_components() -> list[ComponentFactory]:
    """The factories started before the listeners serve: everything but the coordinators.

    Imports stay inside so a module that fails shows up here.
    """
    from wirekafka.controller.local_runtime import local_controller
    from wirekafka.replication.replica_manager import create_replica_manager

    return [local_controller, create_replica_manager]


async def background_components() -> list[ComponentFactory]:
    """The factories started once the listeners serve: the group and transaction coordinators.

    The transaction coordinator comes second: markers for ``__consumer_offsets`` go through the
    group coordinator.
    """
    await import_stepwise("wirekafka.coordinator")
    from wirekafka.coordinator.group.coordinator import build_group_coordinator
    from wirekafka.coordinator.txn.coordinator import build_transaction_coordinator

    return [build_group_coordinator, build_transaction_coordinator]


async def import_stepwise(package: str, pause: float = IMPORT_PAUSE) -> None:
    """Import ``package`` and every module below it, one module per step, pausing in between.

    An import cannot yield to the event loop, so importing the coordinators at once would hold up
    every request for ~60 ms; one module at a time (each with whatever it imports first, the
    largest ~15 ms) keeps the listeners answering while the broker finishes starting.
    """
    root = importlib.import_module(package)
    if root.__file__ is None:  # a namespace package: the caller's imports load what it needs
        return
    base = Path(root.__file__).parent
    names = sorted(
        ".".join((package, *path.relative_to(base).with_suffix("").parts)).removesuffix(".__init__")
        for path in base.rglob("*.py")
    )
    for name in names:
        if name not in sys.modules:
            await trio.sleep(pause)
            importlib.import_module(name)
