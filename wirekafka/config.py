"""Broker and topic configuration under Kafka's names, with Kafka's types, defaults and validation.

A setting is declared once as a ``ConfigKey``; ``BrokerConfig`` holds the values a node was started
with (defaults < ``server.properties`` < ``-o key=value``), refuses unknown or invalid keys with a
message naming the key, and answers ``DescribeConfigs`` (value, source, read-only, sensitive,
synonyms; the wire ids of config sources live in ``metadata/config_resources.py``). Topic-level settings (``retention.ms``...) take their defaults from their broker-level
synonyms (``log.retention.ms``, ``log.retention.hours``...), as in Kafka.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """An unknown key or an invalid value; the message names the key."""

    def __init__(self, key: str, reason: str) -> None:
        self.key = key
        self.reason = reason
        super().__init__(f"{key}: {reason}")


class ConfigType(Enum):
    """Kafka's ``ConfigDef.Type``; ``DescribeConfigs`` v3+ reports it as a number (``config_type``)."""

    BOOLEAN = 1
    STRING = 2
    INT = 3
    SHORT = 4
    LONG = 5
    DOUBLE = 6
    LIST = 7
    CLASS = 8
    PASSWORD = 9


Validator = Callable[[Any], str | None]


def at_least(minimum: float) -> Validator:
    return lambda value: None if value >= minimum else f"must be at least {minimum}"


def between(low: float, high: float) -> Validator:
    return lambda value: None if low <= value <= high else f"must be between {low} and {high}"


def one_of(*choices: str) -> Validator:
    return lambda value: None if value in choices else f"must be one of {', '.join(choices)}"


def each_of(*choices: str) -> Validator:
    def check(value: list[str]) -> str | None:
        bad = [v for v in value if v not in choices]
        return f"unknown values {bad}; allowed: {', '.join(choices)}" if bad else None

    return check


@dataclass(frozen=True, slots=True)
class ConfigKey:
    """One setting: Kafka's name, type, default and rules."""

    name: str
    type: ConfigType
    default: Any
    doc: str
    validator: Validator | None = None
    dynamic: bool = False  # may be changed at run time with (Incremental)AlterConfigs
    sensitive: bool = False

    def parse(self, raw: Any) -> Any:
        """Convert a textual (or already typed) value and validate it."""
        try:
            value = _convert(self.type, raw)
        except (TypeError, ValueError) as exc:
            raise ConfigError(self.name, f"invalid {self.type.name.lower()} value {raw!r}") from exc
        if value is not None and self.validator is not None:
            problem = self.validator(value)
            if problem:
                raise ConfigError(self.name, f"{raw!r} {problem}")
        return value


def _convert(config_type: ConfigType, raw: Any) -> Any:
    if raw is None:
        return None
    if config_type is ConfigType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text not in ("true", "false"):
            raise ValueError(raw)
        return text == "true"
    if config_type in (ConfigType.INT, ConfigType.SHORT, ConfigType.LONG):
        if isinstance(raw, bool):
            raise ValueError(raw)
        value = int(str(raw).strip())
        limit = {ConfigType.INT: 2**31, ConfigType.SHORT: 2**15, ConfigType.LONG: 2**63}[config_type]
        if not -limit <= value < limit:
            raise ValueError(raw)
        return value
    if config_type is ConfigType.DOUBLE:
        return float(str(raw).strip())
    if config_type is ConfigType.LIST:
        if isinstance(raw, list):
            return raw
        return [item.strip() for item in str(raw).split(",") if item.strip()]
    return str(raw).strip() if config_type is not ConfigType.PASSWORD else str(raw)


def format_value(config_type: ConfigType, value: Any) -> str | None:
    """A value as Kafka prints it in DescribeConfigs (``true``, ``1,2``, ``604800000``)."""
    if value is None:
        return None
    if config_type is ConfigType.BOOLEAN:
        return "true" if value else "false"
    if config_type is ConfigType.LIST:
        return ",".join(value)
    return str(value)


def _key(name: str, type: ConfigType, default: Any, doc: str, **kwargs: Any) -> ConfigKey:
    return ConfigKey(name, type, default, doc, **kwargs)


B, S, I, L, D, LST, P = (  # noqa: E741  (short names keep the tables readable)
    ConfigType.BOOLEAN,
    ConfigType.STRING,
    ConfigType.INT,
    ConfigType.LONG,
    ConfigType.DOUBLE,
    ConfigType.LIST,
    ConfigType.PASSWORD,
)

