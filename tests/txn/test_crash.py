"""``kill -9`` of the broker in the middle of an idempotent stream and of transactions, then restart.

After the restart the producer state comes back from the snapshots and the log, and the
transaction coordinator from ``__transaction_state``. The checks are the exactly-once promises:
no duplicate, no acknowledged record lost, no aborted record visible to ``read_committed``, no
committed transaction torn.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import KafkaException, Producer

from tests.txn.clients import BrokerProcess, LossyProxy, consume_all, create_topic, free_port

pytestmark = pytest.mark.slow


def restart(process: BrokerProcess) -> None:
    process.kill()
    process.start()


def test_idempotent_stream_survives_kill_9(tmp_path: Path) -> None:
    """Half-way, the broker writes batches but its answers are lost, then it is killed: the
    producer retries those batches against the restarted broker, which must recognise them from
    the producer state it rebuilt (snapshot + log), not write them again."""
    proxy_port = free_port()
    process = BrokerProcess(tmp_path / "data", advertised_port=proxy_port)
    process.start()
    proxy = LossyProxy(proxy_port, process.port, drop_every=10**9)
    try:
        create_topic(process.bootstrap, "stream", partitions=2)
        producer = Producer(
            {
                "bootstrap.servers": process.bootstrap,
                "enable.idempotence": True,
                "linger.ms": 5,
                "message.timeout.ms": 120_000,
                "retry.backoff.ms": 50,
                "reconnect.backoff.max.ms": 200,
            }
        )
        acknowledged: list[int] = []
        failures: list[Any] = []

        def delivered(error: Any, message: Any) -> None:
            if error is None:
                acknowledged.append(int(message.value()))
            else:
                failures.append(error)

        count = 4000
        for value in range(count):
            producer.produce("stream", value=str(value).encode(), partition=value % 2, on_delivery=delivered)
            producer.poll(0)
            if value == count // 2:
                producer.flush(30)
                proxy.drop_all = True
            if value == count // 2 + 300:
                producer.poll(1.0)  # the batches reach the broker and are written; no answer comes back
                assert proxy.dropped > 0
                restart(process)
                proxy.drop_all = False
        assert producer.flush(120) == 0
        assert failures == []
        stored = [
            int(v) for v in consume_all(process.bootstrap, "stream", read_committed=False, partitions=2)
        ]
    finally:
        proxy.close()
        process.stop()
    duplicates = [value for value, seen in Counter(stored).items() if seen > 1]
    assert duplicates == []
    assert set(acknowledged) <= set(stored)
    assert sorted(stored) == list(range(count))
    for partition in (0, 1):
        in_partition = [v for v in stored if v % 2 == partition]
        assert in_partition == sorted(in_partition), "order kept within the partition"


def test_transactions_survive_kill_9(tmp_path: Path) -> None:
    """Rounds of ten records over two partitions, every third aborted; the broker is killed after a
    round's records were written but before it is committed, and again right after a commit."""
    process = BrokerProcess(
        tmp_path / "data", {"transaction.abort.timed.out.transaction.cleanup.interval.ms": "200"}
    )
    process.start()
    try:
        create_topic(process.bootstrap, "txn", partitions=2)
        producer = Producer(
            {
                "bootstrap.servers": process.bootstrap,
                "transactional.id": "crash-app",
                "transaction.timeout.ms": 60_000,
                "reconnect.backoff.max.ms": 200,
            }
        )
        producer.init_transactions(60)
        outcome: dict[int, str] = {}
        for round_number in range(12):
            producer.begin_transaction()
            for index in range(10):
                producer.produce("txn", value=f"{round_number}-{index}".encode(), partition=index % 2)
            assert producer.flush(60) == 0
            if round_number == 4:
                restart(process)  # written, not yet decided
            commit = round_number % 3 != 2
            try:
                if commit:
                    producer.commit_transaction(60)
                else:
                    producer.abort_transaction(60)
                outcome[round_number] = "committed" if commit else "aborted"
            except KafkaException as exc:
                error = exc.args[0]
                if error.txn_requires_abort():
                    producer.abort_transaction(60)
                    outcome[round_number] = "aborted"
                else:
                    raise
            if round_number == 7:
                restart(process)  # right after a commit: the markers may still be on their way
        committed = consume_all(process.bootstrap, "txn", read_committed=True, partitions=2)
        everything = consume_all(process.bootstrap, "txn", read_committed=False, partitions=2)
        assert Counter(committed).most_common(1)[0][1] == 1, "no duplicate"
        by_round: dict[int, int] = Counter(int(value.split(b"-")[0]) for value in committed)
        for round_number, result in outcome.items():
            expected = 10 if result == "committed" else 0
            assert by_round.get(round_number, 0) == expected, (
                f"round {round_number} ({result}) torn or leaked"
            )
        assert set(by_round) <= {r for r, result in outcome.items() if result == "committed"}
        assert len(everything) >= len(committed)
    finally:
        process.stop()


def test_a_transaction_orphaned_by_the_crash_is_aborted_by_its_timeout(tmp_path: Path) -> None:
    """The broker dies with a transaction open and its producer never comes back: after the
    restart the coordinator times the transaction out, and read_committed consumers move past it
    without ever seeing its records."""
    process = BrokerProcess(
        tmp_path / "data", {"transaction.abort.timed.out.transaction.cleanup.interval.ms": "200"}
    )
    process.start()
    try:
        create_topic(process.bootstrap, "orphan")
        producer = Producer(
            {
                "bootstrap.servers": process.bootstrap,
                "transactional.id": "orphan-app",
                "transaction.timeout.ms": 3000,
            }
        )
        producer.init_transactions(30)
        producer.begin_transaction()
        producer.produce("orphan", value=b"orphaned", partition=0)
        assert producer.flush(30) == 0
        restart(process)
        plain = Producer({"bootstrap.servers": process.bootstrap})
        plain.produce("orphan", value=b"after", partition=0)
        plain.flush(30)
        deadline = time.monotonic() + 30
        committed: list[bytes] = []
        while time.monotonic() < deadline and committed != [b"after"]:
            committed = consume_all(process.bootstrap, "orphan", read_committed=True, idle_s=1)
        assert committed == [b"after"]
    finally:
        process.stop()
