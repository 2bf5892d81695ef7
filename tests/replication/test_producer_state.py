"""Idempotent and transactional appends through the replica manager (producer state in the log)."""

from __future__ import annotations

from tests.replication.helpers import EMPTY, client_batch, image, topic, values_of
from wirekafka.protocol.errors import ErrorCode
from wirekafka.records.control import ControlType, build_end_txn_marker
from wirekafka.replication.operations import AppendEntry, FetchParams, FetchPartition, IsolationLevel
from wirekafka.replication.replica_manager import ReplicaManager

COMMITTED = FetchParams(isolation_level=IsolationLevel.READ_COMMITTED)


async def append(manager: ReplicaManager, batch: bytes, transactional_id: str | None = None) -> object:
    (result,) = await manager.append_records(
        [AppendEntry("t", 0, batch)], required_acks=-1, timeout_ms=1000, transactional_id=transactional_id
    )
    return result


async def test_a_retried_idempotent_batch_is_acknowledged_once(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t")))
    first = client_batch([b"a", b"b"], producer_id=7, base_sequence=0)
    assert (await append(manager, first)).base_offset == 0  # type: ignore[attr-defined]
    retried = await append(manager, first)
    assert (retried.error_code, retried.base_offset) == (ErrorCode.NO_ERROR, 0)  # type: ignore[attr-defined]
    assert manager.offsets("t", 0) == (0, 2, 2)
    next_batch = client_batch([b"c"], producer_id=7, base_sequence=2)
    assert (await append(manager, next_batch)).base_offset == 2  # type: ignore[attr-defined]
    gap = client_batch([b"d"], producer_id=7, base_sequence=9)
    assert (await append(manager, gap)).error_code == ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER  # type: ignore[attr-defined]
    old_epoch = client_batch([b"e"], producer_id=7, producer_epoch=0, base_sequence=3)
    assert (await append(manager, client_batch([b"x"], producer_id=7, producer_epoch=1))).error_code == 0  # type: ignore[attr-defined]
    assert (await append(manager, old_epoch)).error_code == ErrorCode.INVALID_PRODUCER_EPOCH  # type: ignore[attr-defined]
    assert manager.offsets("t", 0) == (0, 4, 4)


async def test_read_committed_stops_at_an_open_transaction_and_learns_of_its_abort(
    manager: ReplicaManager,
) -> None:
    manager.apply_metadata(EMPTY, image(topic("t")))
    await append(manager, client_batch([b"plain"]))
    txn = client_batch([b"t1", b"t2"], producer_id=9, transactional=True)
    assert (await append(manager, txn, transactional_id="tx")).base_offset == 1  # type: ignore[attr-defined]
    (open_txn,) = await manager.fetch(COMMITTED, [FetchPartition("t", 0, 0, 1 << 20)])
    assert (open_txn.high_watermark, open_txn.last_stable_offset) == (3, 1)
    assert values_of(open_txn.records) == [b"plain"]
    marker = build_end_txn_marker(
        ControlType.ABORT, producer_id=9, producer_epoch=0, coordinator_epoch=0, timestamp_ms=1
    )
    assert await manager.append_internal("t", 0, marker) == (3, 3)
    (done,) = await manager.fetch(COMMITTED, [FetchPartition("t", 0, 0, 1 << 20)])
    assert (done.high_watermark, done.last_stable_offset) == (4, 4)
    assert done.aborted_transactions == [(9, 1)]
    (uncommitted,) = await manager.fetch(FetchParams(), [FetchPartition("t", 0, 0, 1 << 20)])
    assert uncommitted.aborted_transactions is None
    assert manager.list_offset("t", 0, -1, isolation_level=IsolationLevel.READ_COMMITTED).offset == 4


async def test_transactional_batches_are_verified_with_the_coordinator(manager: ReplicaManager) -> None:
    manager.apply_metadata(EMPTY, image(topic("t")))
    asked: list[tuple[str, int, int, str, int]] = []

    async def refuse(*question: object) -> ErrorCode:
        asked.append(question)  # type: ignore[arg-type]
        return ErrorCode.INVALID_TXN_STATE

    manager.transaction_verifier = refuse
    txn = client_batch([b"t"], producer_id=11, producer_epoch=2, transactional=True)
    result = await append(manager, txn, transactional_id="tx-1")
    assert result.error_code == ErrorCode.INVALID_TXN_STATE  # type: ignore[attr-defined]
    assert asked == [("tx-1", 11, 2, "t", 0)]
    assert manager.offsets("t", 0) == (0, 0, 0)

    async def accept(*question: object) -> ErrorCode:
        return ErrorCode.NO_ERROR

    manager.transaction_verifier = accept
    assert (await append(manager, txn, transactional_id="tx-1")).error_code == ErrorCode.NO_ERROR  # type: ignore[attr-defined]
