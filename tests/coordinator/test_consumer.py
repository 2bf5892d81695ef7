"""KIP-848 consumer groups: epochs, revocation before reassignment, assignors, timeouts, replay."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from tests.coordinator.harness import GroupHarness, assigned, topic_id
from wirekafka.coordinator.group.assignors import MemberSubscription, range_assignor, uniform_assignor
from wirekafka.coordinator.group.consumer import INVALID_REGULAR_EXPRESSION
from wirekafka.coordinator.group.consumer_group import ConsumerGroupState, MemberState
from wirekafka.protocol.errors import ErrorCode

E = ErrorCode
T = topic_id("t")


def group(h: GroupHarness, group_id: str = "group") -> Any:
    return h.shard.groups[group_id]


class Member:
    """A well-behaved KIP-848 client: heartbeats with its epoch and owns what it was given."""

    def __init__(self, h: GroupHarness, topics: list[str] | None = None, **join: Any) -> None:
        self.h = h
        response = h.consumer_heartbeat(topics=topics or ["t"], **join)
        assert response.error_code == E.NO_ERROR, response
        self.member_id = response.member_id
        self.epoch = response.member_epoch
        self.owned: dict[uuid.UUID, list[int]] = assigned(response)
        self.instance_id = join.get("instance_id")

    def heartbeat(self) -> Any:
        owned = {self.name(t): p for t, p in self.owned.items()}
        response = self.h.consumer_heartbeat(
            member_id=self.member_id, member_epoch=self.epoch, owned=owned, instance_id=self.instance_id
        )
        if response.error_code == E.NO_ERROR:
            self.epoch = response.member_epoch
            if response.assignment is not None:
                self.owned = assigned(response)
        return response

    def name(self, topic: uuid.UUID) -> str:
        for name, (candidate, _) in self.h.shard.consumer.topics.topics.items():
            if candidate == topic:
                return name
        raise KeyError(topic)

    def partitions(self, topic: str = "t") -> list[int]:
        return self.owned.get(topic_id(topic), [])


def converge(*members: Member, rounds: int = 6) -> None:
    for _ in range(rounds):
        for member in members:
            member.heartbeat()


def assert_disjoint(*members: Member) -> None:
    seen: set[tuple[uuid.UUID, int]] = set()
    for member in members:
        for topic, partitions in member.owned.items():
            for partition in partitions:
                assert (topic, partition) not in seen, f"{topic}-{partition} owned twice"
                seen.add((topic, partition))


# -- joining -------------------------------------------------------------------------------------


def test_first_member_gets_every_partition_at_epoch_one() -> None:
    h = GroupHarness(topics={"t": 4})
    response = h.consumer_heartbeat(topics=["t"])
    assert (response.error_code, response.member_id, response.member_epoch) == (0, "u1", 1)
    assert response.heartbeat_interval_ms == 5000
    assert assigned(response) == {T: [0, 1, 2, 3]}
    assert group(h).state is ConsumerGroupState.STABLE


def test_revocation_happens_before_reassignment() -> None:
    h = GroupHarness(topics={"t": 4})
    first = Member(h)
    second = Member(h)
    # The newcomer is at the new epoch but gets nothing while the first member still owns it all.
    assert (second.epoch, second.owned) == (2, {})
    assert group(h).members[second.member_id].state is MemberState.UNRELEASED_PARTITIONS
    # The first member is asked to give up half, staying at its epoch until it does.
    response = first.heartbeat()
    assert (response.member_epoch, assigned(response)) == (1, {T: [0, 1]})
    assert group(h).members[first.member_id].state is MemberState.STABLE or first.epoch == 1
    # Until the revocation is acknowledged, nothing moves.
    assert second.heartbeat().assignment is None
    response = first.heartbeat()  # now reports owning only 0 and 1
    assert response.member_epoch == 2
    second.heartbeat()
    assert (second.epoch, second.partitions()) == (2, [2, 3])
    assert group(h).state is ConsumerGroupState.STABLE
    assert_disjoint(first, second)


def test_a_member_that_keeps_revoked_partitions_is_not_advanced() -> None:
    h = GroupHarness(topics={"t": 2})
    first = Member(h)
    second = Member(h)
    for _ in range(3):
        response = h.consumer_heartbeat(member_id=first.member_id, member_epoch=1, owned={"t": [0, 1]})
        assert (response.member_epoch, response.error_code) == (1, 0)
    assert group(h).members[first.member_id].state is MemberState.UNREVOKED_PARTITIONS
    assert second.heartbeat().assignment is None
    assert group(h).state is ConsumerGroupState.RECONCILING


def test_many_members_converge_without_ever_sharing_a_partition() -> None:
    h = GroupHarness(topics={"t": 12, "u": 5})
    rng = random.Random(7)
    members = [Member(h, topics=["t", "u"])]
    for _ in range(5):
        members.append(Member(h, topics=["t", "u"]))
        order = members[:]
        for _ in range(4):
            rng.shuffle(order)
            for member in order:
                member.heartbeat()
                assert_disjoint(*members)
    converge(*members)
    counts = sorted(sum(len(p) for p in m.owned.values()) for m in members)
    assert counts == [2, 3, 3, 3, 3, 3]
    assert group(h).state is ConsumerGroupState.STABLE


# -- leaving, fencing and timeouts ---------------------------------------------------------------


def test_leaving_member_hands_its_partitions_over() -> None:
    h = GroupHarness(topics={"t": 4})
    first, second = Member(h), Member(h)
    converge(first, second)
    response = h.consumer_heartbeat(member_id=first.member_id, member_epoch=-1)
    assert (response.error_code, response.member_epoch) == (0, -1)
    assert first.member_id not in group(h).members
    converge(second)
    assert second.partitions() == [0, 1, 2, 3]


def test_session_timeout_fences_a_silent_member() -> None:
    h = GroupHarness(topics={"t": 4}, consumer_session_timeout_ms=45_000)
    first, second = Member(h), Member(h)
    converge(first, second)
    for _ in range(3):
        h.advance(20_000)
        second.heartbeat()
    assert first.member_id not in group(h).members
    converge(second)
    assert second.partitions() == [0, 1, 2, 3]
    # The fenced member learns it when it comes back.
    assert first.heartbeat().error_code == E.UNKNOWN_MEMBER_ID


def test_rebalance_timeout_fences_a_member_that_never_revokes() -> None:
    h = GroupHarness(topics={"t": 2})
    first = Member(h, rebalance_timeout_ms=300_000)
    second = Member(h)
    h.consumer_heartbeat(member_id=first.member_id, member_epoch=1, owned={"t": [0, 1]})
    for _ in range(7):
        h.advance(40_000)  # heartbeats within the session timeout, but no revocation
        h.consumer_heartbeat(member_id=first.member_id, member_epoch=1, owned={"t": [0, 1]})
        second.heartbeat()
    assert first.member_id in group(h).members
    h.advance(40_000)
    assert first.member_id not in group(h).members
    converge(second)
    assert second.partitions() == [0, 1]


@pytest.mark.parametrize(
    ("epoch", "owned", "error"),
    [
        (3, {"t": [0, 1]}, E.FENCED_MEMBER_EPOCH),
        (2, {"t": [0, 1]}, E.NO_ERROR),
        (1, {"t": [2]}, E.FENCED_MEMBER_EPOCH),  # the previous epoch, but partitions it never had
        (1, None, E.FENCED_MEMBER_EPOCH),
    ],
)
def test_member_epoch_checks(epoch: int, owned: dict[str, list[int]] | None, error: ErrorCode) -> None:
    h = GroupHarness(topics={"t": 4})
    first = Member(h)
    Member(h)
    first.heartbeat()
    first.heartbeat()
    assert (first.epoch, first.partitions()) == (2, [0, 1])
    response = h.consumer_heartbeat(member_id=first.member_id, member_epoch=epoch, owned=owned)
    assert response.error_code == error


def test_a_fenced_member_rejoins_with_its_id_and_epoch_zero() -> None:
    h = GroupHarness(topics={"t": 4})
    first = Member(h)
    second = Member(h)
    converge(first, second)
    # The client lost its partitions (it was fenced) and starts over with the same member id.
    response = h.consumer_heartbeat(member_id=first.member_id, member_epoch=0, topics=["t"])
    assert (response.error_code, response.member_id) == (0, first.member_id)
    assert assigned(response) == {T: [0, 1]}
    first.owned, first.epoch = assigned(response), response.member_epoch
    assert_disjoint(first, second)


def test_a_member_one_epoch_behind_with_a_subset_of_its_partitions_lost_a_response() -> None:
    h = GroupHarness(topics={"t": 4})
    first = Member(h)
    Member(h)
    first.heartbeat()
    first.heartbeat()
    assert first.epoch == 2
    response = h.consumer_heartbeat(member_id=first.member_id, member_epoch=1, owned={"t": [0]})
    assert (response.error_code, response.member_epoch) == (0, 2)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"group_id": "", "topics": ["t"]}, E.INVALID_REQUEST),
        ({"member_epoch": 3, "member_id": ""}, E.INVALID_REQUEST),
        ({"member_epoch": -3, "member_id": "m"}, E.INVALID_REQUEST),
        ({"member_epoch": 0, "topics": []}, E.INVALID_REQUEST),
        ({"member_epoch": -2, "member_id": "m"}, E.INVALID_REQUEST),
        ({"topics": ["t"], "assignor": "sticky"}, E.UNSUPPORTED_ASSIGNOR),
        ({"topics": [], "regex": "t("}, INVALID_REGULAR_EXPRESSION),
        ({"member_epoch": 4, "member_id": "m"}, E.GROUP_ID_NOT_FOUND),
        ({"member_epoch": -1, "member_id": "m"}, E.GROUP_ID_NOT_FOUND),
    ],
)
def test_heartbeat_rejections(kwargs: dict[str, Any], error: int) -> None:
    h = GroupHarness(topics={"t": 1})
    response = h.consumer_heartbeat(**kwargs)
    assert response.error_code == error
    assert response.error_message


def test_unknown_member_of_an_existing_group() -> None:
    h = GroupHarness(topics={"t": 1})
    Member(h)
    assert h.consumer_heartbeat(member_id="ghost", member_epoch=1).error_code == E.UNKNOWN_MEMBER_ID


def test_group_max_size() -> None:
    h = GroupHarness(topics={"t": 1}, consumer_max_size=1)
    Member(h)
    assert h.consumer_heartbeat(topics=["t"]).error_code == E.GROUP_MAX_SIZE_REACHED


def test_a_live_classic_group_cannot_be_joined_with_the_consumer_protocol() -> None:
    h = GroupHarness(topics={"t": 1})
    h.stable_group()
    assert h.consumer_heartbeat(topics=["t"]).error_code == E.GROUP_ID_NOT_FOUND
    # ... but an empty one (offsets only) is converted, keeping the offsets.
    h.commit("offsets-only", {("t", 0): 5})
    assert h.consumer_heartbeat("offsets-only", topics=["t"]).error_code == E.NO_ERROR
    assert h.fetch("offsets-only", {"t": [0]}).topics[0][1][0].committed_offset == 5


def test_an_empty_consumer_group_becomes_classic_on_join_group() -> None:
    h = GroupHarness(topics={"t": 1})
    member = Member(h)
    h.consumer_heartbeat(member_id=member.member_id, member_epoch=-1)
    assert group(h).is_empty
    h.stable_group()
    assert group(h).state.value == "Stable" and hasattr(group(h), "generation_id")


# -- static members ------------------------------------------------------------------------------


def test_static_member_leaves_temporarily_and_comes_back_to_its_partitions() -> None:
    h = GroupHarness(topics={"t": 4})
    a = Member(h, instance_id="a")
    b = Member(h, instance_id="b")
    converge(a, b)
    epoch_before = group(h).group_epoch
    partitions = b.partitions()
    response = h.consumer_heartbeat(member_id=b.member_id, member_epoch=-2, instance_id="b")
    assert (response.error_code, response.member_epoch) == (0, -2)
    # Another process with the same instance id while "b" is away still cannot steal the id...
    returned = Member(h, instance_id="b")
    assert returned.partitions() == partitions
    assert group(h).group_epoch == epoch_before
    assert b.member_id not in group(h).members


def test_static_instance_id_in_use_is_unreleased() -> None:
    h = GroupHarness(topics={"t": 4})
    Member(h, instance_id="a")
    response = h.consumer_heartbeat(topics=["t"], instance_id="a")
    assert response.error_code == E.UNRELEASED_INSTANCE_ID


def test_static_member_heartbeat_with_another_member_id_is_fenced() -> None:
    h = GroupHarness(topics={"t": 4})
    Member(h, instance_id="a")
    response = h.consumer_heartbeat(member_id="other", member_epoch=1, instance_id="a")
    assert response.error_code == E.FENCED_INSTANCE_ID


# -- subscriptions -------------------------------------------------------------------------------


def test_regex_subscription_follows_new_topics() -> None:
    h = GroupHarness(topics={"orders-eu": 2, "orders-us": 1, "payments": 3, "__consumer_offsets": 50})
    member = Member(h, topics=[], regex="orders-.*")
    assert member.owned == {topic_id("orders-eu"): [0, 1], topic_id("orders-us"): [0]}
    epoch = group(h).group_epoch
    h.set_topics({"orders-eu": 2, "orders-us": 1, "payments": 3, "orders-asia": 1})
    member.heartbeat()
    assert group(h).group_epoch == epoch + 1
    assert member.owned[topic_id("orders-asia")] == [0]


@pytest.mark.parametrize(
    ("regex", "description"),
    [
        ("t(", "missing )"),
        ("(?=orders).*", "invalid perl operator"),  # lookaround: Python's re has it, RE2/J not
        (r"(o)\1.*", "invalid escape sequence"),  # backreference: likewise
    ],
)
def test_regex_subscriptions_speak_kafkas_dialect(regex: str, description: str) -> None:
    """Kafka compiles the pattern with RE2/J: what RE2 refuses is INVALID_REGULAR_EXPRESSION,
    with Kafka's message."""
    h = GroupHarness(topics={"orders": 1})
    response = h.consumer_heartbeat(topics=[], regex=regex)
    assert response.error_code == INVALID_REGULAR_EXPRESSION
    assert response.error_message == (
        f"SubscribedTopicRegex `{regex}` is not a valid regular expression: {description}."
    )


