"""Produce (key 0): append one record batch per partition.

Versions: advertised from v0 because librdkafka before 2.11.1 turns compression off unless the
Produce range starts at 0, but v0-v2 (magic 0/1 message sets) are answered with
UNSUPPORTED_VERSION for every partition, as Kafka 4 does. v3 adds the transactional id and
requires magic v2, v5 adds ``log_start_offset``, v7 allows zstd, v8 adds ``record_errors`` and
``error_message``, v9 is flexible, v10 adds ``current_leader`` and ``node_endpoints`` (KIP-951)
for NOT_LEADER_OR_FOLLOWER, v11 adds TRANSACTION_ABORTABLE.

Per partition, in Kafka's order: the topic must be in the metadata (UNKNOWN_TOPIC_OR_PARTITION),
the payload must be one v2 batch (``append_validation.single_produce_batch``), then the replica
manager appends. ``acks=0`` gets no response at all.
"""

from __future__ import annotations

from typing import Any

from wirekafka.broker.context import RequestContext
from wirekafka.broker.registry import handles
from wirekafka.metadata.image import BrokerImage
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.produce import ProduceResponse
from wirekafka.replication.append_validation import AppendError, single_produce_batch
from wirekafka.replication.operations import AppendEntry, AppendResult
from wirekafka.server.dispatch import Close

MIN_SERVED_VERSION = 3
ADMIN_CLIENT_ID = "__admin_client"  # Kafka's AdminUtils.ADMIN_CLIENT_ID: may write internal topics


@handles(ApiKey.PRODUCE, versions=(0, 11))
async def produce(ctx: RequestContext, request: Any) -> Any:
    version = ctx.api_version
    manager = ctx.broker.replica_manager
    image = ctx.broker.metadata_image
    results: list[tuple[str, list[AppendResult]]] = []
    entries: list[AppendEntry] = []
    for topic in request.topic_data:
        topic_results: list[AppendResult] = []
        for data in topic.partition_data:
            result = AppendResult(topic.name, data.index)
            topic_results.append(result)
            if version < MIN_SERVED_VERSION:
                result.error_code = ErrorCode.UNSUPPORTED_VERSION
            elif image.partition(topic.name, data.index) is None:
                result.error_code = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            elif manager is None:
                result.error_code = ErrorCode.NOT_LEADER_OR_FOLLOWER
            else:
                try:
                    batch = single_produce_batch(version, data.records)
                except AppendError as exc:
                    result.error_code = exc.error_code
                    result.error_message = exc.message
                    continue
                entries.append(AppendEntry(topic.name, data.index, batch))
        results.append((topic.name, topic_results))
    if entries:
        appended = await manager.append_records(
            entries,
            required_acks=request.acks,
            timeout_ms=request.timeout_ms,
            internal_topics_allowed=ctx.client_id == ADMIN_CLIENT_ID,
            transactional_id=request.transactional_id if version >= 3 else None,
        )
        _merge(results, appended)
    if request.acks == 0:
        # No response either way; but a failed acks=0 write closes the connection, as Kafka does,
        # so that the producer notices, refreshes its metadata and reconnects.
        failed = [(topic, r.partition, r.error_code) for topic, rs in results for r in rs if r.error_code]
        if failed:
            return Close(f"acks=0 produce failed: {failed[:3]}")
        return None
    return _response(ctx, results)


def _merge(results: list[tuple[str, list[AppendResult]]], appended: list[AppendResult]) -> None:
    """Put the replica manager's results in the slots of the partitions that reached it."""
    by_partition = {(result.topic, result.partition): result for result in appended}
    for _, topic_results in results:
        for index, result in enumerate(topic_results):
            done = by_partition.get((result.topic, result.partition))
            if done is not None and result.error_code == ErrorCode.NO_ERROR:
                topic_results[index] = done


def _response(ctx: RequestContext, results: list[tuple[str, list[AppendResult]]]) -> Any:
    version = ctx.api_version
    endpoints: dict[int, BrokerImage] = {}
    topics = []
    for name, topic_results in results:
        partitions = []
        for result in topic_results:
            partition = ProduceResponse.PartitionProduceResponse(
                index=result.partition,
                error_code=result.error_code,
                base_offset=result.base_offset,
                log_append_time_ms=result.log_append_time_ms,
                log_start_offset=result.log_start_offset,
                record_errors=[
                    ProduceResponse.BatchIndexAndErrorMessage(
                        batch_index=error.batch_index, batch_index_error_message=error.message
                    )
                    for error in result.record_errors
                ],
                error_message=result.error_message if result.error_code != ErrorCode.NO_ERROR else None,
            )
            if version >= 10 and result.error_code == ErrorCode.NOT_LEADER_OR_FOLLOWER:
                leader_id, leader_epoch, endpoint = current_leader(ctx, result.topic, result.partition)
                partition.current_leader = ProduceResponse.LeaderIdAndEpoch(
                    leader_id=leader_id, leader_epoch=leader_epoch
                )
                if endpoint is not None:
                    endpoints[endpoint.node_id] = endpoint
            partitions.append(partition)
        topics.append(ProduceResponse.TopicProduceResponse(name=name, partition_responses=partitions))
    response = ProduceResponse(responses=topics, throttle_time_ms=0)
    if version >= 10 and endpoints:
        response.node_endpoints = [
            ProduceResponse.NodeEndpoint(node_id=e.node_id, host=e.host, port=e.port, rack=e.rack)
            for e in endpoints.values()
        ]
    return response


def current_leader(ctx: RequestContext, topic: str, partition: int) -> tuple[int, int, BrokerImage | None]:
    """(leader id, leader epoch, leader's endpoint or None) for KIP-951 leader discovery."""
    image = ctx.broker.metadata_image
    assignment = image.partition(topic, partition)
    if assignment is None or assignment.leader_id < 0:
        return -1, -1, None
    endpoint: BrokerImage | None
    if assignment.leader_id == ctx.broker.node_id:
        endpoint = ctx.broker.advertised_endpoint(ctx.listener_name)
    else:
        endpoint = image.brokers.get(assignment.leader_id)
    return assignment.leader_id, assignment.leader_epoch, endpoint
