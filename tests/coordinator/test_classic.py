"""The classic group state machine: every transition and error code, driven with a hand clock."""

from __future__ import annotations

import pytest

from tests.coordinator.harness import SUBSCRIPTION, GroupHarness
from wirekafka.coordinator.group.classic_group import ClassicGroupState
from wirekafka.coordinator.group.consumer_protocol import encode_assignment, encode_subscription
from wirekafka.protocol.errors import ErrorCode

E = ErrorCode
STATE = ClassicGroupState


def state(h: GroupHarness, group_id: str = "group") -> ClassicGroupState:
    return h.shard.groups[group_id].state


# -- first join: member ids ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "first_error"),
    [(0, E.NO_ERROR), (1, E.NO_ERROR), (2, E.NO_ERROR), (3, E.NO_ERROR)]
    + [(v, E.MEMBER_ID_REQUIRED) for v in range(4, 10)],
)
def test_member_id_required_only_from_v4(version: int, first_error: ErrorCode) -> None:
    h = GroupHarness()
    token = h.join(version=version, client_id="app")
    response = h.reply(token)
    assert response.error_code == first_error
    assert response.member_id == "app-u1"
    if first_error == E.MEMBER_ID_REQUIRED:
        assert h.shard.groups["group"].is_pending_member("app-u1")
        assert not h.shard.groups["group"].members
    else:
        assert response.generation_id == 1
        assert response.leader == "app-u1"


def test_join_with_the_given_member_id_after_member_id_required() -> None:
    h = GroupHarness()
    token = h.join_new()
    response = h.reply(token)
    assert response.error_code == E.NO_ERROR
    assert (response.member_id, response.leader, response.generation_id) == ("client-u1", "client-u1", 1)
    assert response.protocol_name == "range"
    assert response.protocol_type == "consumer"
    assert [(m.member_id, m.metadata) for m in response.members] == [("client-u1", SUBSCRIPTION)]
    assert state(h) is STATE.COMPLETING_REBALANCE


def test_pending_member_expires_after_its_session_timeout() -> None:
    h = GroupHarness()
    h.join(session_timeout_ms=10_000)
    h.advance(9_999)
    assert h.shard.groups["group"].is_pending_member("client-u1")
    h.advance(1)
    assert not h.shard.groups["group"].is_pending_member("client-u1")
    # Coming back with the expired id is now an unknown member.
    assert h.reply(h.join(member_id="client-u1")).error_code == E.UNKNOWN_MEMBER_ID


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"group_id": ""}, E.INVALID_GROUP_ID),
        ({"session_timeout_ms": 5_999}, E.INVALID_SESSION_TIMEOUT),
        ({"session_timeout_ms": 1_800_001}, E.INVALID_SESSION_TIMEOUT),
        ({"member_id": "ghost"}, E.UNKNOWN_MEMBER_ID),
        ({"protocol_type": ""}, E.INCONSISTENT_GROUP_PROTOCOL),
        ({"protocols": []}, E.INCONSISTENT_GROUP_PROTOCOL),
    ],
)
def test_join_rejections(kwargs: dict[str, object], error: ErrorCode) -> None:
    h = GroupHarness()
    assert h.reply(h.join(**kwargs)).error_code == error  # type: ignore[arg-type]


def test_a_new_group_is_written_at_once() -> None:
    h = GroupHarness()
    h.join()
    assert [(r.key_version, r.key.group, r.value.generation, r.value.members) for r in h.log] == [
        (2, "group", 0, [])
    ]


