"""Kafka ``Uuid``s: topic ids, cluster ids, directory ids.

Kafka prints a ``Uuid`` as its 16 bytes in URL-safe base64 without padding (22 characters), and
``Uuid.randomUuid()`` never returns the reserved ids (all zeros, and ``0...01`` which names the
metadata topic) nor one whose text starts with ``-`` (it would read as a command line option).
Randomness is an argument so that the controller stays deterministic under test.
"""

from __future__ import annotations

import base64
import random
import uuid
from collections.abc import Container

RESERVED = frozenset({uuid.UUID(int=0), uuid.UUID(int=1)})
METADATA_TOPIC_ID = uuid.UUID(int=1)


def kafka_uuid_string(value: uuid.UUID) -> str:
    """``Uuid.toString()``: URL-safe base64 of the 16 bytes, no padding."""
    return base64.urlsafe_b64encode(value.bytes).rstrip(b"=").decode("ascii")


def parse_kafka_uuid(text: str) -> uuid.UUID:
    """``Uuid.fromString``.

    Raises:
        ValueError: not 22 characters of URL-safe base64 for 16 bytes.
    """
    if len(text) != 22:
        raise ValueError(f"{text!r} is not a Kafka Uuid (22 base64 characters)")
    return uuid.UUID(bytes=base64.urlsafe_b64decode(text + "=="))


def random_uuid(rng: random.Random, avoid: Container[uuid.UUID] = ()) -> uuid.UUID:
    """A version 4 UUID that is not reserved, not in ``avoid`` and does not print with a leading ``-``."""
    while True:
        candidate = uuid.UUID(int=rng.getrandbits(128), version=4)
        if candidate in RESERVED or candidate in avoid or kafka_uuid_string(candidate).startswith("-"):
            continue
        return candidate


def random_cluster_id(rng: random.Random | None = None) -> str:
    """A new cluster id, as ``kafka-storage random-uuid`` prints one."""
    return kafka_uuid_string(random_uuid(rng or random.SystemRandom()))
