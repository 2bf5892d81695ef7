"""The state one ``__consumer_offsets`` partition's coordinator shares among its parts.

Classic groups, KIP-848 consumer groups and committed offsets live in one shard (Kafka's
``GroupCoordinatorShard``) because a group id names exactly one of them and offsets belong to a
group. The shard builds a ``GroupStore`` and hands it to each part; nothing here does I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wirekafka.coordinator.group.config import GroupCoordinatorConfig
from wirekafka.coordinator.group.result import Result
from wirekafka.coordinator.group.timers import Timers


def random_uuid() -> str:
    return str(uuid.uuid4())


@dataclass(slots=True)
class GroupStore:
    config: GroupCoordinatorConfig = field(default_factory=GroupCoordinatorConfig)
    #: Group id -> ``ClassicGroup`` or ``ConsumerGroup``.
    groups: dict[str, Any] = field(default_factory=dict)
    timers: Timers[Result[Any]] = field(default_factory=Timers)
    #: Source of the random part of member ids; tests pass a counter for readable ids.
    new_uuid: Callable[[], str] = random_uuid
