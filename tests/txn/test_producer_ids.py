"""Producer-id blocks: ids in order, the next block fetched at 90%, failures retriable."""

from __future__ import annotations

import pytest

from wirekafka.coordinator.txn.producer_ids import ProducerIdManager
from wirekafka.coordinator.txn.shard import ProducerIdUnavailableError
from wirekafka.protocol.errors import ErrorCode


class Controller:
    def __init__(self, size: int = 10) -> None:
        self.size = size
        self.next = 0
        self.calls = 0
        self.fail = False

    async def allocate(self) -> tuple[int, int]:
        self.calls += 1
        if self.fail:
            raise RuntimeError("controller unavailable")
        first, self.next = self.next, self.next + self.size
        return first, self.size


def test_no_id_before_the_first_block() -> None:
    with pytest.raises(ProducerIdUnavailableError) as raised:
        ProducerIdManager(Controller().allocate).next_nowait()
    assert raised.value.error_code == ErrorCode.COORDINATOR_LOAD_IN_PROGRESS


async def test_ids_are_consecutive_and_the_next_block_is_prefetched() -> None:
    controller = Controller(size=10)
    manager = ProducerIdManager(controller.allocate)
    ids = []
    for _ in range(9):
        ids.append(await manager.next())
    assert controller.calls == 1
    ids.append(await manager.next())
    assert controller.calls == 2, "90% of the block was used: the next one is fetched"
    for _ in range(10):
        ids.append(manager.next_nowait())
    assert ids == list(range(20))
    with pytest.raises(ProducerIdUnavailableError):
        manager.next_nowait()


async def test_a_failed_allocation_is_a_retriable_error_and_recovers() -> None:
    controller = Controller()
    controller.fail = True
    manager = ProducerIdManager(controller.allocate)
    with pytest.raises(ProducerIdUnavailableError) as raised:
        await manager.next()
    assert raised.value.error_code == ErrorCode.COORDINATOR_LOAD_IN_PROGRESS
    controller.fail = False
    assert await manager.next() == 0
