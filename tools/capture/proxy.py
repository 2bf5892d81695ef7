"""A recording TCP proxy for the Kafka protocol (dev tool, asyncio in a background thread).

Clients connect to the proxy; each connection gets its own upstream connection to the broker.
Frames (int32 size prefix + payload) are forwarded one by one and recorded: requests are tagged
with api_key / api_version / correlation_id from their header and each response is paired with
its request by correlation id on the same connection. Bytes pass unchanged unless a shim is
switched on (``RecordingProxy.shims``, see ``shims.py``); recordings are always the original bytes.

Broker addresses in responses are not rewritten, so the broker must advertise the proxy's address
(tansu: ``--advertised-listener-url``); ``check_advertised`` verifies from the recorded Metadata,
FindCoordinator and DescribeCluster responses that no client was sent elsewhere.

Usage from Python::

    proxy = RecordingProxy(("127.0.0.1", 0), ("127.0.0.1", broker_port))
    port = proxy.start()          # background thread; returns the bound port
    proxy.step = "produce gzip"   # label stored with every request that arrives from now on
    ...
    exchanges = proxy.drain()     # everything recorded so far, in arrival order
    proxy.stop()
"""

from __future__ import annotations

import asyncio
import itertools
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from tools.capture import shims, wire

MAX_FRAME = 64 * 1024 * 1024


@dataclass(slots=True)
class Exchange:
    """One request frame as the client sent it, and the broker's response frame if any."""

    sequence: int  # arrival order over the whole proxy
    connection: int
    step: str
    api_key: int
    api_version: int
    correlation_id: int
    header_version: int | None  # None: API key unknown to ``wire.API_TABLE``
    request: bytes  # payload without the size prefix, as the client sent it
    response: bytes | None = None  # as the broker sent it; None for acks=0 / no answer
    forwarded_version: int | None = None  # set when a shim forwarded another version

    @property
    def api_name(self) -> str:
        return wire.api_name(self.api_key)


@dataclass(slots=True)
class _Connection:
    number: int
    pending: dict[int, Exchange] = field(default_factory=dict)


