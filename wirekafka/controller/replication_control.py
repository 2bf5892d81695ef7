"""Topics, partitions and leaders: create, delete, add partitions, elect (Kafka's
``ReplicationControlManager``, plus the request checks of ``ControllerApis``).

Every function reads an image and returns ``ControllerResult(records, results)``; nothing here
changes state. Checks run in Kafka's order, and each failing item gets Kafka's error code and
message:

CreateTopics, per topic:
1. a name given twice -> INVALID_REQUEST "Duplicate topic name."; ``__cluster_metadata`` ->
   INVALID_REQUEST.
2. an illegal name, or one colliding with an existing topic on ``.``/``_`` -> INVALID_TOPIC_EXCEPTION.
3. an existing name -> TOPIC_ALREADY_EXISTS.
4. a null config value or an invalid config -> INVALID_CONFIG.
5. manual assignments need ``num_partitions`` and ``replication_factor`` of -1 (INVALID_REQUEST),
   a non-empty list of distinct registered brokers per partition, the same size for every
   partition and partitions numbered 0..n-1 (INVALID_REPLICA_ASSIGNMENT).
6. otherwise -1 means the broker default (``num.partitions``, ``default.replication.factor``);
   0 or below -1 -> INVALID_REPLICATION_FACTOR / INVALID_PARTITIONS; more replicas than
   registered brokers -> INVALID_REPLICATION_FACTOR.
A created topic is a TopicRecord, then its ConfigRecords, then one PartitionRecord per
partition whose ISR is the active replicas and whose leader is the first of them (epoch 0).

CreateTopics and CreatePartitions commit at most ``MAX_RECORDS_PER_USER_OP`` records: past it the
whole request fails with POLICY_VIOLATION and nothing is written.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from wirekafka.controller.placement import check_replication_factor, place_replicas
from wirekafka.controller.results import NO_ERROR, ApiError, ControllerError, ControllerResult
from wirekafka.controller.topic_configs import validate_topic_configs
from wirekafka.metadata import topic_names
from wirekafka.metadata.config_resources import ConfigResourceType
from wirekafka.metadata.described_configs import ConfigLayers, DescribedConfig, describe_topic_configs
from wirekafka.metadata.ids import random_uuid
from wirekafka.metadata.image import ZERO_UUID, MetadataImage, PartitionImage
from wirekafka.metadata.records import MetadataRecord
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.metadata_records import (
    ConfigRecord,
    PartitionChangeRecord,
    PartitionRecord,
    RemoveTopicRecord,
    TopicRecord,
)

DIRECTORY_UNASSIGNED = uuid.UUID(int=0)
DIRECTORY_MIGRATING = uuid.UUID(int=2)

MAX_RECORDS_PER_USER_OP = 10_000
"""Kafka's ``QuorumController.MAX_RECORDS_PER_USER_OP``: the most records one request may commit.

Kafka fails a request that would pass it as a whole: POLICY_VIOLATION, "Unable to perform
excessively large batch operation." (``EventHandlerExceptionInfo``). It also bounds what a
request makes the controller build: partition counts come from the client, so they are held
against it before a replica list is made, never after (2**31 - 1 partitions asked for no longer
allocate 2**31 - 1 lists)."""

EXCESSIVE_BATCH = ApiError(ErrorCode.POLICY_VIOLATION, "Unable to perform excessively large batch operation.")


class _ExcessiveBatch(Exception):
    """The request would commit more than ``MAX_RECORDS_PER_USER_OP`` records."""


def _reserve(records: Sequence[MetadataRecord], more: int) -> None:
    """Raise ``_ExcessiveBatch`` unless ``more`` records fit after ``records``."""
    if len(records) + more > MAX_RECORDS_PER_USER_OP:
        raise _ExcessiveBatch


@dataclass(frozen=True, slots=True)
class NewTopic:
    """A topic to create. -1 partitions / replication factor means the broker default.

    ``assignments`` are ``(partition, broker ids)`` pairs in request order (a partition may
    repeat, which is an error); with them both counts must be -1.
    """

    name: str
    num_partitions: int = -1
    replication_factor: int = -1
    assignments: Sequence[tuple[int, Sequence[int]]] = ()
    configs: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CreatedTopic:
    """The outcome for one requested topic (CreateTopics response entry)."""

    name: str
    error: ApiError
    topic_id: uuid.UUID = ZERO_UUID
    num_partitions: int = -1
    replication_factor: int = -1
    configs: tuple[DescribedConfig, ...] = ()


@dataclass(frozen=True, slots=True)
class NewPartitions:
    """Grow ``name`` to ``count`` partitions; ``assignments`` lists the new ones' replicas."""

    name: str
    count: int
    assignments: Sequence[Sequence[int]] | None = None


