"""Validating a topic's config overrides before the controller records them (INVALID_CONFIG).

A set of overrides is valid when every name is a topic config Kafka knows and every value
parses under that config's type and range -- both as declared in ``wirekafka.config`` (what
DescribeConfigs reports) and as the partition log applies it (``LogConfig.from_topic_configs``,
which also checks cross-field rules such as ``min.compaction.lag.ms <= max.compaction.lag.ms``).
Names the log accepts without modelling them (``remote.storage.enable``, compression levels...)
are accepted so tools that set them keep working. Messages follow Kafka's ``LogConfig.validate``.
"""

from __future__ import annotations

from collections.abc import Mapping

from wirekafka.config import TOPIC_CONFIGS, ConfigError, format_value
from wirekafka.controller.results import ApiError
from wirekafka.log.config import LogConfig
from wirekafka.log.errors import InvalidConfigError
from wirekafka.protocol.errors import ErrorCode


def validate_topic_configs(configs: Mapping[str, str | None]) -> ApiError | None:
    """``None`` when ``configs`` may be stored as a topic's overrides, else INVALID_CONFIG."""
    nulls = [name for name, value in configs.items() if value is None]
    if nulls:
        return ApiError(
            ErrorCode.INVALID_CONFIG, "Null value not supported for topic configs: " + ",".join(nulls)
        )
    for name, value in configs.items():
        entry = TOPIC_CONFIGS.get(name)
        if entry is None:
            continue
        try:
            entry[0].parse(value)
        except ConfigError as exc:
            return ApiError(
                ErrorCode.INVALID_CONFIG, f"Invalid value {value} for configuration {name}: {exc.reason}"
            )
    try:
        LogConfig.from_topic_configs(configs)
    except InvalidConfigError as exc:
        if exc.reason == "unknown topic config name":
            return ApiError(ErrorCode.INVALID_CONFIG, f"Unknown topic config name: {exc.key}")
        return ApiError(
            ErrorCode.INVALID_CONFIG, f"Invalid value {exc.value} for configuration {exc.key}: {exc.reason}"
        )
    return None


def is_list_config(name: str) -> bool:
    """Whether APPEND/SUBTRACT apply to this topic config (its type is LIST)."""
    entry = TOPIC_CONFIGS.get(name)
    return entry is not None and entry[0].type.name == "LIST"


def default_topic_config_text(name: str) -> str | None:
    """The built-in default of a topic config as text (for APPEND/SUBTRACT on an unset key)."""
    entry = TOPIC_CONFIGS.get(name)
    if entry is None:
        return None
    return format_value(entry[0].type, entry[0].default)