def test_new_partitions_of_a_subscribed_topic_are_assigned() -> None:
    h = GroupHarness(topics={"t": 2})
    member = Member(h)
    h.set_topics({"t": 3})
    member.heartbeat()
    assert member.partitions() == [0, 1, 2]


def test_changing_the_subscription_bumps_the_epoch() -> None:
    h = GroupHarness(topics={"t": 2, "u": 1})
    member = Member(h)
    response = h.consumer_heartbeat(
        member_id=member.member_id, member_epoch=1, topics=["t", "u"], owned={"t": [0, 1]}
    )
    assert response.member_epoch == 2
    assert assigned(response) == {T: [0, 1], topic_id("u"): [0]}


def test_subscribing_to_a_missing_topic_assigns_nothing_until_it_exists() -> None:
    h = GroupHarness(topics={})
    member = Member(h, topics=["later"])
    assert member.owned == {}
    h.set_topics({"later": 2})
    member.heartbeat()
    assert member.partitions("later") == [0, 1]


# -- assignors -----------------------------------------------------------------------------------


A, B = uuid.UUID(int=1), uuid.UUID(int=2)


def test_range_assignor_gives_consecutive_ranges_static_members_first() -> None:
    members = [
        MemberSubscription("m2", None, frozenset({A, B})),
        MemberSubscription("m1", None, frozenset({A, B})),
        MemberSubscription("z", "instance-0", frozenset({A})),
    ]
    result = range_assignor(members, {A: 7, B: 3}, {})
    assert result == {
        "z": {A: frozenset({0, 1, 2})},
        "m1": {A: frozenset({3, 4}), B: frozenset({0, 1})},
        "m2": {A: frozenset({5, 6}), B: frozenset({2})},
    }


