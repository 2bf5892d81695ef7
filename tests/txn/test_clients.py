"""Exactly-once with real clients: confluent-kafka (librdkafka), kafka-python and aiokafka.

The broker is a ``wirekafka serve`` subprocess. librdkafka's transactional producer
uses AddPartitionsToTxn v0 and AddOffsetsToTxn v0 (CLIENT-QUIRKS.md); kafka-python and aiokafka
use older and newer versions, so together they cover the client range of every transaction API.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

from tests.txn.clients import BrokerProcess, LossyProxy, broker, consume_all, create_topic, free_port

pytestmark = pytest.mark.slow

_names = itertools.count()


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_names)}-{int(time.time() * 1000) % 100_000}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerProcess]:
    overrides = {"transaction.abort.timed.out.transaction.cleanup.interval.ms": "200"}
    with broker(tmp_path_factory.mktemp("txn-clients"), overrides) as process:
        yield process


def transactional_producer(bootstrap: str, transactional_id: str, **config: Any) -> Producer:
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": transactional_id, **config})
    producer.init_transactions(30)
    return producer


# ---- idempotence -----------------------------------------------------------------------------------


def test_idempotent_producer_never_duplicates_or_reorders_when_responses_are_lost(tmp_path: Path) -> None:
    """Every 4th Produce response is lost on the way back (the batch was written): librdkafka
    retries the batch, the broker recognises it and answers with the original offsets."""
    proxy_port = free_port()
    with broker(tmp_path / "data", advertised_port=proxy_port) as process:
        proxy = LossyProxy(proxy_port, process.port, drop_every=4)
        try:
            create_topic(process.bootstrap, "idem", partitions=2)
            producer = Producer(
                {
                    "bootstrap.servers": process.bootstrap,
                    "enable.idempotence": True,
                    "linger.ms": 2,
                    "batch.num.messages": 20,
                    "max.in.flight.requests.per.connection": 5,
                    "retry.backoff.ms": 20,
                }
            )
            failures: list[Any] = []
            acknowledged: dict[int, list[int]] = {0: [], 1: []}

            def delivered(error: Any, message: Any) -> None:
                if error is not None:
                    failures.append(error)
                else:
                    acknowledged[message.partition()].append(message.offset())

            count = 3000
            for value in range(count):
                producer.produce(
                    "idem", value=str(value).encode(), partition=value % 2, on_delivery=delivered
                )
                if value % 200 == 0:
                    producer.poll(0)
            assert producer.flush(60) == 0
            assert failures == []
            assert proxy.dropped > 0, "no response was lost: the test proved nothing"
            stored = consume_all(process.bootstrap, "idem", read_committed=False, partitions=2)
        finally:
            proxy.close()
        for partition in (0, 1):
            values = [int(v) for v in stored if int(v) % 2 == partition]
            assert values == list(range(partition, count, 2)), "each record once, in order"
            assert sorted(acknowledged[partition]) == list(range(count // 2))


# ---- transactions: confluent-kafka ----------------------------------------------------------------------


def test_commit_and_abort_with_librdkafka(server: BrokerProcess) -> None:
    topic = unique("txn")
    create_topic(server.bootstrap, topic, partitions=2)
    producer = transactional_producer(server.bootstrap, unique("tx"))
    producer.begin_transaction()
    for value in (b"a1", b"a2", b"a3"):
        producer.produce(topic, value=value, partition=0)
    producer.produce(topic, value=b"a4", partition=1)
    assert producer.flush(30) == 0, "written to the log before the abort"
    producer.abort_transaction(30)
    producer.begin_transaction()
    producer.produce(topic, value=b"c1", partition=0)
    producer.produce(topic, value=b"c2", partition=1)
    producer.commit_transaction(30)
    committed = consume_all(server.bootstrap, topic, read_committed=True, partitions=2)
    assert sorted(committed) == [b"c1", b"c2"]
    uncommitted = consume_all(server.bootstrap, topic, read_committed=False, partitions=2)
    assert sorted(uncommitted) == [b"a1", b"a2", b"a3", b"a4", b"c1", b"c2"]


def test_compaction_keeps_a_committed_value_that_an_aborted_transaction_overwrote(tmp_path: Path) -> None:
    """A Kafka Streams changelog under exactly-once: key k is committed, then written again by a
    transaction that aborts. After compaction a read_committed reader must still find k's committed
    value (the cleaner used to keep the aborted record as k's latest and drop the committed one)."""
    from confluent_kafka.admin import AdminClient, NewTopic

    with broker(tmp_path / "data", {"log.cleaner.backoff.ms": "100"}) as process:
        topic = unique("changelog")
        admin = AdminClient({"bootstrap.servers": process.bootstrap})
        configs = {"cleanup.policy": "compact", "segment.ms": "200", "min.cleanable.dirty.ratio": "0.01"}
        for future in admin.create_topics([NewTopic(topic, 1, 1, config=configs)]).values():
            future.result(30)
        producer = transactional_producer(process.bootstrap, unique("streams"))
        producer.begin_transaction()
        producer.produce(topic, key=b"k", value=b"committed")
        producer.commit_transaction(30)
        producer.begin_transaction()
        producer.produce(topic, key=b"k", value=b"aborted")
        assert producer.flush(30) == 0, "written to the log before the abort"
        producer.abort_transaction(30)
        plain = Producer({"bootstrap.servers": process.bootstrap})
        plain.produce(topic, key=b"d", value=b"d1")
        plain.produce(topic, key=b"d", value=b"d2")
        for filler in (b"f1", b"f2"):  # two rolls (segment.ms): the records above become cleanable
            time.sleep(0.3)
            plain.produce(topic, key=filler, value=filler)
            assert plain.flush(30) == 0
        deadline = time.monotonic() + 60
        while b"d1" in (seen := consume_all(process.bootstrap, topic, read_committed=False, idle_s=1.0)):
            assert time.monotonic() < deadline, f"no compaction pass within 60 s: {seen}"
            time.sleep(0.5)
        assert b"aborted" not in seen  # the aborted transaction's records are gone
        committed = consume_all(process.bootstrap, topic, read_committed=True, idle_s=1.0)
        assert sorted(committed) == [b"committed", b"d2", b"f1", b"f2"]


def control_batches_in(partition_dir: Path) -> int:
    """Transaction markers in a partition's segment files, read beside the running broker."""
    from wirekafka.records.batch import iter_batches

    return sum(
        header.is_control
        for segment in partition_dir.glob("*.log")
        for header in iter_batches(segment.read_bytes())
    )


def test_compaction_removes_the_markers_of_finished_transactions(tmp_path: Path) -> None:
    """Kafka's cleaner drops a COMMIT or ABORT marker once its transaction's records are gone and
    delete.retention.ms has passed; without it an exactly-once changelog keeps a marker per
    transaction for ever. Read_committed readers see the same records before and after. The
    producer's last transaction keeps its batch and so its marker, as in Kafka."""
    from confluent_kafka.admin import (
        AdminClient,
        AlterConfigOpType,
        ConfigEntry,
        ConfigResource,
        NewTopic,
        ResourceType,
    )

    data = tmp_path / "data"
    with broker(data, {"log.cleaner.backoff.ms": "100"}) as process:
        topic = unique("changelog")
        admin = AdminClient({"bootstrap.servers": process.bootstrap})
        # Markers may go only delete.retention.ms after their pass: an hour until all three are
        # written and counted, then half a second.
        configs = {
            "cleanup.policy": "compact",
            "segment.ms": "200",
            "min.cleanable.dirty.ratio": "0.01",
            "delete.retention.ms": "3600000",
        }
        for future in admin.create_topics([NewTopic(topic, 1, 1, config=configs)]).values():
            future.result(30)
        producer = transactional_producer(process.bootstrap, unique("streams"))
        producer.begin_transaction()
        producer.produce(topic, key=b"k", value=b"aborted")
        assert producer.flush(30) == 0
        producer.abort_transaction(30)
        producer.begin_transaction()
        producer.produce(topic, key=b"k", value=b"committed")
        producer.commit_transaction(30)
        plain = Producer({"bootstrap.servers": process.bootstrap})
        plain.produce(topic, key=b"k", value=b"newer")  # the committed record compacts away
        assert plain.flush(30) == 0
        producer.begin_transaction()
        producer.produce(topic, key=b"last", value=b"last")
        producer.commit_transaction(30)
        partition_dir = data / f"{topic}-0"
        written = time.monotonic() + 30
        while control_batches_in(partition_dir) < 3:  # markers follow EndTxn's answer, as in Kafka
            assert time.monotonic() < written, "the transactions' markers were never written"
            time.sleep(0.05)
        assert control_batches_in(partition_dir) == 3
        shorter = ConfigEntry("delete.retention.ms", "500", incremental_operation=AlterConfigOpType.SET)
        resource = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=[shorter])
        for future in admin.incremental_alter_configs([resource]).values():
            future.result(30)
        deadline = time.monotonic() + 60
        rounds = 0
        while control_batches_in(partition_dir) > 1:  # each pass needs new dirty data: keep writing
            assert time.monotonic() < deadline, "the markers were never removed"
            time.sleep(0.3)
            rounds += 1
            plain.produce(topic, key=b"filler", value=b"%d" % rounds)
            assert plain.flush(30) == 0
        for read_committed in (True, False):
            seen = consume_all(process.bootstrap, topic, read_committed=read_committed, idle_s=1.0)
            assert b"aborted" not in seen and b"committed" not in seen
            assert seen[:2] == [b"newer", b"last"] and seen[-1] == b"%d" % rounds


