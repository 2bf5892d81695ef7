"""Committed offsets: OffsetCommit validation, OffsetFetch, OffsetDelete, retention, transactions."""

from __future__ import annotations

import pytest

from tests.coordinator.harness import GroupHarness
from wirekafka.coordinator.group import records
from wirekafka.coordinator.group.classic_group import ClassicGroupState
from wirekafka.coordinator.group.consumer_protocol import encode_subscription
from wirekafka.protocol.errors import ErrorCode

E = ErrorCode
MINUTE = 60_000


def offsets_of(h: GroupHarness, group_id: str, topics: dict[str, list[int]] | None = None) -> dict:
    fetched = h.fetch(group_id, topics)
    assert fetched.error == E.NO_ERROR
    return {
        (topic, p.partition_index): (p.committed_offset, p.leader_epoch, p.metadata, p.error)
        for topic, partitions in fetched.topics
        for p in partitions
    }


# -- commit and fetch ----------------------------------------------------------------------------


@pytest.mark.parametrize("metadata", ["", "checkpoint=42", "ünïcödé ✓", "x" * 4096])
def test_metadata_and_leader_epoch_are_returned_verbatim(metadata: str) -> None:
    h = GroupHarness()
    assert h.commit("g", {("t", 0): 100}, metadata=metadata, leader_epoch=9) == {("t", 0): E.NO_ERROR}
    assert offsets_of(h, "g", {"t": [0]}) == {("t", 0): (100, 9, metadata, E.NO_ERROR)}


def test_null_metadata_is_stored_as_empty() -> None:
    h = GroupHarness()
    h.commit("g", {("t", 0): 1}, metadata=None)
    assert offsets_of(h, "g", {"t": [0]})[("t", 0)][2] == ""


def test_metadata_over_the_limit_is_refused_per_partition() -> None:
    h = GroupHarness(offset_metadata_max_bytes=10)
    h.commit("g", {("t", 0): 1})
    errors = h.commit("g", {("t", 0): 5}, metadata="x" * 11)
    assert errors == {("t", 0): E.OFFSET_METADATA_TOO_LARGE}
    assert offsets_of(h, "g", {"t": [0]})[("t", 0)][0] == 1


def test_fetch_of_uncommitted_partitions_and_of_everything() -> None:
    h = GroupHarness()
    h.commit("g", {("a", 0): 1, ("a", 2): 3, ("b", 0): 4})
    assert offsets_of(h, "g", {"a": [0, 1]}) == {
        ("a", 0): (1, -1, "", E.NO_ERROR),
        ("a", 1): (-1, -1, "", E.NO_ERROR),
    }
    assert set(offsets_of(h, "g")) == {("a", 0), ("a", 2), ("b", 0)}
    assert offsets_of(h, "unknown", {"a": [0]}) == {("a", 0): (-1, -1, "", E.NO_ERROR)}
    assert offsets_of(h, "unknown") == {}


def test_a_commit_outside_group_management_creates_a_simple_group() -> None:
    h = GroupHarness()
    h.commit("standalone", {("t", 0): 1})
    group = h.shard.groups["standalone"]
    assert (group.state, group.protocol_type) == (ClassicGroupState.EMPTY, None)


@pytest.mark.parametrize(
    ("version", "error"), [(1, E.ILLEGAL_GENERATION), (8, E.ILLEGAL_GENERATION), (9, E.GROUP_ID_NOT_FOUND)]
)
def test_commit_with_a_generation_to_an_unknown_group(version: int, error: ErrorCode) -> None:
    h = GroupHarness()
    assert h.commit("nothing", {("t", 0): 1}, member_id="m", generation_id=3, version=version) == {
        ("t", 0): error
    }
    assert "nothing" not in h.shard.groups


@pytest.mark.parametrize(
    ("member", "generation", "instance_id", "error"),
    [
        (None, 1, None, E.NO_ERROR),
        (None, 2, None, E.ILLEGAL_GENERATION),
        ("ghost", 1, None, E.UNKNOWN_MEMBER_ID),
        ("", -1, None, E.UNKNOWN_MEMBER_ID),  # an admin commit while the group has members
        (None, 1, "someone", E.UNKNOWN_MEMBER_ID),
    ],
)
def test_commit_validation_against_a_classic_group(
    member: str | None, generation: int, instance_id: str | None, error: ErrorCode
) -> None:
    h = GroupHarness()
    (leader,) = h.stable_group()
    result = h.commit(
        "group",
        {("t", 0): 1, ("t", 1): 2},
        member_id=leader if member is None else member,
        generation_id=generation,
        instance_id=instance_id,
    )
    assert result == {("t", 0): error, ("t", 1): error}


