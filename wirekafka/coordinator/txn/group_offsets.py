"""Transactional offsets in ``__consumer_offsets``, until the group coordinator takes them over.

Kafka's group coordinator owns this: ``commitTransactionalOffsets`` writes a TxnOffsetCommit's
offsets as a *transactional* batch (producer id and epoch set), and ``completeTransaction`` writes
the COMMIT/ABORT marker through the same runtime, so the group shard replays both at once and its
offsets become committed (or vanish) exactly when the marker is in the log.

The group coordinator here (``wirekafka/coordinator/group``) already replays such batches and
markers when it loads a partition, but its runtime writes only non-transactional batches. Until
it offers ``txn_offset_commit`` and ``complete_transaction`` itself (the handler and the marker
writer prefer those when present), this module writes the batch or marker with the replica
manager and then hands the same records to the loaded shard, inside a runtime operation that
emits nothing -- the shard's state and ``next_offset`` then match the log again. If a group
write slips in between, the runtime sees the offset jump and reloads the partition from the log,
which replays ours too. Not checked here (gaps): the member id / generation of a v3+ request.
"""

from __future__ import annotations

from typing import Any

from wirekafka.coordinator.group import records as group_records
from wirekafka.coordinator.group.result import Result
from wirekafka.coordinator.runtime import CoordinatorError
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.txn import TxnOffsetCommitResponse
from wirekafka.records.batch import NO_SEQUENCE
from wirekafka.records.builder import build_batch
from wirekafka.records.control import ControlType, build_end_txn_marker
from wirekafka.records.record import Record
from wirekafka.replication.operations import ReplicaManagerError

__all__ = ["GROUP_METADATA_TOPIC", "commit_transactional_offsets", "complete_group_transaction"]

GROUP_METADATA_TOPIC = "__consumer_offsets"


def _coordinator_error(error: ErrorCode) -> ErrorCode:
    """Kafka's mapping of an offsets-partition append error to what a client acts upon."""
    if error in (ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.KAFKA_STORAGE_ERROR):
        return ErrorCode.NOT_COORDINATOR
    if error in (
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        ErrorCode.NOT_ENOUGH_REPLICAS,
        ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        ErrorCode.REQUEST_TIMED_OUT,
    ):
        return ErrorCode.COORDINATOR_NOT_AVAILABLE
    return error


async def _replay_into_shard(groups: Any, index: int, base: int, last: int, replay: Any) -> None:
    """Hand what was just appended at ``[base, last]`` to the loaded shard of ``index``."""

    def operation(shard: Any, now_ms: int) -> Result[None]:
        if shard.next_offset == base:
            replay(shard)
            shard.next_offset = last + 1
        return Result()

    try:
        await groups.runtime.write(index, operation)
    except CoordinatorError:
        pass  # not loaded (or reloading): the load replays the partition, ours included


async def commit_transactional_offsets(groups: Any, log: Any, request: Any, *, now_ms: int) -> Any:
    """TxnOffsetCommit: the offsets as one transactional batch of the request's producer."""
    index = groups.partition_for(request.group_id)
    max_metadata = groups.config.offset_metadata_max_bytes
    written: list[Any] = []
    answers: list[Any] = []
    for topic in request.topics:
        partitions = []
        for partition in topic.partitions:
            metadata = partition.committed_metadata
            error = ErrorCode.NO_ERROR
            if metadata is not None and len(metadata) > max_metadata:
                error = ErrorCode.OFFSET_METADATA_TOO_LARGE
            else:
                written.append(
                    group_records.offset_commit(
                        request.group_id,
                        topic.name,
                        partition.partition_index,
                        offset=partition.committed_offset,
                        leader_epoch=partition.committed_leader_epoch,
                        metadata=metadata or "",
                        commit_timestamp_ms=now_ms,
                        expire_timestamp_ms=None,
                    )
                )
            partitions.append((partition.partition_index, error))
        answers.append((topic.name, partitions))
    if written:
        encoded = [record.encode() for record in written]
        batch = build_batch(
            [
                Record(offset=i, timestamp=now_ms, key=key, value=value)
                for i, (key, value) in enumerate(encoded)
            ],
            producer_id=request.producer_id,
            producer_epoch=request.producer_epoch,
            base_sequence=NO_SEQUENCE,
            is_transactional=True,
        )
        try:
            base, last = await log.append_internal(GROUP_METADATA_TOPIC, index, batch, required_acks=-1)
        except ReplicaManagerError as exc:
            failed = _coordinator_error(ErrorCode(exc.error_code))
            answers = [(name, [(p, failed) for p, _ in partitions]) for name, partitions in answers]
        else:

            def replay(shard: Any) -> None:
                for offset, record in enumerate(written, base):
                    shard.replay(record, offset, request.producer_id)

            await _replay_into_shard(groups, index, base, last, replay)
    return TxnOffsetCommitResponse(
        throttle_time_ms=0,
        topics=[
            TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic(
                name=name,
                partitions=[
                    TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition(partition_index=p, error_code=e)
                    for p, e in partitions
                ],
            )
            for name, partitions in answers
        ],
    )


async def complete_group_transaction(
    groups: Any,
    log: Any,
    partition: int,
    *,
    producer_id: int,
    producer_epoch: int,
    coordinator_epoch: int,
    committed: bool,
    now_ms: int,
) -> ErrorCode:
    """Write the marker to ``__consumer_offsets-<partition>`` and let the shard apply it."""
    marker = build_end_txn_marker(
        ControlType.COMMIT if committed else ControlType.ABORT,
        producer_id=producer_id,
        producer_epoch=producer_epoch,
        coordinator_epoch=coordinator_epoch,
        timestamp_ms=now_ms,
    )
    try:
        base, last = await log.append_internal(GROUP_METADATA_TOPIC, partition, marker, required_acks=-1)
    except ReplicaManagerError as exc:
        return ErrorCode(exc.error_code)
    await _replay_into_shard(
        groups, partition, base, last, lambda shard: shard.replay_end_transaction(producer_id, committed)
    )
    return ErrorCode.NO_ERROR
