"""The replica manager: the trio component that owns the partition logs this node hosts.

It follows the metadata image (create, open, reconfigure and delete logs; lead or follow each
partition), appends produce batches as leader, serves fetches from the stored bytes, answers the
offset questions, and runs the log housekeeping (retention, flush, checkpoints, compaction). The
data path, principle 3 of ARCHITECTURE.md:

* **Append**: find the partition and check leadership -> ``min.insync.replicas`` for acks=all
  -> validate the batch from its header and CRC (``append_validation``) -> the producer state
  checks sequences and transactions (``log/partition_transactions``, after a KIP-890 verification
  of transactional batches) -> the log patches the base offset and
  leader epoch and writes the bytes -> the high watermark advances (immediately with one
  replica) -> ``acks=all`` waits on a :class:`HighWatermarkWaiter` until it passes the batch.
* **Fetch**: read whole batches up to the high watermark (consumers), the last stable offset
  (``read_committed``) or the log end (followers), one ``pread`` per partition
  (``log_reads``); if fewer than ``min_bytes``, wait on a :class:`FetchWaiter` that appends
  wake, then read again.

Everything runs on the trio thread; log methods are synchronous and never interleave.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import trio

from wirekafka.config import BrokerConfig
from wirekafka.log.config import LogConfig
from wirekafka.log.errors import LogError, OffsetOutOfRangeError
from wirekafka.log.log_manager import LogManager
from wirekafka.log.partition_log import PartitionLog
from wirekafka.log.partition_transactions import DuplicateAppend, PartitionTransactions
from wirekafka.log.producer_state import SENTINEL_GUARD, VerificationGuard
from wirekafka.log.topic_partition import TopicPartition
from wirekafka.metadata.image import MetadataImage, PartitionImage, TopicImage
from wirekafka.protocol.errors import ErrorCode
from wirekafka.records.batch import BatchHeader, Buffer
from wirekafka.records.errors import RecordsError
from wirekafka.replication import offset_queries
from wirekafka.replication.append_validation import (
    AppendError,
    validate_client_batch,
    validate_internal_batches,
)
from wirekafka.replication.fetch_sessions import FetchSessionCache
from wirekafka.replication.hosted_partition import HostedPartition
from wirekafka.replication.housekeeping import Housekeeping, HousekeepingConfig
from wirekafka.replication.log_reads import epoch_and_leader_checked, read_partitions
from wirekafka.replication.operations import (
    AppendEntry,
    AppendOrigin,
    AppendResult,
    DeleteRecordsOutcome,
    EpochEndOffset,
    FetchParams,
    FetchPartition,
    FetchPartitionResult,
    IsolationLevel,
    LogDirDescription,
    OffsetLookup,
    PartitionDiskUsage,
    ReplicaManagerError,
)
from wirekafka.replication.partition_metadata import read_topic_id, write_topic_id
from wirekafka.replication.partition_state import PartitionState
from wirekafka.replication.topic_config import broker_log_config, log_manager_config, topic_log_config
from wirekafka.replication.waiters import FetchWaiter, HighWatermarkWaiter

if TYPE_CHECKING:
    from wirekafka.broker.broker import Broker

logger = logging.getLogger("wirekafka.replication")

INTERNAL_TOPICS = frozenset({"__consumer_offsets", "__transaction_state"})
METADATA_TOPIC = "__cluster_metadata"
_MAX_HOUSEKEEPING_SLEEP_MS = 5_000

TransactionVerifier = Callable[[str, int, int, str, int], Awaitable[ErrorCode]]
"""KIP-890 part 1: ``(transactional_id, producer_id, producer_epoch, topic, partition)`` -> the
transaction coordinator's answer to "is this partition in the producer's ongoing transaction?"
(AddPartitionsToTxn with ``verify_only``). NO_ERROR lets the transactional batch open a
transaction here; any other code is the partition's produce error."""

LeadershipListener = Callable[[str, int, "int | None"], None]
"""``(topic, partition, leader_epoch)`` when this node starts leading a partition (or a new epoch
of it), ``(topic, partition, None)`` when it stops: coordinators load and unload on these."""


class MetadataSource(Protocol):
    """Where images come from: the broker (``metadata_image`` + ``on_metadata_change``), whose
    ``config`` the controller replaces when dynamic broker configs change."""

    metadata_image: MetadataImage
    config: BrokerConfig

    def on_metadata_change(self, callback: Callable[[MetadataImage, MetadataImage], None]) -> None: ...

    def before_metadata_change(self, prepare: Callable[[MetadataImage], Awaitable[None]]) -> None: ...


