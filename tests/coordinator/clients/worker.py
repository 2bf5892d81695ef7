"""One group member in its own process, for the real-client tests.

    python worker.py CLIENT BOOTSTRAP TOPIC GROUP [DELAY_MS]

CLIENT is ``confluent-eager``, ``confluent-cooperative``, ``confluent-consumer`` (KIP-848,
``group.protocol=consumer``), ``kafka-python`` or ``aiokafka``. The worker consumes TOPIC in
GROUP and, for every record, prints ``{"e": "D", "p": partition, "o": offset}``, commits
offset + 1 synchronously and prints ``{"e": "C", ...}`` once the broker acknowledged it, so the
test knows exactly which records were committed when it kills the worker. Assignment changes are
printed as ``{"e": "A", "p": [partitions]}``. SIGTERM closes the consumer cleanly (leaving the
group); SIGKILL is the crash the tests inject. Output is one JSON object per line, flushed.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from typing import Any

SESSION_TIMEOUT_MS = 3000
HEARTBEAT_INTERVAL_MS = 500
stopping = False


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"e": event, **fields}), flush=True)


def on_sigterm(signum: int, frame: Any) -> None:
    global stopping
    stopping = True


def run_confluent(mode: str, bootstrap: str, topic: str, group: str, delay: float) -> None:
    from confluent_kafka import Consumer, KafkaError, TopicPartition

    config: dict[str, Any] = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "client.id": f"worker-{mode}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    }
    if mode == "consumer":
        config["group.protocol"] = "consumer"
    else:
        config["session.timeout.ms"] = SESSION_TIMEOUT_MS
        config["heartbeat.interval.ms"] = HEARTBEAT_INTERVAL_MS
        config["partition.assignment.strategy"] = "cooperative-sticky" if mode == "cooperative" else "range"
    consumer = Consumer(config)
    owned: set[int] = set()
    incremental = mode != "eager"

    def assigned(c: Any, partitions: list[Any]) -> None:
        if not incremental:
            owned.clear()
        owned.update(tp.partition for tp in partitions)
        emit("A", p=sorted(owned))

    def revoked(c: Any, partitions: list[Any]) -> None:
        if incremental:
            owned.difference_update(tp.partition for tp in partitions)
        else:
            owned.clear()
        emit("A", p=sorted(owned))

    consumer.subscribe([topic], on_assign=assigned, on_revoke=revoked, on_lost=revoked)
    while not stopping:
        message = consumer.poll(0.1)
        if message is None:
            continue
        if message.error():
            if message.error().code() != KafkaError._PARTITION_EOF:
                emit("error", message=str(message.error()))
            continue
        emit("D", p=message.partition(), o=message.offset())
        time.sleep(delay)
        try:
            consumer.commit(
                offsets=[TopicPartition(topic, message.partition(), message.offset() + 1)], asynchronous=False
            )
        except Exception as exc:  # a commit refused during a rebalance: the record may come again
            emit("commit-failed", p=message.partition(), o=message.offset(), message=str(exc))
            continue
        emit("C", p=message.partition(), o=message.offset())
    consumer.close()
    emit("closed")


def run_kafka_python(bootstrap: str, topic: str, group: str, delay: float) -> None:
    from kafka import ConsumerRebalanceListener, KafkaConsumer, OffsetAndMetadata, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        client_id="worker-kafka-python",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=SESSION_TIMEOUT_MS,
        heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
    )

    class Listener(ConsumerRebalanceListener):  # type: ignore[misc]
        def on_partitions_revoked(self, revoked: Any) -> None:
            emit("A", p=[])

        def on_partitions_assigned(self, assigned: Any) -> None:
            emit("A", p=sorted(tp.partition for tp in assigned))

    consumer.subscribe([topic], listener=Listener())
    # kafka-python 3.0.12 hangs a leader that assigned before it knew the topic's partitions:
    # the rejoin that fixes it completes between two polls, need_rejoin() is then False and the
    # result (assignment, heartbeats) is never applied. Knowing the partitions before the first
    # join avoids that rejoin. See docs/compatibility.md, "Client bugs the suites work around".
    consumer.partitions_for_topic(topic)
    while not stopping:
        batches = consumer.poll(timeout_ms=100, max_records=1)
        for tp, records in batches.items():
            for record in records:
                emit("D", p=tp.partition, o=record.offset)
                time.sleep(delay)
                try:
                    consumer.commit(
                        {TopicPartition(topic, tp.partition): OffsetAndMetadata(record.offset + 1, "", -1)}
                    )
                except Exception as exc:
                    emit("commit-failed", p=tp.partition, o=record.offset, message=str(exc))
                    continue
                emit("C", p=tp.partition, o=record.offset)
    consumer.close()
    emit("closed")


async def run_aiokafka(bootstrap: str, topic: str, group: str, delay: float) -> None:
    from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        client_id="worker-aiokafka",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=SESSION_TIMEOUT_MS,
        heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
    )

    class Listener(ConsumerRebalanceListener):  # type: ignore[misc]
        async def on_partitions_revoked(self, revoked: Any) -> None:
            emit("A", p=[])

        async def on_partitions_assigned(self, assigned: Any) -> None:
            emit("A", p=sorted(tp.partition for tp in assigned))

    await consumer.start()
    consumer.subscribe([topic], listener=Listener())
    try:
        while not stopping:
            batches = await consumer.getmany(timeout_ms=100, max_records=1)
            for tp, records in batches.items():
                for record in records:
                    emit("D", p=tp.partition, o=record.offset)
                    await asyncio.sleep(delay)
                    try:
                        await consumer.commit({TopicPartition(topic, tp.partition): record.offset + 1})
                    except Exception as exc:
                        emit("commit-failed", p=tp.partition, o=record.offset, message=str(exc))
                        continue
                    emit("C", p=tp.partition, o=record.offset)
    finally:
        await consumer.stop()
    emit("closed")


def main() -> None:
    client, bootstrap, topic, group = sys.argv[1:5]
    delay = (int(sys.argv[5]) if len(sys.argv) > 5 else 10) / 1000
    signal.signal(signal.SIGTERM, on_sigterm)
    emit("started", client=client)
    if client.startswith("confluent-"):
        run_confluent(client.removeprefix("confluent-"), bootstrap, topic, group, delay)
    elif client == "kafka-python":
        run_kafka_python(bootstrap, topic, group, delay)
    elif client == "aiokafka":
        asyncio.run(run_aiokafka(bootstrap, topic, group, delay))
    else:
        raise SystemExit(f"unknown client {client}")


if __name__ == "__main__":
    main()
