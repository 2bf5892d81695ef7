"""Idempotent producers: every client's idempotent mode, and sequence-number rules on the wire
(a retried batch is not stored twice; a gap in sequence numbers is OUT_OF_ORDER_SEQUENCE_NUMBER)."""

from __future__ import annotations

import pytest

from conformance_tests import wire
from conformance_tests.clients import ClientAdapter, Msg
from conformance_tests.clients.base import ProduceOptions
from conformance_tests.helpers import each_client, require_api


@pytest.mark.needs_api("InitProducerId")
@each_client()
def test_idempotent_producer_roundtrip(client: ClientAdapter, new_topic) -> None:
    topic = new_topic(partitions=2)
    sent = [Msg(f"k{i}".encode(), f"idem-{i}".encode(), partition=i % 2) for i in range(20)]
    client.produce(topic, sent, ProduceOptions(idempotent=True))
    for p in (0, 1):
        got = client.consume(topic, 10, partitions=[p])
        assert [m.value for m in got] == [m.value for m in sent if m.partition == p]
        assert [m.offset for m in got] == list(range(10)), "duplicates or gaps"


def best_version(apis: dict[int, tuple[int, int]], name: str, highest_known: int) -> int:
    """The highest version both the suite and the broker know, so a case tests semantics, not a version."""
    return min(apis[wire.API_KEYS[name]][1], highest_known)


@pytest.mark.parametrize("version", [0, 1, 2, 3, 4, 5])
def test_init_producer_id_version(bootstrap: str, api_versions: dict[int, tuple[int, int]], version: int) -> None:
    """Every advertised InitProducerId version works (aiokafka and kafkajs send v0/v1)."""
    require_api(api_versions, "InitProducerId", version)
    with wire.Connection.to(bootstrap) as conn:
        error, producer_id, epoch = wire.init_producer_id(conn, version=version)
    assert error == 0, f"InitProducerId v{version}: error {error}"
    assert producer_id >= 0 and epoch >= 0


def _producer_id(conn: wire.Connection, version: int) -> tuple[int, int]:
    error, producer_id, epoch = wire.init_producer_id(conn, version=version)
    assert error == 0, f"InitProducerId error {error}"
    assert producer_id >= 0 and epoch >= 0
    return producer_id, epoch


def _batch(values: list[bytes], producer_id: int, epoch: int, sequence: int) -> bytes:
    return wire.record_batch([wire.Record(b"k", v) for v in values], producer_id=producer_id,
                             producer_epoch=epoch, base_sequence=sequence)


@pytest.mark.needs_api("InitProducerId")
def test_init_producer_id_without_transactions(bootstrap: str, api_versions: dict[int, tuple[int, int]]) -> None:
    """Two idempotent producers get two different producer ids."""
    with wire.Connection.to(bootstrap) as conn:
        first, _ = _producer_id(conn, best_version(api_versions, "InitProducerId", 5))
        second, _ = _producer_id(conn, best_version(api_versions, "InitProducerId", 5))
    assert first != second


@pytest.mark.needs_api("InitProducerId")
def test_sequences_continue_across_batches(bootstrap: str, new_topic, api_versions: dict[int, tuple[int, int]]) -> None:
    topic = new_topic()
    with wire.Connection.to(bootstrap) as conn:
        pid, epoch = _producer_id(conn, best_version(api_versions, "InitProducerId", 5))
        first = wire.produce(conn, topic, 0, _batch([b"a", b"b", b"c"], pid, epoch, 0))
        second = wire.produce(conn, topic, 0, _batch([b"d"], pid, epoch, 3))
    assert (first.error_code, first.base_offset) == (0, 0)
    assert (second.error_code, second.base_offset) == (0, 3)


@pytest.mark.needs_api("InitProducerId")
def test_duplicate_batch_not_stored_twice(bootstrap: str, new_topic, api_versions: dict[int, tuple[int, int]]) -> None:
    """A retried batch (same producer id, epoch, sequence) is acknowledged but stored once."""
    topic = new_topic()
    with wire.Connection.to(bootstrap) as conn:
        pid, epoch = _producer_id(conn, best_version(api_versions, "InitProducerId", 5))
        batch = _batch([b"a", b"b", b"c"], pid, epoch, 0)
        first = wire.produce(conn, topic, 0, batch)
        retry = wire.produce(conn, topic, 0, batch)
        part = wire.fetch(conn, topic, 0, 0)
    assert first.error_code == 0
    assert retry.error_code in (0, wire.DUPLICATE_SEQUENCE_NUMBER), f"retry got error {retry.error_code}"
    if retry.error_code == 0:
        assert retry.base_offset == first.base_offset, "a duplicate must be answered with the original offset"
    assert part.high_watermark == 3, f"duplicate stored: high watermark {part.high_watermark}"


@pytest.mark.needs_api("InitProducerId")
def test_sequence_gap_rejected(bootstrap: str, new_topic, api_versions: dict[int, tuple[int, int]]) -> None:
    topic = new_topic()
    with wire.Connection.to(bootstrap) as conn:
        pid, epoch = _producer_id(conn, best_version(api_versions, "InitProducerId", 5))
        assert wire.produce(conn, topic, 0, _batch([b"a"], pid, epoch, 0)).error_code == 0
        gap = wire.produce(conn, topic, 0, _batch([b"z"], pid, epoch, 5))
        part = wire.fetch(conn, topic, 0, 0)
    assert gap.error_code == wire.OUT_OF_ORDER_SEQUENCE_NUMBER, f"error {gap.error_code}"
    assert part.high_watermark == 1
