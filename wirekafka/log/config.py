"""Topic-level log configuration under Kafka's names and defaults, plus the log manager's own timers.

A partition log reads its settings from one frozen :class:`LogConfig`; changing a topic's config
swaps the object (``PartitionLog.update_config``), so no setting can change half-way through an
append. Field names are Kafka's topic config names in snake_case; the defaults are Kafka 4.x's.
``from_topic_configs`` applies Kafka's validators, so a CreateTopics or IncrementalAlterConfigs
handler turns :class:`InvalidConfigError` into INVALID_CONFIG naming the key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from wirekafka.log.errors import InvalidConfigError

LONG_MAX = 2**63 - 1
INT_MAX = 2**31 - 1
_LONG_MIN = -(2**63)
_INT_MIN = -(2**31)

CLEANUP_POLICY_DELETE = "delete"
CLEANUP_POLICY_COMPACT = "compact"
TIMESTAMP_TYPE_CREATE_TIME = "CreateTime"
TIMESTAMP_TYPE_LOG_APPEND_TIME = "LogAppendTime"
COMPRESSION_TYPES = ("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer")


@dataclass(frozen=True, slots=True)
class LogConfig:
    """Every topic-level setting the log honours, with Kafka's defaults.

    Constructing the dataclass directly skips Kafka's range checks on purpose: tests use segments
    of a few hundred bytes, which ``segment.bytes`` (minimum 1 MiB since Kafka 4.0) would reject.
    ``from_topic_configs`` is the validated path for user input.
    """

    segment_bytes: int = 1024 * 1024 * 1024
    segment_ms: int = 7 * 24 * 60 * 60 * 1000
    segment_jitter_ms: int = 0
    segment_index_bytes: int = 10 * 1024 * 1024
    index_interval_bytes: int = 4096
    flush_messages: int = LONG_MAX
    flush_ms: int = LONG_MAX
    retention_bytes: int = -1
    retention_ms: int = 7 * 24 * 60 * 60 * 1000
    cleanup_policy: tuple[str, ...] = (CLEANUP_POLICY_DELETE,)
    delete_retention_ms: int = 24 * 60 * 60 * 1000
    min_cleanable_dirty_ratio: float = 0.5
    min_compaction_lag_ms: int = 0
    max_compaction_lag_ms: int = LONG_MAX
    max_message_bytes: int = 1024 * 1024 + 12
    message_timestamp_type: str = TIMESTAMP_TYPE_CREATE_TIME
    message_timestamp_before_max_ms: int = LONG_MAX
    message_timestamp_after_max_ms: int = 60 * 60 * 1000
    file_delete_delay_ms: int = 60_000
    min_insync_replicas: int = 1
    compression_type: str = "producer"
    unclean_leader_election_enable: bool = False
    preallocate: bool = False

    @property
    def compact(self) -> bool:
        """True when the log cleaner compacts this topic (``compact`` or ``compact,delete``)."""
        return CLEANUP_POLICY_COMPACT in self.cleanup_policy

    @property
    def delete(self) -> bool:
        """True when time and size retention delete old segments."""
        return CLEANUP_POLICY_DELETE in self.cleanup_policy

    @property
    def max_segment_ms(self) -> int:
        """Age at which the active segment rolls; compaction's max lag shortens it, as in Kafka,
        because only rolled segments can be cleaned."""
        if self.compact and self.max_compaction_lag_ms > 0:
            return min(self.max_compaction_lag_ms, self.segment_ms)
        return self.segment_ms

    @property
    def log_append_time(self) -> bool:
        """True when the broker overwrites batch timestamps with its own clock."""
        return self.message_timestamp_type == TIMESTAMP_TYPE_LOG_APPEND_TIME

    def to_topic_configs(self) -> dict[str, str]:
        """The values under Kafka's names as Kafka prints them (for DescribeConfigs)."""
        result: dict[str, str] = {}
        for spec in _SPECS:
            value = getattr(self, spec.field)
            result[spec.name] = spec.render(value)
        return result

    @classmethod
    def from_topic_configs(
        cls, configs: Mapping[str, str | None], defaults: LogConfig | None = None
    ) -> LogConfig:
        """Overlay ``configs`` (Kafka names, string values) on ``defaults``, validated like Kafka.

        Raises:
            InvalidConfigError: a name Kafka does not know, a value of the wrong type or out of
                range, or ``min.compaction.lag.ms`` above ``max.compaction.lag.ms``.
        """
        base = defaults if defaults is not None else cls()
        changes: dict[str, Any] = {}
        internal_segment_bytes: int | None = None
        for key, raw in configs.items():
            if key == INTERNAL_SEGMENT_BYTES:
                internal_segment_bytes = _parse_int(key, raw, _INT_MIN, INT_MAX)
                continue
            spec = _SPECS_BY_NAME.get(key)
            if spec is None:
                if key in _ACCEPTED_UNMODELLED:
                    continue
                raise InvalidConfigError(key, raw, "unknown topic config name")
            if raw is None:
                continue  # Kafka: a null value means "use the default"
            changes[spec.field] = spec.parse(key, raw)
        if internal_segment_bytes is not None:
            changes["segment_bytes"] = internal_segment_bytes
        config = dataclasses.replace(base, **changes)
        if config.min_compaction_lag_ms > config.max_compaction_lag_ms:
            raise InvalidConfigError(
                "min.compaction.lag.ms",
                str(config.min_compaction_lag_ms),
                f"conflicts with max.compaction.lag.ms ({config.max_compaction_lag_ms})",
            )
        return config


