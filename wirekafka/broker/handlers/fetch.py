"""Fetch (key 1): read record batches, waiting up to ``max_wait_ms`` for ``min_bytes``.

Served from v4 (isolation level, record batch v2) to the codec's newest version. v5 adds
``log_start_offset``, v7 fetch sessions (KIP-227), v9 ``current_leader_epoch`` (KIP-320), v10
zstd, v11 ``rack_id`` and ``preferred_read_replica`` (KIP-392), v12 is flexible and adds
``last_fetched_epoch`` / ``diverging_epoch``, v13 names topics by id (KIP-516), v15 moves the
replica id into ``replica_state``, v16 adds ``current_leader`` / ``node_endpoints`` (KIP-951).

Fetch sessions (KIP-227, ``replication/fetch_sessions.py``): a full fetch with epoch 0 creates a
session when the cache has room and answers with its id; incremental fetches then list only what
changed and get only the partitions that moved. Epoch -1 is sessionless (session id 0).

Records go out exactly as stored: the replica manager reads whole batches with one ``pread``
per partition and nothing here decodes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wirekafka.broker.context import RequestContext
from wirekafka.broker.handlers.produce import current_leader
from wirekafka.broker.registry import handles
from wirekafka.metadata.image import BrokerImage
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.fetch import FetchResponse
from wirekafka.replication.fetch_sessions import FINAL_EPOCH, NO_SESSION
from wirekafka.replication.operations import (
    FetchParams,
    FetchPartition,
    FetchPartitionResult,
    IsolationLevel,
)


@handles(ApiKey.FETCH, versions=(4, 17))
async def fetch(ctx: RequestContext, request: Any) -> Any:
    version = ctx.api_version
    manager = ctx.broker.replica_manager
    if manager is None:
        return FetchResponse(throttle_time_ms=0, error_code=ErrorCode.NO_ERROR, responses=[])
    replica_id = request.replica_state.replica_id if version >= 15 else request.replica_id
    isolation = (
        IsolationLevel.READ_COMMITTED if request.isolation_level == 1 else IsolationLevel.READ_UNCOMMITTED
    )
    params = FetchParams(
        replica_id=replica_id,
        max_wait_ms=request.max_wait_ms,
        min_bytes=request.min_bytes,
        max_bytes=request.max_bytes,
        isolation_level=isolation,
        # KIP-392: from v11 a consumer may read from a follower; older consumers need the leader.
        fetch_only_leader=replica_id >= 0 or version < 11,
    )
    listed = list(_listed_partitions(manager, request, version))
    context = manager.fetch_sessions.new_context(
        version=version,
        session_id=request.session_id if version >= 7 else NO_SESSION,
        session_epoch=request.session_epoch if version >= 7 else FINAL_EPOCH,
        is_follower=replica_id >= 0,
        partitions=listed,
        forgotten=_forgotten(request, version),
        now_ms=ctx.broker.now_ms(),
        resolve_topic=manager.topic_name,
    )
    if context.error_code != ErrorCode.NO_ERROR:
        return FetchResponse(
            throttle_time_ms=0, error_code=context.error_code, session_id=NO_SESSION, responses=[]
        )
    image = ctx.broker.metadata_image
    wanted: list[FetchPartition] = []
    erroneous: list[FetchPartitionResult] = []
    for partition in context.partitions:
        if version >= 13 and not partition.topic:
            error = ErrorCode.UNKNOWN_TOPIC_ID
        elif image.partition(partition.topic, partition.partition) is None:
            error = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
        else:
            wanted.append(partition)
            continue
        erroneous.append(
            FetchPartitionResult(partition.topic, partition.partition, error, topic_id=partition.topic_id)
        )
    results = await manager.fetch(params, wanted) if wanted else []
    if version < 10:
        _refuse_zstd_topics(ctx, results)
    session_id, chosen = manager.fetch_sessions.respond(context, results + erroneous, ctx.broker.now_ms())
    return _response(ctx, chosen, session_id)


def _listed_partitions(manager: Any, request: Any, version: int) -> Iterator[FetchPartition]:
    """The request's partitions; from v13 the topic is named by id (unknown id: name "")."""
    for topic in request.topics:
        topic_id = topic.topic_id if version >= 13 else None
        name = (manager.topic_name(topic_id) or "") if topic_id is not None else topic.topic
        for partition in topic.partitions:
            yield FetchPartition(
                topic=name,
                partition=partition.partition,
                fetch_offset=partition.fetch_offset,
                partition_max_bytes=partition.partition_max_bytes,
                current_leader_epoch=partition.current_leader_epoch,
                last_fetched_epoch=partition.last_fetched_epoch if version >= 12 else -1,
                log_start_offset=partition.log_start_offset,
                topic_id=topic_id,
            )


