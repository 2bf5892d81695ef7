"""Committed offsets: OffsetCommit (8), OffsetFetch (9) and OffsetDelete (47).

Thin: the group coordinator (``wirekafka/coordinator/group``) validates and stores; this module
shapes answers per version:

- OffsetCommit: v1 ``generation_id``/``member_id`` (v0 commits as an admin), v2-v4
  ``retention_time_ms``, v6 leader epochs, v7 ``group_instance_id``, v9 KIP-848 member epochs
  and GROUP_ID_NOT_FOUND. A group-level error is repeated on every partition.
- OffsetFetch: v0-v7 ask for one group (v2+: null topics means all, and a top-level error code;
  v0-v1 carry a group-level error on every requested partition instead), v5 leader epochs,
  v7 ``require_stable``, v8+ several groups per request, v9 member id and epoch (KIP-848).
  Unknown partitions come back with offset -1 and empty metadata, as Kafka.
- OffsetDelete: one group, partition-level GROUP_SUBSCRIBED_TO_TOPIC.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wirekafka.broker.context import RequestContext
from wirekafka.broker.handlers.group import client_info, coordinator_or_none, unavailable
from wirekafka.broker.registry import handles
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.offsets import (
    OffsetCommitResponse,
    OffsetDeleteResponse,
    OffsetFetchResponse,
)


@handles(ApiKey.OFFSET_COMMIT, versions=(0, 9))
async def offset_commit(ctx: RequestContext, request: Any) -> Any:
    coordinator = coordinator_or_none(ctx)
    if coordinator is not None:
        return await coordinator.offset_commit(request, client_info(ctx))
    return OffsetCommitResponse(
        topics=[
            OffsetCommitResponse.OffsetCommitResponseTopic(
                name=topic.name,
                partitions=[
                    OffsetCommitResponse.OffsetCommitResponsePartition(
                        partition_index=p.partition_index, error_code=unavailable(ctx)
                    )
                    for p in topic.partitions
                ],
            )
            for topic in request.topics
        ]
    )


async def _fetch(
    ctx: RequestContext,
    group_id: str,
    topics: list[tuple[str, list[int]]] | None,
    require_stable: bool,
    member_id: str | None = None,
    member_epoch: int = -1,
) -> tuple[int, list[tuple[str, list[Any]]]]:
    """(group error, [(topic, [FetchedPartition])]) of one group."""
    coordinator = coordinator_or_none(ctx)
    if coordinator is None:
        return unavailable(ctx), []
    fetched = await coordinator.offset_fetch(
        group_id, topics, require_stable=require_stable, member_id=member_id, member_epoch=member_epoch
    )
    return fetched.error, fetched.topics


def topics_of(requested: Iterable[Any] | None) -> list[tuple[str, list[int]]] | None:
    """OffsetFetch request topics as (name, partitions); None means "every partition"."""
    if requested is None:
        return None
    return [(t.name, list(t.partition_indexes)) for t in requested]


@handles(ApiKey.OFFSET_FETCH, versions=(0, 9))
async def offset_fetch(ctx: RequestContext, request: Any) -> Any:
    version = ctx.api_version
    require_stable = version >= 7 and request.require_stable
    if version >= 8:
        groups = []
        for group in request.groups:
            error, fetched = await _fetch(
                ctx,
                group.group_id,
                topics_of(group.topics),
                require_stable,
                group.member_id if version >= 9 else None,
                group.member_epoch if version >= 9 else -1,
            )
            groups.append(
                OffsetFetchResponse.OffsetFetchResponseGroup(
                    group_id=group.group_id,
                    error_code=error,
                    topics=[
                        OffsetFetchResponse.OffsetFetchResponseTopics(
                            name=topic,
                            partitions=[
                                OffsetFetchResponse.OffsetFetchResponsePartitions(
                                    partition_index=p.partition_index,
                                    committed_offset=p.committed_offset,
                                    committed_leader_epoch=p.leader_epoch,
                                    metadata=p.metadata,
                                    error_code=p.error,
                                )
                                for p in partitions
                            ],
                        )
                        for topic, partitions in fetched
                    ],
                )
            )
        return OffsetFetchResponse(groups=groups)
    requested = topics_of(request.topics)
    error, fetched = await _fetch(ctx, request.group_id, requested, require_stable)
    if error != ErrorCode.NO_ERROR:
        if version >= 2:
            return OffsetFetchResponse(error_code=error)
        # v0-v1 have no top-level error: every requested partition carries it.
        return OffsetFetchResponse(
            topics=[
                _fetch_topic(topic, [(p, -1, -1, "", error) for p in partitions])
                for topic, partitions in requested or []
            ]
        )
    return OffsetFetchResponse(
        error_code=ErrorCode.NO_ERROR,
        topics=[
            _fetch_topic(
                topic,
                [
                    (p.partition_index, p.committed_offset, p.leader_epoch, p.metadata, p.error)
                    for p in partitions
                ],
            )
            for topic, partitions in fetched
        ],
    )


def _fetch_topic(topic: str, partitions: list[tuple[int, int, int, str, int]]) -> Any:
    return OffsetFetchResponse.OffsetFetchResponseTopic(
        name=topic,
        partitions=[
            OffsetFetchResponse.OffsetFetchResponsePartition(
                partition_index=index,
                committed_offset=offset,
                committed_leader_epoch=leader_epoch,
                metadata=metadata,
                error_code=error,
            )
            for index, offset, leader_epoch, metadata, error in partitions
        ],
    )


@handles(ApiKey.OFFSET_DELETE, versions=(0, 0))
async def offset_delete(ctx: RequestContext, request: Any) -> Any:
    coordinator = coordinator_or_none(ctx)
    if coordinator is None:
        return OffsetDeleteResponse(error_code=unavailable(ctx))
    return await coordinator.offset_delete(request, client_info(ctx))