def empty_batches_in(partition_dir: Path) -> list[tuple[int, int]]:
    """(base offset, producer id) of the data batches without records in a partition's segments."""
    from wirekafka.records.batch import iter_batches

    return [
        (header.base_offset, header.producer_id)
        for segment in sorted(partition_dir.glob("*.log"))
        for header in iter_batches(segment.read_bytes())
        if header.records_count == 0 and not header.is_control
    ]


def kafka_python_values(bootstrap: str, topic: str) -> list[bytes]:
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KafkaTopicPartition

    partition = KafkaTopicPartition(topic, 0)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        consumer.assign([partition])
        consumer.seek_to_beginning(partition)
        end = consumer.end_offsets([partition])[partition]
        values: list[bytes] = []
        deadline = time.monotonic() + 30
        while consumer.position(partition) < end:
            assert time.monotonic() < deadline, (
                f"kafka-python stuck at {consumer.position(partition)} of {end}"
            )
            for records in consumer.poll(timeout_ms=500).values():
                values.extend(record.value for record in records)
        return values
    finally:
        consumer.close()


def aiokafka_values(bootstrap: str, topic: str) -> list[bytes]:
    from aiokafka import AIOKafkaConsumer
    from aiokafka import TopicPartition as AioTopicPartition

    async def run() -> list[bytes]:
        partition = AioTopicPartition(topic, 0)
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            consumer.assign([partition])
            await consumer.seek_to_beginning(partition)
            end = (await consumer.end_offsets([partition]))[partition]
            values: list[bytes] = []
            while await consumer.position(partition) < end:
                for records in (await consumer.getmany(partition, timeout_ms=500)).values():
                    values.extend(record.value for record in records)
            return values
        finally:
            await consumer.stop()

    return asyncio.run(asyncio.wait_for(run(), 30))


