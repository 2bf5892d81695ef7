"""Topic configs: Kafka's names, defaults and validators."""

from __future__ import annotations

import pytest

from wirekafka.log.config import LONG_MAX, TOPIC_CONFIG_NAMES, LogConfig
from wirekafka.log.errors import InvalidConfigError


def test_defaults_are_kafkas() -> None:
    config = LogConfig()
    assert config.to_topic_configs() == {
        "segment.bytes": "1073741824",
        "segment.ms": "604800000",
        "segment.jitter.ms": "0",
        "segment.index.bytes": "10485760",
        "index.interval.bytes": "4096",
        "flush.messages": str(LONG_MAX),
        "flush.ms": str(LONG_MAX),
        "retention.bytes": "-1",
        "retention.ms": "604800000",
        "cleanup.policy": "delete",
        "delete.retention.ms": "86400000",
        "min.cleanable.dirty.ratio": "0.5",
        "min.compaction.lag.ms": "0",
        "max.compaction.lag.ms": str(LONG_MAX),
        "max.message.bytes": "1048588",
        "message.timestamp.type": "CreateTime",
        "message.timestamp.before.max.ms": str(LONG_MAX),
        "message.timestamp.after.max.ms": "3600000",
        "file.delete.delay.ms": "60000",
        "min.insync.replicas": "1",
        "compression.type": "producer",
        "unclean.leader.election.enable": "false",
        "preallocate": "false",
    }
    assert config.delete and not config.compact


def test_overrides_parse_into_typed_fields() -> None:
    config = LogConfig.from_topic_configs(
        {
            "cleanup.policy": "compact, delete",
            "retention.ms": "-1",
            "segment.bytes": "1048576",
            "min.cleanable.dirty.ratio": "0.25",
            "message.timestamp.type": "LogAppendTime",
            "preallocate": "TRUE",
            "max.compaction.lag.ms": "100000",
            "segment.ms": "500000",
            "compression.gzip.level": "5",  # known to Kafka, accepted, not modelled
            "retention.bytes": None,  # null means default
        }
    )
    assert config.cleanup_policy == ("compact", "delete") and config.compact and config.delete
    assert (config.retention_ms, config.segment_bytes, config.min_cleanable_dirty_ratio) == (
        -1,
        1048576,
        0.25,
    )
    assert config.log_append_time and config.preallocate
    assert config.max_segment_ms == 100000  # compaction lag shortens the roll interval
    assert config.retention_bytes == -1
    assert LogConfig.from_topic_configs(config.to_topic_configs()) == config


def test_overrides_layer_over_broker_defaults() -> None:
    broker = LogConfig(retention_ms=1_000, segment_bytes=2_000_000)
    config = LogConfig.from_topic_configs({"retention.bytes": "5"}, defaults=broker)
    assert (config.retention_ms, config.segment_bytes, config.retention_bytes) == (1_000, 2_000_000, 5)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("segment.bytes", "1000"),  # below Kafka 4's 1 MiB minimum
        ("segment.bytes", "3000000000"),  # above int32
        ("segment.ms", "0"),
        ("retention.ms", "-2"),
        ("retention.ms", "soon"),
        ("flush.messages", "0"),
        ("min.cleanable.dirty.ratio", "1.5"),
        ("cleanup.policy", "compact,archive"),
        ("cleanup.policy", ""),
        ("message.timestamp.type", "createtime"),
        ("compression.type", "brotli"),
        ("preallocate", "yes"),
        ("max.message.bytes", "-1"),
        ("min.insync.replicas", "0"),
        ("no.such.config", "1"),
    ],
)
def test_invalid_values_name_the_key(key: str, value: str) -> None:
    with pytest.raises(InvalidConfigError) as raised:
        LogConfig.from_topic_configs({key: value})
    assert raised.value.key == key and raised.value.value == value
    assert key in str(raised.value) and raised.value.kafka_error == "INVALID_CONFIG"


def test_min_compaction_lag_above_max_is_rejected() -> None:
    with pytest.raises(InvalidConfigError) as raised:
        LogConfig.from_topic_configs({"min.compaction.lag.ms": "10", "max.compaction.lag.ms": "5"})
    assert raised.value.key == "min.compaction.lag.ms"


def test_internal_segment_bytes_bypasses_the_minimum_for_tests() -> None:
    assert LogConfig.from_topic_configs({"internal.segment.bytes": "1000"}).segment_bytes == 1000


def test_every_modelled_name_round_trips() -> None:
    assert set(LogConfig().to_topic_configs()) == set(TOPIC_CONFIG_NAMES)
