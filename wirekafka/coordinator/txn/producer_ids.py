"""Producer ids handed out by this broker, from blocks the controller allocates.

Kafka's ``RPCProducerIdManager``: the controller records each block in the metadata log
(``ProducerIdsRecord``), so an id is never handed out twice, across restarts and brokers. This
broker asks for the next block when the current one is 90% used, so InitProducerId rarely waits;
the pure coordinator takes ids with :meth:`ProducerIdManager.next_nowait`, which fails with
COORDINATOR_LOAD_IN_PROGRESS (retriable, as in Kafka) if no id is at hand.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import trio

from wirekafka.coordinator.txn.shard import ProducerIdUnavailableError
from wirekafka.protocol.errors import ErrorCode

__all__ = ["PREFETCH_REMAINING_TENTHS", "ProducerIdManager"]

logger = logging.getLogger("wirekafka.coordinator.txn")

PREFETCH_REMAINING_TENTHS = 1
"""Fetch the next block once only this many tenths of the current one are left (Kafka: 90% used)."""

BlockSource = Callable[[], Awaitable[tuple[int, int]]]
"""Returns (first producer id, block size) of a freshly allocated block."""


class ProducerIdManager:
    """The current block and, once fetched, the next one."""

    def __init__(self, fetch_block: BlockSource) -> None:
        self._fetch_block = fetch_block
        self._next_id = 0
        self._end = 0  # exclusive
        self._size = 0
        self._pending: tuple[int, int] | None = None
        self._lock = trio.Lock()

    def next_nowait(self) -> int:
        """The next id, without waiting.

        Raises:
            ProducerIdUnavailableError: no block at hand (call :meth:`ensure` first).
        """
        if self._next_id >= self._end and self._pending is not None:
            self._install(self._pending)
            self._pending = None
        if self._next_id >= self._end:
            raise ProducerIdUnavailableError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
        producer_id = self._next_id
        self._next_id += 1
        return producer_id

    async def next(self) -> int:
        """The next id, fetching a block if needed.

        Raises:
            ProducerIdUnavailableError: the controller could not allocate a block.
        """
        await self.ensure()
        return self.next_nowait()

    async def ensure(self) -> None:
        """Make sure an id is at hand, and prefetch the next block when this one runs low.

        Raises:
            ProducerIdUnavailableError: the controller could not allocate a block.
        """
        if not self._needs_block():
            return
        async with self._lock:
            if not self._needs_block():
                return
            try:
                block = await self._fetch_block()
            except ProducerIdUnavailableError:
                raise
            except Exception as exc:
                logger.warning("could not allocate a producer id block: %s", exc)
                raise ProducerIdUnavailableError(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) from exc
            if self._next_id < self._end:
                self._pending = block
            else:
                self._install(block)

    def _needs_block(self) -> bool:
        """No next block yet, and the current one is used up or 90% used."""
        if self._pending is not None:
            return False
        remaining = self._end - self._next_id
        return remaining <= 0 or remaining * 10 <= self._size * PREFETCH_REMAINING_TENTHS

    def _install(self, block: tuple[int, int]) -> None:
        first, size = block
        self._next_id, self._end, self._size = first, first + size, size
