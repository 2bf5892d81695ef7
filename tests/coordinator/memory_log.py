"""An in-memory stand-in for the replica manager's internal-topic calls, with fault injection."""

from __future__ import annotations

from dataclasses import dataclass, field

import trio

from wirekafka.protocol.errors import ErrorCode
from wirekafka.records.batch import BatchHeader, iter_batches, set_base_offset


class AppendFailed(Exception):
    def __init__(self, error_code: ErrorCode) -> None:
        self.error_code = error_code
        super().__init__(error_code.name)


@dataclass
class InternalRead:
    records: bytes
    next_offset: int
    high_watermark: int
    log_end_offset: int
    log_start_offset: int


@dataclass
class MemoryLog:
    """Batches per partition, offsets assigned on append; ``fail_next`` makes the next append fail."""

    batches: dict[int, list[bytes]] = field(default_factory=dict)
    ends: dict[int, int] = field(default_factory=dict)
    fail_next: ErrorCode | None = None
    append_delay: float = 0.0

    async def append_internal(
        self, topic: str, partition: int, batches: bytes, *, required_acks: int = -1, timeout_ms: int = 30_000
    ) -> tuple[int, int]:
        if self.append_delay:
            await trio.sleep(self.append_delay)
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise AppendFailed(error)
        base = self.ends.get(partition, 0)
        data = bytearray(batches)
        offset = base
        for header in list(iter_batches(bytes(data))):
            set_base_offset(data, header.position, offset)
            offset += header.last_offset_delta + 1
        self.batches.setdefault(partition, []).append(bytes(data))
        self.ends[partition] = offset
        return base, offset - 1

    def append_raw(self, partition: int, batch: bytes) -> None:
        """Write a batch built by the test (a transaction marker, say) at the log end."""
        data = bytearray(batch)
        header = BatchHeader(bytes(data))
        base = self.ends.get(partition, 0)
        set_base_offset(data, 0, base)
        self.batches.setdefault(partition, []).append(bytes(data))
        self.ends[partition] = base + header.last_offset_delta + 1

    def read_internal(
        self, topic: str, partition: int, fetch_offset: int, *, max_bytes: int = 1 << 20
    ) -> InternalRead:
        chunks = []
        end = self.ends.get(partition, 0)
        for batch in self.batches.get(partition, []):
            header = BatchHeader(batch)
            if header.base_offset + header.last_offset_delta >= fetch_offset:
                chunks.append(batch)
        return InternalRead(b"".join(chunks), end, end, end, 0)

    def offsets(self, topic: str, partition: int) -> tuple[int, int, int] | None:
        end = self.ends.get(partition, 0)
        return 0, end, end
