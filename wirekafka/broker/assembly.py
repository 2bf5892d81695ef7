"""The subsystems a node runs, in start order. Each entry builds one component for a broker.

A component is an object with ``async def run(self, *, task_status=trio.TASK_STATUS_IGNORED)``
that calls ``task_status.started()`` once it serves; the factory also attaches it to the broker
under the name handlers use (``broker.replica_manager``, ``broker.group_coordinator``...). Order
matters: metadata first (it publishes the image others react to), then storage and replication,
then the coordinators that write to internal topics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wirekafka.broker.broker import Broker

ComponentFactory = Callable[["Broker"], Any]


def default_components() -> list[ComponentFactory]:
    """The factories of a full node. Imports stay inside so a module that fails shows up here."""
    from wirekafka.controller.local_runtime import local_controller
    from wirekafka.coordinator.group.coordinator import build_group_coordinator
    from wirekafka.coordinator.txn.coordinator import build_transaction_coordinator
    from wirekafka.replication.replica_manager import create_replica_manager

    factories: list[ComponentFactory] = [
        local_controller,
        create_replica_manager,
        build_group_coordinator,
        build_transaction_coordinator,
    ]
    return factories
