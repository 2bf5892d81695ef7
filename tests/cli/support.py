"""What the broker advertises, to skip CLI tests whose APIs are not served yet, and a runner.

``advertised_api_keys()`` starts a broker with the test configuration once per session and
reads its ApiVersions response over a real socket with wirekafka's codec, so a test marked
``requires(...)`` runs as soon as the handler it needs is registered, with no edit here.
"""

from __future__ import annotations

import functools
import socket
import struct
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from wirekafka.cli import main
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.framing import RequestHeader, decode_response, encode_request
from wirekafka.protocol.messages import by_name
from wirekafka.testing.broker import RunningBroker, running_broker

GROUP_APIS = (
    ApiKey.FIND_COORDINATOR,
    ApiKey.JOIN_GROUP,
    ApiKey.SYNC_GROUP,
    ApiKey.HEARTBEAT,
    ApiKey.LEAVE_GROUP,
    ApiKey.OFFSET_COMMIT,
    ApiKey.OFFSET_FETCH,
)
ADMIN_GROUP_APIS = (ApiKey.LIST_GROUPS, ApiKey.DESCRIBE_GROUPS, ApiKey.DELETE_GROUPS)
TOPIC_APIS = (ApiKey.METADATA, ApiKey.CREATE_TOPICS, ApiKey.DELETE_TOPICS, ApiKey.DESCRIBE_CONFIGS)
PRODUCE_FETCH_APIS = (ApiKey.METADATA, ApiKey.PRODUCE, ApiKey.FETCH, ApiKey.LIST_OFFSETS)


def _read_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed by the broker")
        data += chunk
    return data


@functools.cache
def advertised_api_keys() -> frozenset[int]:
    """API keys in the ApiVersions (v3) answer of a freshly started test broker."""
    request = by_name("ApiVersionsRequest")(client_software_name="tests", client_software_version="0")
    frame = encode_request(RequestHeader(ApiKey.API_VERSIONS, 3, 7, "tests"), request)
    with tempfile.TemporaryDirectory() as data, running_broker(Path(data)) as broker:
        with socket.create_connection(("127.0.0.1", broker.port), timeout=10) as sock:
            sock.sendall(frame)
            (size,) = struct.unpack(">i", _read_exactly(sock, 4))
            _, response = decode_response(ApiKey.API_VERSIONS, 3, _read_exactly(sock, size))
    return frozenset(entry.api_key for entry in response.api_keys)


def requires(*api_keys: ApiKey) -> pytest.MarkDecorator:
    """Skip unless the broker advertises every one of ``api_keys`` (evaluated at collection)."""
    missing = sorted(ApiKey(key).name for key in set(api_keys) - advertised_api_keys())
    return pytest.mark.skipif(bool(missing), reason=f"the broker does not advertise {', '.join(missing)} yet")


def run(broker: RunningBroker, *args: str, input: bytes | str | None = None) -> Result:
    """``wirekafka ARGS --bootstrap <broker>`` in-process; stdout and stderr kept apart."""
    return CliRunner().invoke(main, [*args, "--bootstrap", broker.bootstrap], input=input)