_CLEANUP = each_of("delete", "compact")
_COMPRESSION = one_of("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer")
_TIMESTAMP_TYPE = one_of("CreateTime", "LogAppendTime")

#: Topic-level settings: name -> (key, broker synonyms in Kafka's precedence order).
TOPIC_CONFIGS: dict[str, tuple[ConfigKey, tuple[str, ...]]] = {
    key.name: (key, synonyms)
    for key, synonyms in [
        (
            _key("cleanup.policy", LST, ["delete"], "delete or compact old segments", validator=_CLEANUP),
            ("log.cleanup.policy",),
        ),
        (
            _key(
                "compression.type",
                S,
                "producer",
                "final compression of the topic's data",
                validator=_COMPRESSION,
            ),
            ("compression.type",),
        ),
        (
            _key(
                "delete.retention.ms",
                L,
                86400000,
                "how long tombstones are kept in compacted topics",
                validator=at_least(0),
            ),
            ("log.cleaner.delete.retention.ms",),
        ),
        (
            _key(
                "file.delete.delay.ms",
                L,
                60000,
                "delay before a deleted segment file is removed",
                validator=at_least(0),
            ),
            ("log.segment.delete.delay.ms",),
        ),
        (
            _key("flush.messages", L, 2**63 - 1, "fsync after this many messages", validator=at_least(1)),
            ("log.flush.interval.messages",),
        ),
        (
            _key("flush.ms", L, 2**63 - 1, "fsync after this many milliseconds", validator=at_least(0)),
            ("log.flush.interval.ms",),
        ),
        (
            _key(
                "index.interval.bytes", I, 4096, "bytes between offset index entries", validator=at_least(0)
            ),
            ("log.index.interval.bytes",),
        ),
        (
            _key(
                "max.compaction.lag.ms",
                L,
                2**63 - 1,
                "maximum time a record stays uncompacted",
                validator=at_least(1),
            ),
            ("log.cleaner.max.compaction.lag.ms",),
        ),
        (
            _key(
                "max.message.bytes",
                I,
                1048588,
                "largest record batch the topic accepts",
                validator=at_least(0),
            ),
            ("message.max.bytes",),
        ),
        (
            _key(
                "message.timestamp.after.max.ms",
                L,
                3600000,
                "how far in the future a timestamp may be",
                validator=at_least(0),
            ),
            ("log.message.timestamp.after.max.ms",),
        ),
        (
            _key(
                "message.timestamp.before.max.ms",
                L,
                2**63 - 1,
                "how far in the past a timestamp may be",
                validator=at_least(0),
            ),
            ("log.message.timestamp.before.max.ms",),
        ),
        (
            _key(
                "message.timestamp.type",
                S,
                "CreateTime",
                "CreateTime or LogAppendTime",
                validator=_TIMESTAMP_TYPE,
            ),
            ("log.message.timestamp.type",),
        ),
        (
            _key(
                "min.cleanable.dirty.ratio",
                D,
                0.5,
                "dirty ratio that triggers compaction",
                validator=between(0, 1),
            ),
            ("log.cleaner.min.cleanable.ratio",),
        ),
        (
            _key(
                "min.compaction.lag.ms",
                L,
                0,
                "minimum time a record stays uncompacted",
                validator=at_least(0),
            ),
            ("log.cleaner.min.compaction.lag.ms",),
        ),
        (
            _key(
                "min.insync.replicas",
                I,
                1,
                "replicas that must acknowledge an acks=all write",
                validator=at_least(1),
            ),
            ("min.insync.replicas",),
        ),
        (_key("preallocate", B, False, "preallocate segment files"), ("log.preallocate",)),
        (
            _key("retention.bytes", L, -1, "size retained per partition; -1 for no limit"),
            ("log.retention.bytes",),
        ),
        (
            _key("retention.ms", L, 604800000, "time retained; -1 for no limit", validator=at_least(-1)),
            ("log.retention.ms", "log.retention.minutes", "log.retention.hours"),
        ),
        (
            _key("segment.bytes", I, 1073741824, "segment file size", validator=at_least(14)),
            ("log.segment.bytes",),
        ),
        (
            _key("segment.index.bytes", I, 10485760, "offset index size", validator=at_least(8)),
            ("log.index.size.max.bytes",),
        ),
        (
            _key(
                "segment.jitter.ms", L, 0, "random jitter subtracted from segment.ms", validator=at_least(0)
            ),
            ("log.roll.jitter.ms", "log.roll.jitter.hours"),
        ),
        (
            _key("segment.ms", L, 604800000, "time before a segment is rolled", validator=at_least(1)),
            ("log.roll.ms", "log.roll.hours"),
        ),
        (
            _key("unclean.leader.election.enable", B, False, "allow out-of-sync replicas to become leader"),
            ("unclean.leader.election.enable",),
        ),
    ]
}

