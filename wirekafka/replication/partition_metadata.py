"""``partition.metadata``: the topic id a partition directory belongs to (Kafka's format).

A topic deleted and re-created under the same name while a broker was away leaves that broker
with a directory of the old topic's data under the new topic's name. Kafka writes the topic id
next to the data so the two can be told apart; a mismatch means the directory is stale. The file
is two lines, ``version: 0`` and ``topic_id: <id>``, the id in Kafka's base64url text form.
"""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

from wirekafka.log.checkpoints import write_atomically

PARTITION_METADATA_FILE = "partition.metadata"
_VERSION = 0


def kafka_uuid_text(value: uuid.UUID) -> str:
    """Kafka's ``Uuid.toString``: URL-safe base64 of the 16 bytes, without padding."""
    return base64.urlsafe_b64encode(value.bytes).decode("ascii").rstrip("=")


def parse_kafka_uuid(text: str) -> uuid.UUID:
    """Inverse of :func:`kafka_uuid_text`.

    Raises:
        ValueError: not 16 bytes of base64url.
    """
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return uuid.UUID(bytes=raw)


def read_topic_id(directory: Path) -> uuid.UUID | None:
    """The topic id written in ``directory``; ``None`` when absent or unreadable."""
    try:
        lines = (directory / PARTITION_METADATA_FILE).read_text("utf-8").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    try:
        if int(fields.get("version", "").strip()) != _VERSION:
            return None
        return parse_kafka_uuid(fields["topic_id"].strip())
    except (KeyError, ValueError):
        return None


def write_topic_id(directory: Path, topic_id: uuid.UUID) -> None:
    """Record ``topic_id`` in ``directory`` (atomically; survives a crash as old or new)."""
    text = f"version: {_VERSION}\ntopic_id: {kafka_uuid_text(topic_id)}\n"
    write_atomically(directory / PARTITION_METADATA_FILE, text.encode("utf-8"))
