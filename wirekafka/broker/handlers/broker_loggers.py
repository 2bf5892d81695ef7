"""BROKER_LOGGER config resources: this process's log levels, read and changed at run time.

Kafka (KIP-412) exposes its log4j loggers through DescribeConfigs and IncrementalAlterConfigs
with resource type BROKER_LOGGER and the node id as name. Here the loggers are Python's: the
root logger and the ``wirekafka`` hierarchy, with log4j's level names (``WARNING`` is ``WARN``,
``CRITICAL`` is ``FATAL``). Changes are not persisted, as in Kafka.
"""

from __future__ import annotations

import logging

from wirekafka.controller.results import NO_ERROR, ApiError
from wirekafka.metadata.config_resources import AlterConfigOp
from wirekafka.protocol.errors import ErrorCode

ROOT_LOGGER = "root"
LEVELS = {
    "ALL": logging.NOTSET + 1,
    "TRACE": 5,
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
    "FATAL": logging.CRITICAL,
    "OFF": logging.CRITICAL + 10,
}
_NAMES = {number: name for name, number in LEVELS.items()}


def level_name(level: int) -> str:
    """A Python level number as log4j names it (the nearest named level at or below)."""
    for number in sorted(_NAMES, reverse=True):
        if level >= number:
            return _NAMES[number]
    return "ALL"


def current_loggers() -> dict[str, str]:
    """Logger name -> effective level name, for root and every ``wirekafka`` logger."""
    found = {ROOT_LOGGER: level_name(logging.getLogger().getEffectiveLevel())}
    for name, logger in sorted(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and (name == "wirekafka" or name.startswith("wirekafka.")):
            found[name] = level_name(logger.getEffectiveLevel())
    return found


def validate_and_apply(changes: list[tuple[str, int, str | None]], *, validate_only: bool) -> ApiError:
    """Apply SET / DELETE of logger levels (Kafka's ``RuntimeLoggerManager``); all or nothing."""
    for name, operation, value in changes:
        if operation == AlterConfigOp.SET:
            if value is None or value.upper() not in LEVELS:
                return ApiError(
                    ErrorCode.INVALID_CONFIG,
                    f"Cannot set the log level of {name} to {value} as it is not a supported log level. "
                    f"Valid log4j levels are {', '.join(LEVELS)}",
                )
        elif operation == AlterConfigOp.DELETE:
            if name == ROOT_LOGGER:
                return ApiError(
                    ErrorCode.INVALID_REQUEST, "Removing the log level of the root logger is not allowed"
                )
        else:
            try:
                operation_name = AlterConfigOp(operation).name
            except ValueError:
                operation_name = str(operation)
            return ApiError(
                ErrorCode.INVALID_REQUEST,
                f"{operation_name} operation is not allowed for the BROKER_LOGGER resource",
            )
    if not validate_only:
        for name, operation, value in changes:
            logger = logging.getLogger() if name == ROOT_LOGGER else logging.getLogger(name)
            if operation == AlterConfigOp.SET and value is not None:
                logger.setLevel(LEVELS[value.upper()])
            else:
                logger.setLevel(logging.NOTSET)
    return NO_ERROR
