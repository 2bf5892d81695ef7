"""Idempotent and transactional producers: InitProducerId (22), AddPartitionsToTxn (24),
AddOffsetsToTxn (25), EndTxn (26), WriteTxnMarkers (27), TxnOffsetCommit (28),
DescribeProducers (61), DescribeTransactions (65) and ListTransactions (66).

Thin: each handler turns the request into a call on ``ctx.broker.transaction_coordinator``
(``wirekafka/coordinator/txn``) or the replica manager and shapes the answer per version:

- InitProducerId: v3 adds the producer id/epoch a client resumes with (KIP-360; both or neither,
  else INVALID_REQUEST); v4 adds PRODUCER_FENCED, which older versions get as
  INVALID_PRODUCER_EPOCH; v5 adds TRANSACTION_ABORTABLE.
- AddPartitionsToTxn: v0-v3 come from clients, one transaction; an unknown partition fails the
  whole request (UNKNOWN_TOPIC_OR_PARTITION for it, OPERATION_NOT_ATTEMPTED for the rest); v2
  adds PRODUCER_FENCED. v4+ come from brokers: batches of transactions, ``verify_only`` (KIP-890).
- AddOffsetsToTxn / EndTxn: v2 add PRODUCER_FENCED. EndTxn v5 (transaction.version 2, an epoch
  bump per transaction) is not served: KIP-890 part 2 is not implemented (docs/transactions.md).
- TxnOffsetCommit: the group's ``__consumer_offsets`` partition must be in the transaction
  (AddOffsetsToTxn first, verified with the coordinator as in KIP-890 part 1); the group
  coordinator then writes the offsets as a transactional batch.
- WriteTxnMarkers: appends COMMIT/ABORT control batches to partitions this node leads.
- DescribeProducers: the producer state of partitions this node hosts.
"""

from __future__ import annotations

from typing import Any

from wirekafka.broker.context import RequestContext
from wirekafka.broker.handlers.group import (
    GROUP_METADATA_TOPIC,
    client_info,
    coordinator_or_none,
    coordinators_loading,
    unavailable,
)
from wirekafka.broker.registry import handles
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.txn import (
    AddOffsetsToTxnResponse,
    AddPartitionsToTxnResponse,
    DescribeProducersResponse,
    DescribeTransactionsResponse,
    EndTxnResponse,
    InitProducerIdResponse,
    ListTransactionsResponse,
    WriteTxnMarkersResponse,
)

NO_PRODUCER_ID = -1
NO_PRODUCER_EPOCH = -1


def _coordinator(ctx: RequestContext) -> Any:
    """The transaction coordinator, or None (answer ``unavailable(ctx)`` then)."""
    if coordinators_loading(ctx):
        return None
    return getattr(ctx.broker, "transaction_coordinator", None)


def _fenced_for(version: int, first_version_with_fenced: int, error: ErrorCode) -> ErrorCode:
    """Clients older than PRODUCER_FENCED (Kafka 2.7) know it as INVALID_PRODUCER_EPOCH."""
    if error == ErrorCode.PRODUCER_FENCED and version < first_version_with_fenced:
        return ErrorCode.INVALID_PRODUCER_EPOCH
    return error


# ---- InitProducerId --------------------------------------------------------------------------------


@handles(ApiKey.INIT_PRODUCER_ID, versions=(0, 5))
async def init_producer_id(ctx: RequestContext, request: Any) -> Any:
    coordinator = _coordinator(ctx)
    version = ctx.api_version
    producer_id = request.producer_id if version >= 3 else NO_PRODUCER_ID
    producer_epoch = request.producer_epoch if version >= 3 else NO_PRODUCER_EPOCH
    if coordinator is None:
        return _init_response(unavailable(ctx))
    if (producer_id == NO_PRODUCER_ID) != (producer_epoch == NO_PRODUCER_EPOCH):
        return _init_response(ErrorCode.INVALID_REQUEST)
    expected = None if producer_id == NO_PRODUCER_ID else (producer_id, producer_epoch)
    result = await coordinator.init_producer_id(
        request.transactional_id, request.transaction_timeout_ms, expected
    )
    error = _fenced_for(version, 4, result.error_code)
    if error != ErrorCode.NO_ERROR:
        return _init_response(error)
    return InitProducerIdResponse(
        throttle_time_ms=0,
        error_code=ErrorCode.NO_ERROR,
        producer_id=result.producer_id,
        producer_epoch=result.producer_epoch,
    )


