"""Consumer groups: assignment, rebalance on join/leave/crash, commits, static membership,
cooperative rebalancing, KIP-848, group admin, and JoinGroup/Heartbeat rules on the wire.

Members use session.timeout.ms=6000 (Kafka's group.min.session.timeout.ms) so a crash is detected
within seconds; against Kafka with the default group.initial.rebalance.delay.ms add ~3 s per join.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance_tests import wire
from conformance_tests.clients.group_member import GROUP_CLIENTS, GroupMember, make_member
from conformance_tests.clients.java import JavaClient
from conformance_tests.clients.kafkajs import KafkajsClient
from conformance_tests.clients.sarama import SaramaClient
from conformance_tests.helpers import need_client, require_api, unique

GROUP_TIMEOUT_S = 90


def write_each_partition(bootstrap: str, topic: str, partitions: int, per_partition: int = 2) -> None:
    with wire.Connection.to(bootstrap) as conn:
        for p in range(partitions):
            batch = wire.record_batch([wire.Record(f"p{p}".encode(), f"p{p}-{i}".encode()) for i in range(per_partition)])
            assert wire.produce(conn, topic, p, batch).error_code == 0


@pytest.fixture
def members() -> Iterator[list[GroupMember]]:
    created: list[GroupMember] = []
    yield created
    for m in created:
        try:
            m.close()
        except Exception:  # best effort: the verdict is already known
            pass


def member(members: list[GroupMember], client: str, *args: object, **kwargs: object) -> GroupMember:
    need_client(client)
    m = make_member(client, *args, **kwargs)
    members.append(m)
    return m


def split_ok(a: GroupMember, b: GroupMember, partitions: int) -> bool:
    x, y = a.assignment(), b.assignment()
    return bool(x) and bool(y) and not (x & y) and (x | y) == set(range(partitions))


each_group_client = pytest.mark.parametrize("client", GROUP_CLIENTS)


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@each_group_client
def test_single_member_gets_all_partitions(client: str, bootstrap: str, new_topic, members: list[GroupMember]) -> None:
    topic = new_topic(partitions=3)
    write_each_partition(bootstrap, topic, 3)
    m = member(members, client, bootstrap, unique("g"), topic)
    got = m.consume(6, timeout_s=30)
    assert m.assignment() == {0, 1, 2}
    assert sorted(r.value for r in got) == sorted(f"p{p}-{i}".encode() for p in range(3) for i in range(2))


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@pytest.mark.client("kafkajs")
def test_single_member_gets_all_partitions_kafkajs(bootstrap: str, new_topic) -> None:
    need_client("kafkajs")
    topic = new_topic(partitions=3)
    write_each_partition(bootstrap, topic, 3)
    got = KafkajsClient(bootstrap).call("consume", topic=topic, count=6, groupId=unique("g"), timeoutMs=30000)
    assert sorted(int(r["partition"]) for r in got) == [0, 0, 1, 1, 2, 2]


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@each_group_client
def test_second_member_triggers_rebalance(client: str, bootstrap: str, new_topic, members: list[GroupMember]) -> None:
    """A joining member gets a share: the two assignments are disjoint and cover all partitions."""
    topic, group = new_topic(partitions=4), unique("g")
    a = member(members, client, bootstrap, group, topic)
    assert a.poll_until(lambda: a.assignment() == {0, 1, 2, 3}, 30), f"first member got {a.assignment()}"
    b = member(members, client, bootstrap, group, topic)
    assert b.poll_until(lambda: split_ok(a, b, 4), 25, a), f"assignments {a.assignment()} / {b.assignment()}"


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@each_group_client
def test_rebalance_on_leave(client: str, bootstrap: str, new_topic, members: list[GroupMember]) -> None:
    """When a member closes (LeaveGroup), the other one gets every partition back promptly."""
    topic, group = new_topic(partitions=4), unique("g")
    a = member(members, client, bootstrap, group, topic)
    b = member(members, client, bootstrap, group, topic)
    assert a.poll_until(lambda: split_ok(a, b, 4), 25, b), f"assignments {a.assignment()} / {b.assignment()}"
    b.close()
    members.remove(b)
    start = time.monotonic()
    assert a.poll_until(lambda: a.assignment() == {0, 1, 2, 3}, 30), f"after leave: {a.assignment()}"
    assert time.monotonic() - start < 5.5, "rebalance waited for the session timeout: was LeaveGroup ignored?"


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@each_group_client
def test_rebalance_on_crash(client: str, bootstrap: str, new_topic, members: list[GroupMember]) -> None:
    """A member killed with SIGKILL is expelled after session.timeout.ms; the survivor gets everything."""
    topic, group = new_topic(partitions=2), unique("g")
    need_client(client)
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-m", "conformance_tests.clients.group_member", client, bootstrap,
                             group, topic, "6000"], stdout=subprocess.PIPE, cwd=root, text=True)
    try:
        survivor = member(members, client, bootstrap, group, topic)
        child: list[int] = []

        def child_has_one() -> bool:
            return len(child) == 1 and survivor.assignment() == {0, 1} - set(child)

        import selectors

        sel = selectors.DefaultSelector()
        assert proc.stdout is not None
        sel.register(proc.stdout, selectors.EVENT_READ)

        def read_child() -> bool:
            while sel.select(0):
                line = proc.stdout.readline() if proc.stdout else ""
                if not line:
                    break
                child[:] = json.loads(line)
            return child_has_one()

        assert survivor.poll_until(read_child, 25), f"no split: child {child}, survivor {survivor.assignment()}"
        proc.kill()
        proc.wait(5)
        assert survivor.poll_until(lambda: survivor.assignment() == {0, 1}, 30), f"after crash: {survivor.assignment()}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@each_group_client
def test_commit_and_resume(client: str, bootstrap: str, new_topic, members: list[GroupMember]) -> None:
    """Offsets committed by one member are where the next member of the group starts."""
    topic, group = new_topic(), unique("g")
    write_each_partition(bootstrap, topic, 1, per_partition=6)
    a = member(members, client, bootstrap, group, topic)
    assert len(a.consume(6)) == 6
    a.commit({0: 4})
    assert a.committed(0) == 4
    a.close()
    members.remove(a)
    b = member(members, client, bootstrap, group, topic)
    assert [m.offset for m in b.consume(2)] == [4, 5]


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@pytest.mark.client("kafkajs")
def test_commit_and_resume_kafkajs(bootstrap: str, new_topic) -> None:
    """kafkajs auto-commits what it consumed; its admin then reads the group's offset."""
    need_client("kafkajs")
    topic, group = new_topic(), unique("g")
    write_each_partition(bootstrap, topic, 1, per_partition=3)
    js = KafkajsClient(bootstrap)
    assert len(js.call("consume", topic=topic, count=3, groupId=group, timeoutMs=30000)) == 3
    [entry] = js.call("groupOffsets", groupId=group, topic=topic)
    assert [int(p["offset"]) for p in entry["partitions"]] == [3]


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@pytest.mark.parametrize("client", ["kafka-python", "confluent-kafka"])
def test_commit_metadata_stored_verbatim(client: str, bootstrap: str, new_topic, members: list[GroupMember]) -> None:
    topic, group = new_topic(), unique("g")
    a = member(members, client, bootstrap, group, topic)
    assert a.poll_until(lambda: a.assignment() == {0}, 30)
    text = "app-state: ü/42 {json}"
    a.commit({0: 0}, metadata=text)
    with wire.Connection.to(bootstrap) as conn:
        _, _, host, port = wire.find_coordinator(conn, group)
    with wire.Connection(host, port) as coordinator:
        offset, metadata, error = wire.offset_fetch(coordinator, group, topic, [0])[0]
    # librdkafka sends the metadata string with its C terminator (b"...\0"); the broker must store and
    # return whatever bytes the client sent, so only that terminator is tolerated here.
    assert (error, offset) == (0, 0)
    assert metadata == text or (client == "confluent-kafka" and metadata == text + "\0"), repr(metadata)


