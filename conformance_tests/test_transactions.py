"""Transactions: commit/abort visibility for read_committed and read_uncommitted consumers, the last
stable offset, consume-transform-produce with offsets in the transaction, fencing, timeouts, and the
aborted-transactions list on the wire (only for read_committed)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from conformance_tests import wire
from conformance_tests.clients import ClientAdapter, Msg, make_client
from conformance_tests.clients.java import JavaClient
from conformance_tests.clients.kafkajs import KafkajsClient, b64
from conformance_tests.helpers import need_client, unique

TXN_CLIENTS = ["kafka-python", "confluent-kafka", "aiokafka", "kafkajs", "java"]
INVALID_TRANSACTION_TIMEOUT = 50
pytestmark = [pytest.mark.needs_api("InitProducerId"), pytest.mark.needs_api("AddPartitionsToTxn"),
              pytest.mark.needs_api("EndTxn"), pytest.mark.timeout_s(90)]


def txn_produce(client: str, bootstrap: str, topic: str, values: list[bytes], *, commit: bool,
                offsets: tuple[str, str, int] | None = None) -> None:
    """One transaction writing `values` to partition 0 (plus group offsets), then commit or abort."""
    txn_id = unique("txn")
    if client == "confluent-kafka":
        from confluent_kafka import Consumer, Producer, TopicPartition

        producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id,
                             "broker.address.family": "v4", "transaction.timeout.ms": 30000})
        producer.init_transactions(20)
        producer.begin_transaction()
        for v in values:
            producer.produce(topic, key=b"k", value=v, partition=0)
        if offsets:
            group, in_topic, offset = offsets
            meta_consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
            producer.send_offsets_to_transaction([TopicPartition(in_topic, 0, offset)],
                                                 meta_consumer.consumer_group_metadata(), 20)
            meta_consumer.close()
        # Records still queued at abort time are dropped by the client, not sent: flush first so the
        # broker really holds (and must hide) the aborted records.
        producer.flush(20)
        (producer.commit_transaction if commit else producer.abort_transaction)(20)
    elif client == "kafka-python":
        from kafka import KafkaProducer, OffsetAndMetadata, TopicPartition

        producer = KafkaProducer(bootstrap_servers=bootstrap, transactional_id=txn_id, request_timeout_ms=15000)
        try:
            producer.init_transactions()
            producer.begin_transaction()
            for v in values:
                producer.send(topic, key=b"k", value=v, partition=0)
            if offsets:
                group, in_topic, offset = offsets
                producer.send_offsets_to_transaction({TopicPartition(in_topic, 0): OffsetAndMetadata(offset, "", -1)},
                                                     group)
            producer.flush(timeout=20)
            (producer.commit_transaction if commit else producer.abort_transaction)()
        finally:
            producer.close(timeout=5)
    elif client == "aiokafka":
        from aiokafka import AIOKafkaProducer, TopicPartition

        async def run() -> None:
            producer = AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=txn_id, request_timeout_ms=15000)
            await producer.start()
            try:
                await producer.begin_transaction()
                for v in values:
                    await producer.send_and_wait(topic, key=b"k", value=v, partition=0)
                if offsets:
                    group, in_topic, offset = offsets
                    await producer.send_offsets_to_transaction({TopicPartition(in_topic, 0): offset}, group)
                await (producer.commit_transaction() if commit else producer.abort_transaction())
            finally:
                await producer.stop()

        asyncio.run(asyncio.wait_for(run(), 60))
    elif client == "kafkajs":
        extra: dict[str, Any] = {}
        if offsets:
            extra["offsets"] = {"groupId": offsets[0], "topic": offsets[1], "offset": offsets[2]}
        KafkajsClient(bootstrap).call("transaction", topic=topic, transactionalId=txn_id, commit=commit,
                                      messages=[{"key": b64(b"k"), "value": b64(v), "partition": 0, "headers": []}
                                                for v in values], **extra)
    elif client == "java":
        settings: dict[str, Any] = {}
        if offsets:
            settings = {"offsets_group": offsets[0], "offsets_topic": offsets[1], "offsets_offset": offsets[2]}
        JavaClient(bootstrap).call("transaction", [Msg(b"k", v) for v in values], transactional_id=txn_id,
                                   topic=topic, commit=commit, **settings)
    else:
        raise ValueError(client)


def consumer_for(client: str, bootstrap: str) -> ClientAdapter:
    need_client(client)
    return make_client(client, bootstrap)


each_txn_client = pytest.mark.parametrize("client", TXN_CLIENTS)


@each_txn_client
def test_committed_transaction_visible(client: str, bootstrap: str, new_topic) -> None:
    topic = new_topic()
    consumer = consumer_for(client, bootstrap)
    txn_produce(client, bootstrap, topic, [b"c1", b"c2", b"c3"], commit=True)
    got = consumer.consume(topic, 3, read_committed=True)
    assert [m.value for m in got] == [b"c1", b"c2", b"c3"]


@each_txn_client
def test_aborted_transaction_hidden_from_read_committed(client: str, bootstrap: str, new_topic) -> None:
    """Aborted records never reach a read_committed consumer; records after the abort do."""
    topic = new_topic()
    consumer = consumer_for(client, bootstrap)
    txn_produce(client, bootstrap, topic, [b"aborted1", b"aborted2"], commit=False)
    txn_produce(client, bootstrap, topic, [b"kept"], commit=True)
    got = consumer.consume(topic, 2, read_committed=True, timeout_s=6)  # ask for more than expected
    assert [m.value for m in got] == [b"kept"], f"read_committed saw {[m.value for m in got]}"


@each_txn_client
def test_aborted_transaction_visible_to_read_uncommitted(client: str, bootstrap: str, new_topic) -> None:
    topic = new_topic()
    consumer = consumer_for(client, bootstrap)
    txn_produce(client, bootstrap, topic, [b"aborted1", b"aborted2"], commit=False)
    txn_produce(client, bootstrap, topic, [b"kept"], commit=True)
    got = consumer.consume(topic, 3, read_committed=False, timeout_s=8)
    assert [m.value for m in got] == [b"aborted1", b"aborted2", b"kept"]


@each_txn_client
def test_consume_transform_produce(client: str, bootstrap: str, new_topic) -> None:
    """Output records and the group's input offset commit atomically (send_offsets_to_transaction)."""
    need_client(client)
    in_topic, out_topic, group = new_topic(prefix="in"), new_topic(prefix="out"), unique("ctp")
    with wire.Connection.to(bootstrap) as conn:
        batch = wire.record_batch([wire.Record(b"k", v) for v in (b"a", b"b", b"c")])
        assert wire.produce(conn, in_topic, 0, batch).error_code == 0
    txn_produce(client, bootstrap, out_topic, [b"A", b"B", b"C"], commit=True, offsets=(group, in_topic, 3))
    got = make_client(client, bootstrap).consume(out_topic, 3, read_committed=True)
    assert [m.value for m in got] == [b"A", b"B", b"C"]
    with wire.Connection.to(bootstrap) as conn:
        _, _, host, port = wire.find_coordinator(conn, group)
    with wire.Connection(host, port) as coordinator:
        offset, _, error = wire.offset_fetch(coordinator, group, in_topic, [0])[0]
    assert (error, offset) == (0, 3), "the transaction's offset commit is missing"