# -- protocols and leader ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("members_protocols", "selected"),
    [
        ([["range"]], "range"),
        ([["range", "roundrobin"], ["range", "roundrobin"]], "range"),
        ([["range", "roundrobin"], ["roundrobin", "range"], ["roundrobin"]], "roundrobin"),
        ([["cooperative-sticky", "range"], ["cooperative-sticky", "range"], ["range"]], "range"),
        ([["a", "b", "c"], ["c", "b"], ["b", "c"]], "b"),
        ([["a", "c", "b"], ["c", "b"], ["b", "c"]], "c"),
    ],
)
def test_protocol_selection_votes_among_common_protocols(
    members_protocols: list[list[str]], selected: str
) -> None:
    h = GroupHarness()
    tokens = [
        h.join(protocols=[(name, name.encode()) for name in protocols], settle=False)
        for protocols in members_protocols
    ]
    joins = [
        h.join(member_id=h.reply(t).member_id, protocols=[(n, n.encode()) for n in protocols], settle=False)
        for t, protocols in zip(tokens, members_protocols, strict=True)
    ]
    h.settle()
    responses = [h.reply(t) for t in joins]
    assert {r.protocol_name for r in responses} == {selected}
    leader = responses[0]
    assert leader.leader == leader.member_id
    assert [m.metadata for m in leader.members] == [selected.encode()] * len(members_protocols)
    assert all(r.members == [] for r in responses[1:])


def test_a_member_without_a_common_protocol_is_refused() -> None:
    h = GroupHarness()
    h.stable_group(protocols=[("range", b"")])
    assert h.reply(h.join(protocols=[("roundrobin", b"")])).error_code == E.INCONSISTENT_GROUP_PROTOCOL
    assert h.reply(h.join(protocol_type="connect")).error_code == E.INCONSISTENT_GROUP_PROTOCOL


# -- the initial rebalance delay -----------------------------------------------------------------


def test_initial_rebalance_waits_the_delay_and_extends_for_late_joiners() -> None:
    h = GroupHarness(initial_rebalance_delay_ms=3_000)
    first = h.join_new(rebalance_timeout_ms=30_000)
    h.advance(1_000)
    second = h.join_new(rebalance_timeout_ms=30_000)
    h.advance(1_999)
    assert h.reply(first) is None and state(h) is STATE.PREPARING_REBALANCE
    # The delay expires at 3 000 ms, sees the late joiner and waits another 3 000 ms.
    h.advance(1)
    assert h.reply(first) is None
    h.advance(2_999)
    assert h.reply(first) is None
    h.advance(1)
    assert h.reply(first).generation_id == h.reply(second).generation_id == 1


def test_initial_rebalance_delay_is_bounded_by_the_rebalance_timeout() -> None:
    h = GroupHarness(initial_rebalance_delay_ms=3_000)
    first = h.join_new(rebalance_timeout_ms=4_000)
    for _ in range(5):
        h.advance(1_000)
        if h.reply(first) is None:
            h.join_new(rebalance_timeout_ms=4_000)
    # delay 3 000 + at most one extension of min(3 000, 4 000 - 3 000) = 1 000.
    assert h.reply(first) is not None
    assert h.shard.groups["group"].generation_id == 1


# -- rebalances ----------------------------------------------------------------------------------


def test_a_new_member_triggers_a_rebalance_of_a_stable_group() -> None:
    h = GroupHarness()
    leader, follower = h.stable_group(members=2)
    newcomer = h.join_new(settle=False)
    assert state(h) is STATE.PREPARING_REBALANCE
    assert h.heartbeat("group", leader, 1) == E.REBALANCE_IN_PROGRESS
    rejoin_leader = h.join(member_id=leader, settle=False)
    assert h.reply(newcomer) is None
    rejoin_follower = h.join(member_id=follower)
    responses = [h.reply(t) for t in (rejoin_leader, rejoin_follower, newcomer)]
    assert {r.generation_id for r in responses} == {2}
    assert len(responses[0].members) == 3
    assert state(h) is STATE.COMPLETING_REBALANCE


