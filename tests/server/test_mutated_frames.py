"""Mutated request frames, and well-formed requests full of random values, against a running
broker: each is answered, refused or ends its own connection, and nothing else happens.

Every request the broker serves, at every version it advertises, is encoded and then broken the
ways a bad client or a bad network breaks frames: bytes flipped, cut short (with and without the
size prefix telling the truth), bytes inserted, absurd declared sizes, plain garbage. After each
case the same connection is asked for ApiVersions and half-closed: the broker must answer it or
close the connection, never sit on it. Every few cases a fresh connection must be answered (one
bad connection must not hold up others), and at the end no ERROR was logged (an unexpected
exception anywhere is logged as one) and the partition the produce frames aim at still holds the
batch written before, byte for byte, followed only by whole valid batches.

The random values come from the codec tests' Hypothesis strategies: every declared request at
every declared version, its fields drawn within their types (nulls where the version allows them,
any int32, any string). Such requests reach the handlers, where a mutated frame rarely gets past
the decoder. Longer runs of the mutations (``WIREKAFKA_FUZZ_CASES=5000``, several seeds) found two
Metadata bugs, each now pinned by its own test in ``tests/admin/test_metadata_versions.py``.

Seeded: a failure names its case and replays with ``WIREKAFKA_FUZZ_SEED``; ``WIREKAFKA_FUZZ_CASES``
runs more of them (CI runs the default).
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
import struct
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.produce_fetch.wire import Wire, create_topic, fetch_request, produce_request
from tests.protocol.strategies import message_value
from tests.replication.helpers import client_batch
from wirekafka.protocol import framing
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.messages import REQUESTS, by_name
from wirekafka.records.batch import LOG_OVERHEAD, validate_batches
from wirekafka.testing.broker import RunningBroker, running_broker

SEED = int(os.environ.get("WIREKAFKA_FUZZ_SEED", "20261126"))
CASES = int(os.environ.get("WIREKAFKA_FUZZ_CASES", "2000"))
TOPIC = "fuzzed"
SENTINEL_CORRELATION_ID = 0x5EED
HEALTH_CHECK_EVERY = 25
CASE_DEADLINE_S = 2.0

ApiVersionsRequest = by_name("ApiVersionsRequest")


class _ErrorRecords(logging.Handler):
    """Keeps every ERROR (or worse) the broker logs, from any of its threads."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def described(records: list[logging.LogRecord]) -> str:
    """The first records with their tracebacks, for an assertion message."""
    formatter = logging.Formatter("%(name)s: %(message)s")
    return "\n".join(formatter.format(record) for record in records[:3])


@contextlib.contextmanager
def broker_errors() -> Iterator[list[logging.LogRecord]]:
    """The ERROR records the broker logs while the block runs."""
    handler = _ErrorRecords()
    broker_logger = logging.getLogger("wirekafka")
    broker_logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        broker_logger.removeHandler(handler)


@pytest.fixture
def logged_errors() -> Iterator[list[logging.LogRecord]]:
    with broker_errors() as records:
        yield records


def advertised_versions(wire: Wire) -> dict[int, range]:
    response = wire.call(ApiKey.API_VERSIONS, 3, ApiVersionsRequest())
    return {k.api_key: range(k.min_version, k.max_version + 1) for k in response.api_keys}


def sample_frames(versions: dict[int, range], rng: random.Random) -> list[bytes]:
    """A valid frame of every served request at every advertised version: library defaults, and
    for Produce, Fetch and Metadata bodies that reach the fuzzed partition."""
    bodies: dict[int, Callable[[int], Any]] = {
        ApiKey.PRODUCE: lambda v: produce_request(TOPIC, 0, client_batch([b"fuzz"] * 3)),
        ApiKey.FETCH: lambda v: fetch_request(TOPIC, 0, 0, max_wait_ms=0),
        ApiKey.METADATA: lambda v: REQUESTS[ApiKey.METADATA](
            topics=[REQUESTS[ApiKey.METADATA].MetadataRequestTopic(name=TOPIC)]
        ),
    }
    frames = []
    for api_key, served in sorted(versions.items()):
        for version in served:
            body = bodies.get(api_key, lambda v, key=api_key: REQUESTS[key]())(version)
            header = framing.RequestHeader(api_key, version, rng.randrange(1 << 30), "fuzz")
            frames.append(framing.encode_request(header, body))
    return frames


def mutate(frame: bytes, rng: random.Random) -> bytes:
    data = bytearray(frame)
    kind = rng.randrange(6)
    if kind == 0:  # flip bytes of the header and body
        for _ in range(rng.randrange(1, 8)):
            data[rng.randrange(4, len(data))] = rng.randrange(256)
    elif kind == 1:  # cut short, the size prefix still promising the rest
        return bytes(data[: rng.randrange(4, len(data) + 1)])
    elif kind == 2:  # cut short, the size prefix telling the truth
        data = data[: rng.randrange(4, len(data) + 1)]
        data[:4] = struct.pack(">i", len(data) - 4)
    elif kind == 3:  # garbage with a plausible size
        size = rng.randrange(0, 200)
        data = bytearray(struct.pack(">i", size) + rng.randbytes(size))
    elif kind == 4:  # an absurd size: too large, negative, zero
        data[:4] = struct.pack(">i", rng.choice([2**31 - 1, -1, -(2**31), 104_857_601, 0]))
    else:  # bytes inserted, the size prefix adjusted
        at = rng.randrange(4, len(data) + 1)
        data[at:at] = rng.randbytes(rng.randrange(1, 20))
        data[:4] = struct.pack(">i", len(data) - 4)
    return bytes(data)


