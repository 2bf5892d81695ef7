"""What a handler knows about the request it serves, besides the request itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from wirekafka.protocol.framing import RequestHeader

if TYPE_CHECKING:
    from wirekafka.broker.broker import Broker


@dataclass(slots=True)
class RequestContext:
    header: RequestHeader
    broker: Broker
    client_host: str
    client_port: int
    connection_id: str
    listener_name: str = "PLAINTEXT"

    @property
    def api_version(self) -> int:
        return self.header.api_version

    @property
    def client_id(self) -> str:
        return self.header.client_id or ""