def test_commit_while_completing_a_rebalance_is_rebalance_in_progress() -> None:
    h = GroupHarness()
    member_id = h.reply(h.join_new()).member_id
    assert h.commit("group", {("t", 0): 1}, member_id=member_id, generation_id=1) == {
        ("t", 0): E.REBALANCE_IN_PROGRESS
    }


def test_an_empty_group_accepts_admin_commits() -> None:
    h = GroupHarness()
    (member,) = h.stable_group()
    h.leave("group", (member, None))
    assert h.commit("group", {("t", 0): 1}) == {("t", 0): E.NO_ERROR}


# -- OffsetDelete --------------------------------------------------------------------------------


def test_offset_delete() -> None:
    h = GroupHarness()
    h.commit("g", {("a", 0): 1, ("a", 1): 2, ("b", 0): 3})
    response = h.delete_offsets("g", {"a": [0, 5]})
    assert response.error_code == E.NO_ERROR
    assert [(p.partition_index, p.error_code) for p in response.topics[0].partitions] == [(0, 0), (5, 0)]
    assert set(offsets_of(h, "g")) == {("a", 1), ("b", 0)}
    # Only the committed partition gets a tombstone.
    assert [(r.key.topic, r.key.partition, r.is_tombstone) for r in h.log[-1:]] == [("a", 0, True)]


def test_offset_delete_errors() -> None:
    h = GroupHarness()
    assert h.delete_offsets("nothing", {"t": [0]}).error_code == E.GROUP_ID_NOT_FOUND
    assert h.delete_offsets("", {"t": [0]}).error_code == E.INVALID_GROUP_ID
    h.stable_group("connectors", protocol_type="connect", protocols=[("default", b"")])
    assert h.delete_offsets("connectors", {"t": [0]}).error_code == E.NON_EMPTY_GROUP


def test_offset_delete_refuses_topics_a_live_consumer_group_subscribes_to() -> None:
    h = GroupHarness()
    (member,) = h.stable_group(protocols=[("range", encode_subscription(["topic"]))])
    h.commit("group", {("topic", 0): 1, ("old", 0): 2}, member_id=member, generation_id=1)
    response = h.delete_offsets("group", {"topic": [0], "old": [0]})
    errors = {t.name: [p.error_code for p in t.partitions] for t in response.topics}
    assert errors == {"topic": [E.GROUP_SUBSCRIBED_TO_TOPIC], "old": [E.NO_ERROR]}
    assert set(offsets_of(h, "group")) == {("topic", 0)}


# -- retention -----------------------------------------------------------------------------------


def test_simple_group_offsets_expire_a_retention_after_their_commit_and_the_group_goes() -> None:
    h = GroupHarness(offsets_retention_ms=60 * MINUTE, offsets_retention_check_interval_ms=MINUTE)
    h.shard.on_loaded(h.now)
    h.commit("g", {("t", 0): 1})
    h.advance(30 * MINUTE)
    h.commit("g", {("t", 1): 2})
    h.advance(30 * MINUTE)  # t-0 is an hour old
    assert set(offsets_of(h, "g")) == {("t", 1)}
    h.advance(30 * MINUTE)
    assert offsets_of(h, "g") == {}
    assert "g" not in h.shard.groups
    assert h.log[-1] == records.group_metadata_tombstone("g")


def test_consumer_group_offsets_expire_a_retention_after_the_group_became_empty() -> None:
    h = GroupHarness(offsets_retention_ms=60 * MINUTE, offsets_retention_check_interval_ms=MINUTE)
    h.shard.on_loaded(h.now)
    (member,) = h.stable_group(session_timeout_ms=60_000)
    h.commit("group", {("topic", 0): 5}, member_id=member, generation_id=1)
    # While the member lives (and subscribes to the topic), nothing expires.
    for _ in range(120):
        h.advance(30_000)
        h.heartbeat("group", member, 1)
    assert set(offsets_of(h, "group")) == {("topic", 0)}
    h.leave("group", (member, None))
    h.advance(59 * MINUTE)
    assert set(offsets_of(h, "group")) == {("topic", 0)}
    h.advance(MINUTE)
    assert offsets_of(h, "group") == {}
    assert "group" not in h.shard.groups


def test_stable_consumer_group_loses_offsets_of_topics_it_no_longer_subscribes_to() -> None:
    h = GroupHarness(offsets_retention_ms=10 * MINUTE, offsets_retention_check_interval_ms=MINUTE)
    h.shard.on_loaded(h.now)
    (member,) = h.stable_group(session_timeout_ms=60_000)
    h.commit("group", {("topic", 0): 5, ("former", 0): 6}, member_id=member, generation_id=1)
    for _ in range(25):
        h.advance(30_000)
        h.heartbeat("group", member, 1)
    assert set(offsets_of(h, "group")) == {("topic", 0)}