@pytest.mark.client("confluent-kafka")
def test_open_transaction_holds_last_stable_offset(bootstrap: str, new_topic) -> None:
    """While a transaction is open, read_committed ListOffsets(latest) stops at its first record."""
    need_client("confluent-kafka")
    from confluent_kafka import Producer

    topic = new_topic()
    with wire.Connection.to(bootstrap) as conn:
        assert wire.produce(conn, topic, 0, wire.record_batch([wire.Record(b"k", b"before")])).error_code == 0
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": unique("txn"),
                         "broker.address.family": "v4"})
    producer.init_transactions(20)
    producer.begin_transaction()
    producer.produce(topic, value=b"open", partition=0)
    producer.flush(20)
    try:
        with wire.Connection.to(bootstrap) as conn:
            uncommitted = wire.list_offsets(conn, topic, 0, -1, isolation_level=0)[2]
            committed = wire.list_offsets(conn, topic, 0, -1, isolation_level=1)[2]
            fetched = wire.fetch(conn, topic, 0, 0, isolation_level=1)
        assert uncommitted == 2
        assert committed == 1, f"read_committed latest {committed} while the transaction is open"
        assert fetched.last_stable_offset == 1
        assert [r.value for r in wire.records_of(wire.parse_batches(fetched.records))] == [b"before"]
    finally:
        producer.abort_transaction(20)


