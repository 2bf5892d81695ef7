"""confluent-kafka adapter (librdkafka)."""

from __future__ import annotations

import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition

from conformance_tests.clients.base import ClientAdapter, Msg, ProduceOptions


class ConfluentClient(ClientAdapter):
    name = "confluent-kafka"

    def _common(self) -> dict[str, object]:
        return {"bootstrap.servers": self.bootstrap, "client.id": "conformance-confluent",
                "socket.timeout.ms": 15000, "broker.address.family": "v4"}

    def produce(self, topic: str, messages: list[Msg], options: ProduceOptions | None = None) -> None:
        opts = options or ProduceOptions()
        conf = {**self._common(), "acks": opts.acks, "compression.type": opts.compression,
                "enable.idempotence": opts.idempotent, "message.max.bytes": opts.max_request_size,
                "linger.ms": 5, "message.timeout.ms": 25000}
        producer = Producer(conf)
        errors: list[str] = []
        delivered = 0

        def on_delivery(err: KafkaError | None, _msg: object) -> None:
            nonlocal delivered
            delivered += 1
            if err is not None:
                errors.append(str(err))

        for m in messages:
            kwargs: dict[str, object] = {"key": m.key, "value": m.value, "partition": m.partition,
                                         "on_delivery": on_delivery}
            if m.headers:
                kwargs["headers"] = list(m.headers)
            if m.timestamp is not None:
                kwargs["timestamp"] = m.timestamp
            producer.produce(topic, **kwargs)
            producer.poll(0)
        remaining = producer.flush(self.timeout_s)
        if remaining:
            raise TimeoutError(f"{remaining} messages not delivered within {self.timeout_s}s")
        if errors:
            raise KafkaException(errors[0])
        assert delivered == len(messages)

    def _consumer(self, read_committed: bool = False, **extra: object) -> Consumer:
        conf = {**self._common(), "group.id": f"conformance-assign-{uuid.uuid4().hex[:8]}",
                "enable.auto.commit": False, "auto.offset.reset": "earliest",
                "isolation.level": "read_committed" if read_committed else "read_uncommitted",
                "fetch.wait.max.ms": 200, "enable.partition.eof": False, **extra}
        return Consumer(conf)

    def consume(self, topic: str, count: int, partitions: list[int] | None = None, *,
                read_committed: bool = False, timeout_s: float = 20.0) -> list[Msg]:
        consumer = self._consumer(read_committed)
        try:
            consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in (partitions or [0])])
            out: list[Msg] = []
            deadline = time.monotonic() + timeout_s
            while len(out) < count and time.monotonic() < deadline:
                msg = consumer.poll(0.3)
                if msg is None:
                    continue
                if msg.error():
                    raise KafkaException(msg.error())
                out.append(Msg(msg.key(), msg.value(), list(msg.headers() or []), msg.timestamp()[1],
                               msg.partition(), msg.offset()))
            return out
        finally:
            consumer.close()

    def partition_count(self, topic: str) -> int:
        consumer = self._consumer()
        try:
            meta = consumer.list_topics(topic, timeout=10)
            t = meta.topics.get(topic)
            return 0 if t is None or t.error is not None else len(t.partitions)
        finally:
            consumer.close()

    def watermarks(self, topic: str, partition: int) -> tuple[int, int]:
        consumer = self._consumer()
        try:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            return int(low), int(high)
        finally:
            consumer.close()

    def offset_for_time(self, topic: str, partition: int, timestamp_ms: int) -> int | None:
        consumer = self._consumer()
        try:
            [tp] = consumer.offsets_for_times([TopicPartition(topic, partition, timestamp_ms)], timeout=10)
            if tp.error:
                raise KafkaException(tp.error)
            return None if tp.offset < 0 else int(tp.offset)
        finally:
            consumer.close()
