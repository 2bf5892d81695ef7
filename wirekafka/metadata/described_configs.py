"""Effective broker and topic configs as DescribeConfigs (and CreateTopics v5+) report them.

A value comes from the first layer that has it, in Kafka's order: a topic override
(TOPIC_CONFIG), a dynamic config of this broker (DYNAMIC_BROKER_CONFIG), a dynamic cluster-wide
broker default (DYNAMIC_DEFAULT_BROKER_CONFIG), ``server.properties`` / ``-o`` (STATIC_BROKER_CONFIG),
then the built-in default (DEFAULT_CONFIG). A topic config falls back to its broker synonym
(``retention.ms`` <- ``log.retention.ms``, ``log.retention.minutes``, ``log.retention.hours``).

Synonyms follow Kafka's ``ConfigHelper`` exactly, quirks included: they are listed layer by layer,
and everything before the first synonym named like the config's own broker name is dropped --
so ``retention.ms`` with nothing set reports no synonym, because ``log.retention.ms`` has no
default and ``log.retention.hours=168`` is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from wirekafka.config import (
    BROKER_CONFIGS,
    TOPIC_CONFIGS,
    BrokerConfig,
    ConfigError,
    ConfigType,
    format_value,
)
from wirekafka.metadata.config_resources import ConfigSource
from wirekafka.metadata.image import MetadataImage


@dataclass(frozen=True, slots=True)
class ConfigSynonym:
    name: str
    value: str | None
    source: ConfigSource


@dataclass(frozen=True, slots=True)
class DescribedConfig:
    """One entry of a DescribeConfigs result."""

    name: str
    value: str | None
    source: ConfigSource
    read_only: bool
    sensitive: bool
    config_type: ConfigType | None
    documentation: str | None
    synonyms: tuple[ConfigSynonym, ...]


def broker_config_synonyms(name: str) -> list[str]:
    """Broker configs that set the same thing, highest precedence first (``brokerConfigSynonyms``)."""
    groups = (
        ("log.roll.ms", "log.roll.hours"),
        ("log.roll.jitter.ms", "log.roll.jitter.hours"),
        ("log.retention.ms", "log.retention.minutes", "log.retention.hours"),
    )
    for group in groups:
        if name in group:
            return list(group)
    if name == "log.flush.interval.ms":
        return ["log.flush.interval.ms", "log.flush.scheduler.interval.ms"]
    return [name]


def with_dynamic_configs(static: BrokerConfig, dynamic: Mapping[str, str]) -> BrokerConfig:
    """``static`` with every valid dynamic value applied; unknown, static-only or invalid values are
    skipped, as Kafka skips dynamic configs it cannot apply."""
    config = static
    for name, value in dynamic.items():
        try:
            config = config.with_dynamic(name, value)
        except ConfigError:
            continue
    return config


class ConfigLayers:
    """The layers of broker config values for one node: dynamic per broker, dynamic cluster
    default, static, built-in default (each as Kafka prints the value)."""

    def __init__(self, static: BrokerConfig, image: MetadataImage, node_id: int) -> None:
        self.static = static
        self.node_id = node_id
        self.per_broker: Mapping[str, str] = image.node_broker_configs.get(node_id, {})
        self.cluster_default: Mapping[str, str] = image.broker_configs
        self.effective = with_dynamic_configs(static, image.dynamic_broker_configs(node_id))

    def static_value(self, name: str) -> str | None:
        key = BROKER_CONFIGS.get(name)
        if key is None or not self.static.is_explicit(name):
            return None
        return format_value(key.type, self.static[name])

    @staticmethod
    def default_value(name: str) -> str | None:
        key = BROKER_CONFIGS.get(name)
        return None if key is None else format_value(key.type, key.default)

    def synonyms(self, base: str, *, sensitive: bool) -> list[ConfigSynonym]:
        """Kafka's ``configSynonyms(base, brokerConfigSynonyms(base))``."""
        names = broker_config_synonyms(base)
        found: list[ConfigSynonym] = []
        layers: list[tuple[ConfigSource, Mapping[str, str | None]]] = [
            (ConfigSource.DYNAMIC_BROKER_CONFIG, self.per_broker),
            (ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, self.cluster_default),
            (ConfigSource.STATIC_BROKER_CONFIG, {n: self.static_value(n) for n in names}),
            (ConfigSource.DEFAULT_CONFIG, {n: self.default_value(n) for n in names}),
        ]
        for source, values in layers:
            for name in names:
                value = values.get(name)
                if value is not None:
                    found.append(ConfigSynonym(name, None if sensitive else value, source))
        while found and found[0].name != base:
            found.pop(0)
        return found


