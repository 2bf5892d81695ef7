"""ListOffsets (2), DeleteRecords (21) and OffsetForLeaderEpoch (23): questions about offsets.

ListOffsets: v0 answers ``old_style_offsets`` (up to ``max_num_offsets`` segment boundaries,
Kafka's legacy lookup); v1 answers one (timestamp, offset); v2 adds the isolation level, v4
``current_leader_epoch`` and the answer's ``leader_epoch``, v5 OFFSET_NOT_AVAILABLE (older
versions get LEADER_NOT_AVAILABLE), v7 -3 (max timestamp), v8 -4 (earliest local), v9 -5
(latest tiered); a special target below its version, or an unknown one, is UNSUPPORTED_VERSION.
A partition named twice in one request is INVALID_REQUEST. Latest (-1) is the high watermark --
one past the last readable record -- and a lookup by time returns the first offset whose
timestamp is at or after the target, from the time index.

OffsetForLeaderEpoch: the end offset of the requested epoch from the leader epoch cache, always
from the leader. DeleteRecords: moves the log start offset (-1 means the high watermark).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from wirekafka.broker.context import RequestContext
from wirekafka.broker.registry import handles
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.offsets import (
    DeleteRecordsResponse,
    ListOffsetsResponse,
    OffsetForLeaderEpochResponse,
)
from wirekafka.replication.offset_queries import target_supported
from wirekafka.replication.operations import (
    CONSUMER_REPLICA_ID,
    DEBUGGING_REPLICA_ID,
    DeleteRecordsOutcome,
    EpochEndOffset,
    IsolationLevel,
    OffsetLookup,
)


@handles(ApiKey.LIST_OFFSETS, versions=(0, 10))
async def list_offsets(ctx: RequestContext, request: Any) -> Any:
    version = ctx.api_version
    manager = ctx.broker.replica_manager
    replica_id = request.replica_id
    from_consumer = replica_id == CONSUMER_REPLICA_ID
    fetch_only_leader = replica_id != DEBUGGING_REPLICA_ID
    isolation: IsolationLevel | None = None
    if from_consumer:
        isolation = (
            IsolationLevel.READ_COMMITTED if request.isolation_level == 1 else IsolationLevel.READ_UNCOMMITTED
        )
    named = Counter(
        (topic.name, partition.partition_index) for topic in request.topics for partition in topic.partitions
    )
    topics = []
    for topic in request.topics:
        partitions = []
        for partition in topic.partitions:
            answer = ListOffsetsResponse.ListOffsetsPartitionResponse(
                partition_index=partition.partition_index
            )
            if version == 0:
                if partition.timestamp < -2:
                    answer.error_code = ErrorCode.UNSUPPORTED_VERSION
                elif manager is None:
                    answer.error_code = ErrorCode.NOT_LEADER_OR_FOLLOWER
                else:
                    error, offsets = manager.legacy_offsets(
                        topic.name,
                        partition.partition_index,
                        partition.timestamp,
                        partition.max_num_offsets,
                        from_consumer=from_consumer,
                        fetch_only_leader=fetch_only_leader,
                    )
                    answer.error_code = error
                    answer.old_style_offsets = offsets
                partitions.append(answer)
                continue
            if named[(topic.name, partition.partition_index)] > 1:
                lookup = OffsetLookup(ErrorCode.INVALID_REQUEST)
            elif not target_supported(partition.timestamp, version):
                lookup = OffsetLookup(ErrorCode.UNSUPPORTED_VERSION)
            elif manager is None:
                lookup = OffsetLookup(ErrorCode.NOT_LEADER_OR_FOLLOWER)
            else:
                lookup = manager.list_offset(
                    topic.name,
                    partition.partition_index,
                    partition.timestamp,
                    isolation_level=isolation,
                    current_leader_epoch=partition.current_leader_epoch if version >= 4 else -1,
                    fetch_only_leader=fetch_only_leader,
                )
            error = lookup.error_code
            if error == ErrorCode.OFFSET_NOT_AVAILABLE and version < 5:
                error = ErrorCode.LEADER_NOT_AVAILABLE
            answer.error_code = error
            answer.timestamp = lookup.timestamp
            answer.offset = lookup.offset
            if version >= 4:
                answer.leader_epoch = lookup.leader_epoch
            partitions.append(answer)
        topics.append(ListOffsetsResponse.ListOffsetsTopicResponse(name=topic.name, partitions=partitions))
    return ListOffsetsResponse(throttle_time_ms=0, topics=topics)


@handles(ApiKey.OFFSET_FOR_LEADER_EPOCH, versions=(0, 4))
async def offset_for_leader_epoch(ctx: RequestContext, request: Any) -> Any:
    version = ctx.api_version
    manager = ctx.broker.replica_manager
    topics = []
    for topic in request.topics:
        partitions = []
        for partition in topic.partitions:
            if manager is None:
                found = EpochEndOffset(ErrorCode.NOT_LEADER_OR_FOLLOWER)
            else:
                found = manager.end_offset_for_leader_epoch(
                    topic.topic,
                    partition.partition,
                    partition.leader_epoch,
                    current_leader_epoch=partition.current_leader_epoch if version >= 2 else -1,
                )
            partitions.append(
                OffsetForLeaderEpochResponse.EpochEndOffset(
                    error_code=found.error_code,
                    partition=partition.partition,
                    leader_epoch=found.leader_epoch,
                    end_offset=found.end_offset,
                )
            )
        topics.append(
            OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult(topic=topic.topic, partitions=partitions)
        )
    return OffsetForLeaderEpochResponse(throttle_time_ms=0, topics=topics)


@handles(ApiKey.DELETE_RECORDS, versions=(0, 2))
async def delete_records(ctx: RequestContext, request: Any) -> Any:
    manager = ctx.broker.replica_manager
    topics = []
    for topic in request.topics:
        partitions = []
        for partition in topic.partitions:
            if manager is None:
                outcome = DeleteRecordsOutcome(ErrorCode.NOT_LEADER_OR_FOLLOWER)
            else:
                outcome = manager.delete_records(topic.name, partition.partition_index, partition.offset)
            partitions.append(
                DeleteRecordsResponse.DeleteRecordsPartitionResult(
                    partition_index=partition.partition_index,
                    low_watermark=outcome.low_watermark,
                    error_code=outcome.error_code,
                )
            )
        topics.append(DeleteRecordsResponse.DeleteRecordsTopicResult(name=topic.name, partitions=partitions))
    return DeleteRecordsResponse(throttle_time_ms=0, topics=topics)
