"""A broker node: configuration, listeners, the current metadata image and the subsystems.

``Broker.run()`` is the one long-lived task: it starts the components from ``assembly.py`` in
order (metadata, storage/replication), then the listeners, reports the bound address through
``task_status``, starts the coordinators in the background (as Kafka loads them after its socket
server accepts requests) and serves until cancelled. Handlers reach everything through
``ctx.broker``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import trio

from wirekafka.broker import handlers  # noqa: F401  (registers every handler)
from wirekafka.broker.assembly import (
    BackgroundLoader,
    ComponentFactory,
    background_components,
    default_components,
)
from wirekafka.broker.encoded_answers import EncodedAnswers
from wirekafka.broker.registry import REGISTRY, HandlerRegistry
from wirekafka.config import BrokerConfig, ConfigError
from wirekafka.metadata.image import BrokerImage, MetadataImage
from wirekafka.protocol.errors import ErrorCode
from wirekafka.server.connection import serve_connection

logger = logging.getLogger("wirekafka.broker")


async def _verify_while_coordinators_load(
    transactional_id: str, producer_id: int, producer_epoch: int, topic: str, partition: int
) -> ErrorCode:
    """The replica manager's KIP-890 verifier until the transaction coordinator runs.

    What the coordinator itself answers for a partition that is still loading; the produce path
    turns it into NOT_ENOUGH_REPLICAS, which producers retry, instead of trusting a transactional
    batch unverified.
    """
    return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS


@dataclass(frozen=True, slots=True)
class Listener:
    """One ``listeners`` entry: ``NAME://host:port``."""

    name: str
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> Listener:
        try:
            name, address = text.split("://", 1)
            host, port = address.rsplit(":", 1)
            return cls(name.strip(), host.strip("[]"), int(port))
        except ValueError as exc:
            raise ConfigError("listeners", f"{text!r} is not NAME://host:port") from exc

    def __str__(self) -> str:
        return f"{self.name}://{self.host}:{self.port}"


