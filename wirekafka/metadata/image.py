"""An immutable snapshot of cluster metadata: brokers, topics, partitions, configs, features.

Handlers read the current image without locks (it never changes under them); a change is a new
image produced by replaying metadata records (``delta.py``), as Kafka's ``MetadataImage``.

Rules:
1. Nothing here is mutated after construction; mappings built by ``MetadataDelta`` are read-only
   views. Code that builds an image by hand (tests) may pass plain dicts.
2. ``offset`` is the offset of the last metadata record applied (-1: none), so two images can be
   ordered and a subscriber can tell whether it missed one.
3. Topic configs hold only the overrides, as strings under Kafka's topic-level names; effective
   values are these merged over the broker's topic defaults (``described_configs.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

ZERO_UUID = uuid.UUID(int=0)

#: Kafka's internal topics (``Topic.INTERNAL_TOPICS``): Metadata flags them ``is_internal``.
INTERNAL_TOPICS = frozenset({"__consumer_offsets", "__transaction_state", "__share_group_state"})

#: The feature that versions the metadata log itself.
METADATA_VERSION_FEATURE = "metadata.version"


@dataclass(frozen=True, slots=True)
class PartitionImage:
    """One partition as the controller last recorded it (Kafka's ``PartitionRegistration``)."""

    partition_index: int
    leader_id: int
    leader_epoch: int
    replicas: tuple[int, ...]
    isr: tuple[int, ...]
    partition_epoch: int = 0
    eligible_leader_replicas: tuple[int, ...] = ()
    last_known_elr: tuple[int, ...] = ()
    removing_replicas: tuple[int, ...] = ()
    adding_replicas: tuple[int, ...] = ()
    leader_recovery_state: int = 0  # 0 recovered, 1 recovering after an unclean election
    directories: tuple[uuid.UUID, ...] = ()

    @property
    def has_leader(self) -> bool:
        return self.leader_id >= 0

    @property
    def has_preferred_leader(self) -> bool:
        """The leader is the first replica (what preferred leader election aims for)."""
        return bool(self.replicas) and self.leader_id == self.replicas[0]


@dataclass(frozen=True, slots=True)
class TopicImage:
    name: str
    topic_id: uuid.UUID
    partitions: Mapping[int, PartitionImage]
    configs: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_internal(self) -> bool:
        return self.name in INTERNAL_TOPICS


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One listener of a broker as registered: name, address and security protocol id."""

    listener_name: str
    host: str
    port: int
    security_protocol: int = 0  # PLAINTEXT 0, SSL 1, SASL_PLAINTEXT 2, SASL_SSL 3


@dataclass(frozen=True, slots=True)
class BrokerImage:
    """A registered broker. ``host``/``port``/``listener_name`` describe its first endpoint;
    ``endpoints`` has every listener (Metadata answers with the listener the client used)."""

    node_id: int
    host: str
    port: int
    rack: str | None = None
    fenced: bool = False
    listener_name: str = "PLAINTEXT"
    endpoints: Mapping[str, Endpoint] = field(default_factory=dict)
    epoch: int = -1
    incarnation_id: uuid.UUID = ZERO_UUID
    in_controlled_shutdown: bool = False
    log_dirs: tuple[uuid.UUID, ...] = ()
    supported_features: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def endpoint(self, listener_name: str) -> Endpoint | None:
        """This broker's address on ``listener_name``, or ``None`` when it has no such listener."""
        if self.endpoints:
            return self.endpoints.get(listener_name)
        if listener_name == self.listener_name:
            return Endpoint(listener_name, self.host, self.port)
        return None

    @property
    def is_active(self) -> bool:
        """May lead and be in an ISR: unfenced and not shutting down (Kafka's ``isActive``)."""
        return not self.fenced and not self.in_controlled_shutdown


@dataclass(frozen=True, slots=True)
class MetadataImage:
    cluster_id: str
    controller_id: int
    brokers: Mapping[int, BrokerImage]
    topics: Mapping[str, TopicImage] = field(default_factory=dict)
    broker_configs: Mapping[str, str] = field(default_factory=dict)
    """Dynamic broker configs set for the whole cluster (ConfigRecord, BROKER resource ``""``)."""
    finalized_features: Mapping[str, int] = field(default_factory=dict)
    offset: int = -1  # offset of the last metadata record applied
    node_broker_configs: Mapping[int, Mapping[str, str]] = field(default_factory=dict)
    """Dynamic broker configs set for one node (ConfigRecord, BROKER resource ``"<node id>"``)."""
    topic_ids: Mapping[uuid.UUID, str] = field(default_factory=dict)
    """Topic id -> name; derived from ``topics`` when not given."""
    next_producer_id: int = 0
    """First producer id of the next block the controller hands out (ProducerIdsRecord)."""

    def __post_init__(self) -> None:
        if not self.topic_ids and self.topics:
            object.__setattr__(
                self, "topic_ids", {topic.topic_id: name for name, topic in self.topics.items()}
            )

    def topic_by_id(self, topic_id: uuid.UUID) -> TopicImage | None:
        name = self.topic_ids.get(topic_id)
        return None if name is None else self.topics.get(name)

    def partition(self, topic: str, partition: int) -> PartitionImage | None:
        image = self.topics.get(topic)
        return None if image is None else image.partitions.get(partition)

    def dynamic_broker_configs(self, node_id: int) -> dict[str, str]:
        """Dynamic broker configs in effect on ``node_id``: per-node values over cluster defaults."""
        merged = dict(self.broker_configs)
        merged.update(self.node_broker_configs.get(node_id, {}))
        return merged

    @property
    def metadata_version(self) -> int:
        """The finalized ``metadata.version`` level (0 before the bootstrap record)."""
        return self.finalized_features.get(METADATA_VERSION_FEATURE, 0)

    def is_active_broker(self, node_id: int) -> bool:
        broker = self.brokers.get(node_id)
        return broker is not None and broker.is_active