_MS_SCALE = {
    "log.retention.minutes": 60_000,
    "log.retention.hours": 3_600_000,
    "log.roll.hours": 3_600_000,
    "log.roll.jitter.hours": 3_600_000,
}

#: Broker-level settings.
BROKER_CONFIGS: dict[str, ConfigKey] = {
    key.name: key
    for key in [
        _key("node.id", I, 1, "this node's id", validator=at_least(0)),
        _key("broker.id", I, None, "alias of node.id (ZooKeeper-era name)"),
        _key(
            "process.roles",
            LST,
            ["broker", "controller"],
            "broker, controller or both",
            validator=each_of("broker", "controller"),
        ),
        _key("listeners", LST, ["PLAINTEXT://127.0.0.1:9092"], "addresses to listen on"),
        _key("advertised.listeners", LST, None, "addresses given to clients; defaults to listeners"),
        _key("log.dirs", S, "./wirekafka-data", "where partition data is stored"),
        _key("log.dir", S, None, "alias of log.dirs"),
        _key("cluster.id", S, None, "the cluster id; generated and stored in meta.properties when absent"),
        _key(
            "num.partitions", I, 1, "partitions of an auto-created topic", validator=at_least(1), dynamic=True
        ),
        _key(
            "default.replication.factor",
            I,
            1,
            "replication factor of an auto-created topic",
            validator=at_least(1),
            dynamic=True,
        ),
        _key("auto.create.topics.enable", B, True, "create unknown topics on Metadata and Produce"),
        _key("delete.topic.enable", B, True, "allow DeleteTopics"),
        _key(
            "socket.request.max.bytes", I, 104857600, "largest request frame accepted", validator=at_least(1)
        ),
        _key(
            "message.max.bytes",
            I,
            1048588,
            "largest record batch accepted (topic default)",
            validator=at_least(0),
            dynamic=True,
        ),
        _key(
            "min.insync.replicas",
            I,
            1,
            "topic default for min.insync.replicas",
            validator=at_least(1),
            dynamic=True,
        ),
        _key(
            "compression.type",
            S,
            "producer",
            "topic default compression",
            validator=_COMPRESSION,
            dynamic=True,
        ),
        _key(
            "log.cleanup.policy",
            LST,
            ["delete"],
            "topic default cleanup.policy",
            validator=_CLEANUP,
            dynamic=True,
        ),
        _key(
            "log.retention.ms", L, None, "topic default retention.ms (overrides minutes/hours)", dynamic=True
        ),
        _key("log.retention.minutes", I, None, "topic default retention in minutes"),
        _key("log.retention.hours", I, 168, "topic default retention in hours"),
        _key("log.retention.bytes", L, -1, "topic default retention.bytes", dynamic=True),
        _key(
            "log.retention.check.interval.ms",
            L,
            300000,
            "how often retention is applied",
            validator=at_least(1),
        ),
        _key(
            "log.segment.bytes",
            I,
            1073741824,
            "topic default segment.bytes",
            validator=at_least(14),
            dynamic=True,
        ),
        _key("log.roll.ms", L, None, "topic default segment.ms", dynamic=True),
        _key("log.roll.hours", I, 168, "topic default segment.ms in hours", validator=at_least(1)),
        _key("log.roll.jitter.ms", L, None, "topic default segment.jitter.ms", dynamic=True),
        _key(
            "log.roll.jitter.hours", I, 0, "topic default segment.jitter.ms in hours", validator=at_least(0)
        ),
        _key(
            "log.index.size.max.bytes",
            I,
            10485760,
            "topic default segment.index.bytes",
            validator=at_least(4),
            dynamic=True,
        ),
        _key(
            "log.index.interval.bytes",
            I,
            4096,
            "topic default index.interval.bytes",
            validator=at_least(0),
            dynamic=True,
        ),
        _key(
            "log.flush.interval.messages",
            L,
            2**63 - 1,
            "topic default flush.messages",
            validator=at_least(1),
            dynamic=True,
        ),
        _key("log.flush.interval.ms", L, None, "topic default flush.ms", dynamic=True),
        _key("log.flush.scheduler.interval.ms", L, 2**63 - 1, "how often the flush policy is checked"),
        _key("log.preallocate", B, False, "topic default preallocate", dynamic=True),
        _key(
            "log.message.timestamp.type",
            S,
            "CreateTime",
            "topic default message.timestamp.type",
            validator=_TIMESTAMP_TYPE,
            dynamic=True,
        ),
        _key("log.message.timestamp.before.max.ms", L, 2**63 - 1, "topic default", dynamic=True),
        _key("log.message.timestamp.after.max.ms", L, 3600000, "topic default", dynamic=True),
        _key("log.segment.delete.delay.ms", L, 60000, "topic default file.delete.delay.ms", dynamic=True),
        _key("log.cleaner.enable", B, True, "run the log cleaner for compacted topics"),
        _key(
            "log.cleaner.delete.retention.ms", L, 86400000, "topic default delete.retention.ms", dynamic=True
        ),
        _key(
            "log.cleaner.min.cleanable.ratio", D, 0.5, "topic default min.cleanable.dirty.ratio", dynamic=True
        ),
        _key("log.cleaner.min.compaction.lag.ms", L, 0, "topic default min.compaction.lag.ms", dynamic=True),
        _key(
            "log.cleaner.max.compaction.lag.ms",
            L,
            2**63 - 1,
            "topic default max.compaction.lag.ms",
            dynamic=True,
        ),
        _key("log.cleaner.backoff.ms", L, 15000, "pause between cleaner passes"),
        _key("unclean.leader.election.enable", B, False, "topic default", dynamic=True),
        _key(
            "offsets.topic.num.partitions", I, 50, "partitions of __consumer_offsets", validator=at_least(1)
        ),
        _key(
            "offsets.topic.replication.factor",
            ConfigType.SHORT,
            3,
            "replication factor of __consumer_offsets (capped at the live brokers)",
            validator=at_least(1),
        ),
        _key(
            "offsets.topic.segment.bytes",
            I,
            104857600,
            "segment size of __consumer_offsets",
            validator=at_least(1),
        ),
        _key(
            "offsets.retention.minutes",
            I,
            10080,
            "how long offsets of an empty group are kept",
            validator=at_least(1),
        ),
        _key(
            "offsets.retention.check.interval.ms",
            L,
            600000,
            "how often expired offsets are removed",
            validator=at_least(1),
        ),
        _key(
            "offsets.commit.timeout.ms",
            I,
            5000,
            "how long an offset commit waits for replication",
            validator=at_least(1),
        ),
        _key("offset.metadata.max.bytes", I, 4096, "largest offset commit metadata string"),
        _key(
            "group.initial.rebalance.delay.ms",
            I,
            3000,
            "wait for more members before the first rebalance of an empty group",
        ),
        _key("group.min.session.timeout.ms", I, 6000, "smallest session timeout a member may ask for"),
        _key("group.max.session.timeout.ms", I, 1800000, "largest session timeout a member may ask for"),
        _key("group.max.size", I, 2**31 - 1, "largest consumer group", validator=at_least(1)),
        _key(
            "group.coordinator.rebalance.protocols",
            LST,
            ["classic", "consumer"],
            "group protocols served",
            validator=each_of("classic", "consumer", "share", "streams"),
        ),
        _key("group.consumer.session.timeout.ms", I, 45000, "KIP-848 member session timeout"),
        _key("group.consumer.min.session.timeout.ms", I, 45000, "KIP-848 minimum session timeout"),
        _key("group.consumer.max.session.timeout.ms", I, 60000, "KIP-848 maximum session timeout"),
        _key("group.consumer.heartbeat.interval.ms", I, 5000, "KIP-848 heartbeat interval"),
        _key("group.consumer.min.heartbeat.interval.ms", I, 5000, "KIP-848 minimum heartbeat interval"),
        _key("group.consumer.max.heartbeat.interval.ms", I, 15000, "KIP-848 maximum heartbeat interval"),
        _key("group.consumer.max.size", I, 2**31 - 1, "KIP-848 largest group"),
        _key("group.consumer.assignors", LST, ["uniform", "range"], "KIP-848 server-side assignors"),
        _key(
            "transaction.state.log.num.partitions",
            I,
            50,
            "partitions of __transaction_state",
            validator=at_least(1),
        ),
        _key(
            "transaction.state.log.replication.factor",
            ConfigType.SHORT,
            3,
            "replication factor of __transaction_state",
            validator=at_least(1),
        ),
        _key(
            "transaction.state.log.min.isr",
            I,
            2,
            "min.insync.replicas of __transaction_state",
            validator=at_least(1),
        ),
        _key("transaction.state.log.segment.bytes", I, 104857600, "segment size of __transaction_state"),
        _key(
            "transaction.max.timeout.ms",
            I,
            900000,
            "largest transaction.timeout.ms a producer may ask for",
            validator=at_least(1),
        ),
        _key(
            "transaction.abort.timed.out.transaction.cleanup.interval.ms",
            I,
            10000,
            "how often timed-out transactions are aborted",
            validator=at_least(1),
        ),
        _key(
            "transactional.id.expiration.ms",
            I,
            604800000,
            "how long an idle transactional id is kept",
            validator=at_least(1),
        ),
        _key(
            "producer.id.expiration.ms",
            I,
            86400000,
            "how long an idle producer's state is kept",
            validator=at_least(1),
        ),
        _key(
            "producer.id.expiration.check.interval.ms",
            I,
            600000,
            "how often expired producer ids are removed",
            validator=at_least(1),
        ),
        _key(
            "transaction.remove.expired.transaction.cleanup.interval.ms",
            I,
            3600000,
            "how often expired transactional ids are removed",
            validator=at_least(1),
        ),
        _key(
            "transaction.partition.verification.enable",
            B,
            True,
            "verify that a partition was added to the transaction before a transactional write (KIP-890)",
            dynamic=True,
        ),
        _key("max.connections", I, 2**31 - 1, "connections accepted at once", validator=at_least(0)),
        _key("connections.max.idle.ms", L, 600000, "idle connections are closed after this"),
        _key("replica.lag.time.max.ms", L, 30000, "followers behind this long leave the ISR"),
        _key("replica.fetch.max.bytes", I, 1048576, "bytes a follower fetches per partition"),
        _key("replica.fetch.wait.max.ms", I, 500, "follower fetch max wait"),
        _key("fetch.max.bytes", I, 57671680, "largest fetch response", validator=at_least(1024)),
        _key("queued.max.requests", I, 500, "requests queued before reading stops", validator=at_least(1)),
        _key("controller.quorum.voters", LST, [], "id@host:port of the controller quorum"),
        _key("controller.listener.names", LST, ["CONTROLLER"], "listeners used by controllers"),
        _key("inter.broker.listener.name", S, None, "listener brokers use to talk to each other"),
        _key(
            "listener.security.protocol.map",
            LST,
            ["PLAINTEXT:PLAINTEXT", "CONTROLLER:PLAINTEXT"],
            "listener name to security protocol",
        ),
        _key("broker.rack", S, None, "rack of this broker"),
        _key("sasl.enabled.mechanisms", LST, ["GSSAPI"], "SASL mechanisms served"),
        _key("authorizer.class.name", S, "", "authorizer; empty allows everything"),
        _key("metadata.log.dir", S, None, "where the metadata log is stored; defaults to the first log dir"),
    ]
}