class Broker:
    """One node. Construct, then ``await nursery.start(broker.run)``; cancel to stop."""

    def __init__(
        self,
        config: BrokerConfig,
        *,
        components: list[ComponentFactory] | None = None,
        background: BackgroundLoader | None = None,
        registry: HandlerRegistry = REGISTRY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``components`` replaces the default components started before the listeners; with it,
        nothing starts in the background unless ``background`` is given too."""
        self.config = config
        self.node_id = config.node_id
        self.registry = registry
        self._clock = clock
        self._background: BackgroundLoader | None
        if components is None:
            self._factories = default_components()
            self._background = background_components if background is None else background
        else:
            self._factories = components
            self._background = background
        self.coordinators_loading = self._background is not None
        """True until the background components (the coordinators) have started: meanwhile the
        coordinator APIs answer COORDINATOR_LOAD_IN_PROGRESS, as for a partition still loading."""
        self.fully_started = trio.Event()
        """Set once every component, the background ones included, has started (tests wait)."""
        self.listeners = [Listener.parse(text) for text in config["listeners"]]
        advertised = config["advertised.listeners"]
        self.advertised_listeners = (
            [Listener.parse(text) for text in advertised] if advertised else list(self.listeners)
        )
        self.metadata_image = MetadataImage(
            cluster_id=config["cluster.id"] or "",
            controller_id=self.node_id,
            brokers={},
        )
        self._metadata_listeners: list[Callable[[MetadataImage, MetadataImage], None]] = []
        self._metadata_preparers: list[Callable[[MetadataImage], Awaitable[None]]] = []
        self.encoded_answers = EncodedAnswers()
        self.components: list[Any] = []
        self.open_connections = 0
        # Subsystems attach themselves here (see assembly.py); None until their component runs.
        self.log_manager: Any = None
        self.controller: Any = None
        self.replica_manager: Any = None
        self.group_coordinator: Any = None
        self.transaction_coordinator: Any = None

    def now_ms(self) -> int:
        return int(self._clock() * 1000)

    # -- metadata ---------------------------------------------------------------------------------

    def publish_metadata(self, image: MetadataImage) -> None:
        """Install a new metadata image and tell every subscriber (old image, new image)."""
        previous, self.metadata_image = self.metadata_image, image
        for callback in list(self._metadata_listeners):
            callback(previous, image)

    def on_metadata_change(self, callback: Callable[[MetadataImage, MetadataImage], None]) -> None:
        self._metadata_listeners.append(callback)

    async def prepare_metadata(self, image: MetadataImage) -> None:
        """Let subscribers do the slow part of following ``image`` (creating partition files) before
        it is published, without holding up the event loop. A preparer that fails is logged and
        skipped: what it did not do, its ``on_metadata_change`` callback does when published."""
        for prepare in list(self._metadata_preparers):
            try:
                await prepare(image)
            except Exception:
                logger.exception("preparing metadata image at offset %d", image.offset)

    def before_metadata_change(self, prepare: Callable[[MetadataImage], Awaitable[None]]) -> None:
        self._metadata_preparers.append(prepare)

    def advertised_endpoint(self, listener_name: str = "PLAINTEXT") -> BrokerImage:
        """This node as clients should reach it on ``listener_name``."""
        for listener in self.advertised_listeners:
            if listener.name == listener_name:
                return BrokerImage(self.node_id, listener.host, listener.port, self.config["broker.rack"])
        first = self.advertised_listeners[0]
        return BrokerImage(self.node_id, first.host, first.port, self.config["broker.rack"])

    # -- connections ------------------------------------------------------------------------------

    def connection_opened(self) -> None:
        self.open_connections += 1

    def connection_closed(self) -> None:
        self.open_connections -= 1

    # -- lifecycle --------------------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[list[Listener]] = trio.TASK_STATUS_IGNORED) -> None:
        """Serve until cancelled. Reports the bound listeners (real ports when 0 was asked).

        The background components (the coordinators) start after the report, while requests are
        already answered; until then the replica manager's KIP-890 verifier answers
        COORDINATOR_LOAD_IN_PROGRESS rather than trusting transactional batches unverified.
        """
        async with trio.open_nursery() as nursery:
            bound: list[Listener] = []
            sockets: list[tuple[Listener, list[trio.SocketListener]]] = []
            for listener in self.listeners:
                opened = await trio.open_tcp_listeners(listener.port, host=listener.host or None)
                port = opened[0].socket.getsockname()[1]
                bound.append(Listener(listener.name, listener.host, port))
                sockets.append((listener, opened))
            self._adopt_bound_ports(bound)
            for factory in self._factories:
                await self._start_component(nursery, factory)
            manager = self.replica_manager
            holds_verification = (
                self._background is not None
                and manager is not None
                and getattr(manager, "transaction_verifier", False) is None
            )
            if holds_verification:
                manager.transaction_verifier = _verify_while_coordinators_load
            for (_listener, opened), actual in zip(sockets, bound, strict=True):
                nursery.start_soon(self._serve_listener, opened, actual.name)
            logger.info("broker %d listening on %s", self.node_id, ", ".join(map(str, bound)))
            task_status.started(bound)
            if self._background is not None:
                factories = await self._background()
                for factory in factories:
                    await self._start_component(nursery, factory)
                if holds_verification and manager.transaction_verifier is _verify_while_coordinators_load:
                    manager.transaction_verifier = None  # no transaction coordinator among them
                self.coordinators_loading = False
                logger.debug("broker %d: background components started", self.node_id)
            self.fully_started.set()

    async def _start_component(self, nursery: trio.Nursery, factory: ComponentFactory) -> None:
        component = factory(self)
        self.components.append(component)
        await nursery.start(component.run)

    async def _serve_listener(self, listeners: list[trio.SocketListener], name: str) -> None:
        async def handle(stream: trio.SocketStream) -> None:
            await serve_connection(self, stream, name)

        await trio.serve_listeners(handle, listeners)

    def _adopt_bound_ports(self, bound: list[Listener]) -> None:
        """Advertise the real port of listeners bound to port 0 (tests), keeping advertised hosts."""
        ports = {listener.name: listener.port for listener in bound}
        self.advertised_listeners = [
            Listener(a.name, a.host, ports.get(a.name, a.port) if a.port == 0 else a.port)
            for a in self.advertised_listeners
        ]
        self.listeners = bound