def _init_response(error: ErrorCode) -> Any:
    return InitProducerIdResponse(
        throttle_time_ms=0, error_code=error, producer_id=NO_PRODUCER_ID, producer_epoch=NO_PRODUCER_EPOCH
    )


# ---- AddPartitionsToTxn ----------------------------------------------------------------------------


def _topic_results(errors: dict[tuple[str, int], ErrorCode]) -> list[Any]:
    by_topic: dict[str, list[Any]] = {}
    for (topic, partition), error in errors.items():
        by_topic.setdefault(topic, []).append(
            AddPartitionsToTxnResponse.AddPartitionsToTxnPartitionResult(
                partition_index=partition, partition_error_code=error
            )
        )
    return [
        AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult(name=name, results_by_partition=results)
        for name, results in by_topic.items()
    ]


def _requested(topics: Any) -> list[tuple[str, int]]:
    seen: dict[tuple[str, int], None] = {}
    for topic in topics:
        for partition in topic.partitions:
            seen[(topic.name, partition)] = None
    return list(seen)


async def _add_or_verify(
    ctx: RequestContext,
    transactional_id: str,
    producer_id: int,
    producer_epoch: int,
    partitions: list[tuple[str, int]],
    verify_only: bool,
) -> dict[tuple[str, int], ErrorCode]:
    """One transaction of an AddPartitionsToTxn request: an error for each of its partitions."""
    coordinator = _coordinator(ctx)
    if coordinator is None:
        return dict.fromkeys(partitions, unavailable(ctx))
    image = ctx.broker.metadata_image
    unknown = [tp for tp in partitions if image.partition(*tp) is None]
    if unknown:
        return {
            tp: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION if tp in unknown else ErrorCode.OPERATION_NOT_ATTEMPTED
            for tp in partitions
        }
    if verify_only:
        answers: dict[tuple[str, int], ErrorCode] = await coordinator.verify_partitions(
            transactional_id, producer_id, producer_epoch, partitions
        )
        return answers
    error = await coordinator.add_partitions(transactional_id, producer_id, producer_epoch, partitions)
    return dict.fromkeys(partitions, _fenced_for(ctx.api_version, 2, error))


@handles(ApiKey.ADD_PARTITIONS_TO_TXN, versions=(0, 5))
async def add_partitions_to_txn(ctx: RequestContext, request: Any) -> Any:
    if ctx.api_version < 4:
        errors = await _add_or_verify(
            ctx,
            request.v3_and_below_transactional_id,
            request.v3_and_below_producer_id,
            request.v3_and_below_producer_epoch,
            _requested(request.v3_and_below_topics),
            verify_only=False,
        )
        return AddPartitionsToTxnResponse(
            throttle_time_ms=0, results_by_topic_v3_and_below=_topic_results(errors)
        )
    results = []
    for transaction in request.transactions:
        errors = await _add_or_verify(
            ctx,
            transaction.transactional_id,
            transaction.producer_id,
            transaction.producer_epoch,
            _requested(transaction.topics),
            verify_only=transaction.verify_only,
        )
        results.append(
            AddPartitionsToTxnResponse.AddPartitionsToTxnResult(
                transactional_id=transaction.transactional_id, topic_results=_topic_results(errors)
            )
        )
    return AddPartitionsToTxnResponse(
        throttle_time_ms=0, error_code=ErrorCode.NO_ERROR, results_by_transaction=results
    )


# ---- AddOffsetsToTxn / EndTxn ------------------------------------------------------------------------


@handles(ApiKey.ADD_OFFSETS_TO_TXN, versions=(0, 4))
async def add_offsets_to_txn(ctx: RequestContext, request: Any) -> Any:
    coordinator = _coordinator(ctx)
    if coordinator is None:
        error = unavailable(ctx)
    else:
        error = await coordinator.add_offsets(
            request.transactional_id, request.producer_id, request.producer_epoch, request.group_id
        )
    return AddOffsetsToTxnResponse(throttle_time_ms=0, error_code=_fenced_for(ctx.api_version, 2, error))