def _forgotten(request: Any, version: int) -> list[tuple[object, int]]:
    """``forgotten_topics_data`` as session keys (v7+)."""
    if version < 7:
        return []
    return [
        (topic.topic_id if version >= 13 else topic.topic, index)
        for topic in request.forgotten_topics_data
        for index in topic.partitions
    ]


def _refuse_zstd_topics(ctx: RequestContext, results: list[FetchPartitionResult]) -> None:
    """Kafka: a consumer older than Fetch v10 cannot read a topic configured for zstd."""
    manager = ctx.broker.replica_manager
    for result in results:
        hosted = manager.partition(result.topic, result.partition)
        if hosted is not None and hosted.config.compression_type == "zstd":
            result.error_code = ErrorCode.UNSUPPORTED_COMPRESSION_TYPE
            result.high_watermark = result.last_stable_offset = result.log_start_offset = -1
            result.records = b""
            result.aborted_transactions = None


def _response(ctx: RequestContext, results: list[FetchPartitionResult], session_id: int) -> Any:
    version = ctx.api_version
    endpoints: dict[int, BrokerImage] = {}
    topics: list[tuple[tuple[str, Any], Any]] = []
    for result in results:
        partition = FetchResponse.PartitionData(
            partition_index=result.partition,
            error_code=result.error_code,
            high_watermark=result.high_watermark,
            last_stable_offset=result.last_stable_offset,
            log_start_offset=result.log_start_offset,
            aborted_transactions=(
                None
                if result.aborted_transactions is None
                else [
                    FetchResponse.AbortedTransaction(producer_id=producer_id, first_offset=first_offset)
                    for producer_id, first_offset in result.aborted_transactions
                ]
            ),
            records=result.records,
        )
        if version >= 12 and result.diverging_epoch is not None:
            partition.diverging_epoch = FetchResponse.EpochEndOffset(
                epoch=result.diverging_epoch[0], end_offset=result.diverging_epoch[1]
            )
        if version >= 16 and result.error_code in (
            ErrorCode.NOT_LEADER_OR_FOLLOWER,
            ErrorCode.FENCED_LEADER_EPOCH,
        ):
            leader_id, leader_epoch, endpoint = current_leader(ctx, result.topic, result.partition)
            partition.current_leader = FetchResponse.LeaderIdAndEpoch(
                leader_id=leader_id, leader_epoch=leader_epoch
            )
            if endpoint is not None:
                endpoints[endpoint.node_id] = endpoint
        key = (result.topic, result.topic_id)
        if topics and topics[-1][0] == key:
            topics[-1][1].partitions.append(partition)
        else:
            topic = FetchResponse.FetchableTopicResponse(topic=result.topic, partitions=[partition])
            if result.topic_id is not None:
                topic.topic_id = result.topic_id
            topics.append((key, topic))
    response = FetchResponse(
        throttle_time_ms=0, error_code=ErrorCode.NO_ERROR, responses=[topic for _, topic in topics]
    )
    if version >= 7:
        response.session_id = session_id
    if version >= 16 and endpoints:
        response.node_endpoints = [
            FetchResponse.NodeEndpoint(node_id=e.node_id, host=e.host, port=e.port, rack=e.rack)
            for e in endpoints.values()
        ]
    return response
