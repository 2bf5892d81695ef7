"""Produce/consume round trips through every client: keys, null values, headers, timestamps, every
codec, large values, many records, several partitions, and interop between clients.

Each case produces with one client and reads back with the same client (interop cases mix two),
then compares keys, values, headers, timestamps and offsets record by record.
"""

from __future__ import annotations

import time

import pytest

from conformance_tests import wire
from conformance_tests.clients import ALL_CLIENTS, ClientAdapter, Msg, make_client
from conformance_tests.clients.base import CODECS, ProduceOptions
from conformance_tests.clients.kafkajs import KafkajsClient
from conformance_tests.clients.sarama import SaramaClient
from conformance_tests.helpers import client_matrix, each_client, need_client


def sample(n: int, prefix: str = "m", headers: list[tuple[str, bytes]] | None = None) -> list[Msg]:
    return [Msg(f"key-{i}".encode(), f"{prefix}-value-{i}".encode(), list(headers or [])) for i in range(n)]


def assert_same(sent: list[Msg], got: list[Msg], *, check_headers: bool = True) -> None:
    assert len(got) == len(sent), f"consumed {len(got)} records, produced {len(sent)}"
    for i, (s, g) in enumerate(zip(sent, got, strict=True)):
        assert (g.key, g.value) == (s.key, s.value), f"record {i}: {g.key!r}/{g.value!r:.60} != {s.key!r}/{s.value!r:.60}"
        if check_headers:
            assert g.headers == s.headers, f"record {i}: headers {g.headers} != {s.headers}"


def roundtrip(client: ClientAdapter, topic: str, sent: list[Msg], options: ProduceOptions | None = None,
              timeout_s: float = 20.0) -> list[Msg]:
    client.produce(topic, sent, options)
    got = client.consume(topic, len(sent), timeout_s=timeout_s)
    assert_same(sent, got)
    return got


@each_client()
def test_keys_and_values(client: ClientAdapter, new_topic) -> None:
    topic = new_topic()
    got = roundtrip(client, topic, sample(20))
    assert [m.offset for m in got] == list(range(20)), "offsets must be contiguous from 0"


@each_client()
def test_null_value_tombstone(client: ClientAdapter, new_topic) -> None:
    topic = new_topic()
    roundtrip(client, topic, [Msg(b"k1", b"v1"), Msg(b"k1", None), Msg(b"k2", None)])


@each_client()
def test_null_key(client: ClientAdapter, new_topic) -> None:
    topic = new_topic()
    roundtrip(client, topic, [Msg(None, b"v1"), Msg(None, b"v2")])


@each_client()
def test_empty_value_is_not_null(client: ClientAdapter, new_topic) -> None:
    topic = new_topic()
    roundtrip(client, topic, [Msg(b"k1", b""), Msg(b"k2", b"x")])


@each_client()
def test_headers(client: ClientAdapter, new_topic) -> None:
    topic = new_topic()
    headers = [("trace-id", b"abc123"), ("content-type", b"text/plain")]
    roundtrip(client, topic, sample(3, headers=headers))


@each_client("kafka-python", "confluent-kafka", "aiokafka", "kafkajs", "java", "sarama")
def test_explicit_timestamps(client: ClientAdapter, new_topic) -> None:
    topic = new_topic()
    base = int(time.time() * 1000) - 3_600_000
    sent = [Msg(b"k", f"v{i}".encode(), timestamp=base + i * 1000) for i in range(5)]
    got = roundtrip(client, topic, sent)
    assert [m.timestamp for m in got] == [m.timestamp for m in sent], "CreateTime timestamps must be kept"


@each_client()
def test_default_timestamp_is_now(client: ClientAdapter, new_topic) -> None:
    topic = new_topic()
    before = int(time.time() * 1000)
    got = roundtrip(client, topic, sample(2))
    after = int(time.time() * 1000)
    for m in got:
        assert m.timestamp is not None and before - 5000 <= m.timestamp <= after + 5000, f"timestamp {m.timestamp}"


def _codec_supported(client: str, codec: object) -> bool:
    return codec in {"kafkajs": KafkajsClient.codecs, "sarama": SaramaClient.codecs}.get(client, {codec})


@client_matrix(list(CODECS), "codec", _codec_supported)
def test_compression(client: ClientAdapter, codec: str, new_topic) -> None:
    """A batch compressed by the client is stored and fetched back intact (50 records, one batch)."""
    topic = new_topic()
    sent = [Msg(f"k{i}".encode(), (f"compressible {codec} payload {i} " * 20).encode()) for i in range(50)]
    roundtrip(client, topic, sent, ProduceOptions(compression=codec))


