"""The numbers config APIs carry on the wire: resource types, config sources, alter operations.

These are the ids of Kafka's request/response enums (``ConfigResource.Type``,
``DescribeConfigsResponse.ConfigSource``, ``AlterConfigOp.OpType``), which is what clients decode.
Note that the wire ids of config sources differ from the order of the Java admin client's
``ConfigEntry.ConfigSource`` enum: DEFAULT_CONFIG is 5 on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ConfigResourceType(IntEnum):
    """``ConfigResource.Type`` ids (DescribeConfigs, AlterConfigs, ConfigRecord)."""

    UNKNOWN = 0
    TOPIC = 2
    BROKER = 4
    BROKER_LOGGER = 8
    CLIENT_METRICS = 16
    GROUP = 32

    @classmethod
    def of(cls, value: int) -> ConfigResourceType:
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN


class ConfigSource(IntEnum):
    """``DescribeConfigsResponse.ConfigSource`` ids, as written in ``config_source``/``source``."""

    UNKNOWN = 0
    TOPIC_CONFIG = 1
    DYNAMIC_BROKER_CONFIG = 2
    DYNAMIC_DEFAULT_BROKER_CONFIG = 3
    STATIC_BROKER_CONFIG = 4
    DEFAULT_CONFIG = 5
    DYNAMIC_BROKER_LOGGER_CONFIG = 6
    CLIENT_METRICS_CONFIG = 7
    GROUP_CONFIG = 8


class AlterConfigOp(IntEnum):
    """``AlterConfigOp.OpType`` ids of IncrementalAlterConfigs."""

    SET = 0
    DELETE = 1
    APPEND = 2
    SUBTRACT = 3


@dataclass(frozen=True, slots=True)
class ConfigResource:
    """What a config change applies to: a topic by name, a broker by id (``""`` = cluster default)."""

    type: ConfigResourceType
    name: str

    def __str__(self) -> str:
        return f"{self.type.name}:{self.name}"