def test_every_client_reads_past_the_empty_batch_compaction_keeps(tmp_path: Path) -> None:
    """When all records of an idempotent producer's last batch are compacted away, the batch stays,
    empty (Kafka's RETAIN_EMPTY), so that the producer's last sequence stays in the log.
    librdkafka, kafka-python and aiokafka read past it, and the producer goes on."""
    from confluent_kafka.admin import AdminClient, NewTopic

    data = tmp_path / "data"
    with broker(data, {"log.cleaner.backoff.ms": "100"}) as process:
        topic = unique("retain-empty")
        admin = AdminClient({"bootstrap.servers": process.bootstrap})
        configs = {"cleanup.policy": "compact", "segment.ms": "200", "min.cleanable.dirty.ratio": "0.01"}
        for future in admin.create_topics([NewTopic(topic, 1, 1, config=configs)]).values():
            future.result(30)
        idempotent = Producer({"bootstrap.servers": process.bootstrap, "enable.idempotence": True})
        idempotent.produce(topic, key=b"k", value=b"old")
        assert idempotent.flush(30) == 0
        plain = Producer({"bootstrap.servers": process.bootstrap})
        plain.produce(topic, key=b"k", value=b"newer")
        assert plain.flush(30) == 0
        partition_dir = data / f"{topic}-0"
        deadline = time.monotonic() + 60
        rounds = 0
        while not empty_batches_in(partition_dir):  # each pass needs new dirty data: keep writing
            assert time.monotonic() < deadline, "no pass emptied the producer's last batch"
            time.sleep(0.3)
            rounds += 1
            plain.produce(topic, key=b"filler", value=b"%d" % rounds)
            assert plain.flush(30) == 0
        ((offset, producer_id),) = empty_batches_in(partition_dir)
        assert (offset, producer_id >= 0) == (0, True)
        for values in (
            consume_all(process.bootstrap, topic, read_committed=False, idle_s=1.0),
            consume_all(process.bootstrap, topic, read_committed=True, idle_s=1.0),
            kafka_python_values(process.bootstrap, topic),
            aiokafka_values(process.bootstrap, topic),
        ):
            assert b"old" not in values
            assert values[0] == b"newer" and values[-1] == b"%d" % rounds
        errors: list[Any] = []
        idempotent.produce(topic, key=b"k2", value=b"after", on_delivery=lambda err, _msg: errors.append(err))
        assert idempotent.flush(30) == 0 and errors == [None]
        assert consume_all(process.bootstrap, topic, read_committed=False, idle_s=1.0)[-1] == b"after"


