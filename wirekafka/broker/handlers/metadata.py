"""Metadata (3), DescribeCluster (60), DescribeTopicPartitions (75): reads of the metadata image.

Metadata, by version:
- v0: ``topics`` empty means every topic; only live replicas are listed, and a partition with a
  replica or ISR member missing gets REPLICA_NOT_AVAILABLE.
- v1+: ``topics`` null means every topic, empty means none; adds rack, controller id, is_internal.
- v2+ cluster id; v4+ ``allow_auto_topic_creation`` (earlier versions always allow it); v5+
  offline replicas; v6+ LISTENER_NOT_FOUND when the leader lacks the client's listener (v0-5:
  LEADER_NOT_AVAILABLE); v7+ leader epoch; v8+ authorized operations (INT32_MIN unless asked;
  cluster operations only up to v10); v10+ topic ids; v12 lookups by topic id.

Auto-creation (``auto.create.topics.enable``, the request allowing it, named topics only), as
Kafka's KRaft broker: a legal unknown name is created with ``num.partitions`` and
``default.replication.factor`` (internal topics with their own settings), and this response
still answers UNKNOWN_TOPIC_OR_PARTITION for it; the next request finds it. An illegal name gets
INVALID_TOPIC_EXCEPTION. Clients retry on both.

Brokers are the unfenced ones with an endpoint on the listener the request came in on; the
controller id is this image's controller when it is such a broker (KRaft brokers report a live
broker, since clients cannot reach the controller quorum).
"""

from __future__ import annotations

from typing import Any

from wirekafka.broker.context import RequestContext
from wirekafka.broker.registry import handles
from wirekafka.metadata import topic_names
from wirekafka.metadata.image import INTERNAL_TOPICS, ZERO_UUID, MetadataImage, PartitionImage, TopicImage
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.framing import EncodedBody
from wirekafka.protocol.messages.metadata import (
    DescribeClusterResponse,
    DescribeTopicPartitionsResponse,
    MetadataResponse,
)

AUTHORIZED_OPERATIONS_OMITTED = -(2**31)
# Bit sets of the ACL operations allowed when no authorizer is configured (every operation the
# resource type supports, Kafka's ``AclEntry.supportedOperations``): bit n is AclOperation code n.
TOPIC_OPERATIONS = sum(1 << code for code in (3, 4, 5, 6, 7, 8, 10, 11))  # READ..ALTER_CONFIGS
CLUSTER_OPERATIONS = sum(1 << code for code in (5, 7, 8, 9, 10, 11, 12))  # CREATE..IDEMPOTENT_WRITE

ENDPOINT_TYPE_BROKER = 1
ENDPOINT_TYPE_CONTROLLER = 2
MAX_REQUEST_PARTITION_SIZE_LIMIT = 2000  # Kafka's max.request.partition.size.limit


def live_brokers(image: MetadataImage, listener_name: str) -> list[tuple[int, str, int, str | None]]:
    """(node id, host, port, rack) of the unfenced brokers reachable on ``listener_name``."""
    found = []
    for node_id in sorted(image.brokers):
        broker = image.brokers[node_id]
        endpoint = broker.endpoint(listener_name)
        if not broker.fenced and endpoint is not None:
            found.append((node_id, endpoint.host, endpoint.port, broker.rack))
    return found


def effective_controller_id(image: MetadataImage, live: list[int]) -> int:
    if image.controller_id in live:
        return image.controller_id
    return live[0] if live else -1


def _alive(image: MetadataImage, node_id: int, listener_name: str) -> bool:
    broker = image.brokers.get(node_id)
    return broker is not None and not broker.fenced and broker.endpoint(listener_name) is not None


def _offline_replicas(image: MetadataImage, partition: PartitionImage, listener_name: str) -> list[int]:
    return [replica for replica in partition.replicas if not _alive(image, replica, listener_name)]


def partition_metadata(
    image: MetadataImage, partition: PartitionImage, listener_name: str, version: int
) -> Any:
    """One partition as Metadata reports it to a client on ``listener_name`` (KRaftMetadataCache)."""
    replicas = list(partition.replicas)
    isr = list(partition.isr)
    if version == 0:
        replicas = [r for r in replicas if _alive(image, r, listener_name)]
        isr = [r for r in isr if _alive(image, r, listener_name)]
    leader = image.brokers.get(partition.leader_id)
    entry = MetadataResponse.MetadataResponsePartition(
        partition_index=partition.partition_index,
        leader_id=partition.leader_id,
        leader_epoch=partition.leader_epoch,
        replica_nodes=replicas,
        isr_nodes=isr,
        offline_replicas=_offline_replicas(image, partition, listener_name),
    )
    if leader is None or leader.endpoint(listener_name) is None:
        entry.leader_id = -1
        if leader is None or version < 6:
            entry.error_code = ErrorCode.LEADER_NOT_AVAILABLE
        else:
            entry.error_code = ErrorCode.LISTENER_NOT_FOUND
    elif len(replicas) < len(partition.replicas) or len(isr) < len(partition.isr):
        entry.error_code = ErrorCode.REPLICA_NOT_AVAILABLE
    return entry