@handles(ApiKey.END_TXN, versions=(0, 4))
async def end_txn(ctx: RequestContext, request: Any) -> Any:
    coordinator = _coordinator(ctx)
    if coordinator is None:
        error = unavailable(ctx)
    else:
        error = await coordinator.end_transaction(
            request.transactional_id, request.producer_id, request.producer_epoch, request.committed
        )
    return EndTxnResponse(throttle_time_ms=0, error_code=_fenced_for(ctx.api_version, 2, error))


# ---- TxnOffsetCommit -----------------------------------------------------------------------------------

_RETRY_LATER = frozenset(
    {
        ErrorCode.CONCURRENT_TRANSACTIONS,
        ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
        ErrorCode.COORDINATOR_NOT_AVAILABLE,
        ErrorCode.NOT_COORDINATOR,
    }
)


def txn_offset_commit_verification_error(version: int, error: ErrorCode) -> ErrorCode:
    """A failed KIP-890 verification as a TxnOffsetCommit error (Kafka's group coordinator
    normalisation): retriable ones make the client retry, a fenced producer is
    INVALID_PRODUCER_EPOCH, a group partition never added is TRANSACTION_ABORTABLE from v4 and
    INVALID_TXN_STATE before."""
    if error in _RETRY_LATER:
        return ErrorCode.COORDINATOR_NOT_AVAILABLE
    if error == ErrorCode.PRODUCER_FENCED:
        return ErrorCode.INVALID_PRODUCER_EPOCH
    if error == ErrorCode.TRANSACTION_ABORTABLE and version < 4:
        return ErrorCode.INVALID_TXN_STATE
    return error


def _txn_offset_commit_error(request: Any, error: ErrorCode) -> Any:
    from wirekafka.coordinator.group.offsets import txn_commit_error_response  # loads with the coordinators

    return txn_commit_error_response(request, error)


@handles(ApiKey.TXN_OFFSET_COMMIT, versions=(0, 4))
async def txn_offset_commit(ctx: RequestContext, request: Any) -> Any:
    coordinator = _coordinator(ctx)
    groups = coordinator_or_none(ctx)
    if coordinator is None or groups is None:
        # What a loading coordinator's verification answer becomes here (COORDINATOR_NOT_AVAILABLE).
        return _txn_offset_commit_error(
            request, txn_offset_commit_verification_error(ctx.api_version, unavailable(ctx))
        )
    offsets_partition = (GROUP_METADATA_TOPIC, groups.partition_for(request.group_id))
    answer = await coordinator.verify_partitions(
        request.transactional_id, request.producer_id, request.producer_epoch, [offsets_partition]
    )
    error = txn_offset_commit_verification_error(ctx.api_version, answer[offsets_partition])
    if error != ErrorCode.NO_ERROR:
        return _txn_offset_commit_error(request, error)
    return await groups.txn_offset_commit(request, client_info(ctx))


# ---- WriteTxnMarkers -----------------------------------------------------------------------------------


@handles(ApiKey.WRITE_TXN_MARKERS, versions=(0, 1))
async def write_txn_markers(ctx: RequestContext, request: Any) -> Any:
    coordinator = _coordinator(ctx)
    results = []
    for marker in request.markers:
        topics = []
        for topic in marker.topics:
            partitions = []
            for index in topic.partition_indexes:
                if coordinator is None:
                    error = unavailable(ctx)
                else:
                    error = await coordinator.markers.write(
                        topic.name,
                        index,
                        producer_id=marker.producer_id,
                        producer_epoch=marker.producer_epoch,
                        coordinator_epoch=marker.coordinator_epoch,
                        committed=marker.transaction_result,
                    )
                partitions.append(
                    WriteTxnMarkersResponse.WritableTxnMarkerPartitionResult(
                        partition_index=index, error_code=error
                    )
                )
            topics.append(
                WriteTxnMarkersResponse.WritableTxnMarkerTopicResult(name=topic.name, partitions=partitions)
            )
        results.append(
            WriteTxnMarkersResponse.WritableTxnMarkerResult(producer_id=marker.producer_id, topics=topics)
        )
    return WriteTxnMarkersResponse(markers=results)


# ---- DescribeProducers ---------------------------------------------------------------------------------