def test_an_explicit_retention_time_sets_an_absolute_expiry() -> None:
    h = GroupHarness(offsets_retention_ms=10_000 * MINUTE, offsets_retention_check_interval_ms=MINUTE)
    h.shard.on_loaded(h.now)
    h.commit("g", {("t", 0): 1}, retention_time_ms=5 * MINUTE, version=2)
    assert h.log[-1].value_version == 1
    h.advance(4 * MINUTE)
    assert set(offsets_of(h, "g")) == {("t", 0)}
    h.advance(MINUTE)
    assert offsets_of(h, "g") == {}


# -- transactional offsets -----------------------------------------------------------------------


def transactional_commit(h: GroupHarness, producer_id: int, offset: int) -> None:
    record = records.offset_commit(
        "g",
        "t",
        0,
        offset=offset,
        leader_epoch=-1,
        metadata="",
        commit_timestamp_ms=h.now,
        expire_timestamp_ms=None,
    )
    h.shard.replay(record, h.shard.next_offset, producer_id)
    h.shard.next_offset += 1


@pytest.mark.parametrize(("committed", "visible"), [(True, 7), (False, 3)])
def test_transactional_offsets_appear_only_when_the_transaction_commits(
    committed: bool, visible: int
) -> None:
    h = GroupHarness()
    h.commit("g", {("t", 0): 3})
    transactional_commit(h, producer_id=42, offset=7)
    assert offsets_of(h, "g", {"t": [0]})[("t", 0)][0] == 3
    stable = h.fetch("g", {"t": [0]}, require_stable=True).topics[0][1][0]
    assert stable.error == E.UNSTABLE_OFFSET_COMMIT
    h.shard.replay_end_transaction(42, committed)
    assert offsets_of(h, "g", {"t": [0]})[("t", 0)][0] == visible


def test_a_later_plain_commit_wins_over_an_earlier_transactional_one() -> None:
    h = GroupHarness()
    transactional_commit(h, producer_id=42, offset=7)
    h.commit("g", {("t", 0): 9})
    h.shard.replay_end_transaction(42, True)
    assert offsets_of(h, "g", {"t": [0]})[("t", 0)][0] == 9


# -- TxnOffsetCommit and markers -----------------------------------------------------------------


def txn_commit(
    h: GroupHarness, group_id: str, offset: int, *, producer_id: int = 42, **fields: object
) -> int:
    from wirekafka.coordinator.group.result import ClientInfo
    from wirekafka.protocol.messages.txn import TxnOffsetCommitRequest

    request = TxnOffsetCommitRequest(
        transactional_id="tx",
        group_id=group_id,
        producer_id=producer_id,
        producer_epoch=3,
        topics=[
            TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic(
                name="t",
                partitions=[
                    TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition(
                        partition_index=0, committed_offset=offset, committed_metadata="m"
                    )
                ],
            )
        ],
        **fields,
    )
    response = h.absorb(h.shard.txn_offset_commit(request, ClientInfo("p", "/h", 3), h.now))
    return int(response.topics[0].partitions[0].error_code)


@pytest.mark.parametrize(("committed", "visible"), [(True, 7), (False, 3)])
def test_txn_offset_commit_waits_for_the_marker(committed: bool, visible: int) -> None:
    h = GroupHarness()
    h.commit("g", {("t", 0): 3})
    assert txn_commit(h, "g", 7) == E.NO_ERROR
    assert h.log[-1].key_version == 1  # an offset record, in a transactional batch of producer 42
    assert offsets_of(h, "g", {"t": [0]})[("t", 0)][0] == 3
    assert h.fetch("g", {"t": [0]}, require_stable=True).topics[0][1][0].error == E.UNSTABLE_OFFSET_COMMIT
    result = h.shard.complete_transaction(42, 3, 0, committed)
    assert (result.response, result.record_count, result.end_transaction.committed) == (0, 1, committed)
    assert offsets_of(h, "g", {"t": [0]})[("t", 0)][0] == visible


def test_txn_offset_commit_validation() -> None:
    h = GroupHarness()
    assert txn_commit(h, "unknown", 1, generation_id=4, member_id="m") == E.ILLEGAL_GENERATION
    (member,) = h.stable_group()
    # Transactional commits skip the REBALANCE_IN_PROGRESS check but not the member checks.
    assert txn_commit(h, "group", 1, generation_id=1, member_id=member) == E.NO_ERROR
    assert txn_commit(h, "group", 1, generation_id=2, member_id=member) == E.ILLEGAL_GENERATION
    assert txn_commit(h, "group", 1, generation_id=1, member_id="ghost") == E.UNKNOWN_MEMBER_ID
    # v0-v2 requests carry no member at all: accepted even while the group has members.
    assert txn_commit(h, "group", 1) == E.NO_ERROR
