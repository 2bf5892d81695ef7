"""Error semantics: unknown topic/partition, message too large, corrupt batches, unsupported versions."""

from __future__ import annotations

import pytest

from conformance_tests import wire
from conformance_tests.clients import ClientAdapter, Msg
from conformance_tests.clients.base import ProduceOptions
from conformance_tests.clients.line_driver import DriverError
from conformance_tests.clients.sarama import SaramaClient
from conformance_tests.helpers import each_client, need_client

UNSUPPORTED_COMPRESSION_TYPE = 76


def test_produce_unknown_partition(bootstrap: str, new_topic) -> None:
    topic = new_topic()
    with wire.Connection.to(bootstrap) as conn:
        result = wire.produce(conn, topic, 9, wire.record_batch([wire.Record(b"k", b"v")]))
    assert result.error_code == wire.UNKNOWN_TOPIC_OR_PARTITION, f"error {result.error_code}"


def test_fetch_unknown_partition(bootstrap: str, new_topic) -> None:
    topic = new_topic()
    with wire.Connection.to(bootstrap) as conn:
        assert wire.fetch(conn, topic, 9, 0).error_code == wire.UNKNOWN_TOPIC_OR_PARTITION


def test_fetch_unknown_topic(bootstrap: str) -> None:
    with wire.Connection.to(bootstrap) as conn:
        code = wire.fetch(conn, "cf-no-such-topic-for-fetch", 0, 0).error_code
    assert code == wire.UNKNOWN_TOPIC_OR_PARTITION, f"error {code}"


def test_message_too_large_for_topic(bootstrap: str, new_topic) -> None:
    """A batch above the topic's max.message.bytes is rejected with MESSAGE_TOO_LARGE (10)."""
    topic = new_topic(configs={"max.message.bytes": "1000"})
    with wire.Connection.to(bootstrap) as conn:
        result = wire.produce(conn, topic, 0, wire.record_batch([wire.Record(b"k", b"x" * 5000)]))
        part = wire.fetch(conn, topic, 0, 0)
    assert result.error_code == wire.MESSAGE_TOO_LARGE, f"error {result.error_code}"
    assert part.high_watermark == 0, "the oversized batch was stored"


def test_message_too_large_default_limit(bootstrap: str, new_topic) -> None:
    """Kafka's default message.max.bytes is 1048588: a 2 MiB record is rejected."""
    topic = new_topic()
    with wire.Connection.to(bootstrap, timeout=30) as conn:
        result = wire.produce(conn, topic, 0, wire.record_batch([wire.Record(b"k", b"x" * (2 * 1024 * 1024))]))
    assert result.error_code == wire.MESSAGE_TOO_LARGE, f"error {result.error_code}"


@each_client("kafka-python", "confluent-kafka", "aiokafka", "kafkajs", "java", "sarama")
def test_client_sees_message_too_large(client: ClientAdapter, new_topic) -> None:
    """The client surfaces the broker's MESSAGE_TOO_LARGE for a record above max.message.bytes."""
    topic = new_topic(configs={"max.message.bytes": "1000"})
    with pytest.raises(Exception) as info:
        client.produce(topic, [Msg(b"k", b"x" * 5000)], ProduceOptions(acks="all"))
    text = f"{type(info.value).__name__} {info.value}".lower().replace("_", "")
    assert "toolarge" in text.replace(" ", ""), f"unexpected error: {info.value!r}"[:300]


@pytest.mark.client("sarama")
def test_zstd_in_produce_below_v7_refused_sarama(bootstrap: str, new_topic) -> None:
    """Sarama 1.22 sends zstd batches in Produce v3; Kafka takes zstd from v7 on only
    (UNSUPPORTED_COMPRESSION_TYPE, 76) and stores nothing."""
    need_client("sarama")
    topic = new_topic()
    sarama = SaramaClient(bootstrap)
    with pytest.raises(DriverError) as refused:
        sarama.produce(topic, [Msg(b"k", b"v")], ProduceOptions(compression="zstd"))
    assert refused.value.code == UNSUPPORTED_COMPRESSION_TYPE, str(refused.value)
    assert sarama.watermarks(topic, 0) == (0, 0)


def test_corrupt_batch_crc_rejected(bootstrap: str, new_topic) -> None:
    """A batch whose CRC-32C does not match is CORRUPT_MESSAGE (2) and is not stored."""
    topic = new_topic()
    with wire.Connection.to(bootstrap) as conn:
        result = wire.produce(conn, topic, 0, wire.record_batch([wire.Record(b"k", b"v")], corrupt_crc=True))
        part = wire.fetch(conn, topic, 0, 0)
    assert result.error_code == wire.CORRUPT_MESSAGE, f"error {result.error_code}"
    assert part.high_watermark == 0


def test_produce_above_advertised_version_closes_connection(bootstrap: str,
                                                            api_versions: dict[int, tuple[int, int]]) -> None:
    """A version the broker does not serve has no response layout: the connection is closed."""
    version = api_versions[0][1] + 1
    with wire.Connection.to(bootstrap) as conn:
        conn.send(wire.request_frame(0, version, 1, b"\x00" * 32))
        assert conn.wait_closed(5), f"Produce v{version} (not advertised) left the connection open"
    with wire.Connection.to(bootstrap) as conn:
        assert wire.parse_api_versions(conn.request(18, 0, b""), 0).error_code == 0


def test_list_offsets_unknown_topic(bootstrap: str) -> None:
    with wire.Connection.to(bootstrap) as conn:
        code = wire.list_offsets(conn, "cf-no-such-topic-for-offsets", 0, -1)[0]
    assert code == wire.UNKNOWN_TOPIC_OR_PARTITION, f"error {code}"
