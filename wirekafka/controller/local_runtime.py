"""The controller of a single node: the sans-IO ``Controller`` driven by trio over a local log.

Startup:
1. Settle the cluster id: ``cluster.id`` when configured, else the one in ``meta.properties``,
   else a new random one; then check or write ``meta.properties`` (Kafka's v1 format) in every
   log dir and the metadata log dir (another cluster's or node's data is refused).
2. Open ``<metadata dir>/__cluster_metadata-0`` (``metadata.log.dir``, default: the first of
   ``log.dirs``), cutting off a torn tail, and replay every record into the image.
3. Commit the bootstrap record (``metadata.version``) if the log is new and this node's
   registration (a new broker epoch and incarnation, its advertised endpoints, unfenced), as
   one batch.
4. Publish the image, then serve.

Each operation runs under one lock (the controller is a single-threaded state machine): the core
returns records and a response, the records are appended as one fsynced batch (in a worker
thread), replayed into a new image, prepared by the broker (new partitions' files, made on a
worker thread), published to the broker, and only then is the response returned. The commit is shielded from cancellation so the log and the image never disagree.
A Raft-backed runtime would replace ``LocalMetadataLog`` and the commit step, not the core.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import trio

from wirekafka.config import BrokerConfig
from wirekafka.controller.cluster_control import SECURITY_PROTOCOLS, BrokerRegistration
from wirekafka.controller.configuration_control import IncrementalChanges, LegacyChanges
from wirekafka.controller.controller import Controller
from wirekafka.controller.producer_ids import ProducerIdsBlock
from wirekafka.controller.replication_control import CreatedTopic, NewPartitions, NewTopic
from wirekafka.controller.results import ApiError, ControllerResult
from wirekafka.log.meta_properties import ensure_meta_properties, read_meta_properties
from wirekafka.metadata.config_resources import ConfigResource
from wirekafka.metadata.delta import MetadataDelta, apply_records
from wirekafka.metadata.described_configs import with_dynamic_configs
from wirekafka.metadata.ids import parse_kafka_uuid, random_cluster_id
from wirekafka.metadata.image import METADATA_VERSION_FEATURE, Endpoint, MetadataImage
from wirekafka.metadata.local_log import LocalMetadataLog
from wirekafka.metadata.records import WRITTEN_METADATA_VERSION, MetadataRecord

if TYPE_CHECKING:
    from wirekafka.broker.broker import Broker

logger = logging.getLogger("wirekafka.controller")

T = TypeVar("T")


def local_controller(broker: Broker) -> LocalControllerRuntime:
    """Component factory (``assembly.py``): the single-node controller, attached as ``broker.controller``."""
    runtime = LocalControllerRuntime(broker)
    broker.controller = runtime
    return runtime


def metadata_dirs(config: BrokerConfig) -> tuple[list[Path], Path]:
    """The data log dirs and the metadata log dir of a node."""
    log_dirs = [Path(entry.strip()) for entry in str(config["log.dirs"]).split(",") if entry.strip()]
    configured = config["metadata.log.dir"]
    return log_dirs, Path(configured) if configured else log_dirs[0]


def settle_cluster_id(config: BrokerConfig, directories: Iterable[Path]) -> str:
    """The configured cluster id, else the stored one, else a new one."""
    configured = config["cluster.id"]
    if configured:
        return str(configured)
    for directory in directories:
        existing = read_meta_properties(directory)
        if existing is not None:
            return existing.cluster_id
    return random_cluster_id()


class LocalControllerRuntime:
    """Runs controller operations one at a time and commits their records to the local log."""

    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.static_config = broker.config
        self.node_id = broker.node_id
        self.broker_epoch = -1
        self.incarnation_id = uuid.uuid4()
        self._core: Controller | None = None
        self._log: LocalMetadataLog | None = None
        self._lock = trio.Lock()

    @property
    def core(self) -> Controller:
        if self._core is None:
            raise RuntimeError("the controller has not started")
        return self._core

    @property
    def image(self) -> MetadataImage:
        return self.core.image

    # -- lifecycle ---------------------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        try:
            image, log_dir_ids = await trio.to_thread.run_sync(self._load)
            self._core = Controller(node_id=self.node_id, static_config=self.static_config, image=image)
            self._publish(image)
            self.broker_epoch = await self.perform(
                lambda core: core.start_node(self._registration(log_dir_ids))
            )
            logger.info(
                "node %d registered with broker epoch %d in cluster %s (metadata offset %d)",
                self.node_id,
                self.broker_epoch,
                self.image.cluster_id,
                self.image.offset,
            )
            task_status.started()
            await trio.sleep_forever()
        finally:
            # A commit may be appending in a worker thread: wait for it before closing the log.
            with trio.CancelScope(shield=True):
                async with self._lock:
                    if self._log is not None:
                        self._log.close()
                        self._log = None

    def _load(self) -> tuple[MetadataImage, list[uuid.UUID]]:
        """Blocking startup work (steps 1 and 2 of the module docstring)."""
        log_dirs, metadata_dir = metadata_dirs(self.static_config)
        directories = list(dict.fromkeys([metadata_dir, *log_dirs]))
        cluster_id = settle_cluster_id(self.static_config, directories)
        directory_ids = {
            directory: ensure_meta_properties(
                directory, cluster_id=cluster_id, node_id=self.node_id
            ).directory_id
            for directory in directories
        }
        self._log = LocalMetadataLog.open(metadata_dir, now_ms=self.broker.now_ms())
        delta = MetadataDelta(MetadataImage(cluster_id=cluster_id, controller_id=self.node_id, brokers={}))
        last = -1
        for offset, record in self._log.read():
            delta.replay(record)
            last = offset
        image = delta.build(last)
        logger.info("replayed %d metadata record(s) from %s", last + 1, self._log.directory)
        return image, [parse_kafka_uuid(directory_ids[directory]) for directory in log_dirs]

    def _registration(self, log_dir_ids: Sequence[uuid.UUID]) -> BrokerRegistration:
        protocols = {}
        for entry in self.static_config["listener.security.protocol.map"]:
            name, _, protocol = entry.partition(":")
            protocols[name.strip()] = SECURITY_PROTOCOLS.get(protocol.strip(), 0)
        return BrokerRegistration(
            node_id=self.node_id,
            incarnation_id=self.incarnation_id,
            endpoints=[
                Endpoint(
                    listener.name,
                    listener.host,
                    listener.port,
                    protocols.get(listener.name, SECURITY_PROTOCOLS.get(listener.name, 0)),
                )
                for listener in self.broker.advertised_listeners
            ],
            rack=self.static_config["broker.rack"],
            log_dirs=log_dir_ids,
            features={METADATA_VERSION_FEATURE: (1, WRITTEN_METADATA_VERSION)},
        )

    # -- committing --------------------------------------------------------------------------------

    async def perform(self, operation: Callable[[Controller], ControllerResult[T]]) -> T:
        """Run one controller operation and commit its records before returning its response."""
        async with self._lock:
            result = operation(self.core)
            if result.records:
                with trio.CancelScope(shield=True):
                    await self._commit(result.records)
            return result.response

    async def _commit(self, records: Sequence[MetadataRecord]) -> None:
        log = self._log
        if log is None:
            raise RuntimeError("the metadata log is closed")
        now_ms = self.broker.now_ms()
        last_offset = await trio.to_thread.run_sync(lambda: log.append(records, now_ms=now_ms))
        image = apply_records(self.core.image, records, last_offset)
        await self.broker.prepare_metadata(image)
        self.core.image = image
        self._publish(image)

    def _publish(self, image: MetadataImage) -> None:
        """Install ``image`` on the broker; its config follows the dynamic broker configs first, so
        subscribers that derive topic defaults from ``broker.config`` see the new values."""
        self.broker.config = with_dynamic_configs(
            self.static_config, image.dynamic_broker_configs(self.node_id)
        )
        self.broker.publish_metadata(image)

    # -- operations (what handlers and coordinators call) ------------------------------------------

    async def create_topics(
        self, topics: Sequence[NewTopic], *, validate_only: bool = False
    ) -> list[CreatedTopic]:
        return await self.perform(lambda core: core.create_topics(topics, validate_only=validate_only))

    async def auto_create_topics(self, names: Iterable[str]) -> dict[str, ApiError]:
        wanted = list(names)
        return await self.perform(lambda core: core.auto_create_topics(wanted))

    async def delete_topics(self, topic_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, ApiError]:
        ids = list(topic_ids)
        return await self.perform(lambda core: core.delete_topics(ids))

    async def create_partitions(
        self, topics: Sequence[NewPartitions], *, validate_only: bool = False
    ) -> list[tuple[str, ApiError]]:
        return await self.perform(lambda core: core.create_partitions(topics, validate_only=validate_only))

    async def incremental_alter_configs(
        self, changes: IncrementalChanges, *, validate_only: bool = False
    ) -> dict[ConfigResource, ApiError]:
        return await self.perform(
            lambda core: core.incremental_alter_configs(changes, validate_only=validate_only)
        )

    async def legacy_alter_configs(
        self, changes: LegacyChanges, *, validate_only: bool = False
    ) -> dict[ConfigResource, ApiError]:
        return await self.perform(
            lambda core: core.legacy_alter_configs(changes, validate_only=validate_only)
        )

    async def allocate_producer_ids(self, broker_id: int, broker_epoch: int = -1) -> ProducerIdsBlock:
        """The next block of 1000 producer ids, committed before it is returned.

        Raises:
            ControllerError: STALE_BROKER_EPOCH or UNKNOWN_SERVER_ERROR.
        """
        return await self.perform(lambda core: core.allocate_producer_ids(broker_id, broker_epoch))

    async def elect_leaders(
        self, election_type: int, partitions: Mapping[str, Sequence[int]] | None
    ) -> list[tuple[str, list[tuple[int, ApiError]]]]:
        return await self.perform(lambda core: core.elect_leaders(election_type, partitions))
