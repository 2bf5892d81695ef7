"""The group coordinator's settings, read once from the broker configuration under Kafka's names.

A frozen copy keeps the pure state machines independent of ``BrokerConfig`` (tests build one
directly with the values they need, e.g. ``initial_rebalance_delay_ms=0``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Kafka's ``group.classic.new.member.join.timeout.ms`` (internal, not a public config).
CLASSIC_NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000


@dataclass(frozen=True, slots=True)
class GroupCoordinatorConfig:
    offsets_topic_num_partitions: int = 50
    initial_rebalance_delay_ms: int = 3000
    min_session_timeout_ms: int = 6000
    max_session_timeout_ms: int = 1800000
    max_size: int = 2**31 - 1
    new_member_join_timeout_ms: int = CLASSIC_NEW_MEMBER_JOIN_TIMEOUT_MS
    offsets_retention_ms: int = 10080 * 60_000
    offsets_retention_check_interval_ms: int = 600000
    offset_metadata_max_bytes: int = 4096
    offsets_commit_timeout_ms: int = 5000
    rebalance_protocols: tuple[str, ...] = ("classic", "consumer")
    consumer_session_timeout_ms: int = 45000
    consumer_heartbeat_interval_ms: int = 5000
    consumer_max_size: int = 2**31 - 1
    consumer_assignors: tuple[str, ...] = ("uniform", "range")

    @classmethod
    def from_broker_config(cls, config: Any) -> GroupCoordinatorConfig:
        """Read the settings from a ``BrokerConfig`` (anything indexable by Kafka's names)."""
        return cls(
            offsets_topic_num_partitions=int(config["offsets.topic.num.partitions"]),
            initial_rebalance_delay_ms=int(config["group.initial.rebalance.delay.ms"]),
            min_session_timeout_ms=int(config["group.min.session.timeout.ms"]),
            max_session_timeout_ms=int(config["group.max.session.timeout.ms"]),
            max_size=int(config["group.max.size"]),
            offsets_retention_ms=int(config["offsets.retention.minutes"]) * 60_000,
            offsets_retention_check_interval_ms=int(config["offsets.retention.check.interval.ms"]),
            offset_metadata_max_bytes=int(config["offset.metadata.max.bytes"]),
            offsets_commit_timeout_ms=int(config["offsets.commit.timeout.ms"]),
            rebalance_protocols=tuple(config["group.coordinator.rebalance.protocols"]),
            consumer_session_timeout_ms=int(config["group.consumer.session.timeout.ms"]),
            consumer_heartbeat_interval_ms=int(config["group.consumer.heartbeat.interval.ms"]),
            consumer_max_size=int(config["group.consumer.max.size"]),
            consumer_assignors=tuple(config["group.consumer.assignors"]),
        )
