"""kafka-python adapter (synchronous, pure Python)."""

from __future__ import annotations

import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from conformance_tests.clients.base import ClientAdapter, Msg, ProduceOptions

ACKS = {"0": 0, "1": 1, "all": "all"}


class KafkaPythonClient(ClientAdapter):
    name = "kafka-python"

    def _common(self) -> dict[str, object]:
        return {"bootstrap_servers": self.bootstrap, "request_timeout_ms": 15000,
                "client_id": "conformance-kafka-python"}

    def produce(self, topic: str, messages: list[Msg], options: ProduceOptions | None = None) -> None:
        opts = options or ProduceOptions()
        producer = KafkaProducer(
            **self._common(), acks=ACKS[opts.acks],
            compression_type=None if opts.compression == "none" else opts.compression,
            enable_idempotence=opts.idempotent, max_request_size=opts.max_request_size,
            retries=2, delivery_timeout_ms=25000, max_block_ms=15000,
        )
        try:
            futures = [
                producer.send(topic, key=m.key, value=m.value, headers=list(m.headers) or None,
                              timestamp_ms=m.timestamp, partition=m.partition)
                for m in messages
            ]
            producer.flush(timeout=self.timeout_s)
            for future in futures:
                future.get(timeout=self.timeout_s)
        finally:
            producer.close(timeout=5)

    def _consumer(self, read_committed: bool = False, **extra: object) -> KafkaConsumer:
        return KafkaConsumer(
            **self._common(), group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
            isolation_level="read_committed" if read_committed else "read_uncommitted",
            fetch_max_wait_ms=200, max_partition_fetch_bytes=4 * 1024 * 1024, **extra,
        )

    def consume(self, topic: str, count: int, partitions: list[int] | None = None, *,
                read_committed: bool = False, timeout_s: float = 20.0) -> list[Msg]:
        consumer = self._consumer(read_committed)
        try:
            tps = [TopicPartition(topic, p) for p in (partitions or [0])]
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            out: list[Msg] = []
            deadline = time.monotonic() + timeout_s
            while len(out) < count and time.monotonic() < deadline:
                for records in consumer.poll(timeout_ms=300).values():
                    for r in records:
                        out.append(Msg(r.key, r.value, [(k, v) for k, v in r.headers], r.timestamp,
                                       r.partition, r.offset))
            return out
        finally:
            consumer.close(autocommit=False)

    def partition_count(self, topic: str) -> int:
        consumer = self._consumer()
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                parts = consumer.partitions_for_topic(topic)
                if parts:
                    return len(parts)
                time.sleep(0.2)
            return 0
        finally:
            consumer.close()

    def watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        consumer = self._consumer()
        try:
            tp = TopicPartition(topic, partition)
            return consumer.beginning_offsets([tp], timeout_ms=10000)[tp], consumer.end_offsets([tp], timeout_ms=10000)[tp]
        finally:
            consumer.close()

    def offset_for_time(self, topic: str, partition: int, timestamp_ms: int) -> int | None:
        consumer = self._consumer()
        try:
            tp = TopicPartition(topic, partition)
            found = consumer.offsets_for_times({tp: timestamp_ms}, timeout_ms=10000)[tp]
            return None if found is None else int(found.offset)
        finally:
            consumer.close()