@dataclass(frozen=True, slots=True)
class TopicDefaults:
    """What -1 means in CreateTopics: the (possibly dynamic) broker settings."""

    num_partitions: int
    replication_factor: int


def create_topics(
    image: MetadataImage,
    topics: Sequence[NewTopic],
    *,
    defaults: TopicDefaults,
    layers: ConfigLayers,
    rng: random.Random,
) -> ControllerResult[list[CreatedTopic]]:
    """Validate and build the records creating ``topics``; one result per requested topic."""
    counts: dict[str, int] = {}
    for topic in topics:
        counts[topic.name] = counts.get(topic.name, 0) + 1
    records: list[MetadataRecord] = []
    results: dict[str, CreatedTopic] = {}
    names = list(dict.fromkeys(t.name for t in topics))
    try:
        for topic in topics:
            if topic.name in results:
                continue
            if counts[topic.name] > 1:
                results[topic.name] = CreatedTopic(
                    topic.name, ApiError(ErrorCode.INVALID_REQUEST, "Duplicate topic name.")
                )
                continue
            try:
                topic_records, created = _create_topic(image, topic, defaults, layers, rng, records)
            except ControllerError as exc:
                results[topic.name] = CreatedTopic(topic.name, exc.error)
                continue
            records.extend(topic_records)
            results[topic.name] = created
    except _ExcessiveBatch:
        return ControllerResult([], [CreatedTopic(name, EXCESSIVE_BATCH) for name in names])
    return ControllerResult(records, [results[name] for name in names])


def _create_topic(
    image: MetadataImage,
    topic: NewTopic,
    defaults: TopicDefaults,
    layers: ConfigLayers,
    rng: random.Random,
    earlier: Sequence[MetadataRecord],
) -> tuple[list[MetadataRecord], CreatedTopic]:
    """The records creating ``topic`` after the request's ``earlier`` ones.

    Raises:
        ControllerError: the topic is refused.
        _ExcessiveBatch: with ``earlier``, the request would commit too many records.
    """
    name = topic.name
    if name == topic_names.CLUSTER_METADATA_TOPIC:
        raise ControllerError(
            ErrorCode.INVALID_REQUEST,
            f"Creation of internal topic {topic_names.CLUSTER_METADATA_TOPIC} is prohibited.",
        )
    invalid = topic_names.validation_error(name)
    if invalid is not None:
        raise ControllerError(ErrorCode.INVALID_TOPIC_EXCEPTION, invalid)
    collision = topic_names.colliding_topic(name, image.topics)
    if collision is not None:
        raise ControllerError(
            ErrorCode.INVALID_TOPIC_EXCEPTION, f"Topic '{name}' collides with existing topic: {collision}"
        )
    if name in image.topics:
        raise ControllerError(ErrorCode.TOPIC_ALREADY_EXISTS, f"Topic '{name}' already exists.")
    config_error = validate_topic_configs(topic.configs)
    if config_error is not None:
        raise ControllerError(config_error.code, config_error.message)
    if topic.assignments:
        replica_lists = _manual_assignments(image, topic)
        _reserve(earlier, 1 + len(topic.configs) + len(replica_lists))
    else:
        if topic.replication_factor < -1 or topic.replication_factor == 0:
            raise ControllerError(
                ErrorCode.INVALID_REPLICATION_FACTOR,
                "Replication factor must be larger than 0, or -1 to use the default value.",
            )
        if topic.num_partitions < -1 or topic.num_partitions == 0:
            raise ControllerError(
                ErrorCode.INVALID_PARTITIONS, "Number of partitions was set to an invalid non-positive value."
            )
        partitions = defaults.num_partitions if topic.num_partitions == -1 else topic.num_partitions
        factor = defaults.replication_factor if topic.replication_factor == -1 else topic.replication_factor
        try:
            check_replication_factor(image, factor)
            _reserve(earlier, 1 + len(topic.configs) + partitions)
            replica_lists = place_replicas(
                image, start_partition=0, partitions=partitions, replication_factor=factor, rng=rng
            )
        except ControllerError as exc:
            raise ControllerError(
                ErrorCode.INVALID_REPLICATION_FACTOR,
                f"Unable to replicate the partition {factor} time(s): {exc.error.message}",
            ) from None
    topic_id = random_uuid(rng, avoid=image.topic_ids)
    partition_records = []
    for index, replicas in enumerate(replica_lists):
        isr = [broker for broker in replicas if image.is_active_broker(broker)]
        if not isr:
            if topic.assignments:
                raise ControllerError(
                    ErrorCode.INVALID_REPLICATION_ASSIGNMENT,
                    f"All brokers specified in the manual partition assignment for partition {index} "
                    "are fenced or in controlled shutdown.",
                )
            raise ControllerError(
                ErrorCode.INVALID_REPLICATION_FACTOR,
                f"Unable to replicate the partition {len(replicas)} time(s): All brokers are currently "
                "fenced or in controlled shutdown.",
            )
        partition_records.append(_partition_record(image, topic_id, index, replicas, isr))
    configs = {name: value for name, value in topic.configs.items() if value is not None}
    records: list[MetadataRecord] = [TopicRecord(name=name, topic_id=topic_id)]
    records.extend(
        ConfigRecord(resource_type=ConfigResourceType.TOPIC, resource_name=name, name=key, value=value)
        for key, value in configs.items()
    )
    records.extend(partition_records)
    created = CreatedTopic(
        name=name,
        error=NO_ERROR,
        topic_id=topic_id,
        num_partitions=len(replica_lists),
        replication_factor=len(replica_lists[0]),
        configs=tuple(describe_topic_configs(layers, configs)),
    )
    return records, created