def describe_broker_configs(
    layers: ConfigLayers, *, per_broker: bool, names: Iterable[str] | None = None
) -> list[DescribedConfig]:
    """Broker configs of ``layers.node_id`` (``per_broker``) or the cluster-wide dynamic defaults.

    The per-broker view lists every known config with its effective value; the cluster default
    view lists only the dynamic defaults that are set, as Kafka's ``ConfigHelper``.
    """
    wanted = set(names) if names else None
    result: list[DescribedConfig] = []
    candidates = BROKER_CONFIGS.keys() if per_broker else layers.cluster_default.keys()
    for name in sorted(candidates):
        if wanted is not None and name not in wanted:
            continue
        key = BROKER_CONFIGS.get(name)
        sensitive = key is None or key.type is ConfigType.PASSWORD
        if per_broker:
            assert key is not None
            value = format_value(key.type, layers.effective[name])
        else:
            value = layers.cluster_default[name]
        all_synonyms = [
            s
            for s in layers.synonyms(name, sensitive=sensitive)
            if per_broker or s.source == ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG
        ]
        result.append(
            DescribedConfig(
                name=name,
                value=None if sensitive else value,
                source=all_synonyms[0].source if all_synonyms else ConfigSource.DEFAULT_CONFIG,
                read_only=key is None or not key.dynamic,
                sensitive=sensitive,
                config_type=None if key is None else key.type,
                documentation=None if key is None else key.doc,
                synonyms=tuple(all_synonyms),
            )
        )
    return result


def topic_config_value(name: str, raw: str) -> str:
    """An override as Kafka prints it once parsed (``" 5"`` -> ``"5"``); unknown names verbatim."""
    entry = TOPIC_CONFIGS.get(name)
    if entry is None:
        return raw
    try:
        return format_value(entry[0].type, entry[0].parse(raw)) or raw
    except ConfigError:
        return raw


def describe_topic_configs(
    layers: ConfigLayers, overrides: Mapping[str, str], *, names: Iterable[str] | None = None
) -> list[DescribedConfig]:
    """Every topic-level config: the override when set, else the broker-derived default."""
    wanted = set(names) if names else None
    defaults = layers.effective.topic_defaults()
    result: list[DescribedConfig] = []
    for name in sorted(TOPIC_CONFIGS):
        if wanted is not None and name not in wanted:
            continue
        key, broker_names = TOPIC_CONFIGS[name]
        sensitive = key.type is ConfigType.PASSWORD
        if name in overrides:
            value: str | None = topic_config_value(name, overrides[name])
        else:
            value = format_value(key.type, defaults[name])
        synonyms = layers.synonyms(broker_names[0], sensitive=sensitive) if broker_names else []
        if name in overrides:
            synonyms.insert(0, ConfigSynonym(name, None if sensitive else value, ConfigSource.TOPIC_CONFIG))
        result.append(
            DescribedConfig(
                name=name,
                value=None if sensitive else value,
                source=synonyms[0].source if synonyms else ConfigSource.DEFAULT_CONFIG,
                read_only=False,
                sensitive=sensitive,
                config_type=key.type,
                documentation=key.doc,
                synonyms=tuple(synonyms),
            )
        )
    return result