def _topic_metadata(image: MetadataImage, topic: TopicImage, listener_name: str, version: int) -> Any:
    return MetadataResponse.MetadataResponseTopic(
        error_code=ErrorCode.NO_ERROR,
        name=topic.name,
        topic_id=topic.topic_id,
        is_internal=topic.is_internal,
        partitions=[
            partition_metadata(image, topic.partitions[index], listener_name, version)
            for index in sorted(topic.partitions)
        ],
    )


def _error_topic(name: str | None, error: ErrorCode, topic_id: Any = ZERO_UUID) -> Any:
    return MetadataResponse.MetadataResponseTopic(
        error_code=error,
        name=name,
        topic_id=topic_id,
        is_internal=name in INTERNAL_TOPICS if name else False,
        partitions=[],
    )


def unknown_topic_error(name: str) -> ErrorCode:
    """INVALID_TOPIC_EXCEPTION for an illegal name, else UNKNOWN_TOPIC_OR_PARTITION."""
    return (
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        if topic_names.is_valid(name)
        else ErrorCode.INVALID_TOPIC_EXCEPTION
    )


@handles(ApiKey.METADATA, versions=(0, 12))
async def metadata(ctx: RequestContext, request: Any) -> Any:
    version = ctx.api_version
    requested = request.topics
    if requested is None or (version == 0 and not requested):
        return _all_topics(ctx, request)
    listener = ctx.listener_name
    image = ctx.broker.metadata_image
    topics: list[Any] = []
    if version < 12 and any(t.name is None or t.topic_id != ZERO_UUID for t in requested):
        # Kafka's MetadataRequest.getErrorResponse: the response's name is not nullable before v12.
        return MetadataResponse(
            topics=[
                _error_topic(t.name if t.name is not None else "", ErrorCode.INVALID_REQUEST, t.topic_id)
                for t in requested
            ]
        )
    if any(t.topic_id != ZERO_UUID for t in requested):
        for topic_id in dict.fromkeys(t.topic_id for t in requested if t.topic_id != ZERO_UUID):
            found = image.topic_by_id(topic_id)
            if found is None:
                topics.append(_error_topic(None, ErrorCode.UNKNOWN_TOPIC_ID, topic_id))
            else:
                topics.append(_topic_metadata(image, found, listener, version))
    else:
        names: list[str | None] = list(dict.fromkeys(t.name for t in requested))
        missing = [name for name in names if name is not None and name not in image.topics]
        creatable: set[str] = set()
        if missing and request.allow_auto_topic_creation and ctx.broker.config["auto.create.topics.enable"]:
            creatable = {name for name in missing if topic_names.is_valid(name)}
            if creatable and ctx.broker.controller is not None:
                await ctx.broker.controller.auto_create_topics([n for n in missing if n in creatable])
        for name in names:
            if name is None:  # v12: neither a name nor a topic id
                topics.append(_error_topic(None, ErrorCode.INVALID_TOPIC_EXCEPTION))
                continue
            existing = image.topics.get(name)
            if existing is not None:
                topics.append(_topic_metadata(image, existing, listener, version))
            elif name in creatable:
                topics.append(_error_topic(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION))
            else:
                topics.append(_error_topic(name, unknown_topic_error(name)))
    return _metadata_response(image, listener, version, request, topics)


def _all_topics(ctx: RequestContext, request: Any) -> EncodedBody:
    """The all-topics answer: every client's bootstrap and refresh, encoded once per image."""
    version = ctx.api_version
    listener = ctx.listener_name
    image = ctx.broker.metadata_image

    def build() -> EncodedBody:
        topics = [
            _topic_metadata(image, image.topics[name], listener, version) for name in sorted(image.topics)
        ]
        return EncodedBody.of(_metadata_response(image, listener, version, request, topics), version)

    key = (
        "Metadata",
        listener,
        version,
        version >= 8 and bool(request.include_topic_authorized_operations),
        8 <= version <= 10 and bool(request.include_cluster_authorized_operations),
    )
    return ctx.broker.encoded_answers.get(key, image, build)


def _metadata_response(
    image: MetadataImage, listener: str, version: int, request: Any, topics: list[Any]
) -> Any:
    if version >= 8 and request.include_topic_authorized_operations:
        for topic in topics:
            if topic.name is not None:
                topic.topic_authorized_operations = TOPIC_OPERATIONS
    live = live_brokers(image, listener)
    response = MetadataResponse(
        brokers=[
            MetadataResponse.MetadataResponseBroker(node_id=node_id, host=host, port=port, rack=rack)
            for node_id, host, port, rack in live
        ],
        cluster_id=image.cluster_id or None,
        controller_id=effective_controller_id(image, [b[0] for b in live]),
        topics=topics,
    )
    if 8 <= version <= 10 and request.include_cluster_authorized_operations:
        response.cluster_authorized_operations = CLUSTER_OPERATIONS
    return response