def test_members_that_do_not_rejoin_are_dropped_after_the_rebalance_timeout() -> None:
    h = GroupHarness()
    leader, follower = h.stable_group(members=2, rebalance_timeout_ms=20_000, session_timeout_ms=60_000)
    # The follower changes its subscription, which starts a rebalance; the leader never rejoins.
    rejoin = h.join(
        member_id=follower,
        protocols=[("range", encode_subscription(["other"]))],
        rebalance_timeout_ms=20_000,
        session_timeout_ms=60_000,
    )
    assert state(h) is STATE.PREPARING_REBALANCE
    h.advance(19_999)
    assert h.reply(rejoin) is None
    h.advance(1)
    response = h.reply(rejoin)
    assert response.generation_id == 2
    # The old leader did not rejoin: the follower leads now.
    assert response.leader == follower
    assert [m.member_id for m in response.members] == [follower]
    assert h.heartbeat("group", leader, 1) == E.UNKNOWN_MEMBER_ID


def test_leader_rejoining_a_stable_group_forces_a_rebalance_but_a_follower_does_not() -> None:
    h = GroupHarness()
    leader, follower = h.stable_group(members=2)
    same = h.reply(h.join(member_id=follower))
    assert (same.error_code, same.generation_id, same.members) == (E.NO_ERROR, 1, [])
    assert state(h) is STATE.STABLE
    h.join(member_id=leader)
    assert state(h) is STATE.PREPARING_REBALANCE


def test_a_member_changing_its_metadata_forces_a_rebalance() -> None:
    h = GroupHarness()
    _, follower = h.stable_group(members=2)
    h.join(member_id=follower, protocols=[("range", encode_subscription(["topic", "other"]))])
    assert state(h) is STATE.PREPARING_REBALANCE


def test_rejoin_during_completing_rebalance_returns_the_current_generation() -> None:
    h = GroupHarness()
    token = h.join_new()
    member_id = h.reply(token).member_id
    again = h.reply(h.join(member_id=member_id))
    assert (again.generation_id, again.leader, len(again.members)) == (1, member_id, 1)
    assert state(h) is STATE.COMPLETING_REBALANCE


def test_a_second_join_while_one_is_parked_answers_the_first() -> None:
    h = GroupHarness(initial_rebalance_delay_ms=3_000)
    first = h.join_new()
    member_id = h.reply(first - 1).member_id
    second = h.join(member_id=member_id)
    assert h.reply(first).error_code == E.REBALANCE_IN_PROGRESS
    h.advance(3_000)
    assert h.reply(second).error_code == E.NO_ERROR


# -- SyncGroup -----------------------------------------------------------------------------------


def test_followers_wait_in_sync_for_the_leader_assignment() -> None:
    h = GroupHarness()
    tokens = [h.join(settle=False) for _ in range(2)]
    ids = [h.reply(t).member_id for t in tokens]
    joins = [h.join(member_id=m, settle=False) for m in ids]
    h.settle()
    leader = h.reply(joins[0]).leader
    follower = ids[1]
    parked = h.sync("group", follower, 1)
    assert h.reply(parked) is None
    heartbeat_error = h.heartbeat("group", follower, 1)
    assert heartbeat_error == E.NO_ERROR
    assignment = encode_assignment({"topic": [0]})
    leader_sync = h.sync("group", leader, 1, {leader: assignment})
    assert h.reply(leader_sync).assignment == assignment
    # The follower had no entry in the leader's assignments: it gets an empty one.
    assert (h.reply(parked).error_code, h.reply(parked).assignment) == (E.NO_ERROR, b"")
    assert (h.reply(parked).protocol_type, h.reply(parked).protocol_name) == ("consumer", "range")
    assert state(h) is STATE.STABLE
    # The assignment is persisted with the generation.
    record = h.log[-1]
    assert record.key_version == 2
    assert {m.member_id: m.assignment for m in record.value.members} == {leader: assignment, follower: b""}


@pytest.mark.parametrize(
    ("member", "generation", "kwargs", "error"),
    [
        ("ghost", 1, {}, E.UNKNOWN_MEMBER_ID),
        (None, 2, {}, E.ILLEGAL_GENERATION),
        (None, 1, {"protocol_type": "connect"}, E.INCONSISTENT_GROUP_PROTOCOL),
        (None, 1, {"protocol_name": "roundrobin"}, E.INCONSISTENT_GROUP_PROTOCOL),
        (None, 1, {"instance_id": "someone"}, E.UNKNOWN_MEMBER_ID),
    ],
)
def test_sync_rejections(
    member: str | None, generation: int, kwargs: dict[str, object], error: ErrorCode
) -> None:
    h = GroupHarness()
    (leader,) = h.stable_group()
    token = h.sync("group", member or leader, generation, **kwargs)  # type: ignore[arg-type]
    assert h.reply(token).error_code == error


