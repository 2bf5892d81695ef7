"""Producer state: Kafka's sequence, epoch, duplicate, transaction and verification rules, as tables.

Each case replays a history of appends into a fresh ``ProducerStateManager`` (a tiny in-memory log
assigns offsets), then appends one more batch and checks the outcome: written at which offsets,
acknowledged as a duplicate of which offsets, or refused with which Kafka error.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.txn.batches import data_batch, marker
from wirekafka.log.producer_state import (
    NUM_BATCHES_TO_RETAIN,
    SENTINEL_GUARD,
    AbortedTransaction,
    AppendOrigin,
    ProducerStateError,
    ProducerStateManager,
    VerificationGuard,
)
from wirekafka.records.batch import BatchHeader

INT32_MAX = 2**31 - 1
PID = 1000
OTHER = 2000


@dataclass
class Log:
    """Offsets assigned as a leader assigns them, and the producer state fed as the log does."""

    state: ProducerStateManager
    log_end_offset: int = 0
    aborted: list[AbortedTransaction] | None = None

    def append(
        self,
        batch: BatchHeader,
        origin: AppendOrigin = AppendOrigin.CLIENT,
        guard: VerificationGuard = SENTINEL_GUARD,
    ) -> tuple[str, int, int] | str:
        """('written'|'duplicate', first, last) or the Kafka error name."""
        try:
            pending = self.state.prepare_append(
                [batch], origin=origin, first_offset=self.log_end_offset, verification_guard=guard
            )
        except ProducerStateError as error:
            return error.kafka_error
        if pending.duplicate is not None:
            return ("duplicate", pending.duplicate.first_offset, pending.duplicate.last_offset)
        first = self.log_end_offset
        self.log_end_offset += batch.last_offset_delta + 1
        self.aborted = self.state.apply(pending)
        return ("written", first, self.log_end_offset - 1)


def fresh(**config: int | bool) -> Log:
    return Log(ProducerStateManager(transaction_verification_enabled=False, **config))


# ---- idempotence -------------------------------------------------------------------------------

# (history of (epoch, first sequence, record count), incoming (epoch, first sequence, count), outcome)
IDEMPOTENCE_CASES = [
    pytest.param([], (0, 0, 3), ("written", 0, 2), id="new producer at sequence 0"),
    pytest.param([], (0, 7, 1), ("written", 0, 0), id="unknown producer at any sequence (KIP-360)"),
    pytest.param([], (4, 9, 1), ("written", 0, 0), id="unknown producer at any epoch and sequence"),
    pytest.param([(0, 0, 3)], (0, 3, 2), ("written", 3, 4), id="next in sequence"),
    pytest.param([(0, 0, 3)], (0, 4, 1), "OUT_OF_ORDER_SEQUENCE_NUMBER", id="gap"),
    pytest.param([(0, 0, 3)], (0, 2, 1), "OUT_OF_ORDER_SEQUENCE_NUMBER", id="overlap is not a duplicate"),
    pytest.param([(0, 0, 3)], (0, 0, 2), "OUT_OF_ORDER_SEQUENCE_NUMBER", id="prefix is not a duplicate"),
    pytest.param([(0, 0, 3)], (0, 0, 3), ("duplicate", 0, 2), id="retry of the last batch"),
    pytest.param(
        [(0, 0, 1), (0, 1, 2), (0, 3, 1)], (0, 1, 2), ("duplicate", 1, 2), id="retry of an older batch"
    ),
    pytest.param(
        [(0, s, 1) for s in range(NUM_BATCHES_TO_RETAIN)],
        (0, 0, 1),
        ("duplicate", 0, 0),
        id="fifth newest batch still known",
    ),
    pytest.param(
        [(0, s, 1) for s in range(NUM_BATCHES_TO_RETAIN + 1)],
        (0, 0, 1),
        "OUT_OF_ORDER_SEQUENCE_NUMBER",
        id="sixth newest batch forgotten",
    ),
    pytest.param([(1, 0, 1)], (0, 1, 1), "INVALID_PRODUCER_EPOCH", id="older epoch fenced"),
    pytest.param([(1, 0, 1)], (0, 0, 1), "INVALID_PRODUCER_EPOCH", id="retry from an older epoch fenced"),
    pytest.param([(0, 0, 3)], (1, 0, 1), ("written", 3, 3), id="new epoch restarts at 0"),
    pytest.param([(0, 0, 3)], (1, 3, 1), "OUT_OF_ORDER_SEQUENCE_NUMBER", id="new epoch must restart at 0"),
    pytest.param(
        [(0, 0, 3), (1, 0, 1)], (0, 0, 3), "INVALID_PRODUCER_EPOCH", id="old epoch batches forgotten"
    ),
    pytest.param([(0, INT32_MAX - 1, 2)], (0, 0, 1), ("written", 2, 2), id="sequence wraps to 0"),
    pytest.param([(0, INT32_MAX, 1)], (0, 1, 1), "OUT_OF_ORDER_SEQUENCE_NUMBER", id="wrap must land on 0"),
    pytest.param(
        [(0, INT32_MAX - 1, 3)], (0, INT32_MAX - 1, 3), ("duplicate", 0, 2), id="duplicate across the wrap"
    ),
]


@pytest.mark.parametrize(("history", "incoming", "outcome"), IDEMPOTENCE_CASES)
def test_idempotent_producer(
    history: list[tuple[int, int, int]], incoming: tuple[int, int, int], outcome: object
) -> None:
    log = fresh()
    for epoch, sequence, count in history:
        assert log.append(data_batch(PID, epoch, sequence, count))[0] == "written"
    base = log.log_end_offset if isinstance(outcome, tuple) and outcome[0] == "written" else 0
    result = log.append(data_batch(PID, *incoming))
    if isinstance(outcome, tuple) and outcome[0] == "written":
        assert result == ("written", base, base + incoming[2] - 1)
    else:
        assert result == outcome


def test_refused_batch_changes_nothing() -> None:
    log = fresh()
    log.append(data_batch(PID, 0, 0, 2))
    before = log.state.entry(PID)
    assert before is not None
    snapshot = before.copy()
    assert log.append(data_batch(PID, 0, 5)) == "OUT_OF_ORDER_SEQUENCE_NUMBER"
    assert log.state.entry(PID) == snapshot
    assert log.append(data_batch(PID, 0, 2)) == ("written", 2, 2)


def test_duplicate_check_is_for_client_appends_only() -> None:
    """Replication and recovery re-apply what the leader accepted; they never drop a batch."""
    log = fresh()
    log.append(data_batch(PID, 0, 0))
    assert log.append(data_batch(PID, 0, 0), origin=AppendOrigin.REPLICATION) == ("written", 1, 1)


def test_replication_accepts_what_the_leader_wrote() -> None:
    """A follower applies any epoch and sequence (the leader checked them), as Kafka does."""
    log = fresh()
    log.append(data_batch(PID, 3, 0), origin=AppendOrigin.REPLICATION)
    assert log.append(data_batch(PID, 1, 9), origin=AppendOrigin.REPLICATION) == ("written", 1, 1)


def test_coordinator_appends_check_epochs_not_sequences() -> None:
    log = fresh()
    log.append(data_batch(PID, 2, 0), origin=AppendOrigin.COORDINATOR)
    assert log.append(data_batch(PID, 2, 40), origin=AppendOrigin.COORDINATOR) == ("written", 1, 1)
    assert log.append(data_batch(PID, 1, 41), origin=AppendOrigin.COORDINATOR) == "INVALID_PRODUCER_EPOCH"


def test_non_idempotent_batches_are_not_tracked() -> None:
    log = fresh()
    assert log.append(data_batch(-1, -1, -1)) == ("written", 0, 0)
    assert log.append(data_batch(-1, -1, -1)) == ("written", 1, 1)
    assert dict(log.state.producers) == {}


def test_several_batches_of_one_producer_in_one_append() -> None:
    """Produce v0-v2 and followers may carry several batches; each is checked after the previous."""
    state = ProducerStateManager()
    good = state.prepare_append(
        [data_batch(PID, 0, 0, 2), data_batch(PID, 0, 2, 3)], origin=AppendOrigin.CLIENT, first_offset=10
    )
    state.apply(good)
    entry = state.entry(PID)
    assert entry is not None
    assert [(b.first_offset, b.last_offset, b.first_sequence, b.last_sequence) for b in entry.batches] == [
        (10, 11, 0, 1),
        (12, 14, 2, 4),
    ]
    assert state.map_end_offset == 15
    with pytest.raises(ProducerStateError):
        state.prepare_append(
            [data_batch(PID, 0, 5), data_batch(PID, 0, 7)], origin=AppendOrigin.CLIENT, first_offset=15
        )


# ---- transactions ------------------------------------------------------------------------------


def test_transaction_opens_at_its_first_offset_and_a_marker_closes_it() -> None:
    log = fresh()
    log.append(data_batch(OTHER, 0, 0))
    log.append(data_batch(PID, 0, 0, 2, transactional=True))
    log.append(data_batch(PID, 0, 2, transactional=True))
    entry = log.state.entry(PID)
    assert entry is not None and entry.current_txn_first_offset == 1
    assert log.state.first_unstable_offset == 1
    assert log.state.last_stable_offset(high_watermark=4) == 1
    assert log.append(marker(PID, 0, commit=True), origin=AppendOrigin.COORDINATOR) == ("written", 4, 4)
    assert entry is not log.state.entry(PID)
    assert log.state.entry(PID).current_txn_first_offset is None  # type: ignore[union-attr]
    # the marker at offset 4 is not below the high watermark yet: still unstable
    assert log.state.last_stable_offset(high_watermark=4) == 1
    log.state.on_high_watermark_updated(5)
    assert log.state.first_unstable_offset is None
    assert log.state.last_stable_offset(high_watermark=5) == 5
    assert log.aborted == []


def test_non_transactional_write_inside_a_transaction() -> None:
    log = fresh()
    log.append(data_batch(PID, 0, 0, transactional=True))
    assert log.append(data_batch(PID, 0, 1)) == "INVALID_TXN_STATE"


def test_abort_marker_yields_index_entries_with_the_next_stable_offset() -> None:
    """Kafka's ``lastStableOffset(completedTxn)``: the first other open transaction, else past the marker."""
    log = fresh()
    log.append(data_batch(PID, 0, 0, transactional=True))  # 0
    log.append(data_batch(OTHER, 0, 0, transactional=True))  # 1
    log.append(marker(PID, 0, commit=False), origin=AppendOrigin.COORDINATOR)  # 2
    assert log.aborted == [AbortedTransaction(PID, 0, 2, 1)]
    log.append(marker(OTHER, 0, commit=False), origin=AppendOrigin.COORDINATOR)  # 3
    assert log.aborted == [AbortedTransaction(OTHER, 1, 3, 4)]


