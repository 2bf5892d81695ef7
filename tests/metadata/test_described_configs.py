"""Effective configs as DescribeConfigs reports them: value, source, synonyms (Kafka's ConfigHelper)."""

from __future__ import annotations

from tests.metadata.helpers import broker_config, image_with
from wirekafka.config import BrokerConfig
from wirekafka.metadata.config_resources import ConfigSource
from wirekafka.metadata.described_configs import (
    ConfigLayers,
    ConfigSynonym,
    DescribedConfig,
    describe_broker_configs,
    describe_topic_configs,
    with_dynamic_configs,
)
from wirekafka.metadata.image import MetadataImage

EMPTY = MetadataImage(cluster_id="c", controller_id=1, brokers={})


def by_name(configs: list[DescribedConfig]) -> dict[str, DescribedConfig]:
    return {config.name: config for config in configs}


def test_topic_defaults_follow_kafka_sources_and_synonyms() -> None:
    configs = by_name(describe_topic_configs(ConfigLayers(BrokerConfig(), EMPTY, 1), {}))
    retention = configs["retention.ms"]
    assert (retention.value, retention.source, retention.read_only, retention.sensitive) == (
        "604800000",
        ConfigSource.DEFAULT_CONFIG,
        False,
        False,
    )
    # log.retention.ms has no default, so Kafka drops log.retention.hours=168 from the synonyms
    assert retention.synonyms == ()
    segment = configs["segment.bytes"]
    assert segment.synonyms == (
        ConfigSynonym("log.segment.bytes", "1073741824", ConfigSource.DEFAULT_CONFIG),
    )
    assert configs["cleanup.policy"].value == "delete"
    assert (
        configs["cleanup.policy"].config_type is not None and configs["cleanup.policy"].config_type.value == 7
    )


def test_topic_override_comes_first() -> None:
    configs = by_name(
        describe_topic_configs(ConfigLayers(BrokerConfig(), EMPTY, 1), {"retention.ms": " 12345"})
    )
    retention = configs["retention.ms"]
    assert (retention.value, retention.source) == ("12345", ConfigSource.TOPIC_CONFIG)
    assert retention.synonyms == (ConfigSynonym("retention.ms", "12345", ConfigSource.TOPIC_CONFIG),)


def test_static_and_dynamic_broker_values_feed_topic_defaults() -> None:
    static = BrokerConfig({"log.retention.ms": "1000", "log.segment.bytes": "2000000"})
    image = image_with(
        broker_config("", "log.retention.ms", "3000"),
        broker_config("1", "log.retention.ms", "4000"),
        base=EMPTY,
    )
    configs = by_name(describe_topic_configs(ConfigLayers(static, image, 1), {}))
    retention = configs["retention.ms"]
    assert (retention.value, retention.source) == ("4000", ConfigSource.DYNAMIC_BROKER_CONFIG)
    assert retention.synonyms == (
        ConfigSynonym("log.retention.ms", "4000", ConfigSource.DYNAMIC_BROKER_CONFIG),
        ConfigSynonym("log.retention.ms", "3000", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG),
        ConfigSynonym("log.retention.ms", "1000", ConfigSource.STATIC_BROKER_CONFIG),
        ConfigSynonym("log.retention.hours", "168", ConfigSource.DEFAULT_CONFIG),
    )
    assert (configs["segment.bytes"].value, configs["segment.bytes"].source) == (
        "2000000",
        ConfigSource.STATIC_BROKER_CONFIG,
    )
    # another node only sees the cluster-wide default
    other = by_name(describe_topic_configs(ConfigLayers(static, image, 2), {}))
    assert (other["retention.ms"].value, other["retention.ms"].source) == (
        "3000",
        ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
    )


def test_per_broker_view_lists_every_config_with_read_only_flags() -> None:
    static = BrokerConfig({"num.partitions": "4"})
    configs = by_name(describe_broker_configs(ConfigLayers(static, EMPTY, 1), per_broker=True))
    assert len(configs) > 50
    partitions = configs["num.partitions"]
    assert (partitions.value, partitions.source, partitions.read_only) == (
        "4",
        ConfigSource.STATIC_BROKER_CONFIG,
        False,
    )
    assert configs["node.id"].read_only is True
    assert (configs["log.retention.ms"].value, configs["log.retention.ms"].source) == (
        None,
        ConfigSource.DEFAULT_CONFIG,
    )
    assert configs["auto.create.topics.enable"].value == "true"


def test_cluster_default_view_lists_only_dynamic_defaults() -> None:
    image = image_with(
        broker_config("", "num.partitions", "3"), broker_config("1", "log.retention.ms", "9"), base=EMPTY
    )
    configs = describe_broker_configs(ConfigLayers(BrokerConfig(), image, 1), per_broker=False)
    assert [(c.name, c.value, c.source) for c in configs] == [
        ("num.partitions", "3", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG)
    ]
    assert configs[0].synonyms == (
        ConfigSynonym("num.partitions", "3", ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG),
    )


def test_names_filter() -> None:
    layers = ConfigLayers(BrokerConfig(), EMPTY, 1)
    assert [c.name for c in describe_topic_configs(layers, {}, names=["retention.ms", "nope"])] == [
        "retention.ms"
    ]
    assert [c.name for c in describe_broker_configs(layers, per_broker=True, names=["num.partitions"])] == [
        "num.partitions"
    ]


def test_invalid_or_static_dynamic_values_are_skipped() -> None:
    config = with_dynamic_configs(
        BrokerConfig(), {"num.partitions": "6", "node.id": "9", "log.retention.ms": "x", "unknown.key": "1"}
    )
    assert (config["num.partitions"], config["node.id"], config["log.retention.ms"]) == (6, 1, None)