def test_sync_to_an_unknown_or_empty_group() -> None:
    h = GroupHarness()
    assert h.reply(h.sync("nothing", "m", 0)).error_code == E.UNKNOWN_MEMBER_ID
    assert h.reply(h.sync("", "m", 0)).error_code == E.INVALID_GROUP_ID


def test_sync_during_a_rebalance_is_told_to_rejoin() -> None:
    h = GroupHarness()
    leader, _ = h.stable_group(members=2)
    h.join_new(settle=False)
    assert h.reply(h.sync("group", leader, 1)).error_code == E.REBALANCE_IN_PROGRESS


def test_sync_in_a_stable_group_returns_the_member_assignment_again() -> None:
    h = GroupHarness()
    _leader, follower = h.stable_group(members=2)
    assert h.reply(h.sync("group", follower, 1)).assignment == encode_assignment({"topic": [1]})


def test_a_rebalance_answers_parked_syncs_with_rebalance_in_progress() -> None:
    h = GroupHarness()
    tokens = [h.join(settle=False) for _ in range(2)]
    ids = [h.reply(t).member_id for t in tokens]
    for m in ids:
        h.join(member_id=m, settle=False)
    h.settle()
    parked = h.sync("group", ids[1], 1)
    h.leave("group", (ids[0], None))
    assert h.reply(parked).error_code == E.REBALANCE_IN_PROGRESS


def test_members_that_never_sync_are_dropped_after_the_rebalance_timeout() -> None:
    h = GroupHarness()
    timeouts = {"rebalance_timeout_ms": 15_000, "session_timeout_ms": 60_000}
    tokens = [h.join(settle=False, **timeouts) for _ in range(2)]
    ids = [h.reply(t).member_id for t in tokens]
    for m in ids:
        h.join(member_id=m, settle=False, **timeouts)
    h.settle()
    h.sync("group", ids[0], 1, {ids[0]: b"a"})
    # The group went Stable when the leader synced, but ids[1] never did.
    h.advance(14_999)
    assert ids[1] in h.shard.groups["group"].members
    h.advance(1)
    assert ids[1] not in h.shard.groups["group"].members
    assert state(h) is STATE.PREPARING_REBALANCE


# -- heartbeats and sessions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group_id", "member", "generation", "instance_id", "error"),
    [
        ("group", None, 1, None, E.NO_ERROR),
        ("group", None, 0, None, E.ILLEGAL_GENERATION),
        ("group", None, 2, None, E.ILLEGAL_GENERATION),
        ("group", "ghost", 1, None, E.UNKNOWN_MEMBER_ID),
        ("nothing", "ghost", 1, None, E.UNKNOWN_MEMBER_ID),
        ("", "ghost", 1, None, E.INVALID_GROUP_ID),
        ("group", None, 1, "unknown-instance", E.UNKNOWN_MEMBER_ID),
    ],
)
def test_heartbeat_errors(
    group_id: str, member: str | None, generation: int, instance_id: str | None, error: ErrorCode
) -> None:
    h = GroupHarness()
    (leader,) = h.stable_group()
    assert h.heartbeat(group_id, member or leader, generation, instance_id) == error


def test_heartbeats_keep_a_member_past_its_session_timeout() -> None:
    h = GroupHarness()
    (member,) = h.stable_group(session_timeout_ms=10_000)
    for _ in range(5):
        h.advance(9_999)
        assert h.heartbeat("group", member, 1) == E.NO_ERROR
    h.advance(9_999)
    assert state(h) is STATE.STABLE
    h.advance(1)
    # The only member died: the rebalance completes empty, generation 2.
    assert state(h) is STATE.EMPTY
    assert h.shard.groups["group"].generation_id == 2
    assert h.log[-1].value.members == [] and h.log[-1].value.generation == 2


