"""Real clients in a consumer group against a real broker: members in separate processes.

``run_group_scenario`` is the story every real-client test tells, for one client library:

1. 360 records in 6 partitions; three members (``clients/worker.py`` or the kafkajs worker) join
   one group; they commit every record synchronously after printing it.
2. Once the partitions are spread over the three, one member is killed (SIGKILL) mid-stream.
   Its partitions must be taken over by the others within the session timeout (plus the
   rebalance), and every record must be consumed.
3. No record is consumed twice, except those the killed member consumed but had not committed
   yet (at most one per partition) and those whose commit the coordinator refused during a
   rebalance: a partition is never consumed by two members at once.
4. The members stop (SIGTERM) and new ones start: only the records produced meanwhile arrive.
5. The broker restarts on the same data directory: committed offsets survive, again only new
   records arrive.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wirekafka.testing import broker as testing_broker

HERE = Path(__file__).resolve().parent
WORKER = HERE / "clients" / "worker.py"
KAFKAJS_WORKER = HERE / "clients" / "kafkajs_worker.js"
NODE_MODULES = HERE.parents[1] / "conformance_tests" / "node" / "node_modules"

TOPIC = "events"
GROUP = "workers"
PARTITIONS = 6
SESSION_TIMEOUT_S = 3.0
#: Time allowed after the session timeout for the rebalance itself (joins, syncs, fetch restarts).
REBALANCE_ALLOWANCE_S = 12.0
BROKER_OVERRIDES: Mapping[str, str] = {
    "group.min.session.timeout.ms": "1000",
    "group.consumer.session.timeout.ms": "3000",
    "group.consumer.heartbeat.interval.ms": "500",
    "auto.create.topics.enable": "false",
}


def kafkajs_unavailable() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (NODE_MODULES / "kafkajs").is_dir():
        return "kafkajs is not installed (npm install in conformance_tests/node)"
    return None


@contextlib.contextmanager
def group_broker(data_dir: Path, *, port: int = 0) -> Iterator[testing_broker.RunningBroker]:
    """A running broker (its group coordinator included) with short group timeouts."""
    with testing_broker.running_broker(data_dir, BROKER_OVERRIDES, port=port) as running:
        yield running


@dataclass(frozen=True, slots=True)
class Event:
    sequence: int
    at: float
    worker: str
    kind: str
    partition: int = -1
    offset: int = -1
    data: Mapping[str, Any] = field(default_factory=dict)


class EventLog:
    """Every worker's output, in arrival order, with a condition to wait on."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._condition = threading.Condition()

    def add(self, worker: str, line: str) -> None:
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            return
        with self._condition:
            self.events.append(
                Event(
                    len(self.events),
                    time.monotonic(),
                    worker,
                    data.get("e", "?"),
                    data.get("p", -1) if isinstance(data.get("p"), int) else -1,
                    data.get("o", -1),
                    data,
                )
            )
            self._condition.notify_all()

    def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        with self._condition:
            if not self._condition.wait_for(predicate, timeout):
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; {self.summary()}")

    def summary(self) -> str:
        """Assignments over time and the last committed offset of each partition (for failures)."""
        assignments = [(e.sequence, e.worker, e.data.get("p")) for e in self.events if e.kind == "A"]
        committed: dict[int, int] = {}
        for event in self.of("C"):
            committed[event.partition] = max(committed.get(event.partition, -1), event.offset)
        others = [
            (e.sequence, e.worker, e.kind, dict(e.data)) for e in self.events if e.kind not in ("A", "C", "D")
        ]
        return f"assignments: {assignments[-30:]}; last committed: {committed}; other events: {others[-10:]}"

    def of(self, kind: str, worker: str | None = None) -> list[Event]:
        return [e for e in self.events if e.kind == kind and (worker is None or e.worker == worker)]

    def assignment(self, worker: str) -> list[int] | None:
        assigned = self.of("A", worker)
        return None if not assigned else list(assigned[-1].data["p"])


