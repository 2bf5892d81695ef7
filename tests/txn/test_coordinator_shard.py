"""The transaction coordinator's state machine, as tables of (state, request) -> (error, records).

Every test drives a pure ``TransactionCoordinatorShard`` with explicit ``now_ms``; the records an
operation returns are replayed into a second shard to check that the log alone rebuilds the state.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import replace
from itertools import count

import pytest

from wirekafka.coordinator.group.partitioner import partition_for
from wirekafka.coordinator.txn.records import TransactionRecord, decode_record
from wirekafka.coordinator.txn.shard import (
    GROUP_METADATA_TOPIC,
    InitProducerIdResult,
    ProducerIdUnavailableError,
    TransactionConfig,
    TransactionCoordinatorShard,
    TxnResult,
)
from wirekafka.coordinator.txn.state import TransactionMetadata, TransactionState
from wirekafka.protocol.errors import ErrorCode

TXN = "txn-1"
T0 = 1_000_000
CONFIG = TransactionConfig(
    transaction_max_timeout_ms=60_000,
    transactional_id_expiration_ms=100_000,
    abort_timed_out_transactions_interval_ms=1_000,
    remove_expired_transactional_ids_interval_ms=10_000,
    offsets_topic_partitions=50,
)
S = TransactionState
E = ErrorCode


class Coordinator:
    """A shard plus the log its records would form."""

    def __init__(self, first_producer_id: int = 4000) -> None:
        self.ids: Iterator[int] = count(first_producer_id)
        self.shard = TransactionCoordinatorShard(CONFIG, allocate_producer_id=lambda: next(self.ids))
        self.log: list[TransactionRecord] = []

    def run(self, result: TxnResult[object]) -> object:
        self.log.extend(result.records)
        return result.response

    def init(self, timeout: int = 30_000, expected: tuple[int, int] | None = None, now: int = T0) -> object:
        return self.run(self.shard.init_producer_id(TXN, timeout, expected, now))  # type: ignore[arg-type]

    def begin(self, now: int = T0) -> tuple[int, int]:
        result = self.init(now=now)
        assert isinstance(result, InitProducerIdResult) and result.error_code == E.NO_ERROR
        return result.producer_id, result.producer_epoch

    def add(self, pid: int, epoch: int, *partitions: tuple[str, int], now: int = T0) -> object:
        return self.run(self.shard.add_partitions(TXN, pid, epoch, partitions or [("t", 0)], now))  # type: ignore[arg-type]

    def end(self, pid: int, epoch: int, commit: bool, now: int = T0) -> object:
        return self.run(self.shard.end_transaction(TXN, pid, epoch, commit, now))  # type: ignore[arg-type]

    def complete(self, now: int = T0) -> None:
        for metadata in self.shard.pending_completions():
            self.run(
                self.shard.complete_transaction(  # type: ignore[arg-type]
                    metadata.transactional_id, metadata.producer_id, metadata.producer_epoch, now
                )
            )

    @property
    def metadata(self) -> TransactionMetadata:
        return self.shard.transactions[TXN]

    def replayed(self) -> dict[str, TransactionMetadata]:
        """The state a fresh shard rebuilds from the encoded log."""
        fresh = TransactionCoordinatorShard(CONFIG, allocate_producer_id=lambda: -1)
        for offset, record in enumerate(self.log):
            key, value = record.encode()
            fresh.replay(decode_record(key, value), offset)
        return fresh.transactions


def persisted(metadata: TransactionMetadata) -> TransactionMetadata:
    """What value version 0 keeps of the metadata: as in Kafka with transaction.version 0, the
    last epoch and the previous producer id live in memory only."""
    return replace(metadata, last_producer_epoch=-1, previous_producer_id=-1)


# ---- InitProducerId ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timeout", "error"),
    [
        (0, E.INVALID_TRANSACTION_TIMEOUT),
        (-5, E.INVALID_TRANSACTION_TIMEOUT),
        (60_001, E.INVALID_TRANSACTION_TIMEOUT),
        (60_000, E.NO_ERROR),
        (1, E.NO_ERROR),
    ],
)
def test_transaction_timeout_must_be_within_the_broker_maximum(timeout: int, error: ErrorCode) -> None:
    coordinator = Coordinator()
    result = coordinator.init(timeout=timeout)
    assert isinstance(result, InitProducerIdResult) and result.error_code == error
    assert bool(coordinator.log) == (error == E.NO_ERROR)


def test_empty_transactional_id_is_an_invalid_request() -> None:
    shard = Coordinator().shard
    assert shard.init_producer_id("", 1_000, None, T0).response == InitProducerIdResult(E.INVALID_REQUEST)


def test_init_allocates_a_producer_id_and_bumps_the_epoch_on_every_call() -> None:
    coordinator = Coordinator()
    assert coordinator.init() == InitProducerIdResult(E.NO_ERROR, 4000, 0)
    assert coordinator.init() == InitProducerIdResult(E.NO_ERROR, 4000, 1)
    assert coordinator.metadata.state == S.EMPTY and coordinator.metadata.transaction_timeout_ms == 30_000
    assert coordinator.replayed() == {TXN: persisted(coordinator.metadata)}
    # the zombie with epoch 0 is fenced
    assert coordinator.add(4000, 0) == E.PRODUCER_FENCED


KIP_360_CASES = [
    pytest.param((4000, 1), InitProducerIdResult(E.NO_ERROR, 4000, 2), id="current epoch: bump"),
    pytest.param((4000, 0), E.PRODUCER_FENCED, id="stale epoch: fenced"),
    pytest.param((4001, 1), E.PRODUCER_FENCED, id="another producer id: fenced"),
]


@pytest.mark.parametrize(("expected", "outcome"), KIP_360_CASES)
def test_init_with_the_producer_id_and_epoch_a_producer_resumes_with(
    expected: tuple[int, int], outcome: object
) -> None:
    coordinator = Coordinator()
    coordinator.begin()
    coordinator.begin()  # epoch 1
    result = coordinator.init(expected=expected)
    if isinstance(outcome, InitProducerIdResult):
        assert result == outcome
    else:
        assert result == InitProducerIdResult(outcome)  # type: ignore[arg-type]


def test_retried_resume_gets_the_same_answer() -> None:
    coordinator = Coordinator()
    coordinator.begin()  # epoch 0
    assert coordinator.init(expected=(4000, 0)) == InitProducerIdResult(E.NO_ERROR, 4000, 1)
    # the response was lost; the producer retries with the epoch it had
    assert coordinator.init(expected=(4000, 0)) == InitProducerIdResult(E.NO_ERROR, 4000, 1)


def test_resume_of_an_unknown_id_starts_it() -> None:
    coordinator = Coordinator()
    assert coordinator.init(expected=(77, 3)) == InitProducerIdResult(E.NO_ERROR, 4000, 0)


def test_exhausted_epoch_rotates_the_producer_id() -> None:
    coordinator = Coordinator()
    coordinator.begin()
    coordinator.shard.transactions[TXN] = replace(coordinator.metadata, producer_epoch=2**15 - 2)
    assert coordinator.init() == InitProducerIdResult(E.NO_ERROR, 4001, 0)
    assert coordinator.metadata.previous_producer_id == 4000


def test_init_on_an_ongoing_transaction_fences_and_aborts_it() -> None:
    coordinator = Coordinator()
    pid, epoch = coordinator.begin()
    coordinator.add(pid, epoch, ("t", 0), ("t", 1))
    assert coordinator.init(now=T0 + 5) == InitProducerIdResult(E.CONCURRENT_TRANSACTIONS)
    metadata = coordinator.metadata
    assert (metadata.state, metadata.producer_epoch) == (S.PREPARE_ABORT, epoch + 1)
    assert metadata.partitions == {("t", 0), ("t", 1)}
    assert coordinator.shard.pending_completions() == [metadata]
    # while the markers are written, the retry is told to wait; so is the old producer
    assert coordinator.init() == InitProducerIdResult(E.CONCURRENT_TRANSACTIONS)
    assert coordinator.end(pid, epoch, commit=True) == E.PRODUCER_FENCED
    coordinator.complete()
    assert coordinator.metadata.state == S.COMPLETE_ABORT
    assert coordinator.init() == InitProducerIdResult(E.NO_ERROR, pid, epoch + 2)
    assert coordinator.replayed() == {TXN: persisted(coordinator.metadata)}


def test_producer_id_unavailable_fails_the_init() -> None:
    def unavailable() -> int:
        raise ProducerIdUnavailableError()

    shard = TransactionCoordinatorShard(CONFIG, allocate_producer_id=unavailable)
    assert shard.init_producer_id(TXN, 1_000, None, T0) == TxnResult(
        response=InitProducerIdResult(E.COORDINATOR_LOAD_IN_PROGRESS)
    )


# ---- AddPartitionsToTxn / AddOffsetsToTxn ----------------------------------------------------------


def test_add_partitions_starts_the_transaction_once() -> None:
    coordinator = Coordinator()
    pid, epoch = coordinator.begin()
    assert coordinator.add(pid, epoch, ("t", 0), now=T0 + 10) == E.NO_ERROR
    written = len(coordinator.log)
    assert coordinator.add(pid, epoch, ("t", 0), now=T0 + 20) == E.NO_ERROR
    assert len(coordinator.log) == written, "already in the transaction: nothing to write"
    assert coordinator.add(pid, epoch, ("u", 3), now=T0 + 30) == E.NO_ERROR
    metadata = coordinator.metadata
    assert (metadata.state, metadata.partitions) == (S.ONGOING, {("t", 0), ("u", 3)})
    assert metadata.transaction_start_timestamp == T0 + 10
    assert coordinator.replayed() == {TXN: persisted(metadata)}


@pytest.mark.parametrize(
    ("producer", "error"),
    [
        ((4000, 0), E.NO_ERROR),
        ((4000, 1), E.PRODUCER_FENCED),
        ((4001, 0), E.INVALID_PRODUCER_ID_MAPPING),
    ],
)
def test_add_partitions_checks_the_producer(producer: tuple[int, int], error: ErrorCode) -> None:
    coordinator = Coordinator()
    coordinator.begin()
    assert coordinator.add(*producer) == error


def test_add_partitions_of_an_unknown_id() -> None:
    coordinator = Coordinator()
    assert coordinator.add(1, 0) == E.INVALID_PRODUCER_ID_MAPPING
    assert coordinator.shard.add_partitions("", 1, 0, [], T0).response == E.INVALID_REQUEST


def test_add_offsets_adds_the_groups_offsets_partition() -> None:
    coordinator = Coordinator()
    pid, epoch = coordinator.begin()
    assert coordinator.run(coordinator.shard.add_offsets(TXN, pid, epoch, "my-group", T0)) == E.NO_ERROR
    assert coordinator.metadata.partitions == {(GROUP_METADATA_TOPIC, partition_for("my-group", 50))}


# ---- EndTxn ------------------------------------------------------------------------------------


def coordinator_in(state: TransactionState) -> tuple[Coordinator, int, int]:
    coordinator = Coordinator()
    pid, epoch = coordinator.begin()
    if state == S.EMPTY:
        return coordinator, pid, epoch
    coordinator.add(pid, epoch)
    if state == S.ONGOING:
        return coordinator, pid, epoch
    commit = state in (S.PREPARE_COMMIT, S.COMPLETE_COMMIT)
    coordinator.end(pid, epoch, commit)
    if state in (S.COMPLETE_COMMIT, S.COMPLETE_ABORT):
        coordinator.complete()
    return coordinator, pid, epoch


END_TXN_CASES = [
    (S.EMPTY, True, E.INVALID_TXN_STATE, S.EMPTY),
    (S.EMPTY, False, E.INVALID_TXN_STATE, S.EMPTY),
    (S.ONGOING, True, E.NO_ERROR, S.PREPARE_COMMIT),
    (S.ONGOING, False, E.NO_ERROR, S.PREPARE_ABORT),
    (S.PREPARE_COMMIT, True, E.CONCURRENT_TRANSACTIONS, S.PREPARE_COMMIT),
    (S.PREPARE_COMMIT, False, E.INVALID_TXN_STATE, S.PREPARE_COMMIT),
    (S.PREPARE_ABORT, False, E.CONCURRENT_TRANSACTIONS, S.PREPARE_ABORT),
    (S.PREPARE_ABORT, True, E.INVALID_TXN_STATE, S.PREPARE_ABORT),
    (S.COMPLETE_COMMIT, True, E.NO_ERROR, S.COMPLETE_COMMIT),
    (S.COMPLETE_COMMIT, False, E.INVALID_TXN_STATE, S.COMPLETE_COMMIT),
    (S.COMPLETE_ABORT, False, E.NO_ERROR, S.COMPLETE_ABORT),
    (S.COMPLETE_ABORT, True, E.INVALID_TXN_STATE, S.COMPLETE_ABORT),
]


@pytest.mark.parametrize(
    ("state", "commit", "error", "after"),
    [
        pytest.param(*case, id=f"{case[0].kafka_name}-{'commit' if case[1] else 'abort'}")
        for case in END_TXN_CASES
    ],
)
def test_end_transaction(
    state: TransactionState, commit: bool, error: ErrorCode, after: TransactionState
) -> None:
    coordinator, pid, epoch = coordinator_in(state)
    written = len(coordinator.log)
    assert coordinator.end(pid, epoch, commit) == error
    assert coordinator.metadata.state == after
    assert len(coordinator.log) == written + (1 if state == S.ONGOING else 0)


def test_end_transaction_from_a_zombie_or_another_producer() -> None:
    coordinator, pid, epoch = coordinator_in(S.ONGOING)
    assert coordinator.end(pid, epoch - 1, True) == E.PRODUCER_FENCED
    assert coordinator.end(pid, epoch + 1, True) == E.PRODUCER_FENCED
    assert coordinator.end(pid + 1, epoch, True) == E.INVALID_PRODUCER_ID_MAPPING


def test_prepare_then_complete_clears_the_partitions_and_keeps_the_epoch() -> None:
    coordinator, pid, epoch = coordinator_in(S.ONGOING)
    coordinator.end(pid, epoch, commit=True, now=T0 + 7)
    assert coordinator.add(pid, epoch) == E.CONCURRENT_TRANSACTIONS
    assert [m.transactional_id for m in coordinator.shard.pending_completions()] == [TXN]
    coordinator.complete(now=T0 + 9)
    metadata = coordinator.metadata
    assert (metadata.state, metadata.partitions, metadata.producer_epoch) == (
        S.COMPLETE_COMMIT,
        frozenset(),
        epoch,
    )
    assert coordinator.shard.pending_completions() == []
    # a stale completion (markers of an older attempt) writes nothing
    stale = coordinator.shard.complete_transaction(TXN, pid, epoch, T0 + 10)
    assert stale == TxnResult(response=False)
    # the next transaction starts afresh
    assert coordinator.add(pid, epoch, ("v", 1), now=T0 + 11) == E.NO_ERROR
    assert coordinator.metadata.transaction_start_timestamp == T0 + 11
    assert coordinator.replayed() == {TXN: persisted(coordinator.metadata)}


# ---- verification (AddPartitionsToTxn v4 verify_only) --------------------------------------------


def test_verify_reports_each_partition() -> None:
    coordinator, pid, epoch = coordinator_in(S.ONGOING)
    shard = coordinator.shard
    assert shard.verify_partitions(TXN, pid, epoch, [("t", 0), ("t", 9)]) == {
        ("t", 0): E.NO_ERROR,
        ("t", 9): E.TRANSACTION_ABORTABLE,
    }
    assert shard.verify_partitions(TXN, pid, epoch + 1, [("t", 0)]) == {("t", 0): E.PRODUCER_FENCED}
    assert shard.verify_partitions(TXN, pid + 1, epoch, [("t", 0)]) == {
        ("t", 0): E.INVALID_PRODUCER_ID_MAPPING
    }
    assert shard.verify_partitions("other", pid, epoch, [("t", 0)]) == {
        ("t", 0): E.INVALID_PRODUCER_ID_MAPPING
    }
    coordinator.end(pid, epoch, commit=False)
    assert shard.verify_partitions(TXN, pid, epoch, [("t", 0)]) == {("t", 0): E.CONCURRENT_TRANSACTIONS}
    coordinator.complete()
    assert shard.verify_partitions(TXN, pid, epoch, [("t", 0)]) == {("t", 0): E.TRANSACTION_ABORTABLE}


# ---- timers ------------------------------------------------------------------------------------


def test_timed_out_transaction_is_fenced_and_aborted_by_the_periodic_check() -> None:
    coordinator = Coordinator()
    shard = coordinator.shard
    shard.on_loaded(T0)
    assert shard.next_deadline() == T0 + 1_000
    pid, epoch = coordinator.begin()
    coordinator.add(pid, epoch, now=T0)  # transaction.timeout.ms 30 s
    now = T0
    while coordinator.metadata.state == S.ONGOING:
        deadline = shard.next_deadline()
        assert deadline is not None
        now = deadline
        coordinator.run(shard.expire_timers(now))  # type: ignore[arg-type]
    assert now == T0 + 31_000, "aborted at the first check after start + timeout"
    metadata = coordinator.metadata
    assert (metadata.state, metadata.producer_epoch) == (S.PREPARE_ABORT, epoch + 1)
    coordinator.complete(now)
    assert coordinator.end(pid, epoch, commit=True) == E.PRODUCER_FENCED
    assert coordinator.init(now=now) == InitProducerIdResult(E.NO_ERROR, pid, epoch + 2)


def test_idle_transactional_ids_expire_with_a_tombstone() -> None:
    coordinator = Coordinator()
    shard = coordinator.shard
    coordinator.begin(now=T0)
    pid, epoch = coordinator.shard.transactions[TXN].producer_id, 0
    other = shard.init_producer_id("busy", 30_000, None, T0)
    coordinator.run(other)  # type: ignore[arg-type]
    busy = shard.transactions["busy"]
    coordinator.run(shard.add_partitions("busy", busy.producer_id, busy.producer_epoch, [("t", 0)], T0))  # type: ignore[arg-type]
    assert coordinator.run(shard.expire_transactional_ids(T0 + 99_999)) is None  # type: ignore[arg-type]
    assert TXN in shard.transactions
    before = len(coordinator.log)
    coordinator.run(shard.expire_transactional_ids(T0 + 100_000))  # type: ignore[arg-type]
    assert TXN not in shard.transactions and "busy" in shard.transactions
    assert coordinator.log[before:] == [TransactionRecord(TXN, None)]
    assert coordinator.add(pid, epoch) == E.INVALID_PRODUCER_ID_MAPPING
    assert set(coordinator.replayed()) == {"busy"}


# ---- describe / list -------------------------------------------------------------------------------


def test_describe_and_list() -> None:
    coordinator, pid, epoch = coordinator_in(S.ONGOING)
    shard = coordinator.shard
    coordinator.add(pid, epoch, ("t", 1), ("u", 0))
    described = shard.describe(TXN)
    assert (described.error_code, described.state, described.producer_id) == (E.NO_ERROR, "Ongoing", pid)
    assert described.partitions == {"t": [0, 1], "u": [0]}
    assert described.transaction_start_time_ms == T0
    assert shard.describe("nope").error_code == E.TRANSACTIONAL_ID_NOT_FOUND
    assert shard.describe("").error_code == E.INVALID_REQUEST
    listed = shard.list_transactions(None, None, -1, T0)
    assert [(t.transactional_id, t.state) for t in listed] == [(TXN, "Ongoing")]
    assert shard.list_transactions(frozenset({S.EMPTY}), None, -1, T0) == []
    assert shard.list_transactions(None, frozenset({pid + 1}), -1, T0) == []
    assert shard.list_transactions(None, None, 5_000, T0 + 5_000) == []
    assert len(shard.list_transactions(None, None, 5_000, T0 + 5_001)) == 1


# ---- records ------------------------------------------------------------------------------------


def test_record_bytes_are_kafkas_value_version_0() -> None:
    metadata = TransactionMetadata(
        transactional_id="tx",
        producer_id=5,
        producer_epoch=1,
        transaction_timeout_ms=60_000,
        state=S.ONGOING,
        partitions=frozenset({("t", 1), ("t", 0)}),
        transaction_start_timestamp=9,
        transaction_last_update_timestamp=10,
    )
    key, value = TransactionRecord("tx", metadata).encode()
    assert key == struct.pack(">hh", 0, 2) + b"tx"
    expected = (
        struct.pack(">hqhib", 0, 5, 1, 60_000, 1)
        + struct.pack(">ih", 1, 1)
        + b"t"
        + struct.pack(">iii", 2, 0, 1)
        + struct.pack(">qq", 10, 9)
    )
    assert value == expected
    assert decode_record(key, value) == TransactionRecord("tx", metadata)


def test_empty_state_writes_null_partitions_and_tombstones_have_no_value() -> None:
    metadata = TransactionMetadata("tx", 5, 0, 1_000, S.EMPTY, transaction_last_update_timestamp=3)
    _, value = TransactionRecord("tx", metadata).encode()
    assert value is not None and value[2 + 8 + 2 + 4 + 1 : 2 + 8 + 2 + 4 + 1 + 4] == struct.pack(">i", -1)
    assert TransactionRecord("tx", None).encode()[1] is None


def test_flexible_value_version_1_written_by_kafka_4_is_read() -> None:
    """Kafka with transaction.version >= 1 writes value v1: compact strings and tagged fields."""
    value = (
        struct.pack(">hq", 1, 5)
        + struct.pack(">hib", 2, 60_000, 4)
        + bytes([2, 2])
        + b"t"
        + bytes([2])
        + struct.pack(">i", 3)  # one topic "t" with partition 3
        + bytes([0])  # struct tag buffer
        + struct.pack(">qq", 10, 9)
        + bytes([2, 0, 8])
        + struct.pack(">q", 4)  # tag 0: previous producer id 4
        + bytes([2, 2])
        + struct.pack(">h", 1)  # tag 2: client transaction version 1
    )
    record = decode_record(struct.pack(">hh", 0, 2) + b"tx", value)
    assert record.metadata is not None
    assert record.metadata.state == S.COMPLETE_COMMIT
    assert record.metadata.partitions == {("t", 3)}
    assert record.metadata.previous_producer_id == 4
    assert record.metadata.client_transaction_version == 1