def test_uniform_assignor_is_balanced_and_sticky() -> None:
    members = [MemberSubscription(f"m{i}", None, frozenset({A})) for i in range(3)]
    first = uniform_assignor(members, {A: 9}, {})
    assert sorted(len(p[A]) for p in first.values()) == [3, 3, 3]
    # A fourth member takes two partitions; everyone else keeps what it had, minus at most one.
    second = uniform_assignor([*members, MemberSubscription("m3", None, frozenset({A}))], {A: 9}, first)
    assert sorted(len(p.get(A, ())) for p in second.values()) == [2, 2, 2, 3]
    for member_id in ("m0", "m1", "m2"):
        assert second[member_id][A] <= first[member_id][A]


def test_uniform_assignor_with_different_subscriptions() -> None:
    members = [
        MemberSubscription("m0", None, frozenset({A})),
        MemberSubscription("m1", None, frozenset({A, B})),
        MemberSubscription("m2", None, frozenset({B})),
    ]
    result = uniform_assignor(members, {A: 4, B: 2}, {})
    assert result["m0"].keys() <= {A} and result["m2"].keys() <= {B}
    assert sorted(sum(len(p) for p in a.values()) for a in result.values()) == [2, 2, 2]
    every = sorted((t, p) for a in result.values() for t, ps in a.items() for p in ps)
    assert every == sorted([(A, p) for p in range(4)] + [(B, p) for p in range(2)])


