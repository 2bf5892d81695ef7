"""CreateTopics (19), DeleteTopics (20), CreatePartitions (37), ElectLeaders (43): topic administration.

Handlers translate requests into controller operations (``broker.controller``) and results back
into each version's layout; the checks and error codes live in ``wirekafka.controller``.

CreateTopics: v1+ ``validate_only``; v4+ -1 partitions / replication factor for the broker
defaults (accepted at every version, as Kafka's controller does); v5+ the result carries the
partition count, replication factor and effective configs; v7+ the topic id.
DeleteTopics: v0-5 by name; v6+ by name or topic id (null name). Deletion disabled
(``delete.topic.enable=false``) answers INVALID_REQUEST before v3, TOPIC_DELETION_DISABLED after.
CreatePartitions: one result per requested topic, always (an empty list breaks clients).
ElectLeaders: v0 is preferred election only; v1+ carries the type and a top-level error code.
"""

from __future__ import annotations

import uuid
from typing import Any

from wirekafka.broker.context import RequestContext
from wirekafka.broker.registry import handles
from wirekafka.controller.replication_control import CreatedTopic, NewPartitions, NewTopic
from wirekafka.controller.results import ApiError, ControllerError
from wirekafka.metadata.image import ZERO_UUID
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.admin import (
    CreatePartitionsResponse,
    CreateTopicsResponse,
    DeleteTopicsResponse,
    ElectLeadersResponse,
)


@handles(ApiKey.CREATE_TOPICS, versions=(0, 7))
async def create_topics(ctx: RequestContext, request: Any) -> Any:
    topics = [
        NewTopic(
            name=topic.name,
            num_partitions=topic.num_partitions,
            replication_factor=topic.replication_factor,
            assignments=[(a.partition_index, list(a.broker_ids)) for a in topic.assignments],
            configs={config.name: config.value for config in topic.configs},
        )
        for topic in request.topics
    ]
    results = await ctx.broker.controller.create_topics(topics, validate_only=request.validate_only)
    return CreateTopicsResponse(topics=[_created_topic(result) for result in results])


def _created_topic(result: CreatedTopic) -> Any:
    entry = CreateTopicsResponse.CreatableTopicResult(
        name=result.name,
        topic_id=result.topic_id,
        error_code=result.error.code,
        error_message=result.error.message,
    )
    if result.error.is_success:
        entry.num_partitions = result.num_partitions
        entry.replication_factor = result.replication_factor
        entry.configs = [
            CreateTopicsResponse.CreatableTopicConfigs(
                name=config.name,
                value=config.value,
                read_only=config.read_only,
                config_source=config.source,
                is_sensitive=config.sensitive,
            )
            for config in result.configs
        ]
    return entry