@dataclass(frozen=True, slots=True)
class InternalRead:
    """What :meth:`ReplicaManager.read_internal` returns: whole batches and where to go on."""

    records: bytes
    next_offset: int
    high_watermark: int
    log_end_offset: int
    log_start_offset: int


_EMPTY_IMAGE = MetadataImage(cluster_id="", controller_id=-1, brokers={})


class ReplicaManager:
    """Hosts partitions: logs, leadership, appends, reads, long polls and housekeeping."""

    def __init__(
        self,
        config: BrokerConfig,
        *,
        node_id: int | None = None,
        clock: Callable[[], int] | None = None,
        metadata: MetadataSource | None = None,
    ) -> None:
        self.config = config
        self.node_id = config.node_id if node_id is None else node_id
        self._now_ms = clock if clock is not None else (lambda: int(time.time() * 1000))
        self._metadata = metadata
        self._base_log_config = broker_log_config(config)
        self.log_dir = config.data_dir.absolute()
        manager_config = log_manager_config(config)
        self.log_manager = LogManager(self.log_dir, self._base_log_config, manager_config)
        # Housekeeping is scheduled here, not by LogManager.maintain: fsyncs go to worker threads
        # and compaction is bounded by each partition's last stable offset (housekeeping.py).
        self._housekeeping_config = HousekeepingConfig(
            retention_check_interval_ms=manager_config.retention_check_interval_ms,
            flush_scheduler_interval_ms=manager_config.flush_scheduler_interval_ms,
            cleaner_enabled=manager_config.cleaner_enable,
            cleaner_backoff_ms=manager_config.cleaner_backoff_ms,
            producer_id_expiration_check_interval_ms=int(config["producer.id.expiration.check.interval.ms"]),
        )
        self.fetch_sessions = FetchSessionCache()
        self.transaction_verifier: TransactionVerifier | None = None
        """Set by the transaction coordinator; without it a transactional batch is trusted to
        belong to its producer's transaction, as before KIP-890."""
        self._partitions: dict[TopicPartition, HostedPartition] = {}
        self._prepared: dict[TopicPartition, PartitionTransactions] = {}
        """New partitions' logs (with their producer state) opened off the event loop by
        ``prepare_metadata``, not hosted yet."""
        self._offline: set[TopicPartition] = set()
        """Partitions assigned here whose log could not be opened or created (no descriptors
        left, disk full, a file in the way): their requests get KAFKA_STORAGE_ERROR, and every
        metadata change tries to host them again."""
        self._image = _EMPTY_IMAGE
        self._topic_names: dict[uuid.UUID, str] = {}
        self._topic_configs: dict[str, tuple[Mapping[str, str], LogConfig]] = {}
        self._leadership_listeners: list[LeadershipListener] = []
        self._housekeeping_due = trio.Event()
        self._started = False
        self._closed = False

    # ==== lifecycle ==============================================================================

    def start(self) -> None:
        """Open every log on disk (recovering after a crash) and apply the current image."""
        if self._started:
            return
        image = self._metadata.metadata_image if self._metadata is not None else self._image
        configs = {name: self._log_config_for(topic) for name, topic in image.topics.items()}
        self.log_manager.startup(self._now_ms(), configs)
        self._started = True
        if self._metadata is not None:
            self._metadata.before_metadata_change(self.prepare_metadata)
            self._metadata.on_metadata_change(self.apply_metadata)
        self.apply_metadata(_EMPTY_IMAGE, image)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Serve until cancelled: housekeeping on the log manager's timers; close logs on exit."""
        self.start()
        housekeeping = Housekeeping(
            self.log_manager, lambda: self._partitions, self._housekeeping_config, now_ms=self._now_ms()
        )
        try:
            task_status.started()
            while True:
                now = self._now_ms()
                housekeeping.mutate(now)
                await housekeeping.compact(now)
                await housekeeping.flush_rolled_segments()
                await housekeeping.write_checkpoints(now)
                now = self._now_ms()
                delay_ms = min(max(housekeeping.next_due_ms(now) - now, 0), _MAX_HOUSEKEEPING_SLEEP_MS)
                with trio.move_on_after(delay_ms / 1000):
                    await self._housekeeping_due.wait()
                self._housekeeping_due = trio.Event()
        finally:
            self.close()

    def close(self) -> None:
        """Stop serving, wake every waiter, snapshot producer state, flush and close every log,
        and write the checkpoints and the clean shutdown marker."""
        if self._closed or not self._started:
            self._closed = True
            return
        self._closed = True
        for prepared in self._prepared.values():
            prepared.close()
        self._prepared.clear()
        for partition in self._partitions.values():
            partition.wake_all()
        for partition in self._partitions.values():
            try:
                partition.transactions.close()
            except Exception:
                logger.exception("closing %s", partition.topic_partition)
        self._partitions.clear()
        self.log_manager.close()

    def add_leadership_listener(self, listener: LeadershipListener) -> None:
        """Call ``listener`` on every leadership change of a hosted partition (see the type)."""
        self._leadership_listeners.append(listener)

    def _adopt_broker_config(self, config: BrokerConfig) -> None:
        """Changed broker-level defaults (dynamic configs): topic log configs are derived anew
        (the caller then applies them to the live logs)."""
        self.config = config
        self._base_log_config = broker_log_config(config)
        self.log_manager.default_config = self._base_log_config
        self._topic_configs.clear()

    def statistics(self) -> dict[str, int]:
        partitions = list(self._partitions.values())
        return {
            "hosted_partitions": len(partitions),
            "leader_partitions": sum(1 for p in partitions if p.state.is_leader),
            "waiting_requests": len({id(w) for p in partitions for w in p.watchers}),
            "logs_on_disk": len(self.log_manager.logs),
        }

    # ==== metadata ===============================================================================

    async def prepare_metadata(self, image: MetadataImage) -> None:
        """Create the logs of the partitions ``image`` newly assigns to this node, on a worker
        thread, before the image is published; ``_host`` then takes them in.

        A new partition costs a directory, its segment files, ``partition.metadata`` and the
        leader-epoch checkpoint, with five fsyncs: ~5 ms here. Made on the event loop, they held
        every connection ~250 ms when a group's first use created ``__consumer_offsets`` (50
        partitions), and a CreateTopics of 1,000 partitions for seconds. Kafka makes them on its
        metadata thread while its other threads serve; the request that created them (CreateTopics,
        an auto-creating Metadata or FindCoordinator) still waits for them here.

        A partition whose creation fails here is left to ``_host``, which tries again and reports
        the error as before. An offline partition is left to ``_host`` at once: the worker would
        only fail again, with a traceback on every metadata change.
        """
        if self._closed or not self._started:
            return
        wanted: list[tuple[TopicPartition, uuid.UUID, LogConfig, int]] = []
        for name, topic in image.topics.items():
            if name == METADATA_TOPIC:
                continue
            for index, assignment in topic.partitions.items():
                topic_partition = TopicPartition(name, index)
                if (
                    self.node_id in assignment.replicas
                    and topic_partition not in self._partitions
                    and topic_partition not in self._prepared
                    and topic_partition not in self._offline
                    and self.log_manager.get_log(topic_partition) is None
                ):
                    epoch = assignment.leader_epoch if assignment.leader_id == self.node_id else -1
                    wanted.append((topic_partition, topic.topic_id, self._log_config_for(topic), epoch))
        if not wanted:
            return
        now = self._now_ms()
        created = await trio.to_thread.run_sync(self._create_logs, wanted, now)
        if self._closed:
            for prepared in created.values():
                prepared.close()
            return
        self._prepared.update(created)

    def _create_logs(
        self, wanted: Sequence[tuple[TopicPartition, uuid.UUID, LogConfig, int]], now_ms: int
    ) -> dict[TopicPartition, PartitionTransactions]:
        """On a worker thread: each new log with its topic id, its first epoch when led here (what
        ``_host`` and ``_apply_assignment`` would write) and its producer state, opened as
        ``_host`` would. Touches no shared state."""
        created: dict[TopicPartition, PartitionTransactions] = {}
        for topic_partition, topic_id, config, leader_epoch in wanted:
            try:
                log = self.log_manager.create_log(topic_partition, config, now_ms=now_ms)
            except Exception:
                logger.exception("creating the log of %s", topic_partition)
                continue
            try:
                write_topic_id(log.directory, topic_id)
                if leader_epoch >= 0:
                    log.leader_epoch_cache.assign(leader_epoch, log.log_end_offset)
                created[topic_partition] = self._open_transactions(log, now_ms)
            except Exception:
                logger.exception("creating the log of %s", topic_partition)
                log.close()
        return created

    def apply_metadata(self, previous: MetadataImage, image: MetadataImage) -> None:
        """Follow a new metadata image: delete what was removed, host what is assigned here."""
        if self._closed or not self._started:
            self._image = image
            return
        self._image = image
        self._topic_names = {topic.topic_id: name for name, topic in image.topics.items()}
        if self._metadata is not None and self._metadata.config is not self.config:
            self._adopt_broker_config(self._metadata.config)
        now = self._now_ms()
        gone: list[TopicPartition] = []
        for topic_partition, hosted in list(self._partitions.items()):
            topic = image.topics.get(topic_partition.topic)
            assignment = topic.partitions.get(topic_partition.partition) if topic is not None else None
            if (
                topic is None
                or topic.topic_id != hosted.topic_id
                or assignment is None
                or self.node_id not in assignment.replicas
            ):
                self._stop_hosting(topic_partition)
                gone.append(topic_partition)
        self.log_manager.delete_logs(gone, now_ms=now)
        offline: set[TopicPartition] = set()
        for name, topic in image.topics.items():
            if name == METADATA_TOPIC:
                continue
            config = self._log_config_for(topic)
            if self.log_manager.config_for(name) != config:
                self.log_manager.update_topic_config(name, config)
            for index, assignment in topic.partitions.items():
                if self.node_id not in assignment.replicas:
                    continue
                topic_partition = TopicPartition(name, index)
                serving = self._partitions.get(topic_partition)
                if serving is None:
                    try:
                        serving = self._host(topic_partition, topic, config, now)
                    except (OSError, LogError) as exc:
                        if topic_partition not in self._offline:
                            logger.error("cannot open the log of %s, it is offline: %s", topic_partition, exc)
                        offline.add(topic_partition)
                        continue
                self._apply_assignment(serving, assignment, now)
        self._offline = offline

    def _log_config_for(self, topic: TopicImage) -> LogConfig:
        cached = self._topic_configs.get(topic.name)
        if cached is not None and cached[0] == topic.configs:
            return cached[1]
        config = topic_log_config(self._base_log_config, topic.configs, topic=topic.name)
        self._topic_configs[topic.name] = (dict(topic.configs), config)
        return config

    def _host(
        self, topic_partition: TopicPartition, topic: TopicImage, config: LogConfig, now_ms: int
    ) -> HostedPartition:
        log = self.log_manager.get_log(topic_partition)
        if log is not None:
            stored = read_topic_id(log.directory)
            if stored is not None and stored != topic.topic_id:
                logger.warning(
                    "%s holds data of an earlier topic %s (now %s): deleting it",
                    topic_partition,
                    stored,
                    topic.topic_id,
                )
                self.log_manager.delete_log(topic_partition, now_ms=now_ms)
                log = None
        prepared = self._prepared.pop(topic_partition, None) if log is None else None
        if prepared is not None:
            # Made by ``prepare_metadata`` for this image, topic id and producer state included.
            transactions = prepared
            log = transactions.log
            self.log_manager.adopt_log(topic_partition, log, config)
        else:
            if log is None:
                log = self.log_manager.get_or_create_log(topic_partition, now_ms=now_ms, config=config)
            else:
                self.log_manager.update_topic_config(topic_partition.topic, config)
            if read_topic_id(log.directory) != topic.topic_id:
                write_topic_id(log.directory, topic.topic_id)
            transactions = self._open_transactions(log, now_ms)
        state = PartitionState(topic_partition.topic, topic_partition.partition, self.node_id)
        state.log_end_offset = log.log_end_offset
        state.high_watermark = log.high_watermark
        hosted = HostedPartition(topic_partition, topic.topic_id, transactions, state)
        self._partitions[topic_partition] = hosted
        return hosted

    def _open_transactions(self, log: PartitionLog, now_ms: int) -> PartitionTransactions:
        """The partition's producer state, snapshots and transaction index, loaded from ``log``."""
        return PartitionTransactions.open(
            log,
            now_ms=now_ms,
            producer_id_expiration_ms=int(self.config["producer.id.expiration.ms"]),
            transaction_verification_enabled=bool(self.config["transaction.partition.verification.enable"]),
        )

    def _apply_assignment(self, hosted: HostedPartition, assignment: PartitionImage, now_ms: int) -> None:
        state = hosted.state
        before = (state.leader_id, state.leader_epoch, state.isr, state.replicas)
        was_leader = state.is_leader
        if assignment.leader_id == self.node_id:
            new_term = state.become_leader(
                leader_epoch=assignment.leader_epoch,
                partition_epoch=assignment.partition_epoch,
                replicas=assignment.replicas,
                isr=assignment.isr,
                log_end_offset=hosted.log_end_offset,
                high_watermark=hosted.high_watermark,
                now_ms=now_ms,
            )
            if new_term and assignment.leader_epoch >= 0:
                # Kafka's makeLeader: the epoch starts at the current log end, so that
                # OffsetForLeaderEpoch answers for it before the first append.
                hosted.log.leader_epoch_cache.assign(assignment.leader_epoch, hosted.log_end_offset)
        else:
            state.become_follower(
                leader_id=assignment.leader_id,
                leader_epoch=assignment.leader_epoch,
                partition_epoch=assignment.partition_epoch,
                replicas=assignment.replicas,
                isr=assignment.isr,
                log_end_offset=hosted.log_end_offset,
                high_watermark=hosted.high_watermark,
            )
        if before != (state.leader_id, state.leader_epoch, state.isr, state.replicas):
            hosted.refresh_high_watermark()
        if state.is_leader and before[:2] != (state.leader_id, state.leader_epoch):
            self._tell_leadership(hosted, state.leader_epoch)
        elif was_leader and not state.is_leader:
            self._tell_leadership(hosted, None)

    def _stop_hosting(self, topic_partition: TopicPartition) -> None:
        """Stop serving the partition and wake its waiters; the caller deletes its log."""
        hosted = self._partitions.pop(topic_partition)
        was_leader = hosted.state.is_leader
        hosted.state.leader_id = -1
        hosted.wake_all()
        if was_leader:
            self._tell_leadership(hosted, None)

    def _tell_leadership(self, hosted: HostedPartition, leader_epoch: int | None) -> None:
        for listener in list(self._leadership_listeners):
            try:
                listener(hosted.topic_partition.topic, hosted.topic_partition.partition, leader_epoch)
            except Exception:
                logger.exception("leadership listener failed for %s", hosted.topic_partition)

    def topic_name(self, topic_id: uuid.UUID) -> str | None:
        """The name of the topic with ``topic_id`` in the current image."""
        return self._topic_names.get(topic_id)

    def topic_id(self, topic: str) -> uuid.UUID | None:
        image = self._image.topics.get(topic)
        return image.topic_id if image is not None else None

    # ==== lookups ================================================================================

    def partition(self, topic: str, partition: int) -> HostedPartition | None:
        """The hosted partition, or ``None`` (not assigned here, unknown, or shutting down)."""
        return self._partitions.get(TopicPartition(topic, partition))

    def _hosted_or_error(self, topic: str, partition: int) -> HostedPartition | ErrorCode:
        """Kafka's ``getPartitionOrException``."""
        hosted = self._partitions.get(TopicPartition(topic, partition))
        if hosted is not None and not self._closed:
            return hosted
        if TopicPartition(topic, partition) in self._offline:
            return ErrorCode.KAFKA_STORAGE_ERROR
        if self._image.partition(topic, partition) is not None:
            return ErrorCode.NOT_LEADER_OR_FOLLOWER
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION

    def _local_or_error(
        self, topic: str, partition: int, current_leader_epoch: int, *, require_leader: bool
    ) -> HostedPartition | ErrorCode:
        """Kafka's ``localLogWithEpochOrThrow``: the epoch check comes before the leader check."""
        found = self._hosted_or_error(topic, partition)
        if isinstance(found, ErrorCode):
            return found
        return epoch_and_leader_checked(found, current_leader_epoch, require_leader)

    def leader_and_epoch(self, topic: str, partition: int) -> tuple[int, int]:
        """(leader id, leader epoch) from the current image; (-1, -1) when unknown."""
        assignment = self._image.partition(topic, partition)
        if assignment is None:
            return -1, -1
        return assignment.leader_id, assignment.leader_epoch

    # ==== produce ================================================================================

    async def append_records(
        self,
        entries: Sequence[AppendEntry],
        *,
        required_acks: int,
        timeout_ms: int,
        internal_topics_allowed: bool = False,
        origin: AppendOrigin = AppendOrigin.CLIENT,
        transactional_id: str | None = None,
    ) -> list[AppendResult]:
        """Append one batch per partition as leader; with ``required_acks=-1`` return once the high
        watermark passed every appended batch (or ``timeout_ms`` elapsed: REQUEST_TIMED_OUT).

        Results come in the order of ``entries``; a failed partition does not stop the others.
        A transactional batch that would open a transaction on a partition is first verified with
        the transaction coordinator (:data:`TransactionVerifier`, KIP-890).
        """
        if required_acks not in (-1, 0, 1):
            return [
                AppendResult(entry.topic, entry.partition, ErrorCode.INVALID_REQUIRED_ACKS)
                for entry in entries
            ]
        guards: dict[int, VerificationGuard | ErrorCode] = {}
        if origin == AppendOrigin.CLIENT and transactional_id is not None:
            guards = await self._verify_transactions(entries, transactional_id)
        now = self._now_ms()
        results: list[AppendResult] = []
        waiting: list[tuple[HostedPartition, int, AppendResult]] = []
        for index, entry in enumerate(entries):
            guard = guards.get(index, SENTINEL_GUARD)
            if isinstance(guard, ErrorCode):
                results.append(AppendResult(entry.topic, entry.partition, guard))
                continue
            result, hosted = self._append_one(
                entry, required_acks, internal_topics_allowed, origin, guard, now
            )
            results.append(result)
            if hosted is not None and required_acks == -1:
                waiting.append((hosted, result.last_offset + 1, result))
        if waiting:
            await self._wait_for_replication(waiting, timeout_ms)
        return results

    async def _verify_transactions(
        self, entries: Sequence[AppendEntry], transactional_id: str
    ) -> dict[int, VerificationGuard | ErrorCode]:
        """KIP-890 part 1 for every entry whose transactional batch may open a transaction here:
        the partition's verification guard, or the error the coordinator answered."""
        guards: dict[int, VerificationGuard | ErrorCode] = {}
        now = self._now_ms()
        for index, entry in enumerate(entries):
            hosted = self._partitions.get(TopicPartition(entry.topic, entry.partition))
            if hosted is None or not hosted.state.is_leader:
                continue
            try:
                header = BatchHeader(entry.records, 0)
            except RecordsError:
                continue  # validation answers for it
            if not header.is_transactional or header.producer_id < 0:
                continue
            try:
                guard = hosted.transactions.maybe_start_verification(
                    header.producer_id, header.base_sequence, header.producer_epoch, now
                )
            except LogError as exc:
                guards[index] = ErrorCode[exc.kafka_error]
                continue
            if guard == SENTINEL_GUARD or self.transaction_verifier is None:
                guards[index] = guard
                continue
            answer = await self.transaction_verifier(
                transactional_id, header.producer_id, header.producer_epoch, entry.topic, entry.partition
            )
            guards[index] = guard if answer == ErrorCode.NO_ERROR else answer
        return guards

    def _append_one(
        self,
        entry: AppendEntry,
        required_acks: int,
        internal_topics_allowed: bool,
        origin: AppendOrigin,
        guard: VerificationGuard,
        now_ms: int,
    ) -> tuple[AppendResult, HostedPartition | None]:
        result = AppendResult(entry.topic, entry.partition)
        if entry.topic in INTERNAL_TOPICS and not internal_topics_allowed:
            result.error_code = ErrorCode.INVALID_TOPIC_EXCEPTION
            result.error_message = f"Cannot append to internal topic {entry.topic}"
            return result, None
        found = self._hosted_or_error(entry.topic, entry.partition)
        if isinstance(found, ErrorCode) or not found.state.is_leader:
            result.error_code = found if isinstance(found, ErrorCode) else ErrorCode.NOT_LEADER_OR_FOLLOWER
            return result, None
        hosted = found
        config = hosted.config
        if required_acks == -1 and not hosted.state.has_enough_replicas(config.min_insync_replicas):
            result.error_code = ErrorCode.NOT_ENOUGH_REPLICAS
            result.error_message = (
                f"The size of the current ISR {list(hosted.state.isr)} is insufficient to satisfy the "
                f"min.isr requirement of {config.min_insync_replicas} for partition {hosted.topic_partition}"
            )
            return result, None
        try:
            if origin == AppendOrigin.CLIENT:
                buffer = validate_client_batch(
                    entry.records, config, now_ms=now_ms, topic_partition=str(hosted.topic_partition)
                )
            else:
                validate_internal_batches(entry.records, config)
                buffer = bytearray(entry.records)
            info = hosted.append_as_leader(buffer, now_ms=now_ms, origin=origin, verification_guard=guard)
        except AppendError as exc:
            result.error_code = exc.error_code
            result.error_message = exc.message
            result.record_errors = exc.record_errors
            if exc.record_errors:
                result.log_start_offset = hosted.log_start_offset
            return result, None
        except LogError as exc:
            result.error_code = ErrorCode[exc.kafka_error]
            result.error_message = str(exc)
            return result, None
        if isinstance(info, DuplicateAppend):
            # A retried idempotent batch: acknowledged with the offsets it got the first time.
            result.base_offset = info.first_offset
            result.last_offset = info.last_offset
            result.log_append_time_ms = info.timestamp
            result.log_start_offset = info.log_start_offset
            return result, hosted
        result.base_offset = info.first_offset
        result.last_offset = info.last_offset
        result.log_append_time_ms = info.log_append_time
        result.log_start_offset = info.log_start_offset
        if info.rolled:
            self._housekeeping_due.set()
        return result, hosted

    async def _wait_for_replication(
        self, waiting: list[tuple[HostedPartition, int, AppendResult]], timeout_ms: int
    ) -> None:
        """Kafka's ``DelayedProduce``: each appended partition completes when its high watermark
        reaches the batch end, fails if leadership moved, and times out otherwise."""
        waiter = HighWatermarkWaiter()
        for hosted, required, _ in waiting:
            waiter.watch(hosted, required)
        try:
            with trio.move_on_after(max(timeout_ms, 0) / 1000):
                while not waiter.satisfied() and all(self._still_leads(hosted) for hosted, _, _ in waiting):
                    await waiter.event.wait()
                    waiter.event = trio.Event()
        finally:
            waiter.close()
        for hosted, required, result in waiting:
            if not self._still_leads(hosted):
                result.error_code = ErrorCode.NOT_LEADER_OR_FOLLOWER
            elif hosted.high_watermark >= required:
                if not hosted.state.has_enough_replicas(hosted.config.min_insync_replicas):
                    result.error_code = ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND
            else:
                result.error_code = ErrorCode.REQUEST_TIMED_OUT

    def _still_leads(self, hosted: HostedPartition) -> bool:
        return (
            not self._closed
            and self._partitions.get(hosted.topic_partition) is hosted
            and hosted.state.is_leader
        )

    # ==== fetch ==================================================================================

    async def fetch(
        self, params: FetchParams, partitions: Sequence[FetchPartition]
    ) -> list[FetchPartitionResult]:
        """Read ``partitions`` in order; if fewer than ``min_bytes`` came back and nothing needs an
        immediate answer, wait up to ``max_wait_ms`` for appends, then read again."""
        results, must_answer = read_partitions(
            params, partitions, self._hosted_or_error, self._now_ms(), update_follower_state=True
        )
        bytes_read = sum(len(result.records) for result in results)
        if params.max_wait_ms <= 0 or not partitions or bytes_read >= params.min_bytes or must_answer:
            return results
        waiter = FetchWaiter(params.min_bytes, bytes_read)
        for request in partitions:
            hosted = self._partitions.get(TopicPartition(request.topic, request.partition))
            if hosted is not None:
                waiter.watch(hosted, max_bytes=request.partition_max_bytes, follower=params.is_from_follower)
        try:
            with trio.move_on_after(params.max_wait_ms / 1000):
                await waiter.event.wait()
        finally:
            waiter.close()
        results, _ = read_partitions(
            params, partitions, self._hosted_or_error, self._now_ms(), update_follower_state=False
        )
        return results

    # ==== offsets ================================================================================

    def list_offset(
        self,
        topic: str,
        partition: int,
        timestamp: int,
        *,
        isolation_level: IsolationLevel | None,
        current_leader_epoch: int = -1,
        fetch_only_leader: bool = True,
    ) -> OffsetLookup:
        """ListOffsets v1+ for one partition (see :func:`offset_queries.lookup_offset`)."""
        found = self._local_or_error(topic, partition, current_leader_epoch, require_leader=fetch_only_leader)
        if isinstance(found, ErrorCode):
            return OffsetLookup(found)
        try:
            return offset_queries.lookup_offset(found, timestamp, isolation_level)
        except LogError as exc:
            logger.warning("ListOffsets(%d) on %s-%d: %s", timestamp, topic, partition, exc)
            return OffsetLookup(ErrorCode[exc.kafka_error])

    def legacy_offsets(
        self,
        topic: str,
        partition: int,
        timestamp: int,
        max_num_offsets: int,
        *,
        from_consumer: bool,
        fetch_only_leader: bool = True,
    ) -> tuple[ErrorCode, list[int]]:
        """ListOffsets v0 for one partition."""
        found = self._local_or_error(topic, partition, -1, require_leader=fetch_only_leader)
        if isinstance(found, ErrorCode):
            return found, []
        return ErrorCode.NO_ERROR, offset_queries.legacy_offsets(
            found, timestamp, max_num_offsets, from_consumer=from_consumer, now_ms=self._now_ms()
        )

    def end_offset_for_leader_epoch(
        self, topic: str, partition: int, leader_epoch: int, *, current_leader_epoch: int = -1
    ) -> EpochEndOffset:
        """OffsetForLeaderEpoch for one partition (always served by the leader)."""
        found = self._local_or_error(topic, partition, current_leader_epoch, require_leader=True)
        if isinstance(found, ErrorCode):
            return EpochEndOffset(found)
        return offset_queries.end_offset_for_epoch(found, leader_epoch)

    def delete_records(self, topic: str, partition: int, offset: int) -> DeleteRecordsOutcome:
        """DeleteRecords for one partition: move the log start offset up to ``offset`` (-1: the
        high watermark) and return the new low watermark.

        With followers, Kafka waits until every replica's log start reached the offset; here the
        leader's own log start is the answer (followers are a later issue).
        """
        if topic in INTERNAL_TOPICS:
            return DeleteRecordsOutcome(ErrorCode.INVALID_TOPIC_EXCEPTION)
        found = self._local_or_error(topic, partition, -1, require_leader=True)
        if isinstance(found, ErrorCode):
            return DeleteRecordsOutcome(found)
        if not found.config.delete:
            return DeleteRecordsOutcome(ErrorCode.POLICY_VIOLATION)
        target = found.high_watermark if offset == -1 else offset
        if target < 0:
            return DeleteRecordsOutcome(ErrorCode.OFFSET_OUT_OF_RANGE)
        try:
            low_watermark = found.delete_records_before(target, now_ms=self._now_ms())
        except OffsetOutOfRangeError:
            return DeleteRecordsOutcome(ErrorCode.OFFSET_OUT_OF_RANGE)
        except LogError as exc:
            return DeleteRecordsOutcome(ErrorCode[exc.kafka_error])
        self._housekeeping_due.set()
        return DeleteRecordsOutcome(ErrorCode.NO_ERROR, low_watermark)

    def describe_log_dirs(self, wanted: set[TopicPartition] | None) -> list[LogDirDescription]:
        """DescribeLogDirs: sizes and lags of the logs in this node's log dir (``None``: all)."""
        usages: list[PartitionDiskUsage] = []
        for topic_partition, log in sorted(self.log_manager.logs.items()):
            if wanted is not None and topic_partition not in wanted:
                continue
            hosted = self._partitions.get(topic_partition)
            lag = max(hosted.high_watermark - log.log_end_offset, 0) if hosted is not None else -1
            usages.append(
                PartitionDiskUsage(topic_partition.topic, topic_partition.partition, log.size_in_bytes, lag)
            )
        try:
            stats = os.statvfs(self.log_dir)
            total, usable = stats.f_blocks * stats.f_frsize, stats.f_bavail * stats.f_frsize
        except OSError:
            total = usable = -1
        return [LogDirDescription(str(self.log_dir), ErrorCode.NO_ERROR, usages, total, usable)]

    # ==== coordinators ===========================================================================

    async def append_internal(
        self,
        topic: str,
        partition: int,
        batches: Buffer,
        *,
        required_acks: int = -1,
        timeout_ms: int = 30_000,
    ) -> tuple[int, int]:
        """Append a coordinator's batches (control batches allowed) to an internal or any other
        topic this node leads, and wait for ``required_acks``. Returns (first offset, last offset).

        The batches' base offsets are assigned by the log; their CRCs must be valid.

        Raises:
            ReplicaManagerError: the append failed (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS,
                REQUEST_TIMED_OUT, MESSAGE_TOO_LARGE, CORRUPT_MESSAGE...).
        """
        (result,) = await self.append_records(
            [AppendEntry(topic, partition, batches)],
            required_acks=required_acks,
            timeout_ms=timeout_ms,
            internal_topics_allowed=True,
            origin=AppendOrigin.COORDINATOR,
        )
        if result.error_code != ErrorCode.NO_ERROR:
            raise ReplicaManagerError(
                result.error_code,
                result.error_message or f"append to {topic}-{partition} failed: {result.error_code.name}",
            )
        return result.base_offset, result.last_offset

    def read_internal(
        self,
        topic: str,
        partition: int,
        fetch_offset: int,
        *,
        max_bytes: int = 1024 * 1024,
        up_to_high_watermark: bool = False,
    ) -> InternalRead:
        """Whole batches from ``fetch_offset`` for a coordinator loading its state: up to the log
        end by default (Kafka's coordinator loader reads with ``LOG_END`` isolation), up to the
        high watermark on request. At least one batch comes back when there is one.

        Raises:
            ReplicaManagerError: not hosted here, or ``fetch_offset`` out of range.
        """
        found = self._hosted_or_error(topic, partition)
        if isinstance(found, ErrorCode):
            raise ReplicaManagerError(found, f"{topic}-{partition} is not hosted on node {self.node_id}")
        log = found.log
        limit = found.high_watermark if up_to_high_watermark else log.log_end_offset
        try:
            read = log.read(fetch_offset, max_bytes, max_offset=limit, min_one_batch=True)
        except OffsetOutOfRangeError as exc:
            raise ReplicaManagerError(ErrorCode.OFFSET_OUT_OF_RANGE, str(exc)) from None
        records = read.records
        assert isinstance(records, bytes)  # not a zero-copy read: always in memory
        return InternalRead(
            records, read.next_offset, found.high_watermark, log.log_end_offset, log.log_start_offset
        )

    def offsets(self, topic: str, partition: int) -> tuple[int, int, int] | None:
        """(log start offset, high watermark, log end offset) of a hosted partition."""
        hosted = self._partitions.get(TopicPartition(topic, partition))
        if hosted is None:
            return None
        return hosted.log_start_offset, hosted.high_watermark, hosted.log_end_offset


def create_replica_manager(broker: Broker) -> ReplicaManager:
    """Component factory for ``assembly.py``: the broker's replica manager (and log manager)."""
    manager = ReplicaManager(broker.config, node_id=broker.node_id, clock=broker.now_ms, metadata=broker)
    broker.replica_manager = manager
    broker.log_manager = manager.log_manager
    return manager
