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
are then off the path to the first answer, and imported on a worker thread so they do not hold up
the first requests either.
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
    await import_in_background("wirekafka.coordinator")
    from wirekafka.coordinator.group.coordinator import build_group_coordinator
    from wirekafka.coordinator.txn.coordinator import build_transaction_coordinator

    return [build_group_coordinator, build_transaction_coordinator]


async def import_in_background(package: str) -> None:
    """Import ``package`` and every module below it on a worker thread, one module at a time.

    An import cannot yield to the event loop, and importing one module imports whatever it needs
    first: done on the loop, a single step took 30 ms here (``assignors`` pulls in most of the
    group coordinator), and the first requests after the listeners opened waited behind it. On a
    worker thread the loop takes the interpreter back within ``sys.getswitchinterval()`` (5 ms)
    whenever it has work; Python's per-module import locks make importing there safe, and a module
    the loop needs meanwhile is simply waited for.
    """
    root = await trio.to_thread.run_sync(importlib.import_module, package)
    if root.__file__ is None:  # a namespace package: the caller's imports load what it needs
        return
    base = Path(root.__file__).parent
    names = sorted(
        ".".join((package, *path.relative_to(base).with_suffix("").parts)).removesuffix(".__init__")
        for path in base.rglob("*.py")
    )
    for name in names:
        if name not in sys.modules:
            await trio.to_thread.run_sync(importlib.import_module, name)