def test_a_dead_member_triggers_a_rebalance_of_the_others() -> None:
    h = GroupHarness()
    leader, follower = h.stable_group(members=2, session_timeout_ms=10_000)
    h.advance(5_000)
    h.heartbeat("group", follower, 1)
    h.advance(5_000)
    assert leader not in h.shard.groups["group"].members
    assert h.heartbeat("group", follower, 1) == E.REBALANCE_IN_PROGRESS
    response = h.reply(h.join(member_id=follower))
    assert (response.generation_id, response.leader) == (2, follower)


def test_offset_commits_also_keep_a_session_alive() -> None:
    h = GroupHarness()
    (member,) = h.stable_group(session_timeout_ms=10_000)
    h.advance(9_000)
    assert h.commit("group", {("topic", 0): 5}, member_id=member, generation_id=1) == {("topic", 0): 0}
    h.advance(9_000)
    assert member in h.shard.groups["group"].members


def test_heartbeat_of_an_empty_group_member_is_unknown_member() -> None:
    h = GroupHarness()
    (member,) = h.stable_group(session_timeout_ms=10_000)
    h.advance(10_000)
    assert state(h) is STATE.EMPTY
    assert h.heartbeat("group", member, 2) == E.UNKNOWN_MEMBER_ID


# -- LeaveGroup ----------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [0, 1, 2])
def test_leave_group_v0_to_v2_names_one_member(version: int) -> None:
    h = GroupHarness()
    _leader, follower = h.stable_group(members=2)
    response = h.leave("group", (follower, None), version=version)
    assert response.error_code == E.NO_ERROR
    assert follower not in h.shard.groups["group"].members
    assert state(h) is STATE.PREPARING_REBALANCE


def test_leave_group_batch_reports_each_member() -> None:
    h = GroupHarness()
    leader, follower = h.stable_group(members=2)
    response = h.leave("group", (leader, None), ("ghost", None), (follower, "wrong-instance"))
    assert [(m.member_id, m.error_code) for m in response.members] == [
        (leader, E.NO_ERROR),
        ("ghost", E.UNKNOWN_MEMBER_ID),
        (follower, E.UNKNOWN_MEMBER_ID),
    ]
    assert list(h.shard.groups["group"].members) == [follower]


def test_last_member_leaving_empties_the_group() -> None:
    h = GroupHarness()
    (member,) = h.stable_group()
    h.leave("group", (member, None))
    assert state(h) is STATE.EMPTY
    assert h.shard.groups["group"].generation_id == 2


def test_leave_unknown_group() -> None:
    h = GroupHarness()
    assert h.leave("nothing", ("m", None)).error_code == E.UNKNOWN_MEMBER_ID


def test_leave_of_a_pending_member() -> None:
    h = GroupHarness()
    pending = h.reply(h.join()).member_id
    response = h.leave("group", (pending, None))
    assert response.members[0].error_code == E.NO_ERROR
    assert not h.shard.groups["group"].is_pending_member(pending)


def test_a_member_leaving_while_the_others_rejoin_completes_the_join() -> None:
    h = GroupHarness()
    leader, follower = h.stable_group(members=2)
    h.join(member_id=leader)  # the leader asks for a rebalance; the follower leaves instead of rejoining
    h.leave("group", (follower, None))
    assert state(h) is STATE.COMPLETING_REBALANCE
    assert h.shard.groups["group"].generation_id == 2


# -- static membership ---------------------------------------------------------------------------


def static_group(h: GroupHarness, version: int = 5, session_timeout_ms: int = 10_000) -> tuple[str, str]:
    tokens = [
        h.join(instance_id=i, settle=False, version=version, session_timeout_ms=session_timeout_ms)
        for i in ("a", "b")
    ]
    h.settle()
    # Static members are not asked for MEMBER_ID_REQUIRED: their join is parked like any other.
    ids = [h.reply(t).member_id for t in tokens]
    assert ids == ["a-u1", "b-u2"]
    assignment = {m: encode_assignment({"topic": [i]}) for i, m in enumerate(ids)}
    h.sync("group", ids[0], 1, assignment, instance_id="a")
    h.sync("group", ids[1], 1, instance_id="b")
    assert state(h) is STATE.STABLE
    return ids[0], ids[1]