def test_marker_without_data_completes_nothing() -> None:
    log = fresh()
    log.append(data_batch(PID, 0, 0))
    assert log.append(marker(PID, 0, commit=False), origin=AppendOrigin.COORDINATOR) == ("written", 1, 1)
    assert log.aborted == []
    assert log.state.first_unstable_offset is None
    assert log.append(data_batch(PID, 0, 1)) == ("written", 2, 2), "the marker keeps the sequence window"


MARKER_CASES = [
    pytest.param(0, 3, 3, ("written", 1, 1), id="same coordinator epoch"),
    pytest.param(0, 3, 4, ("written", 1, 1), id="newer coordinator"),
    pytest.param(0, 3, 2, "TRANSACTION_COORDINATOR_FENCED", id="zombie coordinator"),
    pytest.param(-1, 0, 0, "INVALID_PRODUCER_EPOCH", id="marker of a fenced epoch"),
    pytest.param(1, 0, 0, ("written", 1, 1), id="marker bumping the epoch (fencing abort)"),
]


@pytest.mark.parametrize(("epoch_delta", "seen_epoch", "marker_epoch", "outcome"), MARKER_CASES)
def test_marker_epochs(epoch_delta: int, seen_epoch: int, marker_epoch: int, outcome: object) -> None:
    log = fresh()
    log.state.apply(
        log.state.prepare_append(
            [marker(PID, 1, commit=True, coordinator_epoch=seen_epoch)], origin=AppendOrigin.COORDINATOR
        )
    )
    log.append(data_batch(PID, 1, 0, transactional=True))
    result = log.append(
        marker(PID, 1 + epoch_delta, commit=False, coordinator_epoch=marker_epoch),
        origin=AppendOrigin.COORDINATOR,
    )
    assert result == outcome