INTERNAL_SEGMENT_BYTES = "internal.segment.bytes"
"""Kafka's test-only override that bypasses ``segment.bytes``'s 1 MiB minimum."""


@dataclass(frozen=True, slots=True)
class LogManagerConfig:
    """Broker-level timers of the log manager's housekeeping (Kafka's ``log.*`` broker names)."""

    retention_check_interval_ms: int = 5 * 60 * 1000  # log.retention.check.interval.ms
    flush_scheduler_interval_ms: int = LONG_MAX  # log.flush.scheduler.interval.ms
    flush_offset_checkpoint_interval_ms: int = 60_000  # log.flush.offset.checkpoint.interval.ms
    flush_start_offset_checkpoint_interval_ms: int = 60_000  # log.flush.start.offset.checkpoint...
    cleaner_enable: bool = True  # log.cleaner.enable
    cleaner_backoff_ms: int = 15_000  # log.cleaner.backoff.ms
    cleaner_dedupe_buffer_size: int = 128 * 1024 * 1024  # log.cleaner.dedupe.buffer.size
    cleaner_io_buffer_load_factor: float = 0.9  # log.cleaner.io.buffer.load.factor

    @property
    def cleaner_max_keys(self) -> int:
        """Keys one cleaning pass may hold, sized as Kafka sizes its offset map (24 bytes a key)."""
        return max(1, int(self.cleaner_dedupe_buffer_size / 24 * self.cleaner_io_buffer_load_factor))


# ---- parsing and validation, table driven ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Spec:
    name: str
    field: str
    parse: Callable[[str, str], Any]
    render: Callable[[Any], str] = str


def _parse_int(key: str, raw: str | None, low: int, high: int) -> int:
    if raw is None:
        raise InvalidConfigError(key, raw, "a value is required")
    try:
        value = int(raw.strip())
    except ValueError:
        raise InvalidConfigError(key, raw, "not a number") from None
    if not low <= value <= high:
        if high in (INT_MAX, LONG_MAX):
            raise InvalidConfigError(key, raw, f"value must be at least {low}")
        raise InvalidConfigError(key, raw, f"value must be between {low} and {high}")
    return value


def _int(low: int) -> Callable[[str, str], int]:
    return lambda key, raw: _parse_int(key, raw, low, INT_MAX)


def _long(low: int = _LONG_MIN) -> Callable[[str, str], int]:
    return lambda key, raw: _parse_int(key, raw, low, LONG_MAX)