def test_offset_fetch_unknown_group(bootstrap: str, new_topic) -> None:
    """No commit yet: offset -1 with no error."""
    topic, group = new_topic(), unique("g")
    with wire.Connection.to(bootstrap) as conn:
        _, _, host, port = wire.find_coordinator(conn, group)
    with wire.Connection(host, port) as coordinator:
        offset, _, error = wire.offset_fetch(coordinator, group, topic, [0])[0]
    assert (error, offset) == (0, -1)


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@pytest.mark.needs_api("JoinGroup", 5)
@pytest.mark.parametrize("client", ["kafka-python", "confluent-kafka"])
def test_static_member_rejoins_without_rebalance(client: str, bootstrap: str, new_topic,
                                                  members: list[GroupMember]) -> None:
    """KIP-345: a static member that restarts within the session timeout gets its partitions back and
    the other member's assignment never changes."""
    topic, group = new_topic(partitions=4), unique("g")
    a = member(members, client, bootstrap, group, topic, instance_id="static-a", session_timeout_ms=20000)
    b = member(members, client, bootstrap, group, topic, instance_id="static-b", session_timeout_ms=20000)
    assert a.poll_until(lambda: split_ok(a, b, 4), 25, b), f"assignments {a.assignment()} / {b.assignment()}"
    before_a, before_b = a.assignment(), b.assignment()
    a.close()
    members.remove(a)
    history: list[set[int]] = []

    def steady() -> bool:
        history.append(b.assignment())
        return False

    b.poll_until(steady, 1.0)
    a2 = member(members, client, bootstrap, group, topic, instance_id="static-a", session_timeout_ms=20000)
    assert a2.poll_until(lambda: steady() or a2.assignment() == before_a, 25, b), f"restarted member got {a2.assignment()}"
    assert all(h == before_b for h in history), f"the other member's assignment changed: {history[-3:]}"


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@pytest.mark.client("confluent-kafka")
def test_cooperative_sticky_incremental_rebalance(bootstrap: str, new_topic, members: list[GroupMember]) -> None:
    """KIP-429: with cooperative-sticky the first member keeps consuming part of its partitions
    throughout the rebalance (never drops to an empty assignment)."""
    topic, group = new_topic(partitions=4), unique("g")
    a = member(members, "confluent-kafka", bootstrap, group, topic, assignor="cooperative")
    assert a.poll_until(lambda: a.assignment() == {0, 1, 2, 3}, 30)
    b = member(members, "confluent-kafka", bootstrap, group, topic, assignor="cooperative")
    seen: list[set[int]] = []

    def done() -> bool:
        seen.append(a.assignment())
        return split_ok(a, b, 4)

    assert b.poll_until(done, 25, a), f"assignments {a.assignment()} / {b.assignment()}"
    assert all(s for s in seen), "first member's assignment became empty: an eager rebalance"


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@pytest.mark.needs_api("ConsumerGroupHeartbeat")
@pytest.mark.client("confluent-kafka")
def test_kip848_consumer_protocol(bootstrap: str, new_topic) -> None:
    """group.protocol=consumer (KIP-848): server-side assignment through ConsumerGroupHeartbeat."""
    need_client("confluent-kafka")
    from confluent_kafka import Consumer

    topic, group = new_topic(partitions=2), unique("g")
    write_each_partition(bootstrap, topic, 2)
    consumers = [Consumer({"bootstrap.servers": bootstrap, "group.id": group, "group.protocol": "consumer",
                           "auto.offset.reset": "earliest", "broker.address.family": "v4"}) for _ in range(2)]
    try:
        for c in consumers:
            c.subscribe([topic])
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            for c in consumers:
                c.poll(0.2)
            parts = [{tp.partition for tp in c.assignment()} for c in consumers]
            if all(parts) and parts[0] | parts[1] == {0, 1} and not parts[0] & parts[1]:
                return
        pytest.fail(f"no split between two KIP-848 members: {parts}")
    finally:
        for c in consumers:
            c.close()