@each_client()
def test_large_value(client: ClientAdapter, new_topic) -> None:
    """A 900 KB record: below Kafka's default max.message.bytes (1 MiB + 12)."""
    topic = new_topic()
    roundtrip(client, topic, [Msg(b"big", b"x" * 900_000), Msg(b"small", b"y")], timeout_s=30)


@each_client()
def test_many_records(client: ClientAdapter, new_topic) -> None:
    topic = new_topic()
    got = roundtrip(client, topic, sample(2000), timeout_s=30)
    assert [m.offset for m in got] == list(range(2000))


@each_client()
def test_explicit_partitions(client: ClientAdapter, new_topic) -> None:
    """Records sent to partitions 0, 1, 2 are read back from exactly those partitions."""
    topic = new_topic(partitions=3)
    sent = [Msg(f"k{p}-{i}".encode(), f"p{p}-v{i}".encode(), partition=p) for p in range(3) for i in range(4)]
    client.produce(topic, sent)
    for p in range(3):
        got = client.consume(topic, 4, partitions=[p])
        assert_same([m for m in sent if m.partition == p], got)
        assert all(m.partition == p for m in got)


@pytest.mark.parametrize(
    ("client", "consumer_name"),
    [pytest.param(p, c, id=f"{p}-to-{c}") for p in ALL_CLIENTS for c in ALL_CLIENTS if p != c],
    indirect=["client"],
)
def test_interop(client: ClientAdapter, consumer_name: str, new_topic, bootstrap: str) -> None:
    """A gzip batch with keys and headers written by one client is read correctly by another."""
    need_client(consumer_name)
    consumer = make_client(consumer_name, bootstrap)
    topic = new_topic()
    sent = sample(10, prefix=client.name, headers=[("origin", client.name.encode())])
    client.produce(topic, sent, ProduceOptions(compression="gzip"))
    assert_same(sent, consumer.consume(topic, len(sent)))


def test_fetch_long_poll_answers_when_data_arrives(bootstrap: str, new_topic) -> None:
    """A waiting Fetch (min_bytes=1, max_wait 8 s) is answered as soon as a record arrives."""
    topic = new_topic()
    with wire.Connection.to(bootstrap, timeout=20) as fetcher, wire.Connection.to(bootstrap) as producer:
        cid = fetcher.next_correlation_id()
        fetcher.send(wire.request_frame(1, 4, cid, wire.fetch_body(topic, 0, 0, max_wait_ms=8000, min_bytes=1)))
        time.sleep(0.5)
        start = time.monotonic()
        result = wire.produce(producer, topic, 0, wire.record_batch([wire.Record(b"k", b"v")]))
        assert result.error_code == 0
        reader = wire.Reader(fetcher.recv_frame())
        elapsed = time.monotonic() - start
        assert reader.i32() == cid
        part = wire.parse_fetch_v4(reader)[(topic, 0)]
    assert part.error_code == 0
    assert [r.value for r in wire.records_of(wire.parse_batches(part.records))] == [b"v"]
    assert elapsed < 4.0, f"Fetch answered {elapsed:.1f}s after the record arrived (max_wait is 8 s)"


def test_raw_produce_fetch_roundtrip(bootstrap: str, new_topic) -> None:
    """Hand-built batch (headers, null key, timestamp deltas) comes back byte-for-byte in Fetch v4."""
    topic = new_topic()
    records = [wire.Record(None, b"a", [("h", b"1")]), wire.Record(b"k", None, [], 5), wire.Record(b"k2", b"", [("x", None)], 9)]
    ts = int(time.time() * 1000)
    with wire.Connection.to(bootstrap) as conn:
        produced = wire.produce(conn, topic, 0, wire.record_batch(records, base_timestamp=ts))
        assert produced.error_code == 0 and produced.base_offset == 0
        part = wire.fetch(conn, topic, 0, 0)
    assert part.error_code == 0 and part.high_watermark == 3
    got = wire.records_of(wire.parse_batches(part.records))
    assert [(r.offset, r.key, r.value, r.headers, r.timestamp) for r in got] == [
        (0, None, b"a", [("h", b"1")], ts), (1, b"k", None, [], ts + 5), (2, b"k2", b"", [("x", None)], ts + 9)]