def test_static_member_restart_gets_its_assignment_back_without_rebalance() -> None:
    h = GroupHarness()
    leader, follower = static_group(h)
    # "b" restarts (new process, empty member id) well within its session timeout.
    token = h.join(instance_id="b")
    response = h.reply(token)
    assert response.error_code == E.NO_ERROR
    assert response.member_id == "b-u3"
    assert response.generation_id == 1
    assert state(h) is STATE.STABLE
    sync = h.reply(h.sync("group", "b-u3", 1, instance_id="b"))
    assert sync.assignment == encode_assignment({"topic": [1]})
    # The old member id is fenced.
    assert h.heartbeat("group", follower, 1, "b") == E.FENCED_INSTANCE_ID
    assert h.heartbeat("group", "b-u3", 1, "b") == E.NO_ERROR
    # The replacement is persisted.
    assert {m.member_id for m in h.log[-1].value.members} == {leader, "b-u3"}


@pytest.mark.parametrize(("version", "leader_field", "skip"), [(8, "a-u1", False), (9, "a-u3", True)])
def test_static_leader_restart(version: int, leader_field: str, skip: bool) -> None:
    h = GroupHarness()
    static_group(h)
    response = h.reply(h.join(instance_id="a", version=version))
    assert (response.member_id, response.leader, response.skip_assignment) == ("a-u3", leader_field, skip)
    assert (len(response.members) == 2) is skip
    assert state(h) is STATE.STABLE


def test_static_member_not_rejoining_is_kept_through_the_rebalance_until_its_session_ends() -> None:
    h = GroupHarness()
    leader, follower = static_group(h, session_timeout_ms=60_000)
    timeouts = {"rebalance_timeout_ms": 30_000, "session_timeout_ms": 60_000}
    rejoin = h.join(member_id=leader, instance_id="a", **timeouts)  # the leader asks for a rebalance
    h.advance(30_000)
    response = h.reply(rejoin)
    # Dynamic members that miss a rebalance are dropped; static ones stay in the next generation.
    assert response.generation_id == 2
    assert {m.member_id for m in response.members} == {leader, follower}
    h.sync("group", leader, 2, {}, instance_id="a")
    for _ in range(6):
        h.advance(10_000)
        h.heartbeat("group", leader, 2, "a")
    # "b" never heartbeat: its session, restarted when generation 2 began, is over.
    assert follower not in h.shard.groups["group"].members
    assert leader in h.shard.groups["group"].members


def test_static_member_join_with_a_stale_member_id_is_fenced() -> None:
    h = GroupHarness()
    static_group(h)
    h.join(instance_id="b")
    assert h.reply(h.join(member_id="b-u2", instance_id="b")).error_code == E.FENCED_INSTANCE_ID


def test_admin_removes_a_static_member_by_instance_id() -> None:
    h = GroupHarness()
    static_group(h)
    response = h.leave("group", ("", "b"), ("", "nobody"))
    assert [m.error_code for m in response.members] == [E.NO_ERROR, E.UNKNOWN_MEMBER_ID]
    assert "b-u2" not in h.shard.groups["group"].members


def test_static_member_changing_protocol_during_stable_rebalances() -> None:
    h = GroupHarness()
    static_group(h)
    h.join(instance_id="b", protocols=[("range", encode_subscription(["other"]))])
    assert state(h) is STATE.STABLE  # same protocol name selected: no rebalance, as Kafka
    h.join(instance_id="a", protocols=[("roundrobin", b""), ("range", b"")])
    assert state(h) is STATE.STABLE


# -- group.max.size ------------------------------------------------------------------------------