def _effective_defaults(values: Mapping[str, Any]) -> dict[str, Any]:
    """Topic defaults derived from broker settings, following Kafka's synonym precedence."""
    topic_defaults: dict[str, Any] = {}
    for name, (key, synonyms) in TOPIC_CONFIGS.items():
        value = key.default
        for synonym in synonyms:
            if values.get(synonym) is not None:
                value = values[synonym] * _MS_SCALE.get(synonym, 1)
                break
        topic_defaults[name] = value
    return topic_defaults


class BrokerConfig:
    """The settings of one node: defaults overridden by a properties file, then by ``-o`` pairs."""

    def __init__(
        self, explicit: Mapping[str, Any] | None = None, *, dynamic: Mapping[str, Any] | None = None
    ) -> None:
        self._explicit: dict[str, Any] = {}
        for name, raw in (explicit or {}).items():
            key = BROKER_CONFIGS.get(name)
            if key is None:
                raise ConfigError(name, "unknown configuration")
            self._explicit[name] = key.parse(raw)
        if self._explicit.get("broker.id") is not None and "node.id" not in self._explicit:
            self._explicit["node.id"] = self._explicit["broker.id"]
        if self._explicit.get("log.dir") is not None and "log.dirs" not in self._explicit:
            self._explicit["log.dirs"] = self._explicit["log.dir"]
        self._dynamic: dict[str, Any] = dict(dynamic or {})

    @classmethod
    def from_sources(cls, properties_file: Path | None = None, overrides: Iterable[str] = ()) -> BrokerConfig:
        """Build from a Kafka ``server.properties`` file and ``key=value`` overrides."""
        explicit: dict[str, str] = {}
        if properties_file is not None:
            explicit.update(read_properties(properties_file.read_text()))
        for pair in overrides:
            if "=" not in pair:
                raise ConfigError(pair, "expected key=value")
            name, value = pair.split("=", 1)
            explicit[name.strip()] = value.strip()
        return cls(explicit)

    def __getitem__(self, name: str) -> Any:
        if name in self._dynamic:
            return self._dynamic[name]
        if name in self._explicit:
            return self._explicit[name]
        return BROKER_CONFIGS[name].default

    def is_explicit(self, name: str) -> bool:
        """Whether ``name`` was set in the properties file or with ``-o`` (a static broker config)."""
        return name in self._explicit

    def with_dynamic(self, name: str, value: Any) -> BrokerConfig:
        """A copy with a dynamic (AlterConfigs) value set, or removed when ``value`` is None."""
        key = BROKER_CONFIGS.get(name)
        if key is None:
            raise ConfigError(name, "unknown configuration")
        if not key.dynamic:
            raise ConfigError(name, "cannot be updated dynamically")
        dynamic = dict(self._dynamic)
        if value is None:
            dynamic.pop(name, None)
        else:
            dynamic[name] = key.parse(value)
        copy = BrokerConfig.__new__(BrokerConfig)
        copy._explicit = self._explicit
        copy._dynamic = dynamic
        return copy

    def values(self) -> dict[str, Any]:
        return {name: self[name] for name in BROKER_CONFIGS}

    def topic_defaults(self) -> dict[str, Any]:
        """Typed defaults of every topic-level setting, derived from this node's settings."""
        return _effective_defaults(self.values())

    @property
    def node_id(self) -> int:
        return int(self["node.id"])

    @property
    def data_dir(self) -> Path:
        return Path(self["log.dirs"].split(",")[0])


