"""The (topic, partition) pair and how Kafka spells it as a directory name.

Kafka's partition directory is ``<topic>-<partition>``; topics may themselves contain ``-``, so the
partition is whatever follows the *last* dash. Deleted logs wait as
``<topic>-<partition>.<uuid hex>-delete`` until the delete delay passes.
"""

from __future__ import annotations

import re
from typing import NamedTuple

DELETE_DIR_SUFFIX = "-delete"
FUTURE_DIR_SUFFIX = "-future"
STRAY_DIR_SUFFIX = "-stray"

_DELETE_DIR = re.compile(r"^(?P<name>.+)\.(?P<unique>[0-9a-f]{32})-(?P<kind>delete|future|stray)$")


class TopicPartition(NamedTuple):
    """One partition of one topic; ordered by topic then partition."""

    topic: str
    partition: int

    @property
    def dir_name(self) -> str:
        """Directory name of this partition's log under a log dir."""
        return f"{self.topic}-{self.partition}"

    def __str__(self) -> str:
        return self.dir_name


def parse_dir_name(name: str) -> tuple[TopicPartition, str] | None:
    """Parse a partition directory name into (topic-partition, suffix kind).

    Returns ``None`` for names that are not partition directories (checkpoint files, stray
    entries), so a scan of the log dir can skip them. The kind is ``""`` for a live log, or
    ``"delete"`` / ``"future"`` / ``"stray"`` for Kafka's renamed directories.
    """
    kind = ""
    match = _DELETE_DIR.match(name)
    if match is not None:
        name = match.group("name")
        kind = match.group("kind")
    dash = name.rfind("-")
    if dash <= 0:
        return None
    topic, partition_text = name[:dash], name[dash + 1 :]
    if not partition_text.isdigit():
        return None
    return TopicPartition(topic, int(partition_text)), kind