def test_group_max_size() -> None:
    h = GroupHarness(max_size=2)
    h.stable_group(members=2)
    token = h.join_new()
    assert h.reply(token).error_code == E.GROUP_MAX_SIZE_REACHED
    assert len(h.shard.groups["group"].members) == 2


# -- Describe / List / Delete --------------------------------------------------------------------


def test_describe_stable_group() -> None:
    h = GroupHarness()
    leader, follower = h.stable_group(members=2, client_id="my-app")
    (described,) = h.shard.describe_groups(["group"])
    assert (
        described.error_code,
        described.group_state,
        described.protocol_type,
        described.protocol_data,
    ) == (
        0,
        "Stable",
        "consumer",
        "range",
    )
    assert [
        (m.member_id, m.client_id, m.client_host, m.member_metadata, m.member_assignment)
        for m in described.members
    ] == [
        (leader, "my-app", "/127.0.0.1", SUBSCRIPTION, encode_assignment({"topic": [0]})),
        (follower, "my-app", "/127.0.0.1", SUBSCRIPTION, encode_assignment({"topic": [1]})),
    ]
    assert described.authorized_operations == -(2**31)


def test_describe_rebalancing_unknown_and_empty_groups() -> None:
    h = GroupHarness()
    h.stable_group(members=2)
    h.join_new(settle=False)
    h.commit("simple", {("t", 0): 1})
    rebalancing, unknown, simple = h.shard.describe_groups(["group", "nothing", "simple"])
    assert (rebalancing.group_state, rebalancing.protocol_data) == ("PreparingRebalance", "")
    assert {m.member_metadata for m in rebalancing.members} == {b""}
    assert (unknown.error_code, unknown.group_state, unknown.members) == (0, "Dead", [])
    assert (simple.group_state, simple.protocol_type, simple.members) == ("Empty", "", [])


def test_list_groups_with_state_and_type_filters() -> None:
    h = GroupHarness(topics={"topic": 1})
    h.stable_group("stable")
    h.commit("simple", {("t", 0): 1})
    h.consumer_heartbeat("modern", topics=["topic"])

    def listed(states: list[str], types: list[str]) -> set[tuple[str, str, str, str]]:
        return {
            (g.group_id, g.protocol_type, g.group_state, g.group_type)
            for g in h.shard.list_groups(states, types)
        }

    everything = {
        ("stable", "consumer", "Stable", "classic"),
        ("simple", "", "Empty", "classic"),
        ("modern", "consumer", "Stable", "consumer"),
    }
    assert listed([], []) == everything
    assert listed(["stable"], []) == {g for g in everything if g[2] == "Stable"}
    assert listed(["EMPTY", "preparingrebalance"], []) == {("simple", "", "Empty", "classic")}
    assert listed([], ["Consumer"]) == {("modern", "consumer", "Stable", "consumer")}
    assert listed(["Stable"], ["classic"]) == {("stable", "consumer", "Stable", "classic")}
    assert listed(["nonsense"], []) == set()


def test_delete_groups() -> None:
    h = GroupHarness()
    h.stable_group("busy")
    h.commit("idle", {("t", 0): 1, ("t", 1): 2})
    assert h.delete_groups("busy", "idle", "nothing") == {
        "busy": E.NON_EMPTY_GROUP,
        "idle": E.NO_ERROR,
        "nothing": E.GROUP_ID_NOT_FOUND,
    }
    assert "idle" not in h.shard.groups
    tombstones = [(r.key_version, r.is_tombstone) for r in h.log[-3:]]
    assert tombstones == [(1, True), (1, True), (2, True)]
    assert h.fetch("idle", {"t": [0]}).topics[0][1][0].committed_offset == -1


def test_unload_answers_parked_requests_with_not_coordinator() -> None:
    h = GroupHarness(initial_rebalance_delay_ms=3_000)
    token = h.join_new()
    replies = h.shard.on_unloaded()
    assert [(r.to, r.response.error_code) for r in replies] == [(token, E.NOT_COORDINATOR)]
    assert h.shard.next_deadline() is None