def test_open_transaction_holds_read_committed_consumers_back(server: BrokerProcess) -> None:
    topic = unique("lso")
    create_topic(server.bootstrap, topic)
    plain = Producer({"bootstrap.servers": server.bootstrap})
    plain.produce(topic, value=b"before", partition=0)
    plain.flush(10)
    producer = transactional_producer(server.bootstrap, unique("tx"))
    producer.begin_transaction()
    producer.produce(topic, value=b"inside", partition=0)
    producer.flush(10)
    plain.produce(topic, value=b"after", partition=0)
    plain.flush(10)
    assert consume_all(server.bootstrap, topic, read_committed=True, idle_s=2) == [b"before"]
    assert consume_all(server.bootstrap, topic, read_committed=False, idle_s=2) == [
        b"before",
        b"inside",
        b"after",
    ]
    producer.commit_transaction(30)
    assert consume_all(server.bootstrap, topic, read_committed=True) == [b"before", b"inside", b"after"]


def test_consume_transform_produce_is_exactly_once(server: BrokerProcess) -> None:
    """Read a batch from the input in a consumer group, write it transformed and commit the
    group's offsets in the same transaction; an aborted round is redone from the committed offsets."""
    source, sink, group = unique("in"), unique("out"), unique("group")
    create_topic(server.bootstrap, source)
    create_topic(server.bootstrap, sink)
    feeder = Producer({"bootstrap.servers": server.bootstrap})
    for value in range(20):
        feeder.produce(source, value=str(value).encode(), partition=0)
    feeder.flush(10)
    consumer = Consumer(
        {
            "bootstrap.servers": server.bootstrap,
            "group.id": group,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "isolation.level": "read_committed",
        }
    )
    consumer.subscribe([source])
    producer = transactional_producer(server.bootstrap, unique("ctp"))
    processed = 0
    abort_next = True
    started = time.monotonic()
    while processed < 20 and time.monotonic() - started < 90:
        messages = consumer.consume(num_messages=5, timeout=1.0)
        messages = [m for m in messages if not m.error()]
        if not messages:
            continue
        producer.begin_transaction()
        for message in messages:
            producer.produce(sink, value=b"x" + message.value(), partition=0)
        positions = consumer.position(consumer.assignment())
        producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 30)
        if abort_next:
            producer.abort_transaction(30)
            abort_next = False
            # rewind to the committed offsets: what was aborted is redone
            for partition in consumer.committed(consumer.assignment(), 10):
                consumer.seek(TopicPartition(source, partition.partition, max(partition.offset, 0)))
            continue
        producer.commit_transaction(30)
        processed += len(messages)
    consumer.close()
    assert processed == 20
    output = consume_all(server.bootstrap, sink, read_committed=True)
    assert output == [b"x" + str(value).encode() for value in range(20)]
    # the group's committed offset is the end of the input
    checker = Consumer({"bootstrap.servers": server.bootstrap, "group.id": group})
    (committed,) = checker.committed([TopicPartition(source, 0)], 10)
    checker.close()
    assert committed.offset == 20


