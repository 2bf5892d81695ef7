"""aiokafka adapter: each call runs its own asyncio loop, so cases stay synchronous."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from conformance_tests.clients.base import ClientAdapter, Msg, ProduceOptions

ACKS: dict[str, Any] = {"0": 0, "1": 1, "all": "all"}


class AiokafkaClient(ClientAdapter):
    name = "aiokafka"

    def produce(self, topic: str, messages: list[Msg], options: ProduceOptions | None = None) -> None:
        asyncio.run(asyncio.wait_for(self._produce(topic, messages, options or ProduceOptions()), self.timeout_s))

    async def _produce(self, topic: str, messages: list[Msg], opts: ProduceOptions) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks=ACKS[opts.acks],
            compression_type=None if opts.compression == "none" else opts.compression,
            enable_idempotence=opts.idempotent, max_request_size=opts.max_request_size,
            request_timeout_ms=15000, client_id="conformance-aiokafka",
        )
        await producer.start()
        try:
            futures = [
                await producer.send(topic, key=m.key, value=m.value, partition=m.partition,
                                    timestamp_ms=m.timestamp, headers=list(m.headers) or None)
                for m in messages
            ]
            await producer.flush()
            for f in futures:
                await f
        finally:
            await producer.stop()

    def _consumer(self, read_committed: bool = False) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False,
            auto_offset_reset="earliest", fetch_max_wait_ms=200, request_timeout_ms=15000,
            isolation_level="read_committed" if read_committed else "read_uncommitted",
            max_partition_fetch_bytes=4 * 1024 * 1024, client_id="conformance-aiokafka",
        )

    def consume(self, topic: str, count: int, partitions: list[int] | None = None, *,
                read_committed: bool = False, timeout_s: float = 20.0) -> list[Msg]:
        async def run() -> list[Msg]:
            consumer = self._consumer(read_committed)
            await consumer.start()
            try:
                tps = [TopicPartition(topic, p) for p in (partitions or [0])]
                consumer.assign(tps)
                await consumer.seek_to_beginning(*tps)
                out: list[Msg] = []
                deadline = time.monotonic() + timeout_s
                while len(out) < count and time.monotonic() < deadline:
                    batch = await consumer.getmany(timeout_ms=300)
                    for records in batch.values():
                        out += [Msg(r.key, r.value, list(r.headers), r.timestamp, r.partition, r.offset)
                                for r in records]
                return out
            finally:
                await consumer.stop()

        return asyncio.run(asyncio.wait_for(run(), timeout_s + 15))

    def _with_consumer(self, fn: Any) -> Any:
        async def run() -> Any:
            consumer = self._consumer()
            await consumer.start()
            try:
                return await fn(consumer)
            finally:
                await consumer.stop()

        return asyncio.run(asyncio.wait_for(run(), self.timeout_s))

    def partition_count(self, topic: str) -> int:
        # aiokafka's consumer caches metadata only for topics it uses (``topics()`` does not fill
        # that cache), so ask through its admin client, as an aiokafka application would.
        async def run() -> int:
            from aiokafka.admin import AIOKafkaAdminClient

            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
            await admin.start()
            try:
                [described] = await admin.describe_topics([topic])
                return len(described["partitions"]) if described["error_code"] == 0 else 0
            finally:
                await admin.close()

        return int(asyncio.run(asyncio.wait_for(run(), self.timeout_s)))

    def watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        tp = TopicPartition(topic, partition)

        async def fn(consumer: AIOKafkaConsumer) -> tuple[int, int]:
            low = (await consumer.beginning_offsets([tp]))[tp]
            high = (await consumer.end_offsets([tp]))[tp]
            return int(low), int(high)

        result: tuple[int, int] = self._with_consumer(fn)
        return result

    def offset_for_time(self, topic: str, partition: int, timestamp_ms: int) -> int | None:
        tp = TopicPartition(topic, partition)

        async def fn(consumer: AIOKafkaConsumer) -> int | None:
            found = (await consumer.offsets_for_times({tp: timestamp_ms}))[tp]
            return None if found is None else int(found.offset)

        result: int | None = self._with_consumer(fn)
        return result