def read_properties(text: str) -> dict[str, str]:
    """Parse Java ``.properties`` text: ``key=value`` or ``key: value``, ``#``/``!`` comments, ``\\`` continuations."""
    result: dict[str, str] = {}
    logical = ""
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not logical and (not line or line[0] in "#!"):
            continue
        if line.endswith("\\") and not line.endswith("\\\\"):
            logical += line[:-1]
            continue
        logical += line
        separators = [i for i in (logical.find("="), logical.find(":")) if i >= 0]
        if separators:
            cut = min(separators)
            result[logical[:cut].strip()] = logical[cut + 1 :].strip()
        else:
            result[logical.strip()] = ""
        logical = ""
    return result


def parse_topic_configs(configs: Mapping[str, str | None]) -> dict[str, Any]:
    """Validate topic-level overrides (CreateTopics, AlterConfigs): unknown keys and bad values raise."""
    parsed: dict[str, Any] = {}
    for name, raw in configs.items():
        entry = TOPIC_CONFIGS.get(name)
        if entry is None:
            raise ConfigError(name, "unknown topic configuration")
        if raw is None:
            raise ConfigError(name, "null value")
        parsed[name] = entry[0].parse(raw)
    return parsed


def topic_config_strings(values: Mapping[str, Any]) -> dict[str, str]:
    """Typed topic settings back to Kafka's text form (what the log config parser takes)."""
    out: dict[str, str] = {}
    for name, value in values.items():
        key = TOPIC_CONFIGS[name][0]
        text = format_value(key.type, value)
        if text is not None:
            out[name] = text
    return out