@handles(ApiKey.DESCRIBE_PRODUCERS, versions=(0, 0))
async def describe_producers(ctx: RequestContext, request: Any) -> Any:
    manager = ctx.broker.replica_manager
    image = ctx.broker.metadata_image
    topics = []
    for topic in request.topics:
        partitions = []
        for index in topic.partition_indexes:
            hosted = manager.partition(topic.name, index) if manager is not None else None
            response = DescribeProducersResponse.PartitionResponse(
                partition_index=index, error_code=ErrorCode.NO_ERROR
            )
            if hosted is None:
                response.error_code = (
                    ErrorCode.NOT_LEADER_OR_FOLLOWER
                    if image.partition(topic.name, index) is not None
                    else ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                )
            else:
                response.active_producers = [
                    DescribeProducersResponse.ProducerState(
                        producer_id=entry.producer_id,
                        producer_epoch=entry.producer_epoch,
                        last_sequence=entry.last_sequence,
                        last_timestamp=entry.last_timestamp,
                        coordinator_epoch=entry.coordinator_epoch,
                        current_txn_start_offset=(
                            -1 if entry.current_txn_first_offset is None else entry.current_txn_first_offset
                        ),
                    )
                    for entry in sorted(hosted.transactions.producers(), key=lambda e: e.producer_id)
                ]
            partitions.append(response)
        topics.append(DescribeProducersResponse.TopicResponse(name=topic.name, partitions=partitions))
    return DescribeProducersResponse(throttle_time_ms=0, topics=topics)


# ---- DescribeTransactions / ListTransactions ---------------------------------------------------------------


@handles(ApiKey.DESCRIBE_TRANSACTIONS, versions=(0, 0))
async def describe_transactions(ctx: RequestContext, request: Any) -> Any:
    coordinator = _coordinator(ctx)
    states = []
    for transactional_id in request.transactional_ids:
        if coordinator is None:
            states.append(_described_error(transactional_id, unavailable(ctx)))
            continue
        (described,) = await coordinator.describe([transactional_id])
        if described.error_code != ErrorCode.NO_ERROR:
            states.append(_described_error(transactional_id, described.error_code))
            continue
        states.append(
            DescribeTransactionsResponse.TransactionState(
                error_code=ErrorCode.NO_ERROR,
                transactional_id=transactional_id,
                transaction_state=described.state,
                transaction_timeout_ms=described.transaction_timeout_ms,
                transaction_start_time_ms=described.transaction_start_time_ms,
                producer_id=described.producer_id,
                producer_epoch=described.producer_epoch,
                topics=[
                    DescribeTransactionsResponse.TopicData(topic=topic, partitions=partitions)
                    for topic, partitions in described.partitions.items()
                ],
            )
        )
    return DescribeTransactionsResponse(throttle_time_ms=0, transaction_states=states)


def _described_error(transactional_id: str, error: ErrorCode) -> Any:
    return DescribeTransactionsResponse.TransactionState(
        error_code=error,
        transactional_id=transactional_id,
        transaction_state="",
        transaction_timeout_ms=0,
        transaction_start_time_ms=-1,
        producer_id=NO_PRODUCER_ID,
        producer_epoch=NO_PRODUCER_EPOCH,
        topics=[],
    )


@handles(ApiKey.LIST_TRANSACTIONS, versions=(0, 1))
async def list_transactions(ctx: RequestContext, request: Any) -> Any:
    from wirekafka.coordinator.txn.state import TransactionState  # loads after the broker answers

    coordinator = _coordinator(ctx)
    known = [TransactionState.from_name(name) for name in request.state_filters]
    unknown = [name for name, state in zip(request.state_filters, known, strict=True) if state is None]
    states = frozenset(state for state in known if state is not None)
    if unknown and not states:
        # Only unknown states were asked for: nothing can match (Kafka answers an empty list).
        return ListTransactionsResponse(
            throttle_time_ms=0,
            error_code=ErrorCode.NO_ERROR,
            unknown_state_filters=unknown,
            transaction_states=[],
        )
    if coordinator is None:
        return ListTransactionsResponse(
            throttle_time_ms=0,
            error_code=unavailable(ctx),
            unknown_state_filters=unknown,
            transaction_states=[],
        )
    duration = request.duration_filter if ctx.api_version >= 1 else -1
    error, listed = await coordinator.list_transactions(
        states or None, frozenset(request.producer_id_filters) or None, duration
    )
    return ListTransactionsResponse(
        throttle_time_ms=0,
        error_code=error,
        unknown_state_filters=unknown,
        transaction_states=[
            ListTransactionsResponse.TransactionState(
                transactional_id=t.transactional_id, producer_id=t.producer_id, transaction_state=t.state
            )
            for t in listed
        ],
    )
