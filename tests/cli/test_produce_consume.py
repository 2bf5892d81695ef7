"""``wirekafka produce`` and ``wirekafka consume`` round trips through a real broker."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from tests.cli.support import PRODUCE_FETCH_APIS, requires, run
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.testing.broker import RunningBroker

pytestmark = requires(*PRODUCE_FETCH_APIS, ApiKey.CREATE_TOPICS)


def new_topic(broker: RunningBroker, partitions: int = 1) -> str:
    name = f"t-{uuid.uuid4().hex[:8]}"
    created = run(broker, "topics", "create", name, "--partitions", str(partitions))
    assert created.exit_code == 0, created.output
    return name


def consume_json(broker: RunningBroker, topic: str, count: int, *extra: str) -> list[dict[str, Any]]:
    result = run(
        broker, "consume", topic, "--from-beginning", "--max-messages", str(count), "--timeout", "10",
        "--format", "json", *extra,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_lines_come_back_in_order_as_values(broker: RunningBroker) -> None:
    topic = new_topic(broker)
    produced = run(broker, "produce", topic, input="first\nsecond line\n\nlast")
    assert produced.exit_code == 0, produced.output
    consumed = run(broker, "consume", topic, "--from-beginning", "--max-messages", "4", "--timeout", "10")
    assert consumed.exit_code == 0, consumed.output
    assert consumed.stdout == "first\nsecond line\n\nlast\n"  # the empty line is an empty record
    assert consumed.stderr == "Processed a total of 4 messages\n"


def test_keys_are_split_at_the_first_separator_and_shown_in_json(broker: RunningBroker) -> None:
    topic = new_topic(broker, partitions=2)
    produced = run(broker, "produce", topic, "--key-separator", ":", input="a:1\nb:2\na:3:x\r\n")
    assert produced.exit_code == 0, produced.output
    records = consume_json(broker, topic, 3)
    assert sorted((r["key"], r["value"]) for r in records) == [("a", "1"), ("a", "3:x"), ("b", "2")]
    by_key = {r["key"]: r["partition"] for r in records}
    assert all(r["partition"] == by_key[r["key"]] for r in records)  # one key, one partition
    for record in records:
        assert record["topic"] == topic and record["headers"] == []
        assert record["timestamp_type"] == "CreateTime" and record["timestamp"] > 0
    a_offsets = [r["offset"] for r in records if r["key"] == "a"]
    assert a_offsets == sorted(a_offsets) and len(set(a_offsets)) == 2


def test_a_line_without_the_separator_fails_after_sending_the_earlier_lines(broker: RunningBroker) -> None:
    topic = new_topic(broker)
    produced = run(broker, "produce", topic, "--key-separator", "\\t", input="k\tv\nno separator\nk\tw\n")
    assert produced.exit_code == 1
    assert "line 2 has no key separator '\\t'" in produced.stderr
    records = consume_json(broker, topic, 1)
    assert [(r["key"], r["value"]) for r in records] == [("k", "v")]
    nothing_more = run(broker, "consume", topic, "--from-beginning", "--timeout", "1")
    assert nothing_more.stdout == "v\n"


@pytest.mark.parametrize("compression", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_every_compression_round_trips(broker: RunningBroker, compression: str) -> None:
    topic = new_topic(broker)
    lines = [f"{compression} record {i} " + "x" * 200 for i in range(20)]
    produced = run(broker, "produce", topic, "--compression", compression, input="\n".join(lines) + "\n")
    assert produced.exit_code == 0, produced.output
    assert [r["value"] for r in consume_json(broker, topic, 20)] == lines


@pytest.mark.parametrize("acks", ["0", "1", "all"])
def test_every_acks_setting_delivers(broker: RunningBroker, acks: str) -> None:
    topic = new_topic(broker)
    produced = run(broker, "produce", topic, "--acks", acks, input="one\ntwo\n")
    assert produced.exit_code == 0, produced.output
    assert [r["value"] for r in consume_json(broker, topic, 2)] == ["one", "two"]


def test_partition_option_sends_everything_to_that_partition(broker: RunningBroker) -> None:
    topic = new_topic(broker, partitions=3)
    produced = run(broker, "produce", topic, "--partition", "2", input="a\nb\nc\n")
    assert produced.exit_code == 0, produced.output
    records = consume_json(broker, topic, 3)
    assert [(r["partition"], r["offset"], r["value"]) for r in records] == [
        (2, 0, "a"),
        (2, 1, "b"),
        (2, 2, "c"),
    ]


def test_json_shows_headers_and_binary_data_as_base64(broker: RunningBroker) -> None:
    from kafka import KafkaProducer

    topic = new_topic(broker)
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=False, acks=1)
    try:
        producer.send(topic, key=b"\xff\x00", value=b"caf\xc3\xa9", headers=[("h", b"1"), ("h", b"\x80")])
        producer.send(topic, key=b"gone", value=None)  # a tombstone
        producer.flush(10)
    finally:
        producer.close(10)
    first, tombstone = consume_json(broker, topic, 2)
    assert first["key"] == {"base64": base64.b64encode(b"\xff\x00").decode()}
    assert first["value"] == "café"
    assert first["headers"] == [["h", "1"], ["h", {"base64": base64.b64encode(b"\x80").decode()}]]
    assert tombstone["key"] == "gone" and tombstone["value"] is None
    text = run(
        broker, "consume", topic, "--from-beginning", "--max-messages", "2", "--print-key", "--timeout", "10"
    )
    assert text.stdout_bytes == b"\xff\x00\tcaf\xc3\xa9\ngone\tnull\n"


def test_consume_stops_after_the_timeout_without_records(broker: RunningBroker) -> None:
    topic = new_topic(broker)
    result = run(broker, "consume", topic, "--timeout", "0.5")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == "Processed a total of 0 messages\n"


def test_without_from_beginning_only_new_records_are_read(broker: RunningBroker) -> None:
    topic = new_topic(broker)
    assert run(broker, "produce", topic, input="old\n").exit_code == 0
    result = run(broker, "consume", topic, "--timeout", "1")
    assert result.exit_code == 0 and result.stdout == ""


def test_consuming_an_unknown_topic_without_group_fails(broker: RunningBroker) -> None:
    result = run(broker, "consume", "no-such-topic", "--timeout", "1")
    assert result.exit_code == 1
    assert "topic 'no-such-topic' does not exist" in result.stderr
    assert "no-such-topic" not in run(broker, "topics", "list").stdout.splitlines()
