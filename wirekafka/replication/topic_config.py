"""A topic's log configuration: the broker's topic defaults with the topic's overrides on top.

The controller validated the overrides when they were set (CreateTopics, AlterConfigs) with the
broker's own rules (``wirekafka.config.TOPIC_CONFIGS``); the replica manager therefore parses them
with the same rules rather than ``LogConfig.from_topic_configs``, whose ``segment.bytes`` minimum
(1 MiB) is stricter than the broker's, so a topic the controller accepted always gets a log. An
override this broker does not model is logged and ignored, never fatal: one odd key must not
keep a partition offline.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

from wirekafka.config import TOPIC_CONFIGS, BrokerConfig, ConfigError
from wirekafka.log.config import INTERNAL_SEGMENT_BYTES, TOPIC_CONFIG_NAMES, LogConfig, LogManagerConfig

logger = logging.getLogger("wirekafka.replication")

_FIELDS = {name: name.replace(".", "_") for name in TOPIC_CONFIG_NAMES}
"""Kafka topic config name -> ``LogConfig`` field (the field is the name in snake_case)."""


def _typed(field_name: str, value: Any) -> Any:
    if field_name == "cleanup_policy":
        return tuple(dict.fromkeys(value))
    return value


def broker_log_config(config: BrokerConfig) -> LogConfig:
    """The log config of a topic with no overrides on this broker (``log.*`` synonyms applied)."""
    defaults = config.topic_defaults()
    changes = {
        field_name: _typed(field_name, defaults[name])
        for name, field_name in _FIELDS.items()
        if defaults.get(name) is not None
    }
    return dataclasses.replace(LogConfig(), **changes)


def topic_log_config(base: LogConfig, overrides: Mapping[str, str], *, topic: str = "") -> LogConfig:
    """``base`` with the topic's overrides (Kafka names, text values) applied."""
    changes: dict[str, Any] = {}
    for name, raw in overrides.items():
        if name == INTERNAL_SEGMENT_BYTES:
            try:
                changes["segment_bytes"] = int(raw)
            except ValueError:
                logger.warning("topic %s: ignoring %s=%r (not a number)", topic, name, raw)
            continue
        field_name = _FIELDS.get(name)
        entry = TOPIC_CONFIGS.get(name)
        if field_name is None or entry is None:
            logger.info("topic %s: configuration %s is not used by the log", topic, name)
            continue
        try:
            changes[field_name] = _typed(field_name, entry[0].parse(raw))
        except ConfigError as exc:
            logger.warning("topic %s: ignoring invalid override %s", topic, exc)
    return dataclasses.replace(base, **changes) if changes else base


def log_manager_config(config: BrokerConfig) -> LogManagerConfig:
    """The log manager's timers from the broker's ``log.*`` settings."""
    return LogManagerConfig(
        retention_check_interval_ms=int(config["log.retention.check.interval.ms"]),
        flush_scheduler_interval_ms=int(config["log.flush.scheduler.interval.ms"]),
        cleaner_enable=bool(config["log.cleaner.enable"]),
        cleaner_backoff_ms=int(config["log.cleaner.backoff.ms"]),
    )
