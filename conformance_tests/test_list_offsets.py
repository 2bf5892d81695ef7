"""ListOffsets: earliest, latest (the high watermark) and by timestamp, through every client.

Records with known timestamps are written with a hand-built batch so that clients which cannot set
timestamps (kcat) can still be asked about them.
"""

from __future__ import annotations

import time

from conformance_tests import wire
from conformance_tests.clients import ClientAdapter
from conformance_tests.helpers import each_client


def write_timed(bootstrap: str, topic: str, base: int, deltas: list[int]) -> None:
    """One batch whose records have timestamps base + delta."""
    records = [wire.Record(f"k{i}".encode(), f"v{i}".encode(), [], d) for i, d in enumerate(deltas)]
    with wire.Connection.to(bootstrap) as conn:
        assert wire.produce(conn, topic, 0, wire.record_batch(records, base_timestamp=base)).error_code == 0


@each_client()
def test_empty_partition_offsets(client: ClientAdapter, new_topic) -> None:
    topic = new_topic()
    assert client.watermarks(topic, 0) == (0, 0)


@each_client()
def test_latest_is_high_watermark(client: ClientAdapter, new_topic, bootstrap: str) -> None:
    """After a 5-record batch and a 3-record batch, latest = 8 (one past the last record)."""
    topic = new_topic()
    write_timed(bootstrap, topic, int(time.time() * 1000), [0, 1, 2, 3, 4])
    write_timed(bootstrap, topic, int(time.time() * 1000), [0, 1, 2])
    assert client.watermarks(topic, 0) == (0, 8)


@each_client()
def test_offset_for_timestamp(client: ClientAdapter, new_topic, bootstrap: str) -> None:
    """The first offset whose timestamp is >= the target (timestamps 0, 1, 2, 3, 4 s after base)."""
    topic = new_topic()
    base = int(time.time() * 1000) - 60_000
    write_timed(bootstrap, topic, base, [0, 1000, 2000, 3000, 4000])
    assert client.offset_for_time(topic, 0, base) == 0
    assert client.offset_for_time(topic, 0, base + 1500) == 2
    assert client.offset_for_time(topic, 0, base + 4000) == 4
    assert client.offset_for_time(topic, 0, base - 10_000) == 0


@each_client()
def test_offset_for_timestamp_after_last(client: ClientAdapter, new_topic, bootstrap: str) -> None:
    """No record at or after the target: Kafka answers offset -1 (kafkajs maps that to the high watermark)."""
    topic = new_topic()
    base = int(time.time() * 1000) - 60_000
    write_timed(bootstrap, topic, base, [0, 1000])
    expected = 2 if client.name == "kafkajs" else None
    assert client.offset_for_time(topic, 0, base + 30_000) == expected


@each_client()
def test_offset_for_timestamp_out_of_order(client: ClientAdapter, new_topic, bootstrap: str) -> None:
    """Timestamps need not be monotonic: the answer is the first offset whose timestamp is >= target."""
    topic = new_topic()
    base = int(time.time() * 1000) - 60_000
    write_timed(bootstrap, topic, base, [0, 5000, 1000, 6000])
    assert client.offset_for_time(topic, 0, base + 2000) == 1


def test_raw_list_offsets(bootstrap: str, new_topic) -> None:
    """ListOffsets v2: -2 earliest, -1 latest; the latest entry carries timestamp -1."""
    topic = new_topic()
    write_timed(bootstrap, topic, int(time.time() * 1000), [0, 1, 2])
    with wire.Connection.to(bootstrap) as conn:
        assert wire.list_offsets(conn, topic, 0, -2)[::2] == (0, 0)
        error, timestamp, offset = wire.list_offsets(conn, topic, 0, -1)
    assert (error, offset) == (0, 3)
    assert timestamp == -1


def test_list_offsets_unknown_partition(bootstrap: str, new_topic) -> None:
    topic = new_topic()
    with wire.Connection.to(bootstrap) as conn:
        assert wire.list_offsets(conn, topic, 7, -1)[0] == wire.UNKNOWN_TOPIC_OR_PARTITION
