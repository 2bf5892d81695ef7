"""Helpers the cases import: names, client parametrization, API requirements, waiting on metadata."""

from __future__ import annotations

import contextlib
import time
import uuid

import pytest

from conformance_tests import wire
from conformance_tests.clients import ALL_CLIENTS, ClientUnavailable, make_client
from conformance_tests.report import UNSUPPORTED_PREFIX


def unique(prefix: str) -> str:
    """A topic/group/transactional id no other case (or earlier run) uses."""
    return f"cf-{prefix}-{uuid.uuid4().hex[:12]}"


def wait_for_topic(bootstrap: str, topic: str, partitions: int, timeout: float = 10.0) -> None:
    """Wait until Metadata shows every partition of `topic` with a leader."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError, wire.ConnectionClosed):
            with wire.Connection.to(bootstrap, timeout=5) as conn:
                meta = wire.metadata(conn, 1, [topic])
            t = meta.topics.get(topic)
            if t is not None and t.error_code == 0 and len(t.partitions) == partitions \
                    and all(p.leader >= 0 for p in t.partitions):
                return
            last = f"error {t.error_code}, {len(t.partitions)} partitions" if t else "topic missing"
        time.sleep(0.1)
    raise AssertionError(f"topic {topic} not ready with {partitions} partitions after {timeout}s ({last})")


def unsupported(message: str) -> None:
    """Fail the case as "unsupported" (the report shows it apart from plain failures)."""
    pytest.fail(f"{UNSUPPORTED_PREFIX} {message}", pytrace=False)


def require_api(apis: dict[int, tuple[int, int]], name: str, min_version: int = 0,
                max_version: int | None = None) -> None:
    """Fail as unsupported unless api `name` is advertised with a version in [min, max]."""
    key = wire.API_KEYS[name]
    if key not in apis:
        unsupported(f"API {name} ({key}) not advertised")
    low, high = apis[key]
    top = high if max_version is None else max_version
    if high < min_version or low > top:
        unsupported(f"API {name} ({key}) advertised v{low}-v{high}, case needs v{min_version}+")


class CaseTimeout(Exception):
    """The case ran past its wall-clock limit."""


def each_client(*names: str) -> pytest.MarkDecorator:
    """Parametrize a case over clients (all of them by default) through the `client` fixture."""
    return pytest.mark.parametrize("client", list(names or ALL_CLIENTS), indirect=True)


def need_client(name: str) -> None:
    """Skip the case when client `name` is not installed (for cases that use a library directly)."""
    try:
        make_client(name, "127.0.0.1:0")
    except ClientUnavailable as exc:
        pytest.skip(str(exc))


def client_matrix(values: list[object], name: str, supported: object = None) -> pytest.MarkDecorator:
    """Parametrize over (client, value) pairs, keeping only combinations the client can express.

    `supported(client_name, value) -> bool` drops pairs a client library cannot do at all (kafkajs
    has no zstd codec); those are not cases, so they are neither skipped nor failed.
    """
    pairs = [
        pytest.param(c, v, id=f"{c}-{v}")
        for c in ALL_CLIENTS for v in values
        if supported is None or supported(c, v)  # type: ignore[operator]
    ]
    return pytest.mark.parametrize(("client", name), pairs, indirect=["client"])