def test_the_group_uses_the_assignor_its_members_ask_for() -> None:
    h = GroupHarness(topics={"t": 4})
    first = Member(h, assignor="range")
    second = Member(h, assignor="range")
    converge(first, second)
    assert {first.member_id: first.partitions(), second.member_id: second.partitions()} == {
        "u1": [0, 1],
        "u2": [2, 3],
    }
    (described,) = h.shard.consumer_group_describe(["group"])
    assert described.assignor_name == "range"


# -- describe, offsets, replay -------------------------------------------------------------------


def test_consumer_group_describe() -> None:
    h = GroupHarness(topics={"t": 2})
    first = Member(h, instance_id="a")
    converge(first)
    described, missing = h.shard.consumer_group_describe(["group", "missing"])
    assert (
        described.error_code,
        described.group_state,
        described.group_epoch,
        described.assignment_epoch,
    ) == (
        0,
        "Stable",
        1,
        1,
    )
    (member,) = described.members
    assert (member.member_id, member.instance_id, member.member_epoch, member.client_host) == (
        first.member_id,
        "a",
        1,
        "/127.0.0.1",
    )
    assert member.subscribed_topic_names == ["t"]
    assert [(tp.topic_name, tp.partitions) for tp in member.assignment.topic_partitions] == [("t", [0, 1])]
    assert member.target_assignment == member.assignment
    assert missing.error_code == E.GROUP_ID_NOT_FOUND


