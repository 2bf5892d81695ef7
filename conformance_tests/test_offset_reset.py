"""Offset out of range and `auto.offset.reset`: earliest, latest, none, and committed offsets first."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from conformance_tests import wire
from conformance_tests.clients.group_member import GROUP_CLIENTS, GroupMember, make_member
from conformance_tests.clients.kafkajs import KafkajsClient
from conformance_tests.helpers import need_client, unique


def write(bootstrap: str, topic: str, values: list[bytes], partition: int = 0) -> None:
    with wire.Connection.to(bootstrap) as conn:
        batch = wire.record_batch([wire.Record(b"k", v) for v in values])
        assert wire.produce(conn, topic, partition, batch).error_code == 0


@pytest.fixture
def members(bootstrap: str) -> Iterator[list[GroupMember]]:
    """Members created by a case; all closed at teardown."""
    created: list[GroupMember] = []
    yield created
    for m in created:
        try:
            m.close()
        except Exception:  # teardown is best effort: the case already has its verdict
            pass


def each_group_client() -> pytest.MarkDecorator:
    return pytest.mark.parametrize("client", GROUP_CLIENTS)


@pytest.mark.parametrize("client", [*GROUP_CLIENTS, "kafkajs"])
def test_reset_earliest_for_new_group(client: str, bootstrap: str, new_topic, members: list[GroupMember]) -> None:
    topic = new_topic()
    write(bootstrap, topic, [b"a", b"b", b"c"])
    need_client(client)
    if client == "kafkajs":
        got = KafkajsClient(bootstrap).call("consume", topic=topic, count=3, groupId=unique("g"), timeoutMs=20000)
        assert [int(r["offset"]) for r in got] == [0, 1, 2]
        return
    member = make_member(client, bootstrap, unique("g"), topic, offset_reset="earliest")
    members.append(member)
    assert [m.value for m in member.consume(3)] == [b"a", b"b", b"c"]


@each_group_client()
def test_reset_latest_for_new_group(client: str, bootstrap: str, new_topic, members: list[GroupMember]) -> None:
    """With reset=latest a new group sees only records written after it got its partitions."""
    need_client(client)
    topic = new_topic()
    write(bootstrap, topic, [b"old1", b"old2"])
    member = make_member(client, bootstrap, unique("g"), topic, offset_reset="latest")
    members.append(member)
    assert member.poll_until(lambda: member.assignment() == {0}, 20), "no assignment"
    member.poll_until(lambda: False, 1.5)  # let the position be resolved to the end
    write(bootstrap, topic, [b"new1", b"new2"])
    member.consume(2, timeout_s=15)
    assert [m.value for m in member.records] == [b"new1", b"new2"], f"got {[m.value for m in member.records]}"
    assert [m.offset for m in member.records] == [2, 3]


@each_group_client()
def test_committed_offset_wins_over_reset(client: str, bootstrap: str, new_topic, members: list[GroupMember]) -> None:
    need_client(client)
    topic = new_topic()
    write(bootstrap, topic, [b"0", b"1", b"2", b"3", b"4"])
    group = unique("g")
    first = make_member(client, bootstrap, group, topic)
    members.append(first)
    assert first.poll_until(lambda: first.assignment() == {0}, 20), "no assignment"
    first.commit({0: 3})
    first.close()
    members.remove(first)
    second = make_member(client, bootstrap, group, topic, offset_reset="latest")
    members.append(second)
    got = second.consume(2)
    assert [m.offset for m in got] == [3, 4]


@pytest.mark.client("kafka-python")
def test_out_of_range_resets_to_earliest_kafka_python(bootstrap: str, new_topic) -> None:
    from kafka import KafkaConsumer, TopicPartition

    topic = new_topic()
    write(bootstrap, topic, [b"x", b"y"])
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
                             fetch_max_wait_ms=200, request_timeout_ms=15000)
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek(tp, 1000)
        got: list[int] = []
        deadline = time.monotonic() + 8
        while len(got) < 2 and time.monotonic() < deadline:
            got += [r.offset for rs in consumer.poll(timeout_ms=300).values() for r in rs]
        assert got == [0, 1]
    finally:
        consumer.close()


@pytest.mark.client("confluent-kafka")
def test_out_of_range_resets_to_earliest_confluent(bootstrap: str, new_topic) -> None:
    from confluent_kafka import Consumer, TopicPartition

    topic = new_topic()
    write(bootstrap, topic, [b"x", b"y"])
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("g"), "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "broker.address.family": "v4", "fetch.wait.max.ms": 200})
    try:
        consumer.assign([TopicPartition(topic, 0, 1000)])
        got: list[int] = []
        deadline = time.monotonic() + 8
        while len(got) < 2 and time.monotonic() < deadline:
            msg = consumer.poll(0.3)
            if msg is not None and not msg.error():
                got.append(msg.offset())
        assert got == [0, 1]
    finally:
        consumer.close()


@pytest.mark.client("kafka-python")
def test_out_of_range_with_reset_none_raises_kafka_python(bootstrap: str, new_topic) -> None:
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import OffsetOutOfRangeError

    topic = new_topic()
    write(bootstrap, topic, [b"x"])
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="none",
                             fetch_max_wait_ms=200, request_timeout_ms=15000)
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek(tp, 1000)
        with pytest.raises(OffsetOutOfRangeError):
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline:
                consumer.poll(timeout_ms=300)
    finally:
        consumer.close()


@pytest.mark.client("confluent-kafka")
def test_out_of_range_with_reset_error_reports_confluent(bootstrap: str, new_topic) -> None:
    from confluent_kafka import Consumer, KafkaError, TopicPartition

    topic = new_topic()
    write(bootstrap, topic, [b"x"])
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": unique("g"), "auto.offset.reset": "error",
                         "enable.auto.commit": False, "broker.address.family": "v4", "fetch.wait.max.ms": 200})
    try:
        consumer.assign([TopicPartition(topic, 0, 1000)])
        deadline = time.monotonic() + 8
        error = None
        while error is None and time.monotonic() < deadline:
            msg = consumer.poll(0.3)
            if msg is not None and msg.error():
                error = msg.error()
        assert error is not None and error.code() == KafkaError._AUTO_OFFSET_RESET, f"got {error}"
    finally:
        consumer.close()


def test_fetch_beyond_high_watermark(bootstrap: str, new_topic) -> None:
    topic = new_topic()
    write(bootstrap, topic, [b"x"])
    with wire.Connection.to(bootstrap) as conn:
        assert wire.fetch(conn, topic, 0, 1000).error_code == wire.OFFSET_OUT_OF_RANGE
        at_end = wire.fetch(conn, topic, 0, 1, max_wait_ms=100)
    assert at_end.error_code == 0 and not wire.parse_batches(at_end.records), "fetch at the high watermark is empty, not an error"