def _ratio(key: str, raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise InvalidConfigError(key, raw, "not a number") from None
    if not 0.0 <= value <= 1.0:
        raise InvalidConfigError(key, raw, "value must be between 0 and 1")
    return value


def _boolean(key: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered not in ("true", "false"):
        raise InvalidConfigError(key, raw, "expected true or false")
    return lowered == "true"


def _one_of(*choices: str) -> Callable[[str, str], str]:
    def parse(key: str, raw: str) -> str:
        value = raw.strip()
        if value not in choices:
            raise InvalidConfigError(key, raw, f"value must be one of {', '.join(choices)}")
        return value

    return parse


def _cleanup_policy(key: str, raw: str) -> tuple[str, ...]:
    items = tuple(item.strip().lower() for item in raw.split(",") if item.strip())
    if not items:
        raise InvalidConfigError(key, raw, "at least one of compact, delete is required")
    for item in items:
        if item not in (CLEANUP_POLICY_COMPACT, CLEANUP_POLICY_DELETE):
            raise InvalidConfigError(key, raw, f"unknown policy {item!r}; expected compact, delete")
    return tuple(dict.fromkeys(items))


def _render_bool(value: Any) -> str:
    return "true" if value else "false"


def _render_list(value: Any) -> str:
    return ",".join(value)


_SPECS: tuple[_Spec, ...] = (
    _Spec("segment.bytes", "segment_bytes", _int(1024 * 1024)),
    _Spec("segment.ms", "segment_ms", _long(1)),
    _Spec("segment.jitter.ms", "segment_jitter_ms", _long(0)),
    _Spec("segment.index.bytes", "segment_index_bytes", _int(4)),
    _Spec("index.interval.bytes", "index_interval_bytes", _int(0)),
    _Spec("flush.messages", "flush_messages", _long(1)),
    _Spec("flush.ms", "flush_ms", _long(0)),
    _Spec("retention.bytes", "retention_bytes", _long()),
    _Spec("retention.ms", "retention_ms", _long(-1)),
    _Spec("cleanup.policy", "cleanup_policy", _cleanup_policy, _render_list),
    _Spec("delete.retention.ms", "delete_retention_ms", _long(0)),
    _Spec("min.cleanable.dirty.ratio", "min_cleanable_dirty_ratio", _ratio),
    _Spec("min.compaction.lag.ms", "min_compaction_lag_ms", _long(0)),
    _Spec("max.compaction.lag.ms", "max_compaction_lag_ms", _long(1)),
    _Spec("max.message.bytes", "max_message_bytes", _int(0)),
    _Spec(
        "message.timestamp.type",
        "message_timestamp_type",
        _one_of(TIMESTAMP_TYPE_CREATE_TIME, TIMESTAMP_TYPE_LOG_APPEND_TIME),
    ),
    _Spec("message.timestamp.before.max.ms", "message_timestamp_before_max_ms", _long(0)),
    _Spec("message.timestamp.after.max.ms", "message_timestamp_after_max_ms", _long(0)),
    _Spec("file.delete.delay.ms", "file_delete_delay_ms", _long(0)),
    _Spec("min.insync.replicas", "min_insync_replicas", _int(1)),
    _Spec("compression.type", "compression_type", _one_of(*COMPRESSION_TYPES)),
    _Spec("unclean.leader.election.enable", "unclean_leader_election_enable", _boolean, _render_bool),
    _Spec("preallocate", "preallocate", _boolean, _render_bool),
)
_SPECS_BY_NAME = {spec.name: spec for spec in _SPECS}

TOPIC_CONFIG_NAMES: tuple[str, ...] = tuple(spec.name for spec in _SPECS)
"""The topic configs this log models, in Kafka's spelling."""

_ACCEPTED_UNMODELLED = frozenset(
    {
        # Known to Kafka, accepted so that tools which set them keep working, not acted on here.
        "compression.gzip.level",
        "compression.lz4.level",
        "compression.zstd.level",
        "leader.replication.throttled.replicas",
        "follower.replication.throttled.replicas",
        "remote.storage.enable",
        "local.retention.ms",
        "local.retention.bytes",
        "remote.log.copy.disable",
        "remote.log.delete.on.disable",
    }
)

TOPIC_CONFIG_SYNONYMS: Mapping[str, str] = {
    "segment.bytes": "log.segment.bytes",
    "segment.ms": "log.roll.ms",
    "segment.jitter.ms": "log.roll.jitter.ms",
    "segment.index.bytes": "log.index.size.max.bytes",
    "index.interval.bytes": "log.index.interval.bytes",
    "flush.messages": "log.flush.interval.messages",
    "flush.ms": "log.flush.interval.ms",
    "retention.bytes": "log.retention.bytes",
    "retention.ms": "log.retention.ms",
    "cleanup.policy": "log.cleanup.policy",
    "delete.retention.ms": "log.cleaner.delete.retention.ms",
    "min.cleanable.dirty.ratio": "log.cleaner.min.cleanable.ratio",
    "min.compaction.lag.ms": "log.cleaner.min.compaction.lag.ms",
    "max.compaction.lag.ms": "log.cleaner.max.compaction.lag.ms",
    "max.message.bytes": "message.max.bytes",
    "message.timestamp.type": "log.message.timestamp.type",
    "message.timestamp.before.max.ms": "log.message.timestamp.before.max.ms",
    "message.timestamp.after.max.ms": "log.message.timestamp.after.max.ms",
    "file.delete.delay.ms": "log.segment.delete.delay.ms",
    "min.insync.replicas": "min.insync.replicas",
    "compression.type": "compression.type",
    "unclean.leader.election.enable": "unclean.leader.election.enable",
    "preallocate": "log.preallocate",
}
"""Topic config name -> the broker config that supplies its default (DescribeConfigs synonyms)."""