def _manual_assignments(image: MetadataImage, topic: NewTopic) -> list[list[int]]:
    if topic.replication_factor != -1:
        raise ControllerError(
            ErrorCode.INVALID_REQUEST,
            "A manual partition assignment was specified, but replication factor was not set to -1.",
        )
    if topic.num_partitions != -1:
        raise ControllerError(
            ErrorCode.INVALID_REQUEST,
            "A manual partition assignment was specified, but numPartitions was not set to -1.",
        )
    by_partition: dict[int, list[int]] = {}
    factor: int | None = None
    for partition, brokers in topic.assignments:
        if partition in by_partition:
            raise ControllerError(
                ErrorCode.INVALID_REPLICATION_ASSIGNMENT,
                f"Found multiple manual partition assignments for partition {partition}",
            )
        validate_manual_assignment(image, brokers, factor)
        factor = len(brokers)
        by_partition[partition] = list(brokers)
    if sorted(by_partition) != list(range(len(by_partition))):
        raise ControllerError(
            ErrorCode.INVALID_REPLICATION_ASSIGNMENT,
            "partitions should be a consecutive 0-based integer sequence",
        )
    return [by_partition[index] for index in range(len(by_partition))]


def validate_manual_assignment(image: MetadataImage, brokers: Sequence[int], factor: int | None) -> None:
    """Kafka's ``validateManualPartitionAssignment``.

    Raises:
        ControllerError: INVALID_REPLICATION_ASSIGNMENT.
    """
    if not brokers:
        raise ControllerError(
            ErrorCode.INVALID_REPLICATION_ASSIGNMENT,
            "The manual partition assignment includes an empty replica list.",
        )
    previous: int | None = None
    for broker in sorted(brokers):
        if broker not in image.brokers:
            raise ControllerError(
                ErrorCode.INVALID_REPLICATION_ASSIGNMENT,
                f"The manual partition assignment includes broker {broker}, but no such broker is registered.",
            )
        if broker == previous:
            raise ControllerError(
                ErrorCode.INVALID_REPLICATION_ASSIGNMENT,
                f"The manual partition assignment includes the broker {broker} more than once.",
            )
        previous = broker
    if factor is not None and len(brokers) != factor:
        raise ControllerError(
            ErrorCode.INVALID_REPLICATION_ASSIGNMENT,
            f"The manual partition assignment includes a partition with {len(brokers)} replica(s), but this "
            f"is not consistent with previous partitions, which have {factor} replica(s).",
        )


