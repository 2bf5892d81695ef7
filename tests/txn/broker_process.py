"""A broker subprocess for the client tests: ``python -m tests.txn.broker_process ARGS``.

The same as ``python -m wirekafka serve ARGS`` (ARGS are passed on), except that the group
handlers and the group coordinator are wired in when the node does not wire them yet (transactions
need FindCoordinator; consume-transform-produce needs consumer groups). Run as its own process so
that ``kill -9`` tests can kill it and so that registering handlers here never leaks into the
test process's registry. Once ``assembly.py`` and ``handlers/__init__.py`` include the group
coordinator, this adds nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any


def _with_group_coordinator() -> None:
    from wirekafka.broker import broker as broker_module
    from wirekafka.broker.registry import REGISTRY
    from wirekafka.protocol.api_keys import ApiKey

    if REGISTRY.lookup(ApiKey.FIND_COORDINATOR) is None:
        import wirekafka.broker.handlers.group
        import wirekafka.broker.handlers.offsets_commit  # noqa: F401

    original = broker_module.default_components

    def components() -> list[Any]:
        factories = original()
        names = [getattr(factory, "__name__", "") for factory in factories]
        if "build_group_coordinator" not in names:
            from wirekafka.coordinator.group.coordinator import build_group_coordinator

            factories.insert(names.index("create_replica_manager") + 1, build_group_coordinator)
        return factories

    broker_module.default_components = components  # type: ignore[assignment]


def main(argv: Sequence[str]) -> None:
    _with_group_coordinator()
    from wirekafka.cli import main as cli

    cli(["serve", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