class Worker:
    def __init__(self, name: str, client: str, bootstrap: str, log: EventLog, delay_ms: int = 10) -> None:
        self.name = name
        if client == "kafkajs":
            argv = ["node", str(KAFKAJS_WORKER), bootstrap, TOPIC, GROUP, str(delay_ms)]
            env = {**os.environ, "NODE_PATH": str(NODE_MODULES)}
        else:
            argv = [sys.executable, str(WORKER), client, bootstrap, TOPIC, GROUP, str(delay_ms)]
            env = dict(os.environ)
        self.process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
        )
        self._reader = threading.Thread(target=self._read, args=(log,), daemon=True)
        self._reader.start()

    def _read(self, log: EventLog) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            log.add(self.name, line)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._reader.join(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._reader.join(10)


def produce(bootstrap: str, start: int, count: int) -> None:
    """``count`` records per partition, values ``partition:sequence`` from ``start``."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False, acks="all", linger_ms=5)
    try:
        for sequence in range(start, start + count):
            for partition in range(PARTITIONS):
                producer.send(TOPIC, f"{partition}:{sequence}".encode(), partition=partition)
        producer.flush(30)
    finally:
        producer.close(5)


def create_topic(bootstrap: str) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])
    finally:
        admin.close()


def committed_offsets(bootstrap: str) -> dict[int, int]:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        offsets = admin.list_group_offsets(GROUP)[GROUP]
    finally:
        admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == TOPIC}


@dataclass
class Phase:
    """One run of members over a range of offsets, and what it is allowed to redeliver."""

    log: EventLog
    expected: set[tuple[int, int]]

    def delivered(self) -> set[tuple[int, int]]:
        return {(e.partition, e.offset) for e in self.log.of("D")}

    def all_delivered(self) -> bool:
        return self.expected <= self.delivered()

    def all_committed(self) -> bool:
        """Every record consumed, and each partition committed up to its last record.

        A record whose own commit was refused is still committed by a later record's commit.
        """
        if not self.all_delivered():
            return False
        committed: dict[int, int] = {}
        for event in self.log.of("C"):
            committed[event.partition] = max(committed.get(event.partition, -1), event.offset)
        wanted: dict[int, int] = {}
        for partition, offset in self.expected:
            wanted[partition] = max(wanted.get(partition, -1), offset)
        return all(committed.get(partition, -1) >= offset for partition, offset in wanted.items())


def spread(log: EventLog, names: list[str]) -> bool:
    """Every partition owned by exactly one of ``names``, each of which owns some."""
    assignments = [log.assignment(name) for name in names]
    if any(not a for a in assignments):
        return False
    owned = [p for a in assignments for p in a or []]
    return sorted(owned) == list(range(PARTITIONS))


def allowed_redeliveries(log: EventLog, crashed: str | None) -> set[tuple[int, int]]:
    """Records that were not committed when a member started from the committed position.

    Those are the crashed member's last uncommitted records, records whose commit was refused,
    and records whose commit was acknowledged only after a rebalance had begun (clients such as
    aiokafka hold commits back until the rebalance ends, after the new owner read the offset).
    """
    allowed = {(e.partition, e.offset) for e in log.of("commit-failed")}
    if crashed is not None:
        committed = {(e.partition, e.offset) for e in log.of("C", crashed)}
        allowed |= {
            (e.partition, e.offset) for e in log.of("D", crashed) if (e.partition, e.offset) not in committed
        }
    rebalances = [e.sequence for e in log.of("A")]
    delivered: dict[tuple[str, int, int], int] = {}
    for event in log.events:
        key = (event.worker, event.partition, event.offset)
        if event.kind == "D":
            delivered[key] = event.sequence
        elif event.kind == "C" and key in delivered:
            start = delivered[key]
            if any(start < sequence < event.sequence for sequence in rebalances):
                allowed.add((event.partition, event.offset))
    return allowed


def check_no_double_consumption(log: EventLog, crashed: str | None) -> None:
    counts = Counter((e.partition, e.offset) for e in log.of("D"))
    twice = {record for record, count in counts.items() if count > 1}
    unexpected = twice - allowed_redeliveries(log, crashed)
    if unexpected:
        partition, offset = min(unexpected)
        story = [
            (e.sequence, e.worker, e.kind, e.partition, e.offset, e.data.get("p") if e.kind == "A" else None)
            for e in log.events
            if e.kind == "A" or (e.partition == partition and abs(e.offset - offset) <= 2)
        ]
        raise AssertionError(f"consumed more than once: {sorted(unexpected)[:20]}; events: {story[-80:]}")
    for partition in range(PARTITIONS):
        # Within a partition offsets only go forward, except to redeliver an uncommitted record.
        previous = -1
        for event in (e for e in log.of("D") if e.partition == partition):
            if event.offset <= previous:
                assert (partition, event.offset) in allowed_redeliveries(log, crashed), (
                    f"partition {partition} went back from {previous} to {event.offset} ({event.worker})"
                )
            previous = max(previous, event.offset)


def run_group_scenario(client: str, data_dir: Path) -> None:
    per_partition = 60
    with group_broker(data_dir) as running:
        port = running.port
        bootstrap = running.bootstrap
        create_topic(bootstrap)
        produce(bootstrap, 0, per_partition)

        # -- three members, one crashes ----------------------------------------------------------
        log = EventLog()
        names = ["w0", "w1", "w2"]
        workers = {name: Worker(name, client, bootstrap, log, delay_ms=15) for name in names}
        try:
            log.wait_for(lambda: spread(log, names), 60, "the partitions to be spread over three members")
            victim = max(names, key=lambda n: len(log.assignment(n) or []))
            orphaned = set(log.assignment(victim) or [])
            seen = len(log.of("D", victim))
            log.wait_for(lambda: len(log.of("D", victim)) >= seen + 3, 30, f"{victim} to consume")
            workers[victim].kill()
            killed_at = time.monotonic()
            survivors = [n for n in names if n != victim]
            phase = Phase(log, {(p, o) for p in range(PARTITIONS) for o in range(per_partition)})
            log.wait_for(phase.all_committed, 90, "every record to be consumed and committed after the crash")
            for partition in orphaned:
                # Records the victim had not reached yet were consumed by a survivor: how soon?
                taken = [
                    e
                    for e in log.of("D")
                    if e.partition == partition and e.worker in survivors and e.at > killed_at
                ]
                if taken:
                    delay = taken[0].at - killed_at
                    assert delay <= SESSION_TIMEOUT_S + REBALANCE_ALLOWANCE_S, (
                        f"partition {partition} was taken over {delay:.1f}s after the crash"
                    )
            check_no_double_consumption(log, victim)
            for name in survivors:
                workers[name].stop()
        finally:
            for worker in workers.values():
                worker.stop()
        committed = committed_offsets(bootstrap)
        assert committed == dict.fromkeys(range(PARTITIONS), per_partition), committed

        # -- the members restart -----------------------------------------------------------------
        check_restart(client, bootstrap, per_partition, per_partition + 20, "after the consumers restarted")

    # -- the broker restarts -------------------------------------------------------------------------
    with group_broker(data_dir, port=port) as running:
        assert committed_offsets(running.bootstrap) == dict.fromkeys(range(PARTITIONS), per_partition + 20)
        check_restart(
            client, running.bootstrap, per_partition + 20, per_partition + 40, "after the broker restarted"
        )


def check_restart(client: str, bootstrap: str, start: int, end: int, when: str) -> None:
    """Produce [start, end) per partition; new members must consume exactly those records."""
    produce(bootstrap, start, end - start)
    log = EventLog()
    names = ["r0", "r1"]
    workers = [Worker(name, client, bootstrap, log) for name in names]
    try:
        phase = Phase(log, {(p, o) for p in range(PARTITIONS) for o in range(start, end)})
        log.wait_for(phase.all_committed, 90, f"the new records to be consumed and committed {when}")
        old = sorted((p, o) for p, o in phase.delivered() if o < start)
        assert not old, f"committed records consumed again {when}: {old[:10]}"
        check_no_double_consumption(log, None)
    finally:
        for worker in workers:
            worker.stop()
    committed = committed_offsets(bootstrap)
    assert committed == dict.fromkeys(range(PARTITIONS), end), committed