def default_directory(image: MetadataImage, broker_id: int) -> uuid.UUID:
    """The log dir a new replica on ``broker_id`` goes to (Kafka's ``defaultDir``): the broker's
    only log dir, MIGRATING when it registered none, else UNASSIGNED (it picks one itself)."""
    broker = image.brokers.get(broker_id)
    if broker is None:
        return DIRECTORY_UNASSIGNED
    if not broker.log_dirs:
        return DIRECTORY_MIGRATING
    if len(broker.log_dirs) == 1:
        return broker.log_dirs[0]
    return DIRECTORY_UNASSIGNED


def _partition_record(
    image: MetadataImage, topic_id: uuid.UUID, index: int, replicas: Sequence[int], isr: Sequence[int]
) -> MetadataRecord:
    return PartitionRecord(
        partition_id=index,
        topic_id=topic_id,
        replicas=list(replicas),
        isr=list(isr),
        removing_replicas=[],
        adding_replicas=[],
        leader=isr[0],
        leader_recovery_state=0,
        leader_epoch=0,
        partition_epoch=0,
        directories=[default_directory(image, broker) for broker in replicas],
    )


def delete_topics(
    image: MetadataImage, topic_ids: Iterable[uuid.UUID]
) -> ControllerResult[dict[uuid.UUID, ApiError]]:
    """RemoveTopicRecords for the known ids; UNKNOWN_TOPIC_ID for the others."""
    records: list[MetadataRecord] = []
    results: dict[uuid.UUID, ApiError] = {}
    for topic_id in topic_ids:
        if image.topic_by_id(topic_id) is None:
            results[topic_id] = ApiError(
                ErrorCode.UNKNOWN_TOPIC_ID, "This server does not host this topic ID."
            )
            continue
        records.append(RemoveTopicRecord(topic_id=topic_id))
        results[topic_id] = NO_ERROR
    return ControllerResult(records, results)


def create_partitions(
    image: MetadataImage, topics: Sequence[NewPartitions], *, rng: random.Random
) -> ControllerResult[list[tuple[str, ApiError]]]:
    """Grow topics; exactly one result per requested topic name (clients rely on it)."""
    counts: dict[str, int] = {}
    for topic in topics:
        counts[topic.name] = counts.get(topic.name, 0) + 1
    records: list[MetadataRecord] = []
    results: dict[str, ApiError] = {}
    try:
        for topic in topics:
            if topic.name in results:
                continue
            if counts[topic.name] > 1:
                results[topic.name] = ApiError(ErrorCode.INVALID_REQUEST, "Duplicate topic name.")
                continue
            try:
                records.extend(_create_partitions(image, topic, rng, records))
                results[topic.name] = NO_ERROR
            except ControllerError as exc:
                results[topic.name] = exc.error
    except _ExcessiveBatch:
        return ControllerResult([], [(name, EXCESSIVE_BATCH) for name in counts])
    return ControllerResult(records, list(results.items()))


def _create_partitions(
    image: MetadataImage, request: NewPartitions, rng: random.Random, earlier: Sequence[MetadataRecord]
) -> list[MetadataRecord]:
    """The PartitionRecords growing ``request``'s topic after the request's ``earlier`` records.

    Raises:
        ControllerError: the topic is refused.
        _ExcessiveBatch: with ``earlier``, the request would commit too many records.
    """
    topic = image.topics.get(request.name)
    if topic is None:
        raise ControllerError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
    current = len(topic.partitions)
    if request.count == current:
        raise ControllerError(ErrorCode.INVALID_PARTITIONS, f"Topic already has {current} partition(s).")
    if request.count < current:
        raise ControllerError(
            ErrorCode.INVALID_PARTITIONS,
            f"The topic {request.name} currently has {current} partition(s); {request.count} would not be an increase.",
        )
    additional = request.count - current
    if request.assignments is not None and len(request.assignments) != additional:
        raise ControllerError(
            ErrorCode.INVALID_REPLICATION_ASSIGNMENT,
            f"Attempted to add {additional} additional partition(s), but only {len(request.assignments)} "
            "assignment(s) were specified.",
        )
    _reserve(earlier, additional)
    if not topic.partitions:
        raise ControllerError(
            ErrorCode.UNKNOWN_SERVER_ERROR,
            f"Invalid state: topic {request.name} appears to have no partitions.",
        )
    factor = len(next(iter(topic.partitions.values())).replicas)
    if request.assignments is not None:
        replica_lists = []
        for offset, brokers in enumerate(request.assignments):
            validate_manual_assignment(image, brokers, factor)
            if not any(image.is_active_broker(b) for b in brokers):
                raise ControllerError(
                    ErrorCode.INVALID_REPLICATION_ASSIGNMENT,
                    f"All brokers specified in the manual partition assignment for partition {current + offset} "
                    "are fenced or in controlled shutdown.",
                )
            replica_lists.append(list(brokers))
    else:
        replica_lists = place_replicas(
            image, start_partition=current, partitions=additional, replication_factor=factor, rng=rng
        )
    records: list[MetadataRecord] = []
    for offset, replicas in enumerate(replica_lists):
        isr = [broker for broker in replicas if image.is_active_broker(broker)]
        if not isr:
            raise ControllerError(
                ErrorCode.INVALID_REPLICATION_FACTOR,
                f"Unable to replicate the partition {factor} time(s): All brokers are currently fenced or in "
                "controlled shutdown.",
            )
        records.append(_partition_record(image, topic.topic_id, current + offset, replicas, isr))
    return records


