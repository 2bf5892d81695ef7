"""The transaction APIs over the wire at every served version: shapes, error codes per version.

Requests are built with the project's codec and sent raw (``tests.produce_fetch.wire``), so each
version's layout and each version-dependent error (PRODUCER_FENCED vs INVALID_PRODUCER_EPOCH,
TRANSACTION_ABORTABLE vs INVALID_TXN_STATE) is checked exactly.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.produce_fetch.wire import Wire, create_topic, fetch_request, produce_request, request
from tests.txn.batches import data_batch
from tests.txn.clients import BrokerProcess, broker
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode

pytestmark = pytest.mark.slow

E = ErrorCode
_ids = itertools.count()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerProcess]:
    with broker(tmp_path_factory.mktemp("txn-handlers"), {"transaction.max.timeout.ms": "60000"}) as process:
        with Wire(process.port) as wire:
            create_topic(wire, "t", partitions=2)
            _wait_for_coordinator(wire)
            _wait_for_coordinator(wire, key_type=0)
        yield process


@pytest.fixture
def wire(server: BrokerProcess) -> Iterator[Wire]:
    with Wire(server.port) as connection:
        yield connection


def _wait_for_coordinator(wire: Wire, key_type: int = 1) -> None:
    """FindCoordinator creates ``__transaction_state`` (``__consumer_offsets`` for key type 0) on
    first use; wait until it answers."""
    for _ in range(200):
        response = wire.call(
            ApiKey.FIND_COORDINATOR, 3, request(ApiKey.FIND_COORDINATOR, key="x", key_type=key_type)
        )
        if response.error_code == E.NO_ERROR:
            return
        time.sleep(0.05)
    raise AssertionError("no transaction coordinator")


def fresh_id() -> str:
    return f"txn-{next(_ids)}-{time.monotonic_ns()}"


def init(
    wire: Wire, transactional_id: str | None, version: int = 4, timeout_ms: int = 30_000, **fields: Any
) -> Any:
    body = request(
        ApiKey.INIT_PRODUCER_ID,
        transactional_id=transactional_id,
        transaction_timeout_ms=timeout_ms,
        **fields,
    )
    return wire.call(ApiKey.INIT_PRODUCER_ID, version, body)


def begin(wire: Wire) -> tuple[str, int, int]:
    transactional_id = fresh_id()
    response = init(wire, transactional_id)
    assert response.error_code == E.NO_ERROR
    return transactional_id, response.producer_id, response.producer_epoch


def add_partitions(
    wire: Wire,
    version: int,
    transactional_id: str,
    producer_id: int,
    epoch: int,
    topics: dict[str, list[int]],
) -> dict[tuple[str, int], int]:
    body_class = request(ApiKey.ADD_PARTITIONS_TO_TXN).__class__
    topic_list = [
        body_class.AddPartitionsToTxnTopic(name=name, partitions=ids) for name, ids in topics.items()
    ]
    body = body_class(
        v3_and_below_transactional_id=transactional_id,
        v3_and_below_producer_id=producer_id,
        v3_and_below_producer_epoch=epoch,
        v3_and_below_topics=topic_list,
    )
    response = wire.call(ApiKey.ADD_PARTITIONS_TO_TXN, version, body)
    return {
        (topic.name, result.partition_index): result.partition_error_code
        for topic in response.results_by_topic_v3_and_below
        for result in topic.results_by_partition
    }


# ---- InitProducerId ----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", range(6))
def test_init_producer_id_for_an_idempotent_producer(wire: Wire, version: int) -> None:
    first = init(wire, None, version)
    second = init(wire, None, version)
    assert (first.error_code, first.producer_epoch, second.producer_epoch) == (E.NO_ERROR, 0, 0)
    assert second.producer_id > first.producer_id >= 0


@pytest.mark.parametrize("version", range(6))
def test_init_producer_id_refuses_a_timeout_above_the_maximum(wire: Wire, version: int) -> None:
    response = init(wire, fresh_id(), version, timeout_ms=60_001)
    assert (response.error_code, response.producer_id, response.producer_epoch) == (
        E.INVALID_TRANSACTION_TIMEOUT,
        -1,
        -1,
    )


@pytest.mark.parametrize(
    ("version", "fenced"), [(3, E.INVALID_PRODUCER_EPOCH), (4, E.PRODUCER_FENCED), (5, E.PRODUCER_FENCED)]
)
def test_init_producer_id_resume_with_a_stale_epoch_is_fenced(
    wire: Wire, version: int, fenced: ErrorCode
) -> None:
    transactional_id, producer_id, epoch = begin(wire)
    assert init(wire, transactional_id).producer_epoch == epoch + 1
    stale = init(wire, transactional_id, version, producer_id=producer_id, producer_epoch=epoch)
    assert stale.error_code == fenced
    current = init(wire, transactional_id, version, producer_id=producer_id, producer_epoch=epoch + 1)
    assert (current.error_code, current.producer_epoch) == (E.NO_ERROR, epoch + 2)


@pytest.mark.parametrize("version", [3, 4, 5])
def test_init_producer_id_needs_both_producer_id_and_epoch(wire: Wire, version: int) -> None:
    response = init(wire, fresh_id(), version, producer_id=5, producer_epoch=-1)
    assert response.error_code == E.INVALID_REQUEST


# ---- AddPartitionsToTxn ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", range(4))
def test_add_partitions_client_versions(wire: Wire, version: int) -> None:
    transactional_id, producer_id, epoch = begin(wire)
    assert add_partitions(wire, version, transactional_id, producer_id, epoch, {"t": [0, 1]}) == {
        ("t", 0): E.NO_ERROR,
        ("t", 1): E.NO_ERROR,
    }
    unknown = add_partitions(wire, version, transactional_id, producer_id, epoch, {"t": [0], "missing": [0]})
    assert unknown == {("t", 0): E.OPERATION_NOT_ATTEMPTED, ("missing", 0): E.UNKNOWN_TOPIC_OR_PARTITION}
    fenced = add_partitions(wire, version, transactional_id, producer_id, epoch - 1, {"t": [0]})
    assert fenced == {("t", 0): E.INVALID_PRODUCER_EPOCH if version < 2 else E.PRODUCER_FENCED}
    mapping = add_partitions(wire, version, transactional_id, producer_id + 1, epoch, {"t": [0]})
    assert mapping == {("t", 0): E.INVALID_PRODUCER_ID_MAPPING}


@pytest.mark.parametrize("version", [4, 5])
def test_add_partitions_broker_versions_verify_a_batch_of_transactions(wire: Wire, version: int) -> None:
    transactional_id, producer_id, epoch = begin(wire)
    add_partitions(wire, 3, transactional_id, producer_id, epoch, {"t": [0]})
    body_class = request(ApiKey.ADD_PARTITIONS_TO_TXN).__class__
    topics = [body_class.AddPartitionsToTxnTopic(name="t", partitions=[0, 1])]
    body = body_class(
        transactions=[
            body_class.AddPartitionsToTxnTransaction(
                transactional_id=transactional_id,
                producer_id=producer_id,
                producer_epoch=epoch,
                verify_only=True,
                topics=topics,
            ),
            body_class.AddPartitionsToTxnTransaction(
                transactional_id="never-seen",
                producer_id=producer_id,
                producer_epoch=epoch,
                verify_only=True,
                topics=topics,
            ),
        ]
    )
    response = wire.call(ApiKey.ADD_PARTITIONS_TO_TXN, version, body)
    assert response.error_code == E.NO_ERROR
    results = {
        (result.transactional_id, topic.name, partition.partition_index): partition.partition_error_code
        for result in response.results_by_transaction
        for topic in result.topic_results
        for partition in topic.results_by_partition
    }
    assert results == {
        (transactional_id, "t", 0): E.NO_ERROR,
        (transactional_id, "t", 1): E.TRANSACTION_ABORTABLE,
        ("never-seen", "t", 0): E.INVALID_PRODUCER_ID_MAPPING,
        ("never-seen", "t", 1): E.INVALID_PRODUCER_ID_MAPPING,
    }


# ---- AddOffsetsToTxn / EndTxn / TxnOffsetCommit -------------------------------------------------------


@pytest.mark.parametrize("version", range(5))
def test_add_offsets_and_end_txn(wire: Wire, version: int) -> None:
    transactional_id, producer_id, epoch = begin(wire)
    end = request(
        ApiKey.END_TXN,
        transactional_id=transactional_id,
        producer_id=producer_id,
        producer_epoch=epoch,
        committed=True,
    )
    assert wire.call(ApiKey.END_TXN, version, end).error_code == E.INVALID_TXN_STATE, "nothing to end"
    offsets = request(
        ApiKey.ADD_OFFSETS_TO_TXN,
        transactional_id=transactional_id,
        producer_id=producer_id,
        producer_epoch=epoch,
        group_id="g",
    )
    assert wire.call(ApiKey.ADD_OFFSETS_TO_TXN, version, offsets).error_code == E.NO_ERROR
    stale = request(
        ApiKey.ADD_OFFSETS_TO_TXN,
        transactional_id=transactional_id,
        producer_id=producer_id,
        producer_epoch=epoch - 1,
        group_id="g",
    )
    assert wire.call(ApiKey.ADD_OFFSETS_TO_TXN, version, stale).error_code == (
        E.INVALID_PRODUCER_EPOCH if version < 2 else E.PRODUCER_FENCED
    )
    assert wire.call(ApiKey.END_TXN, version, end).error_code == E.NO_ERROR
    # a retry while the markers are written, or after: never an error
    assert wire.call(ApiKey.END_TXN, version, end).error_code in (E.CONCURRENT_TRANSACTIONS, E.NO_ERROR)
    abort = request(
        ApiKey.END_TXN,
        transactional_id=transactional_id,
        producer_id=producer_id,
        producer_epoch=epoch,
        committed=False,
    )
    assert wire.call(ApiKey.END_TXN, version, abort).error_code == E.INVALID_TXN_STATE


def test_end_txn_version_5_is_not_served(wire: Wire) -> None:
    """EndTxn v5 means transaction.version 2 (an epoch bump per transaction), not implemented."""
    response = wire.call(
        ApiKey.API_VERSIONS,
        3,
        request(ApiKey.API_VERSIONS, client_software_name="t", client_software_version="1"),
    )
    ranges = {key.api_key: (key.min_version, key.max_version) for key in response.api_keys}
    assert ranges[ApiKey.END_TXN] == (0, 4)
    assert ranges[ApiKey.INIT_PRODUCER_ID] == (0, 5)
    assert ranges[ApiKey.ADD_PARTITIONS_TO_TXN] == (0, 5)
    assert ranges[ApiKey.TXN_OFFSET_COMMIT] == (0, 4)
    features = {feature.name for feature in response.finalized_features or []}
    assert "transaction.version" not in features or all(
        f.max_version_level < 2 for f in response.finalized_features if f.name == "transaction.version"
    )


@pytest.mark.parametrize("version", range(5))
def test_txn_offset_commit_needs_add_offsets_first(wire: Wire, version: int) -> None:
    transactional_id, producer_id, epoch = begin(wire)
    body_class = request(ApiKey.TXN_OFFSET_COMMIT).__class__
    body = body_class(
        transactional_id=transactional_id,
        group_id="g-offsets",
        producer_id=producer_id,
        producer_epoch=epoch,
        topics=[
            body_class.TxnOffsetCommitRequestTopic(
                name="t",
                partitions=[
                    body_class.TxnOffsetCommitRequestPartition(
                        partition_index=0, committed_offset=5, committed_metadata="m"
                    )
                ],
            )
        ],
    )

    def errors() -> list[int]:
        response = wire.call(ApiKey.TXN_OFFSET_COMMIT, version, body)
        return [p.error_code for topic in response.topics for p in topic.partitions]

    assert errors() == [E.TRANSACTION_ABORTABLE if version >= 4 else E.INVALID_TXN_STATE]
    add = request(
        ApiKey.ADD_OFFSETS_TO_TXN,
        transactional_id=transactional_id,
        producer_id=producer_id,
        producer_epoch=epoch,
        group_id="g-offsets",
    )
    assert wire.call(ApiKey.ADD_OFFSETS_TO_TXN, 0, add).error_code == E.NO_ERROR
    assert errors() == [E.NO_ERROR]


# ---- produce path: sequences and verification -----------------------------------------------------------


def test_produce_errors_for_idempotent_and_transactional_batches(wire: Wire) -> None:
    producer_id = init(wire, None).producer_id
    first = produce_request("t", 1, bytes(data_batch(producer_id, 0, 0, 2).batch_buffer()), acks=-1)
    response = wire.call(ApiKey.PRODUCE, 9, first)
    ok = response.responses[0].partition_responses[0]
    assert ok.error_code == E.NO_ERROR
    duplicate = wire.call(ApiKey.PRODUCE, 9, first).responses[0].partition_responses[0]
    assert (duplicate.error_code, duplicate.base_offset) == (E.NO_ERROR, ok.base_offset)
    gap = produce_request("t", 1, bytes(data_batch(producer_id, 0, 5).batch_buffer()), acks=-1)
    assert (
        wire.call(ApiKey.PRODUCE, 9, gap).responses[0].partition_responses[0].error_code
        == E.OUT_OF_ORDER_SEQUENCE_NUMBER
    )
    # a transactional batch for a partition the coordinator never heard of (KIP-890 part 1)
    transactional_id, txn_producer, epoch = begin(wire)
    stray = produce_request(
        "t", 0, bytes(data_batch(txn_producer, epoch, 0, transactional=True).batch_buffer()), acks=-1
    )
    stray.transactional_id = transactional_id
    assert (
        wire.call(ApiKey.PRODUCE, 9, stray).responses[0].partition_responses[0].error_code
        == E.INVALID_TXN_STATE
    )


# ---- describe / list ---------------------------------------------------------------------------------------


def test_describe_and_list_transactions_and_describe_producers(wire: Wire) -> None:
    transactional_id, producer_id, epoch = begin(wire)
    add_partitions(wire, 3, transactional_id, producer_id, epoch, {"t": [1, 0]})
    described = wire.call(
        ApiKey.DESCRIBE_TRANSACTIONS,
        0,
        request(ApiKey.DESCRIBE_TRANSACTIONS, transactional_ids=[transactional_id, "nope"]),
    )
    ours, missing = described.transaction_states
    assert (ours.error_code, ours.transaction_state, ours.producer_id, ours.producer_epoch) == (
        E.NO_ERROR,
        "Ongoing",
        producer_id,
        epoch,
    )
    assert [(topic.topic, sorted(topic.partitions)) for topic in ours.topics] == [("t", [0, 1])]
    assert missing.error_code == E.TRANSACTIONAL_ID_NOT_FOUND
    for version in (0, 1):
        listed = wire.call(
            ApiKey.LIST_TRANSACTIONS,
            version,
            request(
                ApiKey.LIST_TRANSACTIONS,
                state_filters=["Ongoing", "Bogus"],
                producer_id_filters=[producer_id],
            ),
        )
        assert listed.error_code == E.NO_ERROR
        assert listed.unknown_state_filters == ["Bogus"]
        assert [
            (t.transactional_id, t.producer_id, t.transaction_state) for t in listed.transaction_states
        ] == [(transactional_id, producer_id, "Ongoing")]
    batch = data_batch(producer_id, epoch, 0, 3, transactional=True)
    produce = produce_request("t", 1, bytes(batch.batch_buffer()), acks=-1)
    produce.transactional_id = transactional_id
    assert wire.call(ApiKey.PRODUCE, 9, produce).responses[0].partition_responses[0].error_code == E.NO_ERROR
    body_class = request(ApiKey.DESCRIBE_PRODUCERS).__class__
    producers = wire.call(
        ApiKey.DESCRIBE_PRODUCERS,
        0,
        body_class(
            topics=[
                body_class.TopicRequest(name="t", partition_indexes=[1]),
                body_class.TopicRequest(name="missing", partition_indexes=[0]),
            ]
        ),
    )
    (partition,) = producers.topics[0].partitions
    states = {p.producer_id: p for p in partition.active_producers}
    ours_state = states[producer_id]
    assert (
        ours_state.producer_epoch,
        ours_state.last_sequence,
        ours_state.current_txn_start_offset >= 0,
    ) == (epoch, 2, True)
    assert producers.topics[1].partitions[0].error_code == E.UNKNOWN_TOPIC_OR_PARTITION


def test_write_txn_markers_fences_an_older_coordinator(wire: Wire, server: BrokerProcess) -> None:
    producer_id = init(wire, None).producer_id
    body_class = request(ApiKey.WRITE_TXN_MARKERS).__class__

    def marker(coordinator_epoch: int) -> int:
        body = body_class(
            markers=[
                body_class.WritableTxnMarker(
                    producer_id=producer_id,
                    producer_epoch=0,
                    transaction_result=False,
                    topics=[body_class.WritableTxnMarkerTopic(name="t", partition_indexes=[0])],
                    coordinator_epoch=coordinator_epoch,
                )
            ]
        )
        response = wire.call(ApiKey.WRITE_TXN_MARKERS, 1, body)
        return int(response.markers[0].topics[0].partitions[0].error_code)

    assert marker(5) == E.NO_ERROR
    assert marker(4) == E.TRANSACTION_COORDINATOR_FENCED
    assert marker(5) == E.NO_ERROR


@pytest.mark.parametrize("version", [4, 11, 12, 17])
def test_aborted_transactions_are_listed_for_read_committed_fetches_only(wire: Wire, version: int) -> None:
    """CLIENT-QUIRKS: a broker that listed aborted transactions for read_uncommitted made franz-go
    skip records; Kafka sends the list (maybe empty) for read_committed and null otherwise."""
    topic = f"aborted-{version}"
    create_topic(wire, topic)
    transactional_id, producer_id, epoch = begin(wire)
    add_partitions(wire, 3, transactional_id, producer_id, epoch, {topic: [0]})
    batch = produce_request(
        topic, 0, bytes(data_batch(producer_id, epoch, 0, 2, transactional=True).batch_buffer()), acks=-1
    )
    batch.transactional_id = transactional_id
    assert wire.call(ApiKey.PRODUCE, 9, batch).responses[0].partition_responses[0].error_code == E.NO_ERROR
    end = request(
        ApiKey.END_TXN,
        transactional_id=transactional_id,
        producer_id=producer_id,
        producer_epoch=epoch,
        committed=False,
    )
    assert wire.call(ApiKey.END_TXN, 3, end).error_code == E.NO_ERROR
    describe = request(ApiKey.DESCRIBE_TRANSACTIONS, transactional_ids=[transactional_id])
    for _ in range(200):
        if (
            wire.call(ApiKey.DESCRIBE_TRANSACTIONS, 0, describe).transaction_states[0].transaction_state
            == "CompleteAbort"
        ):
            break
        time.sleep(0.02)
    results = {}
    for isolation in (0, 1):
        fetch = fetch_request(topic, 0, 0, isolation_level=isolation)
        if version >= 13:
            metadata = wire.call(
                ApiKey.METADATA,
                12,
                request(
                    ApiKey.METADATA,
                    topics=[request(ApiKey.METADATA).__class__.MetadataRequestTopic(name=topic)],
                ),
            )
            fetch = fetch_request(
                topic, 0, 0, isolation_level=isolation, topic_id=metadata.topics[0].topic_id
            )
        partition = wire.call(ApiKey.FETCH, version, fetch).responses[0].partitions[0]
        results[isolation] = partition
    committed, uncommitted = results[1], results[0]
    assert [(a.producer_id, a.first_offset) for a in committed.aborted_transactions] == [(producer_id, 0)]
    assert committed.last_stable_offset == 3
    assert uncommitted.aborted_transactions is None