DRIVEN_GROUP_CASES = pytest.mark.parametrize(
    ("client", "protocol"), [("java", "classic"), ("java", "consumer"), ("sarama", "classic")]
)
"""Clients run through a line driver, per group protocol they have (KIP-848's is `consumer`)."""


def driven_group_call(client: str, bootstrap: str, api_versions: dict[int, tuple[int, int]], protocol: str,
                      op: str, **settings: object) -> Any:
    need_client(client)
    if protocol == "consumer":
        require_api(api_versions, "ConsumerGroupHeartbeat")
    if client == "java":
        return JavaClient(bootstrap).call(op, timeout_s=30, group_protocol=protocol, **settings)
    return SaramaClient(bootstrap).call(op, timeout_s=30, **settings)


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@DRIVEN_GROUP_CASES
def test_single_member_gets_all_partitions_driven(client: str, protocol: str, bootstrap: str, new_topic,
                                                  api_versions: dict[int, tuple[int, int]]) -> None:
    """A compiled client's consumer group, with each group protocol it has."""
    topic = new_topic(partitions=3)
    write_each_partition(bootstrap, topic, 3)
    got = driven_group_call(client, bootstrap, api_versions, protocol, "groupConsume", topic=topic, group=unique("g"),
                            count=6)
    assert sorted(int(r["partition"]) for r in got) == [0, 0, 1, 1, 2, 2]


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@DRIVEN_GROUP_CASES
def test_commit_and_resume_driven(client: str, protocol: str, bootstrap: str, new_topic,
                                  api_versions: dict[int, tuple[int, int]]) -> None:
    """What the group's consumer committed is what the client's admin reads back, and where the
    group's next consumer resumes."""
    topic, group = new_topic(), unique("g")
    write_each_partition(bootstrap, topic, 1, per_partition=3)
    first = driven_group_call(client, bootstrap, api_versions, protocol, "groupConsume", topic=topic, group=group,
                              count=3)
    assert [int(r["offset"]) for r in first] == [0, 1, 2]
    offsets = driven_group_call(client, bootstrap, api_versions, protocol, "groupOffsets", group=group, topic=topic,
                                partitions=0)
    assert offsets == {f"{topic}-0": 3}
    write_each_partition(bootstrap, topic, 1, per_partition=2)
    second = driven_group_call(client, bootstrap, api_versions, protocol, "groupConsume", topic=topic, group=group,
                               count=2)
    assert [int(r["offset"]) for r in second] == [3, 4]


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@pytest.mark.parametrize("client", ["kafka-python", "confluent-kafka"])
def test_describe_and_list_group(client: str, bootstrap: str, new_topic, members: list[GroupMember]) -> None:
    """DescribeGroups: Stable, protocol type "consumer", the member's client id, host and assignment."""
    topic, group = new_topic(partitions=2), unique("g")
    m = member(members, client, bootstrap, group, topic)
    assert m.poll_until(lambda: m.assignment() == {0, 1}, 30)
    if client == "kafka-python":
        from kafka import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
        try:
            found = admin.describe_groups([group])
            # kafka-python 3 returns {group_id: description}; older versions a list
            [desc] = list(found.values()) if isinstance(found, dict) else found
            listed = admin.list_groups()
        finally:
            admin.close()
        text = str(desc)
        assert "Stable" in text and "consumer" in text, text[:500]
        assert "conformance-kafka-python" in text, f"client id missing: {text[:500]}"
        assert group in str(listed)
    else:
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": bootstrap, "broker.address.family": "v4"})
        desc = admin.describe_consumer_groups([group])[group].result(timeout=20)
        assert desc.state.name == "STABLE", desc.state
        assert not desc.is_simple_consumer_group
        [only] = desc.members
        assert only.client_id == "conformance-confluent" and only.host
        assert {tp.partition for tp in only.assignment.topic_partitions} == {0, 1}
        listed = admin.list_consumer_groups().result(timeout=20)
        assert group in {g.group_id for g in listed.valid}


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@pytest.mark.needs_api("DeleteGroups")
@pytest.mark.client("kafka-python")
def test_delete_empty_group(bootstrap: str, new_topic, members: list[GroupMember]) -> None:
    topic, group = new_topic(), unique("g")
    m = member(members, "kafka-python", bootstrap, group, topic)
    assert m.poll_until(lambda: m.assignment() == {0}, 30)
    m.commit({0: 0})
    m.close()
    members.remove(m)
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    try:
        result = admin.delete_groups([group])
    finally:
        admin.close()
    outcomes = dict(result) if not isinstance(result, dict) else result
    assert all(code in (0, "OK", None) or getattr(code, "errno", 1) == 0 for code in outcomes.values()), result
    with wire.Connection.to(bootstrap) as conn:
        _, _, host, port = wire.find_coordinator(conn, group)
    with wire.Connection(host, port) as coordinator:
        offset, _, _ = wire.offset_fetch(coordinator, group, topic, [0])[0]
    assert offset == -1, "committed offsets survived DeleteGroups"


# ------------------------------------------------------------------------------------ wire rules


@pytest.mark.timeout_s(GROUP_TIMEOUT_S)
@pytest.mark.parametrize("version", [0, 1, 2, 3, 4, 5])
def test_join_group_member_id_required_only_from_v4(bootstrap: str, api_versions: dict[int, tuple[int, int]],
                                                    version: int) -> None:
    """KIP-394: an empty member id gets MEMBER_ID_REQUIRED (79) only at v4+; v0-v3 get an id directly."""
    require_api(api_versions, "JoinGroup", version)
    group = unique("join")
    with wire.Connection.to(bootstrap) as conn:
        error, _, host, port = wire.find_coordinator(conn, group)
        assert error == 0
    with wire.Connection(host, port, timeout=30) as coordinator:
        result = wire.join_group(coordinator, version, group)
        expected = wire.MEMBER_ID_REQUIRED if version >= 4 else 0
        assert result.error_code == expected, f"JoinGroup v{version}: error {result.error_code}"
        assert result.member_id, "a member id must be returned"
        if version < 4:
            bogus = wire.heartbeat(coordinator, group, result.generation_id, "not-a-member")
            assert bogus == wire.UNKNOWN_MEMBER_ID, f"heartbeat from an unknown member: error {bogus}"
