"""A consumer-group member with one small interface over kafka-python, confluent-kafka and aiokafka.

Why: group cases (assignment, rebalance on join/leave/crash, commits, static membership) need several
members polled side by side from one test. Each member keeps polling (which drives heartbeats and
rebalance callbacks in every library) while the test waits for a condition on its assignment.
aiokafka members run their asyncio loop in a private thread so they can be driven synchronously.
"""

from __future__ import annotations

import asyncio
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from conformance_tests.clients.base import Msg

GROUP_CLIENTS = ["kafka-python", "confluent-kafka", "aiokafka"]


class GroupMember(ABC):
    """One member of `group` subscribed to `topic`."""

    def __init__(self, bootstrap: str, group: str, topic: str, *, offset_reset: str = "earliest",
                 session_timeout_ms: int = 6000, instance_id: str | None = None, auto_commit: bool = False,
                 assignor: str = "range", read_committed: bool = False) -> None:
        self.bootstrap = bootstrap
        self.group = group
        self.topic = topic
        self.offset_reset = offset_reset
        self.session_timeout_ms = session_timeout_ms
        self.instance_id = instance_id
        self.auto_commit = auto_commit
        self.assignor = assignor
        self.read_committed = read_committed
        self.records: list[Msg] = []

    @abstractmethod
    def poll(self, timeout_s: float = 0.3) -> list[Msg]:
        """Fetch what is available (also drives heartbeats and rebalances); records are kept too."""

    @abstractmethod
    def assignment(self) -> set[int]:
        """Partitions of `topic` currently assigned to this member."""

    @abstractmethod
    def commit(self, offsets: dict[int, int] | None = None, metadata: str = "") -> None:
        """Commit synchronously: the consumed positions, or explicit {partition: offset}."""

    @abstractmethod
    def committed(self, partition: int) -> int | None:
        """The group's committed offset for a partition (None if there is none)."""

    @abstractmethod
    def close(self) -> None:
        """Leave the group and release the client (a crash is simulated with a killed subprocess)."""

    def poll_until(self, condition: Callable[[], bool], timeout_s: float, *others: GroupMember) -> bool:
        """Poll this member (and `others`, to keep them alive) until `condition()` or timeout."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.poll(0.15)
            for other in others:
                other.poll(0.15)
            if condition():
                return True
        return False

    def consume(self, count: int, timeout_s: float = 20.0) -> list[Msg]:
        start = len(self.records)
        self.poll_until(lambda: len(self.records) - start >= count, timeout_s)
        return self.records[start:]


class KafkaPythonMember(GroupMember):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from kafka import KafkaConsumer
        from kafka.coordinator.assignors.range import RangePartitionAssignor
        from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor

        assignors = {"range": RangePartitionAssignor, "roundrobin": RoundRobinPartitionAssignor}
        extra: dict[str, Any] = {}
        if self.instance_id:
            extra["group_instance_id"] = self.instance_id
        self.consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=self.group, auto_offset_reset=self.offset_reset,
            enable_auto_commit=self.auto_commit, session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=500, max_poll_interval_ms=30000, request_timeout_ms=15000,
            fetch_max_wait_ms=200, partition_assignment_strategy=[assignors[self.assignor]],
            isolation_level="read_committed" if self.read_committed else "read_uncommitted",
            client_id="conformance-kafka-python", **extra,
        )
        self.consumer.subscribe([self.topic])
        # kafka-python 3.0.12 hangs a leader whose first assignment predates the topic's metadata
        # (the fixing rejoin finishes between polls and is never applied): learn it before joining.
        self.consumer.partitions_for_topic(self.topic)

    def poll(self, timeout_s: float = 0.3) -> list[Msg]:
        out = []
        for records in self.consumer.poll(timeout_ms=int(timeout_s * 1000)).values():
            out += [Msg(r.key, r.value, list(r.headers), r.timestamp, r.partition, r.offset) for r in records]
        self.records += out
        return out

    def assignment(self) -> set[int]:
        return {tp.partition for tp in self.consumer.assignment() if tp.topic == self.topic}

    def commit(self, offsets: dict[int, int] | None = None, metadata: str = "") -> None:
        from kafka import OffsetAndMetadata, TopicPartition

        if offsets is None and not metadata:
            self.consumer.commit()
            return
        if offsets is None:
            offsets = {tp.partition: self.consumer.position(tp) for tp in self.consumer.assignment()}
        self.consumer.commit({TopicPartition(self.topic, p): OffsetAndMetadata(o, metadata, -1)
                              for p, o in offsets.items()})

    def committed(self, partition: int) -> int | None:
        from kafka import TopicPartition

        value = self.consumer.committed(TopicPartition(self.topic, partition))
        return None if value is None else int(value)

    def close(self) -> None:
        self.consumer.close(autocommit=False)


class ConfluentMember(GroupMember):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from confluent_kafka import Consumer

        strategies = {"range": "range", "roundrobin": "roundrobin", "cooperative": "cooperative-sticky"}
        conf: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap, "group.id": self.group, "auto.offset.reset": self.offset_reset,
            "enable.auto.commit": self.auto_commit, "session.timeout.ms": self.session_timeout_ms,
            "heartbeat.interval.ms": 500, "fetch.wait.max.ms": 200, "broker.address.family": "v4",
            "partition.assignment.strategy": strategies[self.assignor],
            "isolation.level": "read_committed" if self.read_committed else "read_uncommitted",
            "client.id": "conformance-confluent",
        }
        if self.instance_id:
            conf["group.instance.id"] = self.instance_id
        self.errors: list[Any] = []
        self.consumer = Consumer(conf)
        self.consumer.subscribe([self.topic])

    def poll(self, timeout_s: float = 0.3) -> list[Msg]:
        out = []
        for msg in self.consumer.consume(num_messages=500, timeout=timeout_s):
            if msg.error():
                self.errors.append(msg.error())
                continue
            out.append(Msg(msg.key(), msg.value(), list(msg.headers() or []), msg.timestamp()[1],
                           msg.partition(), msg.offset()))
        self.records += out
        return out

    def assignment(self) -> set[int]:
        return {tp.partition for tp in self.consumer.assignment() if tp.topic == self.topic}

    def commit(self, offsets: dict[int, int] | None = None, metadata: str = "") -> None:
        from confluent_kafka import TopicPartition

        if offsets is None and not metadata:
            self.consumer.commit(asynchronous=False)
            return
        if offsets is None:
            offsets = {tp.partition: tp.offset for tp in self.consumer.position(self.consumer.assignment())}
        extra = {"metadata": metadata} if metadata else {}
        self.consumer.commit(offsets=[TopicPartition(self.topic, p, o, **extra) for p, o in offsets.items()],
                             asynchronous=False)

    def committed(self, partition: int) -> int | None:
        from confluent_kafka import TopicPartition

        [tp] = self.consumer.committed([TopicPartition(self.topic, partition)], timeout=10)
        return None if tp.offset < 0 else int(tp.offset)

    def committed_metadata(self, partition: int) -> str | None:
        from confluent_kafka import TopicPartition

        [tp] = self.consumer.committed([TopicPartition(self.topic, partition)], timeout=10)
        return tp.metadata

    def close(self) -> None:
        self.consumer.close()


class AiokafkaMember(GroupMember):
    """aiokafka in a private event-loop thread; calls are submitted to that loop."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.consumer = self._call(self._start())

    def _call(self, coro: Any, timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _start(self) -> Any:
        from aiokafka import AIOKafkaConsumer
        from aiokafka.coordinator.assignors.range import RangePartitionAssignor
        from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor

        assignors = {"range": RangePartitionAssignor, "roundrobin": RoundRobinPartitionAssignor}
        consumer = AIOKafkaConsumer(
            self.topic, bootstrap_servers=self.bootstrap, group_id=self.group, auto_offset_reset=self.offset_reset,
            enable_auto_commit=self.auto_commit, session_timeout_ms=self.session_timeout_ms,
            heartbeat_interval_ms=500, fetch_max_wait_ms=200, request_timeout_ms=15000,
            partition_assignment_strategy=[assignors[self.assignor]],
            isolation_level="read_committed" if self.read_committed else "read_uncommitted",
            client_id="conformance-aiokafka",
        )
        await consumer.start()
        return consumer

    def poll(self, timeout_s: float = 0.3) -> list[Msg]:
        batch = self._call(self.consumer.getmany(timeout_ms=int(timeout_s * 1000)))
        out = [Msg(r.key, r.value, list(r.headers), r.timestamp, r.partition, r.offset)
               for records in batch.values() for r in records]
        self.records += out
        return out

    def assignment(self) -> set[int]:
        return {tp.partition for tp in self.consumer.assignment() if tp.topic == self.topic}

    def commit(self, offsets: dict[int, int] | None = None, metadata: str = "") -> None:
        from aiokafka import TopicPartition
        from aiokafka.structs import OffsetAndMetadata

        if offsets is None and not metadata:
            self._call(self.consumer.commit())
            return
        if offsets is None:
            offsets = {tp.partition: self._call(self.consumer.position(tp)) for tp in self.consumer.assignment()}
        self._call(self.consumer.commit({TopicPartition(self.topic, p): OffsetAndMetadata(o, metadata)
                                         for p, o in offsets.items()}))

    def committed(self, partition: int) -> int | None:
        from aiokafka import TopicPartition

        value = self._call(self.consumer.committed(TopicPartition(self.topic, partition)))
        return None if value is None else int(value)

    def close(self) -> None:
        try:
            self._call(self.consumer.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)


MEMBERS: dict[str, type[GroupMember]] = {
    "kafka-python": KafkaPythonMember, "confluent-kafka": ConfluentMember, "aiokafka": AiokafkaMember,
}


def make_member(name: str, *args: Any, **kwargs: Any) -> GroupMember:
    return MEMBERS[name](*args, **kwargs)


def main() -> None:
    """`python -m conformance_tests.clients.group_member CLIENT BOOTSTRAP GROUP TOPIC SESSION_MS`:
    a member in its own process, printing its assignment as it changes, so a case can SIGKILL it."""
    import json
    import sys

    name, bootstrap, group, topic, session_ms = sys.argv[1:6]
    member = make_member(name, bootstrap, group, topic, session_timeout_ms=int(session_ms))
    last: set[int] | None = None
    while True:
        member.poll(0.2)
        current = member.assignment()
        if current != last:
            print(json.dumps(sorted(current)), flush=True)
            last = current


if __name__ == "__main__":
    main()
