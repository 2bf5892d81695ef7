"""Building kafka-python clients for the CLI, and turning their failures into one-line errors.

kafka-python is imported inside the functions: ``wirekafka serve`` and ``wirekafka --help``
never import it (about 0.1-0.3 s of import time), only the client commands do.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
from collections.abc import Iterator
from typing import Any

CLIENT_ID = "wirekafka-cli"


class ToolError(Exception):
    """A failure to report to the user as one line, without a traceback (exit status 1)."""


def quiet_client_logs(debug: bool = False) -> None:
    """kafka-python logs retries and reconnects as warnings; the CLI reports outcomes instead."""
    logging.getLogger("kafka").setLevel(logging.DEBUG if debug else logging.CRITICAL)
    if debug and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.DEBUG, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def common_config(bootstrap: str, connect_timeout: float) -> dict[str, Any]:
    """Configuration shared by the admin client, the producer and the consumer."""
    return {
        "bootstrap_servers": [server.strip() for server in bootstrap.split(",") if server.strip()],
        "client_id": CLIENT_ID,
        "bootstrap_timeout_ms": int(connect_timeout * 1000),
    }


def describe_error(exc: BaseException) -> str:
    """A short description of a kafka-python error, without the request dump some of them carry."""
    from kafka import errors

    if isinstance(exc, errors.BrokerResponseError):
        return f"{type(exc).__name__} ({exc.errno}): {exc.description}"
    if isinstance(exc, errors.KafkaTimeoutError):
        return f"timed out: {exc.args[0] if exc.args else 'no answer from the broker'}"
    return str(exc) or type(exc).__name__


def error_name(error_code: int, message: str | None = None) -> str:
    """``TopicAlreadyExistsError (36): Topic 't' already exists.`` for a response's error code."""
    from kafka import errors

    error = errors.for_code(error_code)
    detail = message or getattr(error, "description", None) or ""
    return f"{error.__name__} ({error_code})" + (f": {detail}" if detail else "")


@contextlib.contextmanager
def reported_errors(action: str) -> Iterator[None]:
    """Turn kafka-python's exceptions raised in the block into a ``ToolError`` naming ``action``."""
    from kafka import errors

    try:
        yield
    except errors.KafkaError as exc:
        raise ToolError(f"{action} failed: {describe_error(exc)}") from exc
    except OSError as exc:
        raise ToolError(f"{action} failed: {exc}") from exc


@contextlib.contextmanager
def admin_client(bootstrap: str, connect_timeout: float) -> Iterator[Any]:
    """A connected ``KafkaAdminClient``, closed on exit.

    Raises:
        ToolError: no broker answered within ``connect_timeout`` seconds.
    """
    from kafka.admin import KafkaAdminClient

    with reported_errors(f"connecting to {bootstrap}"):
        client = KafkaAdminClient(**common_config(bootstrap, connect_timeout))
    try:
        yield client
    finally:
        client.close()


def advertised_api_keys(bootstrap: str, timeout: float) -> set[int] | None:
    """The API keys the first reachable bootstrap broker advertises, or None if none answered.

    One ApiVersions v0 request over a plain socket (the one layout every broker since 0.10
    answers, and the only one whose response a client may read before knowing versions). Used
    to choose features the broker may lack, e.g. the idempotent producer (InitProducerId, 22),
    without relying on kafka-python's internals.
    """
    request = struct.pack(">hhih", 18, 0, 1, len(CLIENT_ID)) + CLIENT_ID.encode()
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            with socket.create_connection(
                (host.strip("[]") or "localhost", int(port)), timeout=timeout
            ) as sock:
                sock.sendall(struct.pack(">i", len(request)) + request)
                size = struct.unpack(">i", _receive(sock, 4))[0]
                frame = _receive(sock, size)
        except (OSError, ValueError, struct.error):
            continue
        correlation_id, error_code, count = struct.unpack_from(">ihi", frame, 0)
        if correlation_id != 1 or error_code != 0 or len(frame) < 10 + 6 * count:
            continue
        return {struct.unpack_from(">h", frame, 10 + 6 * i)[0] for i in range(count)}
    return None


def _receive(sock: socket.socket, count: int) -> bytes:
    data = bytearray()
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    return bytes(data)