@pytest.mark.client("confluent-kafka")
def test_aborted_transactions_listed_only_for_read_committed(bootstrap: str, new_topic) -> None:
    """Fetch returns the aborted-transactions list for read_committed, and none for read_uncommitted."""
    topic = new_topic()
    txn_produce("confluent-kafka", bootstrap, topic, [b"x"], commit=False)
    with wire.Connection.to(bootstrap) as conn:
        rc = wire.fetch(conn, topic, 0, 0, isolation_level=1)
        ru = wire.fetch(conn, topic, 0, 0, isolation_level=0)
    assert rc.aborted_transactions, "read_committed fetch must list the aborted transaction"
    assert not ru.aborted_transactions, f"read_uncommitted fetch listed {ru.aborted_transactions}"
    control = [b for b in wire.parse_batches(ru.records) if b.is_control]
    assert control, "the abort marker (control batch) must be in the log"


@pytest.mark.client("confluent-kafka")
def test_new_producer_fences_old(bootstrap: str, new_topic) -> None:
    """A second producer with the same transactional.id fences the first (PRODUCER_FENCED)."""
    need_client("confluent-kafka")
    from confluent_kafka import KafkaException, Producer

    topic, txn_id = new_topic(), unique("txn")
    conf = {"bootstrap.servers": bootstrap, "transactional.id": txn_id, "broker.address.family": "v4"}
    old = Producer(conf)
    old.init_transactions(20)
    old.begin_transaction()
    old.produce(topic, value=b"zombie", partition=0)
    old.flush(20)
    new = Producer(conf)
    new.init_transactions(20)
    with pytest.raises(KafkaException) as info:
        old.commit_transaction(10)
    assert info.value.args[0].fatal() or "fenced" in str(info.value).lower(), str(info.value)
    new.begin_transaction()
    new.produce(topic, value=b"fresh", partition=0)
    new.commit_transaction(20)
    got = make_client("confluent-kafka", bootstrap).consume(topic, 1, read_committed=True, timeout_s=10)
    assert [m.value for m in got] == [b"fresh"]


def test_transaction_timeout_above_max_rejected(bootstrap: str, api_versions: dict[int, tuple[int, int]]) -> None:
    """transaction.timeout.ms above transaction.max.timeout.ms (900000): INVALID_TRANSACTION_TIMEOUT."""
    txn_id = unique("txn")
    with wire.Connection.to(bootstrap) as conn:
        error, host, port = wire.find_transaction_coordinator(conn, txn_id)
        assert error == 0, f"FindCoordinator(transaction) error {error}"
    with wire.Connection(host, port) as coordinator:
        version = min(api_versions[wire.API_KEYS["InitProducerId"]][1], 5)
        error = wire.init_producer_id(coordinator, txn_id, timeout_ms=3_600_000, version=version)[0]
    assert error == INVALID_TRANSACTION_TIMEOUT, f"error {error}"