def test_fencing_abort_marker_moves_the_epoch_and_fences_the_old_producer() -> None:
    log = fresh()
    log.append(data_batch(PID, 0, 0, transactional=True))
    log.append(marker(PID, 1, commit=False), origin=AppendOrigin.COORDINATOR)
    assert log.append(data_batch(PID, 0, 1, transactional=True)) == "INVALID_PRODUCER_EPOCH"
    assert log.append(data_batch(PID, 1, 0, transactional=True)) == ("written", 2, 2)


# ---- KIP-890 part 1: verification ----------------------------------------------------------------


def test_transactional_write_needs_a_verified_guard() -> None:
    state = ProducerStateManager(transaction_verification_enabled=True)
    log = Log(state)
    assert log.append(data_batch(PID, 0, 0, transactional=True)) == "INVALID_TXN_STATE"
    guard = state.maybe_start_verification(PID, 0, 0, now_ms=0)
    assert guard != SENTINEL_GUARD
    assert log.append(data_batch(PID, 0, 0, transactional=True), guard=VerificationGuard(guard + 1)) == (
        "INVALID_TXN_STATE"
    )
    assert log.append(data_batch(PID, 0, 0, transactional=True), guard=guard) == ("written", 0, 0)
    # inside the open transaction no guard is needed (Kafka's phase 2)
    assert state.maybe_start_verification(PID, 1, 0, now_ms=0) == SENTINEL_GUARD
    assert log.append(data_batch(PID, 0, 1, transactional=True)) == ("written", 1, 1)
    # the marker ends it; the next transaction must be verified again, with a new guard
    assert log.append(marker(PID, 0, commit=False), origin=AppendOrigin.COORDINATOR) == ("written", 2, 2)
    assert log.append(data_batch(PID, 0, 2, transactional=True), guard=guard) == "INVALID_TXN_STATE"
    second = state.maybe_start_verification(PID, 2, 0, now_ms=0)
    assert second not in (guard, SENTINEL_GUARD)