def test_offset_commit_by_a_consumer_group_member_checks_its_epoch() -> None:
    h = GroupHarness(topics={"t": 2})
    member = Member(h)
    commit = {("t", 0): 5}
    assert h.commit("group", commit, member_id=member.member_id, generation_id=1, version=9) == {("t", 0): 0}
    assert h.commit("group", commit, member_id=member.member_id, generation_id=0, version=9) == {
        ("t", 0): E.STALE_MEMBER_EPOCH
    }
    assert h.commit("group", commit, member_id="ghost", generation_id=1, version=9) == {
        ("t", 0): E.UNKNOWN_MEMBER_ID
    }
    assert h.commit("group", commit, member_id=member.member_id, generation_id=1, version=8) == {
        ("t", 0): E.UNSUPPORTED_VERSION
    }
    assert h.fetch("group", {"t": [0]}, member_id="ghost", member_epoch=1).error == E.UNKNOWN_MEMBER_ID
    assert (
        h.fetch("group", {"t": [0]}, member_id=member.member_id, member_epoch=0).error == E.STALE_MEMBER_EPOCH
    )
    assert h.fetch("group", {"t": [0]}).topics[0][1][0].committed_offset == 5


def test_delete_consumer_group() -> None:
    h = GroupHarness(topics={"t": 2})
    member = Member(h)
    h.commit("group", {("t", 0): 5}, member_id=member.member_id, generation_id=1, version=9)
    assert h.delete_groups("group") == {"group": E.NON_EMPTY_GROUP}
    h.consumer_heartbeat(member_id=member.member_id, member_epoch=-1)
    assert h.delete_groups("group") == {"group": E.NO_ERROR}
    assert "group" not in h.shard.groups
    assert "group" not in h.reloaded().groups


def test_reloaded_consumer_group_equals_the_live_one() -> None:
    h = GroupHarness(topics={"t": 6})
    members = [Member(h, instance_id="s"), Member(h), Member(h)]
    members[0].heartbeat()  # leaves the group mid-reconciliation
    live = group(h)
    reloaded = h.reloaded().groups["group"]
    assert (reloaded.group_epoch, reloaded.assignment_epoch) == (live.group_epoch, live.assignment_epoch)
    assert reloaded.members == live.members
    assert reloaded.target_assignment == live.target_assignment
    assert reloaded.subscription_metadata == live.subscription_metadata
    assert reloaded.partition_epochs == live.partition_epochs
    assert reloaded.static_members == live.static_members
    # Members keep working against the reloaded coordinator.
    h.shard = h.reloaded()
    converge(*members)
    assert_disjoint(*members)
    assert sorted(len(m.partitions()) for m in members) == [2, 2, 2]
