"""The controller's operations over the current metadata image, sans-IO (Kafka's ``QuorumController``
without its event queue and Raft client).

``Controller`` holds the last committed ``MetadataImage`` and the node's static configuration.
Every operation returns ``ControllerResult(records, response)`` and changes nothing; whoever
drives it (``local_runtime.py`` for one node, a Raft-backed runtime later) commits the records,
replays them into a new image and sets ``controller.image`` before running the next operation.
Operations must therefore run one at a time, each seeing the previous one's records applied.

``validate_only`` operations return the same responses with no records. Randomness (replica
placement, topic ids) comes from ``rng`` so tests can fix it.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from wirekafka.config import BrokerConfig
from wirekafka.controller import cluster_control, configuration_control, producer_ids, replication_control
from wirekafka.controller.cluster_control import BrokerRegistration
from wirekafka.controller.configuration_control import IncrementalChanges, LegacyChanges
from wirekafka.controller.producer_ids import ProducerIdsBlock
from wirekafka.controller.replication_control import CreatedTopic, NewPartitions, NewTopic, TopicDefaults
from wirekafka.controller.results import ApiError, ControllerResult
from wirekafka.metadata import topic_names
from wirekafka.metadata.config_resources import ConfigResource
from wirekafka.metadata.described_configs import ConfigLayers
from wirekafka.metadata.image import METADATA_VERSION_FEATURE, MetadataImage
from wirekafka.metadata.records import WRITTEN_METADATA_VERSION, MetadataRecord
from wirekafka.protocol.messages.metadata_records import FeatureLevelRecord

T = TypeVar("T")


class Controller:
    """Commands -> (metadata records, results), over ``self.image``."""

    def __init__(
        self,
        *,
        node_id: int,
        static_config: BrokerConfig,
        image: MetadataImage,
        rng: random.Random | None = None,
    ) -> None:
        self.node_id = node_id
        self.static_config = static_config
        self.image = image
        self.rng = rng if rng is not None else random.SystemRandom()

    # -- derived settings --------------------------------------------------------------------------

    def config_layers(self) -> ConfigLayers:
        """Static config with the image's dynamic broker configs, for defaults and descriptions."""
        return ConfigLayers(self.static_config, self.image, self.node_id)

    def effective_config(self) -> BrokerConfig:
        return self.config_layers().effective

    # -- operations --------------------------------------------------------------------------------

    def bootstrap(self) -> ControllerResult[None]:
        """The records a new metadata log starts with: the finalized ``metadata.version``."""
        if self.image.metadata_version:
            return ControllerResult([], None)
        record = FeatureLevelRecord(name=METADATA_VERSION_FEATURE, feature_level=WRITTEN_METADATA_VERSION)
        return ControllerResult([record], None)

    def register_broker(self, registration: BrokerRegistration) -> ControllerResult[int]:
        """Register (or re-register) a broker; the response is its new broker epoch."""
        return cluster_control.register_broker(self.image, registration)

    def start_node(self, registration: BrokerRegistration) -> ControllerResult[int]:
        """What a single node commits when it starts: the bootstrap records when the log is new,
        then its registration, in one batch (one fsync, not two, on a first start). The
        registration's epoch is the offset its record lands at, after the bootstrap records."""
        bootstrap = self.bootstrap()
        registered = cluster_control.register_broker(
            self.image, registration, offset=self.image.offset + 1 + len(bootstrap.records)
        )
        return ControllerResult([*bootstrap.records, *registered.records], registered.response)

    def create_topics(
        self, topics: Sequence[NewTopic], *, validate_only: bool = False
    ) -> ControllerResult[list[CreatedTopic]]:
        layers = self.config_layers()
        defaults = TopicDefaults(
            num_partitions=int(layers.effective["num.partitions"]),
            replication_factor=int(layers.effective["default.replication.factor"]),
        )
        result = replication_control.create_topics(
            self.image, topics, defaults=defaults, layers=layers, rng=self.rng
        )
        return _maybe_validate_only(result, validate_only)

    def auto_create_topics(self, names: Iterable[str]) -> ControllerResult[dict[str, ApiError]]:
        """Create topics a client asked for but that do not exist (Metadata auto-creation and the
        coordinators' internal topics), with the partitions and configs Kafka gives them."""
        topics = [self.auto_created_topic(name) for name in dict.fromkeys(names)]
        result = self.create_topics(topics)
        return ControllerResult(result.records, {created.name: created.error for created in result.response})

    def auto_created_topic(self, name: str) -> NewTopic:
        """How Kafka's ``AutoTopicCreationManager`` creates ``name``.

        Internal topics take their own settings; their replication factor is capped at the number
        of registered brokers so a single node can host them (see ``offsets.topic.replication.factor``).
        """
        config = self.effective_config()
        brokers = max(1, len(self.image.brokers))
        if name == topic_names.GROUP_METADATA_TOPIC:
            return NewTopic(
                name,
                int(config["offsets.topic.num.partitions"]),
                min(int(config["offsets.topic.replication.factor"]), brokers),
                configs={
                    "cleanup.policy": "compact",
                    "compression.type": "producer",
                    "segment.bytes": str(config["offsets.topic.segment.bytes"]),
                },
            )
        if name == topic_names.TRANSACTION_STATE_TOPIC:
            factor = min(int(config["transaction.state.log.replication.factor"]), brokers)
            return NewTopic(
                name,
                int(config["transaction.state.log.num.partitions"]),
                factor,
                configs={
                    "cleanup.policy": "compact",
                    "min.insync.replicas": str(min(int(config["transaction.state.log.min.isr"]), factor)),
                    "segment.bytes": str(config["transaction.state.log.segment.bytes"]),
                    "unclean.leader.election.enable": "false",
                },
            )
        return NewTopic(name, int(config["num.partitions"]), int(config["default.replication.factor"]))

    def delete_topics(self, topic_ids: Iterable[uuid.UUID]) -> ControllerResult[dict[uuid.UUID, ApiError]]:
        return replication_control.delete_topics(self.image, topic_ids)

    def create_partitions(
        self, topics: Sequence[NewPartitions], *, validate_only: bool = False
    ) -> ControllerResult[list[tuple[str, ApiError]]]:
        result = replication_control.create_partitions(self.image, topics, rng=self.rng)
        return _maybe_validate_only(result, validate_only)

    def incremental_alter_configs(
        self, changes: IncrementalChanges, *, validate_only: bool = False
    ) -> ControllerResult[dict[ConfigResource, ApiError]]:
        return _maybe_validate_only(
            configuration_control.incremental_alter_configs(self.image, changes), validate_only
        )

    def legacy_alter_configs(
        self, changes: LegacyChanges, *, validate_only: bool = False
    ) -> ControllerResult[dict[ConfigResource, ApiError]]:
        return _maybe_validate_only(
            configuration_control.legacy_alter_configs(self.image, changes), validate_only
        )

    def allocate_producer_ids(
        self, broker_id: int, broker_epoch: int = -1
    ) -> ControllerResult[ProducerIdsBlock]:
        """The next block of producer ids for ``broker_id``.

        Raises:
            ControllerError: STALE_BROKER_EPOCH or UNKNOWN_SERVER_ERROR.
        """
        return producer_ids.allocate_producer_ids(self.image, broker_id, broker_epoch)

    def elect_leaders(
        self, election_type: int, partitions: Mapping[str, Sequence[int]] | None
    ) -> ControllerResult[list[tuple[str, list[tuple[int, ApiError]]]]]:
        """Preferred (0) or unclean (1) election.

        Raises:
            ControllerError: INVALID_REQUEST for another election type.
        """
        return replication_control.elect_leaders(self.image, election_type, partitions)


def _maybe_validate_only(result: ControllerResult[T], validate_only: bool) -> ControllerResult[T]:
    if not validate_only:
        return result
    no_records: list[MetadataRecord] = []
    return ControllerResult(no_records, result.response)