def sentinel() -> bytes:
    header = framing.RequestHeader(ApiKey.API_VERSIONS, 0, SENTINEL_CORRELATION_ID, "fuzz")
    return framing.encode_request(header, ApiVersionsRequest())


def run_case(port: int, frames: list[bytes]) -> str:
    """Send ``frames`` and the sentinel, half-close, and read: "answered" (the sentinel's answer
    came back), "closed" (the broker ended the connection) or "pending" (neither within the
    deadline: a long poll asked for by a mutated Fetch)."""
    with socket.create_connection(("127.0.0.1", port), timeout=CASE_DEADLINE_S) as sock:
        try:
            for frame in frames:
                sock.sendall(frame)
            sock.sendall(sentinel())
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            return "closed"  # the broker closed while we were still writing
        received = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    return "closed"
                received += chunk
                while len(received) >= 8:
                    (size,) = struct.unpack_from(">i", received)
                    if len(received) < 4 + size:
                        break
                    (correlation_id,) = struct.unpack_from(">i", received, 4)
                    if correlation_id == SENTINEL_CORRELATION_ID:
                        return "answered"
                    received = received[4 + size :]
        except ConnectionResetError:
            return "closed"
        except TimeoutError:
            return "pending"


def assert_answers(broker: RunningBroker, after: str) -> None:
    with Wire(broker.port, timeout=30) as wire:
        response = wire.call(ApiKey.API_VERSIONS, 3, ApiVersionsRequest())
    assert response.error_code == 0, f"ApiVersions on a fresh connection failed {after}"


def test_mutated_frames_are_refused_and_change_nothing(
    tmp_path: Any, logged_errors: list[logging.LogRecord]
) -> None:
    rng = random.Random(SEED)
    with running_broker(tmp_path / "data") as broker:
        with Wire(broker.port) as wire:
            create_topic(wire, TOPIC, 1)
            original = client_batch([b"before the fuzzing"])
            wire.call(ApiKey.PRODUCE, 9, produce_request(TOPIC, 0, original))
            versions = advertised_versions(wire)
            samples = sample_frames(versions, rng)
        assert len(samples) == sum(len(served) for served in versions.values()) > 200

        outcomes: dict[str, int] = {"answered": 0, "closed": 0, "pending": 0}
        for case in range(CASES):
            # Some frames stay intact, so that cases also get past their first frame.
            picked = [rng.choice(samples) for _ in range(rng.randrange(1, 4))]
            frames = [mutate(frame, rng) if rng.random() < 0.7 else frame for frame in picked]
            outcomes[run_case(broker.port, frames)] += 1
            if case % HEALTH_CHECK_EVERY == HEALTH_CHECK_EVERY - 1:
                assert_answers(broker, f"after case {case} (seed {SEED})")
        assert_answers(broker, f"after all {CASES} cases (seed {SEED})")

        with Wire(broker.port) as wire:
            fetched = wire.call(ApiKey.FETCH, 11, fetch_request(TOPIC, 0, 0, max_wait_ms=0))
        stored = bytes(fetched.responses[0].partitions[0].records or b"")

    assert not logged_errors, described(logged_errors)
    # Kafka closes a connection on any frame it cannot parse; most mutations are such frames.
    assert outcomes["answered"] > CASES // 20 and outcomes["closed"] > CASES // 2, outcomes
    headers = validate_batches(stored, from_client=False)  # whole batches, every CRC valid
    assert headers[0].base_offset == 0 and headers[0].records_count == 1
    first = stored[: LOG_OVERHEAD + headers[0].batch_length]
    # As sent, but for what the broker patches: the base offset and the partition leader epoch.
    assert len(first) == len(original) and first[8:12] + first[16:] == original[8:12] + original[16:]


# -- well-formed requests, random values -----------------------------------------------------------

DECLARED = [
    (api_key, version) for api_key, cls in sorted(REQUESTS.items()) for version in cls.schema.versions
]


@pytest.fixture(scope="module")
def plain_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBroker]:
    """Without auto-creation: random Metadata requests would otherwise create a topic per name."""
    with running_broker(tmp_path_factory.mktemp("data"), {"auto.create.topics.enable": "false"}) as running:
        yield running


@pytest.fixture(scope="module")
def module_errors() -> Iterator[list[logging.LogRecord]]:
    with broker_errors() as records:
        yield records


@pytest.mark.parametrize(("api_key", "version"), DECLARED, ids=[f"{k}-v{v}" for k, v in DECLARED])
@settings(
    max_examples=5,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_random_well_formed_requests_are_answered_without_errors(
    plain_broker: RunningBroker,
    module_errors: list[logging.LogRecord],
    api_key: int,
    version: int,
    data: st.DataObject,
) -> None:
    """Any value the version can carry gets an answer or, as Kafka does for what it cannot
    serve, a closed connection; never an unexpected exception. CreateTopics and CreatePartitions
    only validate (random counts of up to 10,000 partitions would fill the disk)."""
    value = data.draw(message_value(REQUESTS[api_key], version))
    if api_key in (ApiKey.CREATE_TOPICS, ApiKey.CREATE_PARTITIONS):
        if api_key == ApiKey.CREATE_TOPICS and version == 0:
            return  # v0 cannot ask for validation only
        value.validate_only = True
    frame = framing.encode_request(framing.RequestHeader(api_key, version, 7, "fuzz"), value)
    outcome = run_case(plain_broker.port, [frame])
    assert not module_errors, described(module_errors)
    assert outcome in ("answered", "closed", "pending")
