"""Every declared message, one module per API family, and the registry of requests/responses.

``REQUESTS[api_key]`` / ``RESPONSES[api_key]`` give a message class for an API key; ``ALL``
lists every declared message (requests, responses and data records) for tests and tools.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from wirekafka.protocol.messages import (
    acl,
    admin,
    api_versions,
    fetch,
    group,
    metadata,
    offsets,
    produce,
    quorum,
    quotas,
    sasl,
    txn,
)
from wirekafka.protocol.schema import Struct

FAMILIES: tuple[ModuleType, ...] = (
    acl,
    admin,
    api_versions,
    fetch,
    group,
    metadata,
    offsets,
    produce,
    quorum,
    quotas,
    sasl,
    txn,
)


def _collect() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for module in FAMILIES:
        for name in module.__all__:
            cls = getattr(module, name)
            if name in found:
                raise RuntimeError(f"{name} is declared twice")
            found[name] = cls
    return found


ALL: dict[str, type[Struct]] = _collect()


def _by_api_key(kind: str) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for cls in ALL.values():
        schema = cls.schema
        if schema.kind == kind and schema.api_key is not None:
            found[schema.api_key] = cls
    return found


REQUESTS: dict[int, Any] = _by_api_key("request")
RESPONSES: dict[int, Any] = _by_api_key("response")


def by_name(name: str) -> Any:
    """A declared message class by Kafka's name (``"FetchRequest"``); ``KeyError`` if unknown."""
    return ALL[name]
