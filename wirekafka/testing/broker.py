"""Start a real broker for a test: in a background thread (any client, sync or async) or in trio.

``running_broker()`` is what most tests want: a broker on 127.0.0.1 with a free port and a temp
data dir, in its own thread with its own trio loop, so blocking clients (kafka-python,
confluent-kafka) can talk to it from the test thread. It is always stopped on exit.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trio

from wirekafka.broker.broker import Broker, Listener
from wirekafka.config import BrokerConfig

TEST_DEFAULTS: Mapping[str, str] = {
    "group.initial.rebalance.delay.ms": "0",
    "offsets.topic.num.partitions": "3",
    "transaction.state.log.num.partitions": "3",
    "offsets.topic.replication.factor": "1",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
}


def broker_test_config(
    data_dir: Path, overrides: Mapping[str, Any] | None = None, *, port: int = 0
) -> BrokerConfig:
    values: dict[str, Any] = {"listeners": f"PLAINTEXT://127.0.0.1:{port}", "log.dirs": str(data_dir)}
    values.update(TEST_DEFAULTS)
    values.update(overrides or {})
    return BrokerConfig(values)


@dataclass
class RunningBroker:
    broker: Broker
    listeners: list[Listener]

    @property
    def bootstrap(self) -> str:
        first = self.listeners[0]
        return f"{first.host}:{first.port}"

    @property
    def port(self) -> int:
        return self.listeners[0].port


@contextlib.contextmanager
def running_broker(
    data_dir: Path, overrides: Mapping[str, Any] | None = None, *, port: int = 0, start_timeout: float = 30
) -> Iterator[RunningBroker]:
    """A broker serving in a background thread for the duration of the block."""
    broker = Broker(broker_test_config(data_dir, overrides, port=port))
    ready = threading.Event()
    result: dict[str, Any] = {}
    token_box: dict[str, trio.lowlevel.TrioToken] = {}
    stop = threading.Event()

    async def main() -> None:
        token_box["token"] = trio.lowlevel.current_trio_token()
        async with trio.open_nursery() as nursery:
            try:
                result["listeners"] = await nursery.start(broker.run)
                # The coordinators start after the listeners serve: tests get a fully started node.
                await broker.fully_started.wait()
            finally:
                ready.set()
            await trio.to_thread.run_sync(stop.wait, abandon_on_cancel=True)
            nursery.cancel_scope.cancel()

    def thread_main() -> None:
        try:
            trio.run(main)
        except BaseException as exc:  # reported to the test thread
            result["error"] = exc
            ready.set()

    thread = threading.Thread(target=thread_main, name="wirekafka-test-broker", daemon=True)
    thread.start()
    if not ready.wait(start_timeout) or "error" in result:
        stop.set()
        thread.join(10)
        raise RuntimeError(f"broker did not start: {result.get('error')!r}") from result.get("error")
    try:
        yield RunningBroker(broker, result["listeners"])
    finally:
        stop.set()
        thread.join(30)
        if thread.is_alive():
            raise RuntimeError("broker thread did not stop within 30 s")
        if "error" in result:
            raise RuntimeError("broker failed while running") from result["error"]
