"""``wirekafka topics list|create|delete|describe``: topic administration through the admin client.

Per-topic outcomes are read from the response (``raise_errors=False``) rather than from the
first exception, so creating three topics of which one exists reports all three, as Kafka's
``kafka-topics.sh`` does. The text layout of ``describe`` is ``kafka-topics.sh --describe``'s,
so scripts written against Apache Kafka keep working.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from wirekafka.tools.clients import ToolError, error_name, reported_errors


@dataclass(frozen=True, slots=True)
class PartitionDescription:
    partition: int
    leader: int
    leader_epoch: int
    replicas: list[int]
    isr: list[int]
    offline_replicas: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TopicDescription:
    name: str
    topic_id: str | None
    internal: bool
    partitions: list[PartitionDescription]
    configs: dict[str, str]

    @property
    def replication_factor(self) -> int:
        return len(self.partitions[0].replicas) if self.partitions else 0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "replication_factor": self.replication_factor}


@dataclass(frozen=True, slots=True)
class TopicOutcome:
    """The result of creating or deleting one topic; ``error`` is None on success."""

    name: str
    error: str | None


def parse_configs(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``["retention.ms=1000", ...]`` -> dict.

    Raises:
        ToolError: an entry has no ``=`` or an empty key.
    """
    configs: dict[str, str] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key.strip():
            raise ToolError(f"--config {pair!r} is not KEY=VALUE")
        configs[key.strip()] = value
    return configs


def list_topics(admin: Any, *, include_internal: bool = True) -> list[str]:
    """Every topic name in the cluster, sorted."""
    with reported_errors("listing topics"):
        topics = admin.describe_topics()
    return sorted(t["name"] for t in topics if include_internal or not t.get("is_internal"))


def create_topics(
    admin: Any,
    names: list[str],
    *,
    partitions: int | None,
    replication_factor: int | None,
    configs: dict[str, str],
) -> list[TopicOutcome]:
    """Create topics; a ``None`` count means the broker's default (``num.partitions``, ...).

    Raises:
        ToolError: the request failed as a whole (no broker, or a broker older than 2.4 that
            needs explicit counts).
    """
    from kafka import errors

    spec = {
        name: {
            "num_partitions": -1 if partitions is None else partitions,
            "replication_factor": -1 if replication_factor is None else replication_factor,
            "configs": configs,
        }
        for name in names
    }
    try:
        with reported_errors("creating topics"):
            response = admin.create_topics(spec, raise_errors=False)
    except ToolError as exc:
        if isinstance(exc.__cause__, errors.IncompatibleBrokerVersion):
            raise ToolError(
                "this broker needs explicit counts: pass --partitions and --replication-factor"
            ) from exc
        raise
    return [
        TopicOutcome(
            t["name"], error_name(t["error_code"], t.get("error_message")) if t["error_code"] else None
        )
        for t in response["topics"]
    ]


def delete_topics(admin: Any, names: list[str]) -> list[TopicOutcome]:
    with reported_errors("deleting topics"):
        response = admin.delete_topics(names, raise_errors=False)
    return [
        TopicOutcome(
            t["name"], error_name(t["error_code"], t.get("error_message")) if t["error_code"] else None
        )
        for t in response["topics"]
    ]


def describe_topics(
    admin: Any, names: list[str] | None, *, include_internal: bool = True
) -> list[TopicDescription]:
    """Partitions, replicas and non-default configs of ``names`` (all topics when None).

    Raises:
        ToolError: a named topic does not exist (or another per-topic error).
    """
    from kafka.admin import ConfigResource, ConfigResourceType

    with reported_errors("describing topics"):
        topics = admin.describe_topics(names or None)
    failed = [f"{t['name']}: {error_name(t['error_code'])}" for t in topics if t.get("error_code", 0) != 0]
    if failed:
        raise ToolError("cannot describe " + "; ".join(failed))
    if not include_internal:
        topics = [t for t in topics if not t.get("is_internal")]
    topics.sort(key=lambda t: t["name"])
    configs: dict[str, dict[str, Any]] = {}
    if topics:
        resources = [ConfigResource(ConfigResourceType.TOPIC, t["name"]) for t in topics]
        with reported_errors("describing topic configs"):
            configs = admin.describe_configs(resources).get("topic", {})
    return [
        TopicDescription(
            name=t["name"],
            topic_id=_topic_id(t.get("topic_id")),
            internal=bool(t.get("is_internal")),
            partitions=sorted(
                (
                    PartitionDescription(
                        partition=p["partition_index"],
                        leader=p["leader_id"],
                        leader_epoch=p.get("leader_epoch", -1),
                        replicas=list(p["replica_nodes"]),
                        isr=list(p["isr_nodes"]),
                        offline_replicas=list(p.get("offline_replicas") or []),
                    )
                    for p in t["partitions"]
                ),
                key=lambda p: p.partition,
            ),
            configs={
                key: entry["value"]
                for key, entry in sorted(configs.get(t["name"], {}).items())
                if not entry.get("is_sensitive")
            },
        )
        for t in topics
    ]


def _topic_id(value: Any) -> str | None:
    text = None if value is None else str(value)
    return (
        None if text in (None, "", "00000000-0000-0000-0000-000000000000", "AAAAAAAAAAAAAAAAAAAAAA") else text
    )


def describe_lines(topic: TopicDescription) -> list[str]:
    """``kafka-topics.sh --describe``'s layout: a topic line, then one line per partition."""
    configs = ",".join(f"{key}={value}" for key, value in topic.configs.items())
    lines = [
        f"Topic: {topic.name}\tTopicId: {topic.topic_id or 'none'}\tPartitionCount: {len(topic.partitions)}"
        f"\tReplicationFactor: {topic.replication_factor}\tConfigs: {configs}"
    ]
    for p in topic.partitions:
        line = (
            f"\tTopic: {topic.name}\tPartition: {p.partition}\tLeader: {p.leader if p.leader >= 0 else 'none'}"
            f"\tReplicas: {_ids(p.replicas)}\tIsr: {_ids(p.isr)}"
        )
        if p.offline_replicas:
            line += f"\tOffline: {_ids(p.offline_replicas)}"
        lines.append(line)
    return lines


def _ids(ids: list[int]) -> str:
    return ",".join(map(str, ids))
