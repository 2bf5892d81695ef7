"""``meta.properties``: which cluster and node a log dir belongs to (Kafka's KRaft v1 format).

Starting a node on another cluster's data would silently merge two histories, so the file is
written once and checked on every start. The format is Java properties text, as Kafka writes it:
``cluster.id``, ``directory.id``, ``node.id``, ``version=1``.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from pathlib import Path

from wirekafka.log.checkpoints import write_atomically
from wirekafka.log.errors import LogError

META_PROPERTIES = "meta.properties"


class MetaPropertiesError(LogError):
    """``meta.properties`` belongs to another cluster or node, or does not parse."""

    kafka_error = "KAFKA_STORAGE_ERROR"


@dataclass(frozen=True, slots=True)
class MetaProperties:
    cluster_id: str
    node_id: int
    directory_id: str
    version: int = 1

    def to_text(self) -> str:
        return (
            "#\n#Written by wirekafka\n"
            f"cluster.id={self.cluster_id}\n"
            f"directory.id={self.directory_id}\n"
            f"node.id={self.node_id}\n"
            f"version={self.version}\n"
        )


def new_directory_id() -> str:
    """A Kafka ``Uuid`` string: 16 random bytes, URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode("ascii")


def parse_properties(text: str) -> dict[str, str]:
    """The ``key=value`` lines of a properties file (comments and blanks skipped)."""
    result: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped[0] in "#!":
            continue
        separator = min((i for i in (stripped.find("="), stripped.find(":")) if i >= 0), default=-1)
        if separator < 0:
            result[stripped] = ""
        else:
            result[stripped[:separator].strip()] = stripped[separator + 1 :].strip()
    return result


def read_meta_properties(log_dir: Path) -> MetaProperties | None:
    """The log dir's identity, or ``None`` for a fresh log dir.

    Raises:
        MetaPropertiesError: the file exists but lacks a field or is not version 1.
    """
    path = log_dir / META_PROPERTIES
    try:
        values = parse_properties(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    try:
        version = int(values.get("version", "0"))
        if version != 1:
            raise MetaPropertiesError(f"{path}: unsupported version {version} (KRaft needs version 1)")
        return MetaProperties(
            cluster_id=values["cluster.id"],
            node_id=int(values["node.id"]),
            directory_id=values.get("directory.id") or new_directory_id(),
            version=version,
        )
    except (KeyError, ValueError) as error:
        raise MetaPropertiesError(f"{path}: missing or malformed field ({error})") from None


def ensure_meta_properties(log_dir: Path, *, cluster_id: str, node_id: int) -> MetaProperties:
    """Check the log dir belongs to this cluster and node, writing the file on first start.

    Raises:
        MetaPropertiesError: the log dir was formatted for another cluster id or node id.
    """
    existing = read_meta_properties(log_dir)
    if existing is None:
        created = MetaProperties(cluster_id, node_id, new_directory_id())
        log_dir.mkdir(parents=True, exist_ok=True)
        write_atomically(log_dir / META_PROPERTIES, created.to_text().encode("utf-8"))
        return created
    if existing.cluster_id != cluster_id:
        raise MetaPropertiesError(
            f"invalid cluster.id in {log_dir / META_PROPERTIES}: expected {cluster_id}, read {existing.cluster_id}"
        )
    if existing.node_id != node_id:
        raise MetaPropertiesError(
            f"stored node.id {existing.node_id} in {log_dir / META_PROPERTIES} does not match node.id {node_id}"
        )
    return existing
