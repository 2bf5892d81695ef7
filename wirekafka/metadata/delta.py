"""Replaying metadata records onto an image: ``apply(image, record) -> image``, pure.

``MetadataDelta`` collects the changes of many records (copying only what they touch) and builds
one new image, as Kafka's ``MetadataDelta``: replaying a TopicRecord followed by a thousand
PartitionRecords copies the topic's partition map once, not a thousand times.

Replay rules (Kafka's ``*Delta.replay``):
1. RegisterBrokerRecord replaces the broker's registration (a restarted broker registers again
   with a new epoch); UnregisterBrokerRecord removes it.
2. Fence/Unfence and BrokerRegistrationChangeRecord change ``fenced`` (1 fence, -1 unfence, 0
   keep) and ``in_controlled_shutdown``.
3. TopicRecord adds a topic without partitions; PartitionRecord adds or replaces one partition;
   PartitionChangeRecord changes only the fields it carries (null / -2 mean "unchanged"), bumps
   the leader epoch when the leader field is set and the partition epoch always.
4. RemoveTopicRecord removes the topic, its partitions and its configs.
5. ConfigRecord sets (or, with a null value, deletes) one key of a TOPIC or BROKER resource; a
   BROKER resource named ``""`` is the cluster-wide default. Configs of a topic that is not in
   the image are ignored (the controller writes them after the TopicRecord).
6. FeatureLevelRecord finalizes a feature level; level 0 removes the feature.
7. ProducerIdsRecord moves the next producer id block; NoOpRecord changes nothing.
A record naming an unknown topic id or broker where one is required raises
``MetadataReplayError``: the log and the image disagree, which only a bug or corruption explains.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from wirekafka.metadata.config_resources import ConfigResourceType
from wirekafka.metadata.image import (
    BrokerImage,
    Endpoint,
    MetadataImage,
    PartitionImage,
    TopicImage,
)
from wirekafka.metadata.records import MetadataRecord

NO_LEADER_CHANGE = -2

K = TypeVar("K")
V = TypeVar("V")


class MetadataReplayError(RuntimeError):
    """A record that cannot apply to the image (unknown topic id, unknown broker...)."""


def _frozen(mapping: Mapping[K, V]) -> Mapping[K, V]:
    return MappingProxyType(dict(mapping))


@dataclasses.dataclass(slots=True)
class _TopicChange:
    name: str
    topic_id: uuid.UUID
    partitions: dict[int, PartitionImage]
    configs: dict[str, str]

    @classmethod
    def of(cls, topic: TopicImage) -> _TopicChange:
        return cls(topic.name, topic.topic_id, dict(topic.partitions), dict(topic.configs))

    def build(self) -> TopicImage:
        return TopicImage(self.name, self.topic_id, _frozen(self.partitions), _frozen(self.configs))


class MetadataDelta:
    """Changes to one image, accumulated record by record; ``build()`` makes the next image."""

    def __init__(self, image: MetadataImage) -> None:
        self.image = image
        self._brokers: dict[int, BrokerImage] | None = None
        self._topics: dict[str, TopicImage] | None = None
        self._topic_ids: dict[uuid.UUID, str] | None = None
        self._changed_topics: dict[str, _TopicChange] = {}
        self._cluster_configs: dict[str, str] | None = None
        self._node_configs: dict[int, dict[str, str]] | None = None
        self._features: dict[str, int] | None = None
        self._next_producer_id = image.next_producer_id
        self._replayers: dict[str, Callable[[Any], None]] = {
            "RegisterBrokerRecord": self._register_broker,
            "UnregisterBrokerRecord": self._unregister_broker,
            "FenceBrokerRecord": self._fence_broker,
            "UnfenceBrokerRecord": self._unfence_broker,
            "BrokerRegistrationChangeRecord": self._broker_registration_change,
            "TopicRecord": self._topic,
            "PartitionRecord": self._partition,
            "PartitionChangeRecord": self._partition_change,
            "RemoveTopicRecord": self._remove_topic,
            "ConfigRecord": self._config,
            "FeatureLevelRecord": self._feature_level,
            "ProducerIdsRecord": self._producer_ids,
            "NoOpRecord": lambda record: None,
        }

    # -- entry points ----------------------------------------------------------------------------

    def replay(self, record: MetadataRecord) -> MetadataDelta:
        """Apply one record to the pending changes; returns ``self`` for chaining."""
        name = type(record).schema.name
        replayer = self._replayers.get(name)
        if replayer is None:
            raise MetadataReplayError(f"no replay rule for {name}")
        replayer(record)
        return self

    def build(self, offset: int | None = None) -> MetadataImage:
        """The image with every replayed change; ``offset`` is the last record's log offset."""
        base = self.image
        topics = base.topics
        topic_ids = base.topic_ids
        if self._topics is not None or self._changed_topics:
            merged = dict(self._topics if self._topics is not None else base.topics)
            for name, change in self._changed_topics.items():
                merged[name] = change.build()
            topics = _frozen(merged)
            topic_ids = _frozen(self._topic_ids if self._topic_ids is not None else base.topic_ids)
        return dataclasses.replace(
            base,
            brokers=base.brokers if self._brokers is None else _frozen(self._brokers),
            topics=topics,
            topic_ids=topic_ids,
            broker_configs=base.broker_configs
            if self._cluster_configs is None
            else _frozen(self._cluster_configs),
            node_broker_configs=base.node_broker_configs
            if self._node_configs is None
            else _frozen({node: _frozen(values) for node, values in self._node_configs.items()}),
            finalized_features=base.finalized_features if self._features is None else _frozen(self._features),
            next_producer_id=self._next_producer_id,
            offset=base.offset if offset is None else offset,
        )

    # -- copy on first write ---------------------------------------------------------------------

    def _broker_map(self) -> dict[int, BrokerImage]:
        if self._brokers is None:
            self._brokers = dict(self.image.brokers)
        return self._brokers

    def _topic_map(self) -> dict[str, TopicImage]:
        if self._topics is None:
            self._topics = dict(self.image.topics)
            self._topic_ids = dict(self.image.topic_ids)
        return self._topics

    def _ids(self) -> dict[uuid.UUID, str]:
        self._topic_map()
        assert self._topic_ids is not None
        return self._topic_ids

    def _changed_topic(self, topic_id: uuid.UUID, record: MetadataRecord) -> _TopicChange:
        ids = self._topic_ids if self._topic_ids is not None else self.image.topic_ids
        name = ids.get(topic_id)
        if name is None:
            raise MetadataReplayError(f"{type(record).schema.name} for unknown topic id {topic_id}")
        change = self._changed_topics.get(name)
        if change is None:
            topics = self._topics if self._topics is not None else self.image.topics
            change = self._changed_topics[name] = _TopicChange.of(topics[name])
        return change

    def _existing_broker(self, broker_id: int, record: MetadataRecord) -> BrokerImage:
        brokers = self._brokers if self._brokers is not None else self.image.brokers
        broker = brokers.get(broker_id)
        if broker is None:
            raise MetadataReplayError(f"{type(record).schema.name} for unregistered broker {broker_id}")
        return broker

    # -- brokers ---------------------------------------------------------------------------------

    def _register_broker(self, record: Any) -> None:
        endpoints = {
            endpoint.name: Endpoint(endpoint.name, endpoint.host, endpoint.port, endpoint.security_protocol)
            for endpoint in record.end_points
        }
        first = next(iter(endpoints.values()), Endpoint("PLAINTEXT", "", 0))
        self._broker_map()[record.broker_id] = BrokerImage(
            node_id=record.broker_id,
            host=first.host,
            port=first.port,
            rack=record.rack,
            fenced=record.fenced,
            listener_name=first.listener_name,
            endpoints=_frozen(endpoints),
            epoch=record.broker_epoch,
            incarnation_id=record.incarnation_id,
            in_controlled_shutdown=record.in_controlled_shutdown,
            log_dirs=tuple(record.log_dirs),
            supported_features=_frozen(
                {f.name: (f.min_supported_version, f.max_supported_version) for f in record.features}
            ),
        )

    def _unregister_broker(self, record: Any) -> None:
        self._broker_map().pop(record.broker_id, None)

    def _set_broker(self, broker_id: int, record: MetadataRecord, **changes: Any) -> None:
        broker = self._existing_broker(broker_id, record)
        self._broker_map()[broker_id] = dataclasses.replace(broker, **changes)

    def _fence_broker(self, record: Any) -> None:
        self._set_broker(record.id, record, fenced=True)

    def _unfence_broker(self, record: Any) -> None:
        self._set_broker(record.id, record, fenced=False)

    def _broker_registration_change(self, record: Any) -> None:
        broker = self._existing_broker(record.broker_id, record)
        changes: dict[str, Any] = {}
        if record.fenced == 1:
            changes["fenced"] = True
        elif record.fenced == -1:
            changes["fenced"] = False
        if record.in_controlled_shutdown == 1:
            changes["in_controlled_shutdown"] = True
        if record.log_dirs:
            changes["log_dirs"] = tuple(record.log_dirs)
        self._broker_map()[record.broker_id] = dataclasses.replace(broker, **changes)

    # -- topics and partitions -------------------------------------------------------------------

    def _topic(self, record: Any) -> None:
        topics = self._topic_map()
        ids = self._ids()
        previous = topics.get(record.name)
        if previous is not None:
            ids.pop(previous.topic_id, None)
        self._changed_topics.pop(record.name, None)
        topics[record.name] = TopicImage(record.name, record.topic_id, _frozen({}), _frozen({}))
        ids[record.topic_id] = record.name

    def _partition(self, record: Any) -> None:
        change = self._changed_topic(record.topic_id, record)
        change.partitions[record.partition_id] = PartitionImage(
            partition_index=record.partition_id,
            leader_id=record.leader,
            leader_epoch=record.leader_epoch,
            replicas=tuple(record.replicas),
            isr=tuple(record.isr),
            partition_epoch=record.partition_epoch,
            eligible_leader_replicas=tuple(record.eligible_leader_replicas or ()),
            last_known_elr=tuple(record.last_known_elr or ()),
            removing_replicas=tuple(record.removing_replicas),
            adding_replicas=tuple(record.adding_replicas),
            leader_recovery_state=record.leader_recovery_state,
            directories=tuple(record.directories),
        )

    def _partition_change(self, record: Any) -> None:
        change = self._changed_topic(record.topic_id, record)
        partition = change.partitions.get(record.partition_id)
        if partition is None:
            raise MetadataReplayError(
                f"PartitionChangeRecord for unknown partition {change.name}-{record.partition_id}"
            )
        updates: dict[str, Any] = {"partition_epoch": partition.partition_epoch + 1}
        if record.leader != NO_LEADER_CHANGE:
            updates["leader_id"] = record.leader
            updates["leader_epoch"] = partition.leader_epoch + 1
        for attribute, field_name in (
            ("isr", "isr"),
            ("replicas", "replicas"),
            ("removing_replicas", "removing_replicas"),
            ("adding_replicas", "adding_replicas"),
            ("eligible_leader_replicas", "eligible_leader_replicas"),
            ("last_known_elr", "last_known_elr"),
            ("directories", "directories"),
        ):
            value = getattr(record, field_name)
            if value is not None:
                updates[attribute] = tuple(value)
        if record.leader_recovery_state != -1:
            updates["leader_recovery_state"] = record.leader_recovery_state
        change.partitions[record.partition_id] = dataclasses.replace(partition, **updates)

    def _remove_topic(self, record: Any) -> None:
        ids = self._ids()
        name = ids.pop(record.topic_id, None)
        if name is None:
            raise MetadataReplayError(f"RemoveTopicRecord for unknown topic id {record.topic_id}")
        self._topic_map().pop(name, None)
        self._changed_topics.pop(name, None)

    # -- configs, features, producer ids ---------------------------------------------------------

    def _config(self, record: Any) -> None:
        if record.resource_type == ConfigResourceType.TOPIC:
            topics = self._topics if self._topics is not None else self.image.topics
            if record.resource_name not in topics:
                return
            topic = topics[record.resource_name]
            change = self._changed_topic(topic.topic_id, record)
            _set_or_delete(change.configs, record.name, record.value)
        elif record.resource_type == ConfigResourceType.BROKER:
            if record.resource_name == "":
                if self._cluster_configs is None:
                    self._cluster_configs = dict(self.image.broker_configs)
                _set_or_delete(self._cluster_configs, record.name, record.value)
            else:
                node_id = int(record.resource_name)
                if self._node_configs is None:
                    self._node_configs = {
                        node: dict(values) for node, values in self.image.node_broker_configs.items()
                    }
                values = self._node_configs.setdefault(node_id, {})
                _set_or_delete(values, record.name, record.value)
                if not values:
                    del self._node_configs[node_id]
        # Other resource types (client metrics, groups) are not modelled yet: ignored.

    def _feature_level(self, record: Any) -> None:
        if self._features is None:
            self._features = dict(self.image.finalized_features)
        if record.feature_level == 0:
            self._features.pop(record.name, None)
        else:
            self._features[record.name] = record.feature_level

    def _producer_ids(self, record: Any) -> None:
        self._next_producer_id = record.next_producer_id


def _set_or_delete(values: dict[str, str], name: str, value: str | None) -> None:
    if value is None:
        values.pop(name, None)
    else:
        values[name] = value


def apply(image: MetadataImage, record: MetadataRecord, offset: int | None = None) -> MetadataImage:
    """The image after ``record`` (pure); ``offset`` sets ``image.offset`` when given."""
    return MetadataDelta(image).replay(record).build(offset)


def apply_records(
    image: MetadataImage, records: Iterable[MetadataRecord], offset: int | None = None
) -> MetadataImage:
    """The image after every record of ``records`` in order, built once."""
    delta = MetadataDelta(image)
    for record in records:
        delta.replay(record)
    return delta.build(offset)
