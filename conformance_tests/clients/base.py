"""The client-adapter interface and the factory that skips clients which are not installed."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

ALL_CLIENTS = ["kafka-python", "confluent-kafka", "aiokafka", "kcat", "kafkajs", "java", "sarama"]
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


class ClientUnavailable(Exception):
    """The client library or tool is not installed here (the case is skipped with this reason)."""


@dataclass
class Msg:
    """One record as produced or consumed; `offset` is filled in by consumers."""

    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    timestamp: int | None = None
    partition: int = 0
    offset: int = -1


@dataclass
class ProduceOptions:
    acks: str = "all"  # "0", "1" or "all"
    compression: str = "none"
    idempotent: bool = False
    max_request_size: int = 2 * 1024 * 1024


class ClientAdapter(ABC):
    """What the round-trip families need from a client; a fresh adapter per case."""

    name: str = ""
    codecs: frozenset[str] = frozenset(CODECS)
    supports_timestamps: bool = True
    supports_binary: bool = True

    def __init__(self, bootstrap: str, timeout_s: float = 30.0) -> None:
        self.bootstrap = bootstrap
        self.timeout_s = timeout_s

    @abstractmethod
    def produce(self, topic: str, messages: list[Msg], options: ProduceOptions | None = None) -> None:
        """Send every message and wait for all acknowledgements (raise on any delivery error)."""

    @abstractmethod
    def consume(self, topic: str, count: int, partitions: list[int] | None = None, *,
                read_committed: bool = False, timeout_s: float = 20.0) -> list[Msg]:
        """Read `count` records from the beginning of the partitions (no group, or a throwaway one)."""

    @abstractmethod
    def partition_count(self, topic: str) -> int:
        """Number of partitions of `topic` according to the client's metadata request."""

    @abstractmethod
    def watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        """(earliest, latest) offsets via ListOffsets."""

    @abstractmethod
    def offset_for_time(self, topic: str, partition: int, timestamp_ms: int) -> int | None:
        """First offset whose timestamp is >= `timestamp_ms`; None when there is none."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release long-lived resources."""


_MODULES = {
    "kafka-python": ("conformance_tests.clients.kafka_python", "KafkaPythonClient"),
    "confluent-kafka": ("conformance_tests.clients.confluent", "ConfluentClient"),
    "aiokafka": ("conformance_tests.clients.aiokafka_client", "AiokafkaClient"),
    "kcat": ("conformance_tests.clients.kcat", "KcatClient"),
    "kafkajs": ("conformance_tests.clients.kafkajs", "KafkajsClient"),
    "java": ("conformance_tests.clients.java", "JavaClient"),
    "sarama": ("conformance_tests.clients.sarama", "SaramaClient"),
}


def make_client(name: str, bootstrap: str) -> ClientAdapter:
    """Build the adapter; raises ClientUnavailable (with the reason) when the client is missing."""
    module_name, class_name = _MODULES[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ClientUnavailable(f"client not installed: {name} ({exc})") from exc
    cls: type[ClientAdapter] = getattr(module, class_name)
    available = getattr(module, "availability", None)
    if available is not None:
        reason = available()
        if reason:
            raise ClientUnavailable(reason)
    return cls(bootstrap)
