"""A controller over an image with registered brokers, with fixed randomness, and a way to commit."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any, TypeVar

from tests.metadata.helpers import EMPTY, image_with, register
from wirekafka.config import BrokerConfig
from wirekafka.controller.controller import Controller
from wirekafka.controller.results import ControllerResult
from wirekafka.metadata.delta import apply_records

T = TypeVar("T")


def controller(
    brokers: int = 1, *, fenced: tuple[int, ...] = (), config: Mapping[str, Any] | None = None, seed: int = 7
) -> Controller:
    image = image_with(*(register(node, fenced=node in fenced) for node in range(1, brokers + 1)), base=EMPTY)
    return Controller(
        node_id=1, static_config=BrokerConfig(config or {}), image=image, rng=random.Random(seed)
    )


def commit(core: Controller, result: ControllerResult[T]) -> T:
    """What a runtime does: apply the records, make the new image current, return the response."""
    core.image = apply_records(core.image, result.records, core.image.offset + len(result.records))
    return result.response


def names(records: object) -> list[str]:
    return [type(record).schema.name for record in records]  # type: ignore[attr-defined]