def test_stale_verification_is_cleared_by_a_marker() -> None:
    """The ABA case KIP-890 closes: a verification starts, the coordinator aborts (a timeout) and
    its marker lands, then the append carrying the stale guard arrives: it must not open a
    transaction the coordinator already ended."""
    state = ProducerStateManager(transaction_verification_enabled=True)
    log = Log(state)
    for producer_id, fence_epoch in ((PID, 0), (OTHER, 1)):
        guard = state.maybe_start_verification(producer_id, 0, 0, now_ms=0)
        assert log.append(data_batch(producer_id, 0, 0, transactional=True), guard=guard)[0] == "written"
        log.append(marker(producer_id, 0, commit=True), origin=AppendOrigin.COORDINATOR)
        stale = state.maybe_start_verification(producer_id, 1, 0, now_ms=0)
        assert stale != SENTINEL_GUARD
        log.append(marker(producer_id, fence_epoch, commit=False), origin=AppendOrigin.COORDINATOR)
        expected = "INVALID_TXN_STATE" if fence_epoch == 0 else "INVALID_PRODUCER_EPOCH"
        assert log.append(data_batch(producer_id, 0, 1, transactional=True), guard=stale) == expected


def test_verification_rejects_a_sequence_above_the_first_verified_one() -> None:
    state = ProducerStateManager(transaction_verification_enabled=True)
    log = Log(state)
    guard = state.maybe_start_verification(PID, 0, 0, now_ms=0)
    assert (
        log.append(data_batch(PID, 0, 3, transactional=True), guard=guard) == "OUT_OF_ORDER_SEQUENCE_NUMBER"
    )


def test_verification_refuses_an_older_epoch_early() -> None:
    state = ProducerStateManager()
    log = Log(state)
    log.append(data_batch(PID, 2, 0))
    with pytest.raises(ProducerStateError) as raised:
        state.maybe_start_verification(PID, 0, 1, now_ms=0)
    assert raised.value.kafka_error == "INVALID_PRODUCER_EPOCH"


# ---- expiration and last stable offset ------------------------------------------------------------


def test_idle_producers_expire_but_not_with_an_open_transaction() -> None:
    log = fresh(producer_id_expiration_ms=1_000)
    log.append(data_batch(PID, 0, 0, timestamp=5_000))
    log.append(data_batch(OTHER, 0, 0, transactional=True, timestamp=5_000))
    assert log.state.remove_expired_producers(5_999) == []
    assert log.state.remove_expired_producers(6_000) == [PID]
    assert set(log.state.producers) == {OTHER}
    # an expired producer is unknown again: any sequence is accepted (KIP-360)
    assert log.append(data_batch(PID, 0, 17)) == ("written", 2, 2)


def test_last_stable_offset_is_bounded_by_the_high_watermark() -> None:
    log = fresh()
    state = log.state
    assert state.last_stable_offset(high_watermark=7) == 7
    log.append(data_batch(OTHER, 0, 0, 3))
    assert log.append(data_batch(PID, 0, 0, transactional=True)) == ("written", 3, 3)
    assert state.last_stable_offset(high_watermark=2) == 2
    assert state.last_stable_offset(high_watermark=9) == 3


# ---- a property: retries never duplicate or reorder ---------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_retries_within_the_window_never_duplicate_or_reorder(data: st.DataObject) -> None:
    """An idempotent producer sends batches in order and retries any of its last five sends at any
    time (lost responses); the log holds every batch once, in order, and every retry is answered
    with the original offsets."""
    sizes = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=12))
    log = fresh()
    first_sequence = [sum(sizes[:i]) for i in range(len(sizes))]
    written: dict[int, tuple[int, int]] = {}
    sent = 0
    while sent < len(sizes):
        window = range(max(0, sent - NUM_BATCHES_TO_RETAIN), sent)
        retry = data.draw(st.one_of(st.none(), st.sampled_from(list(window)) if window else st.none()))
        index = sent if retry is None else retry
        result = log.append(data_batch(PID, 0, first_sequence[index], sizes[index]))
        assert isinstance(result, tuple)
        if retry is None:
            assert result[0] == "written"
            written[index] = (result[1], result[2])
            sent += 1
        else:
            assert result == ("duplicate", *written[retry])
    offsets = [written[i] for i in range(len(sizes))]
    assert offsets == sorted(offsets)
    assert log.log_end_offset == sum(sizes)