def test_zombie_producer_is_fenced(server: BrokerProcess) -> None:
    topic, transactional_id = unique("zombie"), unique("tx")
    create_topic(server.bootstrap, topic)
    zombie = transactional_producer(server.bootstrap, transactional_id)
    zombie.begin_transaction()
    zombie.produce(topic, value=b"zombie", partition=0)
    zombie.flush(10)
    successor = transactional_producer(server.bootstrap, transactional_id)
    with pytest.raises(KafkaException) as raised:
        zombie.commit_transaction(30)
    assert raised.value.args[0].code() in (
        KafkaError._FENCED,
        KafkaError.PRODUCER_FENCED,
        KafkaError.INVALID_PRODUCER_EPOCH,
    )
    successor.begin_transaction()
    successor.produce(topic, value=b"successor", partition=0)
    successor.commit_transaction(30)
    assert consume_all(server.bootstrap, topic, read_committed=True) == [b"successor"]


def test_transaction_timeout_aborts_the_transaction(server: BrokerProcess) -> None:
    topic = unique("timeout")
    create_topic(server.bootstrap, topic)
    producer = transactional_producer(server.bootstrap, unique("tx"), **{"transaction.timeout.ms": 2000})
    producer.begin_transaction()
    producer.produce(topic, value=b"too-late", partition=0)
    producer.flush(10)
    time.sleep(4)
    with pytest.raises(KafkaException):
        producer.commit_transaction(30)
    assert consume_all(server.bootstrap, topic, read_committed=True) == []
    assert consume_all(server.bootstrap, topic, read_committed=False) == [b"too-late"]


def test_transaction_timeout_above_the_broker_maximum_is_refused(server: BrokerProcess) -> None:
    producer = Producer(
        {
            "bootstrap.servers": server.bootstrap,
            "transactional.id": unique("tx"),
            "transaction.timeout.ms": 900_001,
        }
    )
    with pytest.raises(KafkaException) as raised:
        producer.init_transactions(30)
    assert raised.value.args[0].code() == KafkaError.INVALID_TRANSACTION_TIMEOUT


# ---- transactions: kafka-python and aiokafka ------------------------------------------------------------


def test_kafka_python_transactional_producer(server: BrokerProcess) -> None:
    from kafka import KafkaProducer

    topic = unique("kp")
    create_topic(server.bootstrap, topic)
    producer = KafkaProducer(bootstrap_servers=server.bootstrap, transactional_id=unique("tx"))
    try:
        producer.init_transactions()
        producer.begin_transaction()
        producer.send(topic, value=b"aborted", partition=0).get(timeout=30)
        producer.abort_transaction()
        producer.begin_transaction()
        producer.send(topic, value=b"kept", partition=0)
        producer.commit_transaction()
    finally:
        producer.close(timeout=10)
    assert consume_all(server.bootstrap, topic, read_committed=True) == [b"kept"]
    assert consume_all(server.bootstrap, topic, read_committed=False) == [b"aborted", b"kept"]


def test_aiokafka_transactional_producer_with_offsets(server: BrokerProcess) -> None:
    from aiokafka import AIOKafkaProducer
    from aiokafka import TopicPartition as AioTopicPartition

    topic, source, group = unique("aio"), unique("aio-in"), unique("aio-group")
    create_topic(server.bootstrap, topic)
    create_topic(server.bootstrap, source)

    async def run() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=server.bootstrap, transactional_id=unique("tx"))
        await producer.start()
        try:
            await producer.begin_transaction()
            await producer.send_and_wait(topic, b"aio-aborted", partition=0)
            await producer.abort_transaction()
            await producer.begin_transaction()
            await producer.send_and_wait(topic, b"aio-kept", partition=0)
            await producer.send_offsets_to_transaction({AioTopicPartition(source, 0): 7}, group)
            await producer.commit_transaction()
        finally:
            await producer.stop()

    asyncio.run(asyncio.wait_for(run(), 60))
    assert consume_all(server.bootstrap, topic, read_committed=True) == [b"aio-kept"]
    assert consume_all(server.bootstrap, topic, read_committed=False) == [b"aio-aborted", b"aio-kept"]
    checker = Consumer({"bootstrap.servers": server.bootstrap, "group.id": group})
    (committed,) = checker.committed([TopicPartition(source, 0)], 10)
    checker.close()
    assert committed.offset == 7
