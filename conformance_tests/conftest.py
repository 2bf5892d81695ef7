"""Fixtures and options of the portable conformance suite.

`pytest conformance_tests --bootstrap HOST:PORT` tests any broker; with no address the suite starts a
broker itself (`--broker wirekafka`, the default, or `--broker tansu --tansu-bin PATH`) and stops it
at the end. Every case gets a wall-clock limit (SIGALRM; `@pytest.mark.timeout_s(N)` to change it), a
check that the broker advertises the APIs it needs (`@pytest.mark.needs_api("Name", min_version)`,
failing as "unsupported: ..." otherwise) and uniquely named topics and groups.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from conformance_tests import brokers, wire
from conformance_tests.clients import ALL_CLIENTS, ClientAdapter, ClientUnavailable, make_client
from conformance_tests.helpers import CaseTimeout, require_api, unique, wait_for_topic
from conformance_tests.report import ConformanceReport

DEFAULT_CASE_TIMEOUT_S = 60


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Kafka conformance suite")
    group.addoption("--bootstrap", default=None, help="HOST:PORT of the broker under test (default: start one)")
    group.addoption("--broker", default="wirekafka", choices=["wirekafka", "tansu"],
                    help="broker to start when --bootstrap is not given (default: wirekafka)")
    group.addoption("--tansu-bin", default=None, help=f"tansu binary for --broker tansu (or ${brokers.TANSU_ENV})")
    group.addoption("--broker-label", default=None, help="name of the broker in the report")
    group.addoption("--report-dir", default=".", help="where conformance-report.md/.json go (default: cwd)")
    group.addoption("--clients", default=",".join(ALL_CLIENTS),
                    help="comma-separated clients to run (raw-socket cases always run)")
    group.addoption("--case-timeout", type=int, default=DEFAULT_CASE_TIMEOUT_S,
                    help="default wall-clock limit per case in seconds")


def pytest_configure(config: pytest.Config) -> None:
    for line in (
        "family(name): report family of a case (default: the module name without test_)",
        "client(name): client a non-parametrized case uses (default: raw)",
        "needs_api(name, min_version=0, max_version=None): fail as unsupported unless advertised",
        "timeout_s(seconds): wall-clock limit of the case",
    ):
        config.addinivalue_line("markers", line)
    # kafka-python 3 loads its schemas with deprecated importlib calls; that noise hides real output.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning")
    label = config.getoption("--broker-label")
    if label is None:
        bootstrap = config.getoption("--bootstrap")
        label = bootstrap if bootstrap else _started_label(config)
    plugin = ConformanceReport(Path(config.getoption("--report-dir")).resolve(), label)
    config.pluginmanager.register(plugin, "conformance-report")


def _started_label(config: pytest.Config) -> str:
    kind = config.getoption("--broker")
    if kind == "tansu":
        binary = brokers.find_tansu(config.getoption("--tansu-bin"))
        if binary is not None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                version = subprocess.run([str(binary), "--version"], capture_output=True, timeout=10, check=False)
                return version.stdout.decode().strip() + " (memory storage, started by the suite)"
    return f"{kind} (started by the suite)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = {c.strip() for c in config.getoption("--clients").split(",") if c.strip()}
    keep, drop = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        marker = item.get_closest_marker("client")
        used = {v for v in params.values() if isinstance(v, str) and v in ALL_CLIENTS}
        if marker:
            used.add(marker.args[0])
        (keep if used <= wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# ------------------------------------------------------------------------------------------ broker


@pytest.fixture(scope="session")
def bootstrap(request: pytest.FixtureRequest) -> Iterator[str]:
    """HOST:PORT of the broker under test; started (and always stopped) here when not given."""
    config = request.config
    report: ConformanceReport = config.pluginmanager.get_plugin("conformance-report")
    given = config.getoption("--bootstrap")
    if given:
        report.bootstrap = given
        brokers.wait_until_ready(given, timeout=30)
        yield given
        return
    kind = config.getoption("--broker")
    with tempfile.TemporaryDirectory(prefix=f"conformance-{kind}-") as tmp:
        try:
            process = brokers.started(kind, tansu_binary=config.getoption("--tansu-bin"), workdir=Path(tmp))
            broker = process.__enter__()
        except brokers.BrokerStartError as exc:
            pytest.fail(f"could not start {kind}: {exc}", pytrace=False)
        try:
            report.bootstrap = broker.bootstrap
            yield broker.bootstrap
        finally:
            process.__exit__(None, None, None)


@pytest.fixture(scope="session")
def api_versions(bootstrap: str) -> dict[int, tuple[int, int]]:
    """The broker's advertised (min, max) version per api key."""
    return wire.fetch_api_versions(bootstrap)


@pytest.fixture(scope="session", autouse=True)
def _record_advertised(request: pytest.FixtureRequest) -> None:
    """Put the advertised API ranges into the report header (best effort: no broker, no table)."""
    report: ConformanceReport = request.config.pluginmanager.get_plugin("conformance-report")
    with contextlib.suppress(Exception):
        report.advertised_apis = request.getfixturevalue("api_versions")


@pytest.fixture(autouse=True)
def _case_guard(request: pytest.FixtureRequest) -> Iterator[None]:
    """Bound every case in time (SIGALRM) and check its needs_api markers before it runs."""
    marker = request.node.get_closest_marker("timeout_s")
    seconds = int(marker.args[0]) if marker else int(request.config.getoption("--case-timeout"))

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise CaseTimeout(f"case exceeded its {seconds}s time limit")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        needs = list(request.node.iter_markers("needs_api"))
        if needs:
            apis = request.getfixturevalue("api_versions")
            for m in needs:
                require_api(apis, *m.args, **m.kwargs)
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ------------------------------------------------------------------------------------ names, topics


@pytest.fixture(scope="session")
def _admin(bootstrap: str) -> Iterator[Any]:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000,
                             client_id="conformance-setup")
    yield admin
    admin.close()


@pytest.fixture(scope="session")
def _created_topics(_admin: Any) -> Iterator[list[str]]:
    """Topics the suite created; deleted at session end (best effort) to leave the broker tidy."""
    created: list[str] = []
    yield created
    for start in range(0, len(created), 50):
        with contextlib.suppress(Exception):
            _admin.delete_topics(created[start : start + 50], timeout_ms=10000, raise_errors=False)


TopicFactory = Callable[..., str]


@pytest.fixture
def new_topic(bootstrap: str, _admin: Any, _created_topics: list[str]) -> TopicFactory:
    """Create a uniquely named topic: new_topic(partitions=1, configs=None, prefix="t") -> name."""

    def create(partitions: int = 1, configs: dict[str, str] | None = None, prefix: str = "t") -> str:
        name = unique(prefix)
        spec: dict[str, Any] = {"num_partitions": partitions, "replication_factor": 1}
        if configs:
            spec["configs"] = configs
        _admin.create_topics({name: spec}, timeout_ms=10000)
        _created_topics.append(name)
        wait_for_topic(bootstrap, name, partitions)
        return name

    return create


# ------------------------------------------------------------------------------------------ clients


@pytest.fixture
def client(request: pytest.FixtureRequest, bootstrap: str) -> Iterator[ClientAdapter]:
    """The client adapter named by the `client` parameter; skipped when it is not installed."""
    try:
        adapter = make_client(request.param, bootstrap)
    except ClientUnavailable as exc:
        pytest.skip(str(exc))
    yield adapter
    adapter.close()