PREFERRED_ELECTION = 0
UNCLEAN_ELECTION = 1


def elect_leaders(
    image: MetadataImage, election_type: int, partitions: Mapping[str, Sequence[int]] | None
) -> ControllerResult[list[tuple[str, list[tuple[int, ApiError]]]]]:
    """Preferred or unclean leader election (Kafka's ``electLeaders``).

    ``partitions`` None means every partition; then partitions that already have the wanted
    leader are left out of the results, as Kafka does.

    Raises:
        ControllerError: INVALID_REQUEST for an unknown election type.
    """
    if election_type not in (PREFERRED_ELECTION, UNCLEAN_ELECTION):
        raise ControllerError(ErrorCode.INVALID_REQUEST, f"Unknown election type {election_type}")
    records: list[MetadataRecord] = []
    results: list[tuple[str, list[tuple[int, ApiError]]]] = []
    if partitions is None:
        for name in sorted(image.topics):
            elected = []
            for index in sorted(image.topics[name].partitions):
                error = _elect(image, name, index, election_type, records)
                if error.code != ErrorCode.ELECTION_NOT_NEEDED:
                    elected.append((index, error))
            results.append((name, elected))
    else:
        for name, indexes in partitions.items():
            results.append(
                (name, [(index, _elect(image, name, index, election_type, records)) for index in indexes])
            )
    return ControllerResult(records, results)


def _elect(
    image: MetadataImage, name: str, index: int, election_type: int, records: list[MetadataRecord]
) -> ApiError:
    topic = image.topics.get(name)
    if topic is None:
        return ApiError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, f"No such topic as {name}")
    partition = topic.partitions.get(index)
    if partition is None:
        return ApiError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, f"No such partition as {name}-{index}")
    if (election_type == PREFERRED_ELECTION and partition.has_preferred_leader) or (
        election_type == UNCLEAN_ELECTION and partition.has_leader
    ):
        return ApiError(ErrorCode.ELECTION_NOT_NEEDED)
    change = _election_change(image, topic.topic_id, partition, election_type)
    if change is None:
        if election_type == PREFERRED_ELECTION:
            return ApiError(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE)
        return ApiError(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE)
    records.append(change)
    return NO_ERROR


def _election_change(
    image: MetadataImage, topic_id: uuid.UUID, partition: PartitionImage, election_type: int
) -> MetadataRecord | None:
    if election_type == PREFERRED_ELECTION:
        preferred = partition.replicas[0]
        if preferred in partition.isr and image.is_active_broker(preferred):
            return PartitionChangeRecord(
                partition_id=partition.partition_index, topic_id=topic_id, leader=preferred
            )
        return None
    for broker in partition.isr:
        if image.is_active_broker(broker):
            return PartitionChangeRecord(
                partition_id=partition.partition_index, topic_id=topic_id, leader=broker
            )
    for broker in partition.replicas:
        if image.is_active_broker(broker):
            return PartitionChangeRecord(
                partition_id=partition.partition_index,
                topic_id=topic_id,
                leader=broker,
                isr=[broker],
                leader_recovery_state=1,
            )
    return None