@handles(ApiKey.DESCRIBE_CLUSTER, versions=(0, 1))
async def describe_cluster(ctx: RequestContext, request: Any) -> Any:
    version = ctx.api_version
    if request.endpoint_type not in (ENDPOINT_TYPE_BROKER, ENDPOINT_TYPE_CONTROLLER):
        return DescribeClusterResponse(
            error_code=ErrorCode.INVALID_REQUEST if version == 0 else ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
            error_message=f"Unsupported endpoint type {request.endpoint_type}",
        )
    if request.endpoint_type != ENDPOINT_TYPE_BROKER:
        return DescribeClusterResponse(
            error_code=ErrorCode.INVALID_REQUEST if version == 0 else ErrorCode.MISMATCHED_ENDPOINT_TYPE,
            error_message="The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type "
            "CONTROLLER",
        )
    image = ctx.broker.metadata_image
    live = live_brokers(image, ctx.listener_name)
    return DescribeClusterResponse(
        error_code=ErrorCode.NO_ERROR,
        endpoint_type=ENDPOINT_TYPE_BROKER,
        cluster_id=image.cluster_id,
        controller_id=effective_controller_id(image, [b[0] for b in live]),
        brokers=[
            DescribeClusterResponse.DescribeClusterBroker(broker_id=node_id, host=host, port=port, rack=rack)
            for node_id, host, port, rack in live
        ],
        cluster_authorized_operations=CLUSTER_OPERATIONS
        if request.include_cluster_authorized_operations
        else AUTHORIZED_OPERATIONS_OMITTED,
    )


@handles(ApiKey.DESCRIBE_TOPIC_PARTITIONS, versions=(0, 0))
async def describe_topic_partitions(ctx: RequestContext, request: Any) -> Any:
    """Topics in name order from the cursor, at most ``response_partition_limit`` partitions."""
    image = ctx.broker.metadata_image
    listener = ctx.listener_name
    cursor = request.cursor
    start_name = cursor.topic_name if cursor is not None else ""
    fetch_all = not request.topics
    if fetch_all:
        names = sorted(name for name in image.topics if name >= start_name)
    else:
        names = sorted({t.name for t in request.topics if t.name >= start_name})
        if cursor is not None and cursor.topic_name not in names:
            return _describe_partitions_error(
                request, "DescribeTopicPartitionsRequest topic list should contain the cursor topic"
            )
    if cursor is not None and cursor.partition_index < 0:
        return _describe_partitions_error(
            request, "DescribeTopicPartitionsRequest cursor partition must be valid"
        )
    remaining = max(min(MAX_REQUEST_PARTITION_SIZE_LIMIT, request.response_partition_limit), 1)
    response = DescribeTopicPartitionsResponse(topics=[], next_cursor=None)
    for name in names:
        if remaining == 0:
            response.next_cursor = DescribeTopicPartitionsResponse.Cursor(topic_name=name, partition_index=0)
            break
        topic = image.topics.get(name)
        if topic is None:
            if not fetch_all:
                response.topics.append(
                    DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic(
                        error_code=unknown_topic_error(name),
                        name=name,
                        topic_id=ZERO_UUID,
                        is_internal=name in INTERNAL_TOPICS,
                        partitions=[],
                        topic_authorized_operations=TOPIC_OPERATIONS,
                    )
                )
            continue
        first = cursor.partition_index if cursor is not None and name == cursor.topic_name else 0
        count = len(topic.partitions)
        upper = min(count, first + remaining)
        partitions = [
            _describe_partition(image, topic.partitions[index], listener)
            for index in range(first, upper)
            if index in topic.partitions
        ]
        response.topics.append(
            DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic(
                error_code=ErrorCode.NO_ERROR,
                name=name,
                topic_id=topic.topic_id,
                is_internal=topic.is_internal,
                partitions=partitions,
                topic_authorized_operations=TOPIC_OPERATIONS,
            )
        )
        if upper < count:
            response.next_cursor = DescribeTopicPartitionsResponse.Cursor(
                topic_name=name, partition_index=upper
            )
            break
        remaining -= len(partitions)
    return response


def _describe_partition(image: MetadataImage, partition: PartitionImage, listener: str) -> Any:
    leader = image.brokers.get(partition.leader_id)
    has_leader = leader is not None and leader.endpoint(listener) is not None
    return DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponsePartition(
        error_code=ErrorCode.NO_ERROR,
        partition_index=partition.partition_index,
        leader_id=partition.leader_id if has_leader else -1,
        leader_epoch=partition.leader_epoch,
        replica_nodes=list(partition.replicas),
        isr_nodes=list(partition.isr),
        eligible_leader_replicas=list(partition.eligible_leader_replicas),
        last_known_elr=list(partition.last_known_elr),
        offline_replicas=_offline_replicas(image, partition, listener),
    )


def _describe_partitions_error(request: Any, message: str) -> Any:
    return DescribeTopicPartitionsResponse(
        topics=[
            DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic(
                error_code=ErrorCode.INVALID_REQUEST, name=t.name, topic_id=ZERO_UUID, partitions=[]
            )
            for t in request.topics
        ],
        next_cursor=None,
    )