@handles(ApiKey.DELETE_TOPICS, versions=(0, 6))
async def delete_topics(ctx: RequestContext, request: Any) -> Any:
    """Resolve names and ids (Kafka's ``ControllerApis.deleteTopics``), then delete by id."""
    version = ctx.api_version
    entries: list[tuple[str | None, uuid.UUID]] = (
        [(t.name, t.topic_id) for t in request.topics]
        if version >= 6
        else [(n, ZERO_UUID) for n in request.topic_names]
    )
    if not ctx.broker.config["delete.topic.enable"]:
        code = ErrorCode.INVALID_REQUEST if version < 3 else ErrorCode.TOPIC_DELETION_DISABLED
        message = "Topic deletion is disabled." if version < 3 else None
        return DeleteTopicsResponse(
            responses=[_deleted(name, topic_id, ApiError(code, message)) for name, topic_id in entries]
        )
    image = ctx.broker.metadata_image
    responses: list[Any] = []
    names: dict[str, int] = {}
    ids: dict[uuid.UUID, int] = {}
    for name, topic_id in entries:
        if name is None and topic_id == ZERO_UUID:
            responses.append(
                _deleted(
                    None,
                    ZERO_UUID,
                    ApiError(ErrorCode.INVALID_REQUEST, "Neither topic name nor id were specified."),
                )
            )
        elif name is not None and topic_id != ZERO_UUID:
            responses.append(
                _deleted(
                    name,
                    topic_id,
                    ApiError(ErrorCode.INVALID_REQUEST, "You may not specify both topic name and topic id."),
                )
            )
        elif name is not None:
            names[name] = names.get(name, 0) + 1
        else:
            ids[topic_id] = ids.get(topic_id, 0) + 1
    to_delete: dict[uuid.UUID, str] = {}
    for topic_id, count in ids.items():
        if count > 1:
            responses.append(
                _deleted(None, topic_id, ApiError(ErrorCode.INVALID_REQUEST, "Duplicate topic id."))
            )
            continue
        topic = image.topic_by_id(topic_id)
        if topic is None:
            responses.append(
                _deleted(
                    None,
                    topic_id,
                    ApiError(ErrorCode.UNKNOWN_TOPIC_ID, "This server does not host this topic ID."),
                )
            )
        else:
            to_delete[topic_id] = topic.name
    for name, count in names.items():
        if count > 1:
            responses.append(
                _deleted(name, ZERO_UUID, ApiError(ErrorCode.INVALID_REQUEST, "Duplicate topic name."))
            )
            continue
        found = image.topics.get(name)
        if found is None:
            responses.append(_deleted(name, ZERO_UUID, ApiError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)))
        elif found.topic_id in to_delete or found.topic_id in ids:
            responses.append(
                _deleted(
                    name,
                    found.topic_id,
                    ApiError(
                        ErrorCode.INVALID_REQUEST,
                        "The provided topic name maps to an ID that was already supplied.",
                    ),
                )
            )
            to_delete.pop(found.topic_id, None)
        else:
            to_delete[found.topic_id] = name
    if to_delete:
        results = await ctx.broker.controller.delete_topics(list(to_delete))
        for topic_id, error in results.items():
            responses.append(_deleted(to_delete[topic_id], topic_id, error))
    return DeleteTopicsResponse(responses=responses)


def _deleted(name: str | None, topic_id: uuid.UUID, error: ApiError) -> Any:
    return DeleteTopicsResponse.DeletableTopicResult(
        name=name, topic_id=topic_id, error_code=error.code, error_message=error.message
    )


@handles(ApiKey.CREATE_PARTITIONS, versions=(0, 3))
async def create_partitions(ctx: RequestContext, request: Any) -> Any:
    topics = [
        NewPartitions(
            name=topic.name,
            count=topic.count,
            assignments=None
            if topic.assignments is None
            else [list(a.broker_ids) for a in topic.assignments],
        )
        for topic in request.topics
    ]
    results = await ctx.broker.controller.create_partitions(topics, validate_only=request.validate_only)
    return CreatePartitionsResponse(
        results=[
            CreatePartitionsResponse.CreatePartitionsTopicResult(
                name=name, error_code=error.code, error_message=error.message
            )
            for name, error in results
        ]
    )


@handles(ApiKey.ELECT_LEADERS, versions=(0, 2))
async def elect_leaders(ctx: RequestContext, request: Any) -> Any:
    requested = (
        None
        if request.topic_partitions is None
        else {entry.topic: list(entry.partitions) for entry in request.topic_partitions}
    )
    try:
        results = await ctx.broker.controller.elect_leaders(request.election_type, requested)
    except ControllerError as exc:
        return ElectLeadersResponse(
            error_code=exc.error.code,
            replica_election_results=[
                ElectLeadersResponse.ReplicaElectionResult(
                    topic=topic,
                    partition_result=[
                        ElectLeadersResponse.PartitionResult(
                            partition_id=index, error_code=exc.error.code, error_message=exc.error.message
                        )
                        for index in indexes
                    ],
                )
                for topic, indexes in (requested or {}).items()
            ],
        )
    return ElectLeadersResponse(
        error_code=ErrorCode.NO_ERROR,
        replica_election_results=[
            ElectLeadersResponse.ReplicaElectionResult(
                topic=topic,
                partition_result=[
                    ElectLeadersResponse.PartitionResult(
                        partition_id=index, error_code=error.code, error_message=error.message
                    )
                    for index, error in partitions
                ],
            )
            for topic, partitions in results
        ],
    )