class RecordingProxy:
    """Forward Kafka frames between clients and one broker, recording every exchange."""

    def __init__(self, listen: tuple[str, int], upstream: tuple[str, int]) -> None:
        self.listen = listen
        self.upstream = upstream
        self.step = ""
        self.shims: frozenset[str] = frozenset()  # names from tools.capture.shims.KNOWN
        self.errors: list[str] = []
        self._exchanges: list[Exchange] = []
        self._lock = threading.Lock()
        self._sequence = itertools.count()
        self._connections = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.base_events.Server | None = None
        self._ready = threading.Event()
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> int:
        """Start serving in a daemon thread.

        Returns:
            The port the proxy listens on (useful when ``listen`` asked for port 0).
        """
        self._thread = threading.Thread(target=self._run, name="recording-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("proxy did not start")
        return self.port

    def stop(self) -> None:
        loop = self._loop
        if loop is None or self._thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._server = loop.run_until_complete(
            asyncio.start_server(self._serve, self.listen[0], self.listen[1])
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    # -- recording -------------------------------------------------------------------------

    def drain(self) -> list[Exchange]:
        """Return every exchange recorded since the last drain, in arrival order."""
        with self._lock:
            taken, self._exchanges = self._exchanges, []
        return sorted(taken, key=lambda exchange: exchange.sequence)

    def _record_request(self, connection: _Connection, payload: bytes) -> bytes:
        if len(payload) < 8:
            self.errors.append(f"conn {connection.number}: {len(payload)}-byte request frame")
            return payload
        api_key, api_version, correlation_id = struct.unpack_from(">hhi", payload)
        try:
            header_version: int | None = wire.request_header_version(api_key, api_version)
        except KeyError:
            header_version = None
        exchange = Exchange(
            sequence=next(self._sequence),
            connection=connection.number,
            step=self.step,
            api_key=api_key,
            api_version=api_version,
            correlation_id=correlation_id,
            header_version=header_version,
            request=payload,
        )
        with self._lock:
            self._exchanges.append(exchange)
        connection.pending[correlation_id] = exchange  # acks=0 Produce stays pending: no response
        if "init-producer-id-v3" in self.shims and api_key == 22 and api_version <= 1:
            try:
                upgraded = shims.init_producer_id_request_v3(payload)
            except (ValueError, KeyError) as error:
                self.errors.append(f"conn {connection.number}: init-producer-id-v3 shim: {error}")
                return payload
            exchange.forwarded_version = 3
            return upgraded
        return payload

    def _record_response(self, connection: _Connection, payload: bytes) -> bytes:
        correlation_id = struct.unpack_from(">i", payload)[0] if len(payload) >= 4 else None
        exchange = connection.pending.pop(correlation_id, None) if correlation_id is not None else None
        if exchange is None:
            self.errors.append(f"conn {connection.number}: response for unknown correlation id {correlation_id}")
            return payload
        exchange.response = payload
        try:
            if exchange.forwarded_version is not None and exchange.api_key == 22:
                return shims.init_producer_id_response_v0(payload)
        except ValueError as error:
            self.errors.append(f"conn {connection.number}: init-producer-id-v3 shim: {error}")
        if "api-versions-tags" in self.shims and exchange.api_key == 18 and exchange.api_version >= 3:
            return shims.strip_api_versions_tags(payload)
        return payload

    # -- forwarding ------------------------------------------------------------------------

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        connection = _Connection(next(self._connections))
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError as error:
            self.errors.append(f"conn {connection.number}: upstream connect failed: {error}")
            client_writer.close()
            return
        requests = asyncio.create_task(
            self._pump(client_reader, upstream_writer, lambda p: self._record_request(connection, p))
        )
        responses = asyncio.create_task(
            self._pump(upstream_reader, client_writer, lambda p: self._record_response(connection, p))
        )
        await asyncio.wait({requests, responses}, return_when=asyncio.FIRST_COMPLETED)
        for task in (requests, responses):
            task.cancel()
        for writer in (client_writer, upstream_writer):
            writer.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, handle: Callable[[bytes], bytes]) -> None:
        try:
            while True:
                prefix = await reader.readexactly(4)
                (size,) = struct.unpack(">i", prefix)
                if not 0 <= size <= MAX_FRAME:
                    self.errors.append(f"bad frame size {size}")
                    return
                payload = await reader.readexactly(size)
                forwarded = handle(payload)
                if forwarded is not payload:
                    prefix = struct.pack(">i", len(forwarded))
                writer.write(prefix + forwarded)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return


def advertised_addresses(exchange: Exchange) -> Iterator[tuple[str, int]]:
    """Broker addresses a response told the client to connect to (Metadata, FindCoordinator,
    DescribeCluster), decoded with kafka-python's protocol classes.

    Raises:
        Exception: whatever kafka-python raises on a response it cannot decode.
    """
    if exchange.response is None:
        return
    if exchange.api_key == 3:
        from kafka.protocol.metadata.metadata import MetadataResponse

        metadata = MetadataResponse.decode(exchange.response, version=exchange.api_version, header=True)
        for broker in metadata.brokers:
            yield broker.host, broker.port
    elif exchange.api_key == 10:
        from kafka.protocol.metadata.find_coordinator import FindCoordinatorResponse

        found = FindCoordinatorResponse.decode(exchange.response, version=exchange.api_version, header=True)
        if exchange.api_version < 4:
            if found.error_code == 0:
                yield found.host, found.port
        else:
            for coordinator in found.coordinators:
                if coordinator.error_code == 0:
                    yield coordinator.host, coordinator.port
    elif exchange.api_key == 60:
        from kafka.protocol.admin.cluster import DescribeClusterResponse

        cluster = DescribeClusterResponse.decode(exchange.response, version=exchange.api_version, header=True)
        for broker in cluster.brokers:
            yield broker.host, broker.port


def check_advertised(exchanges: list[Exchange], proxy_address: tuple[str, int]) -> list[str]:
    """Problems found: any advertised address other than the proxy's, or undecodable responses.

    An empty list means every address a client learnt from the broker was the proxy itself, so
    no connection could have bypassed it (bootstrap addresses are the proxy's too).
    """
    problems: list[str] = []
    for exchange in exchanges:
        if exchange.api_key not in (3, 10, 60) or exchange.response is None:
            continue
        try:
            for host, port in advertised_addresses(exchange):
                if (host, port) != proxy_address:
                    problems.append(f"{exchange.api_name} v{exchange.api_version} advertised {host}:{port}")
        except Exception as error:  # a decode failure is reported, not fatal
            problems.append(f"cannot decode {exchange.api_name} v{exchange.api_version} response: {error!r}")
    return problems
