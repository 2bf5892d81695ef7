"""Which handler serves which API at which versions — and therefore what ApiVersions advertises.

Handlers register themselves where they are defined::

    @handles(ApiKey.HEARTBEAT, versions=(0, 4))
    async def heartbeat(ctx: RequestContext, request: Any) -> Any: ...

There is no central dispatcher: the connection looks the handler up here, and the ApiVersions
response is built from the same table, so what is advertised is exactly what is served.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from wirekafka.protocol.messages import REQUESTS

if TYPE_CHECKING:
    from wirekafka.broker.context import RequestContext

Handler = Callable[["RequestContext", Any], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Registration:
    api_key: int
    min_version: int
    max_version: int
    handler: Handler

    def serves(self, version: int) -> bool:
        return self.min_version <= version <= self.max_version


class HandlerRegistry:
    """API key -> handler and version range."""

    def __init__(self) -> None:
        self._registrations: dict[int, Registration] = {}

    def handles(self, api_key: int, *, versions: tuple[int, int]) -> Callable[[Handler], Handler]:
        """Register the decorated coroutine as the handler of ``api_key`` at ``versions`` (inclusive).

        Raises:
            ValueError: the codec does not declare those versions, or the key is taken.
        """
        low, high = versions
        request = REQUESTS.get(api_key)
        if (
            request is None
            or low not in request.schema.valid_versions
            or high not in request.schema.valid_versions
        ):
            raise ValueError(f"api key {api_key} versions {low}-{high} are not declared by the codec")

        def register(handler: Handler) -> Handler:
            if api_key in self._registrations:
                raise ValueError(f"api key {api_key} already has a handler")
            self._registrations[api_key] = Registration(api_key, low, high, handler)
            return handler

        return register

    def lookup(self, api_key: int) -> Registration | None:
        return self._registrations.get(api_key)

    def api_versions(self) -> list[tuple[int, int, int]]:
        """(api_key, min_version, max_version) of every served API, by key."""
        return [
            (r.api_key, r.min_version, r.max_version)
            for r in sorted(self._registrations.values(), key=lambda r: r.api_key)
        ]


REGISTRY = HandlerRegistry()
handles = REGISTRY.handles
