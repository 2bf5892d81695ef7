"""Kafka's topic name rules (``org.apache.kafka.common.internals.Topic``).

A legal name is 1 to 249 characters of ``[a-zA-Z0-9._-]`` and is neither ``.`` nor ``..``.
Because metric names replace ``.`` with ``_``, two names that differ only there collide; the
controller refuses to create a topic that collides with an existing one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_NAME_LENGTH = 249
CLUSTER_METADATA_TOPIC = "__cluster_metadata"
GROUP_METADATA_TOPIC = "__consumer_offsets"
TRANSACTION_STATE_TOPIC = "__transaction_state"
SHARE_GROUP_STATE_TOPIC = "__share_group_state"

_LEGAL = re.compile(r"[a-zA-Z0-9._-]+")


def invalid_reason(name: str) -> str | None:
    """Why ``name`` is not a legal topic name (Kafka's wording), or ``None`` when it is."""
    if name == "":
        return "the empty string is not allowed"
    if name == ".":
        return "'.' is not allowed"
    if name == "..":
        return "'..' is not allowed"
    if len(name) > MAX_NAME_LENGTH:
        return f"the length of '{name}' is longer than the max allowed length {MAX_NAME_LENGTH}"
    if not _LEGAL.fullmatch(name):
        return f"'{name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
    return None


def validation_error(name: str) -> str | None:
    """The full message of Kafka's ``InvalidTopicException`` for ``name``, or ``None``."""
    reason = invalid_reason(name)
    return None if reason is None else f"Topic name is invalid: {reason}"


def is_valid(name: str) -> bool:
    return invalid_reason(name) is None


def unify_collision_chars(name: str) -> str:
    return name.replace(".", "_")


def colliding_topic(name: str, existing: Iterable[str]) -> str | None:
    """An existing topic other than ``name`` that collides with it on ``.``/``_``, if any."""
    if "." not in name and "_" not in name:
        return None
    unified = unify_collision_chars(name)
    for other in existing:
        if other != name and unify_collision_chars(other) == unified:
            return other
    return None
