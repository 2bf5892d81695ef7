"""The coordinators start after the listeners serve (as Kafka loads them in the background).

Meanwhile their APIs answer what a coordinator partition still loading answers
(COORDINATOR_LOAD_IN_PROGRESS), transactional produce is not trusted unverified, and once the
background components run everything is served as before.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import trio

from wirekafka.broker.assembly import (
    ComponentFactory,
    background_components,
    default_components,
    import_in_background,
)
from wirekafka.broker.broker import Broker
from wirekafka.broker.context import RequestContext
from wirekafka.broker.registry import REGISTRY
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.compiler import codec
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.framing import RequestHeader
from wirekafka.protocol.messages import REQUESTS, RESPONSES
from wirekafka.testing.broker import broker_test_config

E = ErrorCode


async def call(broker: Broker, api_key: ApiKey, version: int, **fields: Any) -> Any:
    """One request through the codec and the registered handler, as a connection runs it."""
    request_class, response_class = REQUESTS[api_key], RESPONSES[api_key]
    request = codec(request_class, version).decode(
        codec(request_class, version).encode(request_class(**fields))
    )
    ctx = RequestContext(RequestHeader(api_key, version, 1, "client"), broker, "127.0.0.1", 50000, "conn")
    registration = REGISTRY.lookup(api_key)
    assert registration is not None
    response = await registration.handler(ctx, request)
    return codec(response_class, version).decode(codec(response_class, version).encode(response))


async def test_coordinator_apis_answer_load_in_progress_until_the_background_start(tmp_path: Path) -> None:
    release = trio.Event()

    async def held_back() -> list[ComponentFactory]:
        await release.wait()
        return await background_components()

    broker = Broker(broker_test_config(tmp_path), background=held_back)
    async with trio.open_nursery() as nursery:
        await nursery.start(broker.run)
        assert broker.coordinators_loading and not broker.fully_started.is_set()
        heartbeat = await call(broker, ApiKey.HEARTBEAT, 4, group_id="g", generation_id=1, member_id="m")
        assert heartbeat.error_code == E.COORDINATOR_LOAD_IN_PROGRESS
        group = REQUESTS[ApiKey.OFFSET_FETCH].OffsetFetchRequestGroup(group_id="g", topics=None)
        fetched = await call(broker, ApiKey.OFFSET_FETCH, 9, groups=[group])
        assert fetched.groups[0].error_code == E.COORDINATOR_LOAD_IN_PROGRESS
        init = await call(
            broker, ApiKey.INIT_PRODUCER_ID, 4, transactional_id=None, transaction_timeout_ms=60000
        )
        assert init.error_code == E.COORDINATOR_LOAD_IN_PROGRESS
        verify = broker.replica_manager.transaction_verifier
        assert verify is not None and await verify("t", 1, 0, "topic", 0) == E.COORDINATOR_LOAD_IN_PROGRESS
        # FindCoordinator needs no coordinator: it answers as before (the topic is created first).
        found = await call(broker, ApiKey.FIND_COORDINATOR, 3, key="g", key_type=0)
        assert found.error_code in (E.NO_ERROR, E.COORDINATOR_NOT_AVAILABLE)

        release.set()
        await broker.fully_started.wait()
        assert not broker.coordinators_loading
        assert broker.replica_manager.transaction_verifier == broker.transaction_coordinator.verify_partition
        with trio.fail_after(10):
            while True:
                init = await call(
                    broker, ApiKey.INIT_PRODUCER_ID, 4, transactional_id=None, transaction_timeout_ms=60000
                )
                if init.error_code != E.COORDINATOR_LOAD_IN_PROGRESS:
                    break
                await trio.sleep(0.01)
        assert (init.error_code, init.producer_id >= 0) == (E.NO_ERROR, True)
        nursery.cancel_scope.cancel()


async def test_a_broker_without_coordinators_answers_not_available(tmp_path: Path) -> None:
    """``components`` alone replaces the default assembly: nothing loads, nothing is pending."""
    broker = Broker(broker_test_config(tmp_path), components=default_components())
    async with trio.open_nursery() as nursery:
        await nursery.start(broker.run)
        assert broker.fully_started.is_set() and not broker.coordinators_loading
        heartbeat = await call(broker, ApiKey.HEARTBEAT, 4, group_id="g", generation_id=1, member_id="m")
        assert heartbeat.error_code == E.COORDINATOR_NOT_AVAILABLE
        assert broker.replica_manager.transaction_verifier is None
        nursery.cancel_scope.cancel()


def test_serving_does_not_import_the_coordinators() -> None:
    """What runs before the first answer leaves the coordinators' modules to the background."""
    code = (
        "import sys\n"
        "import wirekafka.broker.broker\n"
        "from wirekafka.broker.assembly import default_components\n"
        "default_components()\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('wirekafka.coordinator.')"
        " and m != 'wirekafka.coordinator.group.partitioner' and m != 'wirekafka.coordinator.group')\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""


async def test_background_imports_leave_the_event_loop_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every module of the package is imported, none of them on the event loop's thread: a
    module that takes 300 ms to import holds up a ticking task no more than a few milliseconds."""
    package = tmp_path / "slowpkg"
    (package / "inner").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "inner" / "__init__.py").write_text("")
    (package / "inner" / "leaf.py").write_text("import threading\nTHREAD = threading.get_ident()\n")
    (package / "slow.py").write_text(
        "import threading, time\nTHREAD = threading.get_ident()\ntime.sleep(0.3)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("slowpkg", "slowpkg.inner", "slowpkg.inner.leaf", "slowpkg.slow"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    ticks = 0
    importing = True

    async def ticker() -> None:
        nonlocal ticks
        while importing:
            await trio.sleep(0.01)
            ticks += 1

    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(ticker)
            await import_in_background("slowpkg")
            importing = False
        loop_thread = threading.get_ident()
        assert sys.modules["slowpkg.slow"].THREAD != loop_thread
        assert sys.modules["slowpkg.inner.leaf"].THREAD != loop_thread
        assert ticks >= 10  # ~30 with the import on a thread, 0-1 had it held the loop
    finally:
        for name in ("slowpkg", "slowpkg.inner", "slowpkg.inner.leaf", "slowpkg.slow"):
            sys.modules.pop(name, None)
