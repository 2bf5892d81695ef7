"""Reading a fetch's partitions from their logs: Kafka's ``readFromLog``.

The replica manager owns the partitions and the waiting (``FetchWaiter``); this is the read
itself, a pure function of the request and the hosted partitions: the per-partition checks in
Kafka's order (topic id, leader epoch, leadership, follower membership, diverging epoch), the
readable end (high watermark, last stable offset or log end), the response byte budget, and the
aborted transactions a ``read_committed`` consumer needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from wirekafka.log.errors import LogError, OffsetOutOfRangeError
from wirekafka.log.file_region import FileRegion
from wirekafka.protocol.errors import ErrorCode
from wirekafka.replication import offset_queries
from wirekafka.replication.hosted_partition import HostedPartition
from wirekafka.replication.operations import (
    UNKNOWN_OFFSET,
    FetchParams,
    FetchPartition,
    FetchPartitionResult,
    IsolationLevel,
)

PartitionLookup = Callable[[str, int], "HostedPartition | ErrorCode"]
"""``(topic, partition)`` -> the hosted partition, or why there is none (Kafka's
``getPartitionOrException``)."""


def read_partitions(
    params: FetchParams,
    partitions: Sequence[FetchPartition],
    lookup: PartitionLookup,
    now_ms: int,
    *,
    update_follower_state: bool,
) -> tuple[list[FetchPartitionResult], bool]:
    """Kafka's ``readFromLog``: the response budget ``max_bytes`` shrinks as partitions return
    data; the first partition with data may exceed every limit by one batch (KIP-74).

    Returns the results and whether the fetch must be answered without waiting (an error, a
    diverging epoch, or more data readable than a limit let through).
    """
    remaining = params.max_bytes
    first_batch_free = True
    results: list[FetchPartitionResult] = []
    must_answer = False
    for request in partitions:
        result, more = read_partition(
            params,
            request,
            lookup(request.topic, request.partition),
            min(request.partition_max_bytes, remaining),
            first_batch_free,
            update_follower_state,
            now_ms,
        )
        size = len(result.records)
        if size:
            first_batch_free = False
        remaining = max(0, remaining - size)
        must_answer = (
            must_answer
            or more
            or result.error_code != ErrorCode.NO_ERROR
            or result.diverging_epoch is not None
        )
        results.append(result)
    return results, must_answer


def read_partition(
    params: FetchParams,
    request: FetchPartition,
    found: HostedPartition | ErrorCode,
    max_bytes: int,
    first_batch_free: bool,
    update_follower_state: bool,
    now_ms: int,
) -> tuple[FetchPartitionResult, bool]:
    """One partition of a fetch: ``found`` is the hosted partition or the lookup's error.

    Returns the result and whether it needs an answer without waiting for more data.
    """
    result = FetchPartitionResult(request.topic, request.partition, topic_id=request.topic_id)
    if (
        not isinstance(found, ErrorCode)
        and request.topic_id is not None
        and request.topic_id != found.topic_id
    ):
        found = ErrorCode.INCONSISTENT_TOPIC_ID
    if not isinstance(found, ErrorCode):
        found = epoch_and_leader_checked(found, request.current_leader_epoch, params.fetch_only_leader)
    if (
        not isinstance(found, ErrorCode)
        and params.is_from_follower
        and params.replica_id not in found.state.replicas
    ):
        found = (
            ErrorCode.UNKNOWN_LEADER_EPOCH
            if request.current_leader_epoch >= 0
            else ErrorCode.NOT_LEADER_OR_FOLLOWER
        )
    if isinstance(found, ErrorCode):
        result.error_code = found
        return result, False
    hosted = found
    log = hosted.log
    high_watermark = hosted.high_watermark
    last_stable_offset = hosted.last_stable_offset
    log_start_offset = log.log_start_offset
    log_end_offset = log.log_end_offset
    if request.last_fetched_epoch >= 0:
        epoch_end = offset_queries.end_offset_for_epoch(hosted, request.last_fetched_epoch)
        if epoch_end.end_offset == UNKNOWN_OFFSET or request.fetch_offset < log_start_offset:
            result.error_code = ErrorCode.OFFSET_OUT_OF_RANGE
            return result, False
        if epoch_end.leader_epoch < request.last_fetched_epoch or epoch_end.end_offset < request.fetch_offset:
            result.diverging_epoch = (epoch_end.leader_epoch, epoch_end.end_offset)
            result.high_watermark = high_watermark
            result.last_stable_offset = last_stable_offset
            result.log_start_offset = log_start_offset
            return result, True
    if params.is_from_follower:
        max_offset = log_end_offset
    elif params.isolation_level == IsolationLevel.READ_COMMITTED:
        max_offset = last_stable_offset
    else:
        max_offset = high_watermark
    if request.fetch_offset == max_offset:
        # Caught up: nothing readable, and nothing to check (log start <= max offset <= log end).
        # A consumer's long poll reads every partition it asked for on arrival and again when
        # woken, and nearly all of them are at the end: this is most reads of a live consumer.
        records: bytes | FileRegion = b""
        next_offset = max_offset
    else:
        try:
            read = log.read(
                request.fetch_offset,
                max_bytes,
                max_offset=max_offset,
                min_one_batch=first_batch_free,
                zero_copy=True,
            )
        except OffsetOutOfRangeError:
            result.error_code = ErrorCode.OFFSET_OUT_OF_RANGE
            return result, False
        except LogError as exc:
            result.error_code = ErrorCode[exc.kafka_error]
            return result, False
        records, next_offset = read.records, read.next_offset
    if params.is_from_follower and update_follower_state:
        hosted.follower_fetched(
            params.replica_id,
            fetch_offset=request.fetch_offset,
            log_start_offset=request.log_start_offset,
            now_ms=now_ms,
        )
    result.high_watermark = high_watermark
    result.last_stable_offset = last_stable_offset
    result.log_start_offset = log_start_offset
    result.records = records
    if params.isolation_level == IsolationLevel.READ_COMMITTED and not params.is_from_follower:
        upper_bound = next_offset if records else request.fetch_offset
        result.aborted_transactions = [
            (aborted.producer_id, aborted.first_offset)
            for aborted in hosted.aborted_transactions(request.fetch_offset, upper_bound)
        ]
    # Kafka's DelayedFetch case F: more is readable now than this read returned (it stopped at
    # a segment end), or the fetch is past the readable end (a truncated leader).
    more = request.fetch_offset > max_offset or (
        bool(records) and next_offset < max_offset and len(records) < max_bytes
    )
    return result, more


def epoch_and_leader_checked(
    hosted: HostedPartition, current_leader_epoch: int, require_leader: bool
) -> HostedPartition | ErrorCode:
    """Kafka's leader-epoch check (FENCED/UNKNOWN_LEADER_EPOCH) before the leadership check."""
    error = hosted.state.check_leader_epoch(current_leader_epoch)
    if error != ErrorCode.NO_ERROR:
        return error
    if require_leader and not hosted.state.is_leader:
        return ErrorCode.NOT_LEADER_OR_FOLLOWER
    return hosted
