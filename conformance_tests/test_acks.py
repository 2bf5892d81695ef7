"""acks=0, 1 and all through every client, and the acks=0 "no response at all" rule on the wire."""

from __future__ import annotations

import pytest

from conformance_tests import wire
from conformance_tests.clients import ClientAdapter, Msg
from conformance_tests.clients.base import ProduceOptions
from conformance_tests.helpers import client_matrix

ACKS = ["0", "1", "all"]


@client_matrix(list(ACKS), "acks")
def test_acks_roundtrip(client: ClientAdapter, acks: str, new_topic) -> None:
    """Every record sent with this acks setting is stored once and read back in order."""
    topic = new_topic()
    sent = [Msg(f"k{i}".encode(), f"acks-{acks}-{i}".encode()) for i in range(10)]
    client.produce(topic, sent, ProduceOptions(acks=acks))
    got = client.consume(topic, len(sent))
    assert [(m.key, m.value) for m in got] == [(m.key, m.value) for m in sent]


def test_acks0_gets_no_response(bootstrap: str, new_topic) -> None:
    """Kafka writes nothing back for acks=0: the next response on the connection is the next request's."""
    topic = new_topic()
    with wire.Connection.to(bootstrap) as conn:
        batch = wire.record_batch([wire.Record(b"k", b"fire-and-forget")])
        conn.send(wire.request_frame(0, 3, 41, wire.produce_body(3, topic, 0, batch, acks=0)))
        conn.send(wire.request_frame(18, 0, 42, b""))
        first = wire.Reader(conn.recv_frame()).i32()
        assert first == 42, f"got a response with correlation id {first} for the acks=0 produce"
        part = wire.fetch(conn, topic, 0, 0)
    assert [r.value for r in wire.records_of(wire.parse_batches(part.records))] == [b"fire-and-forget"]


@pytest.mark.parametrize("acks", [1, -1])
def test_raw_produce_acks_response(bootstrap: str, new_topic, acks: int) -> None:
    """acks=1 and acks=-1 get a response with the base offset of the batch."""
    topic = new_topic()
    with wire.Connection.to(bootstrap) as conn:
        first = wire.produce(conn, topic, 0, wire.record_batch([wire.Record(b"a", b"1"), wire.Record(b"b", b"2")]), acks=acks)
        second = wire.produce(conn, topic, 0, wire.record_batch([wire.Record(b"c", b"3")]), acks=acks)
    assert (first.error_code, first.base_offset) == (0, 0)
    assert (second.error_code, second.base_offset) == (0, 2)
