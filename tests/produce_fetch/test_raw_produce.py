"""Produce over a real socket with hand-built requests: every bad input, and that none of them
changes what is stored.

Each refusal is followed by a check of the partition's high watermark and bytes: a broker that
answered the right error code but appended anyway would fail here.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Iterator

import pytest

from tests.produce_fetch.wire import Wire, create_topic, fetch_request, list_offsets_request, produce_request
from tests.records.batch_bytes import garbled_records
from tests.replication.helpers import client_batch, values_of
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages import REQUESTS
from wirekafka.records.batch import BatchHeader, Compression
from wirekafka.testing.broker import RunningBroker, running_broker

_names = itertools.count()


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBroker]:
    with running_broker(tmp_path_factory.mktemp("data")) as running:
        yield running


@pytest.fixture
def wire(broker: RunningBroker) -> Iterator[Wire]:
    with Wire(broker.port) as connection:
        yield connection


def new_topic(wire: Wire, **configs: str) -> str:
    name = f"raw-{next(_names)}"
    create_topic(wire, name, 1, {key.replace("_", "."): value for key, value in configs.items()})
    return name


def partition_of(response: object) -> object:
    return response.responses[0].partition_responses[0]  # type: ignore[attr-defined]


def stored_values(wire: Wire, name: str) -> list[bytes | None]:
    fetched = wire.call(ApiKey.FETCH, 11, fetch_request(name, 0, 0))
    return values_of(bytes(fetched.responses[0].partitions[0].records or b""))


def latest(wire: Wire, name: str) -> int:
    response = wire.call(ApiKey.LIST_OFFSETS, 7, list_offsets_request(name, 0, -1))
    return int(response.topics[0].partitions[0].offset)


def legacy_message(magic: int) -> bytes:
    body = bytes([magic, 0]) + (struct.pack(">q", 1000) if magic == 1 else b"") + struct.pack(">i", -1)
    body += struct.pack(">i", 5) + b"hello"
    message = struct.pack(">I", 0) + body
    return struct.pack(">qi", 0, len(message)) + message


def test_produce_then_fetch_returns_the_bytes_as_sent(wire: Wire) -> None:
    name = new_topic(wire)
    batch = client_batch([b"a", None, b"c"], keys=[b"k1", b"k2", None])
    first = partition_of(wire.call(ApiKey.PRODUCE, 9, produce_request(name, 0, batch)))
    second = partition_of(wire.call(ApiKey.PRODUCE, 9, produce_request(name, 0, batch)))
    assert (first.error_code, first.base_offset, first.log_start_offset) == (0, 0, 0)  # type: ignore[attr-defined]
    assert (second.error_code, second.base_offset) == (0, 3)  # type: ignore[attr-defined]
    fetched = wire.call(ApiKey.FETCH, 12, fetch_request(name, 0, 0)).responses[0].partitions[0]
    records = bytes(fetched.records)
    assert fetched.high_watermark == 6
    assert len(records) == 2 * len(batch)
    # Stored bytes = client bytes with base offset (0-7) and leader epoch (12-15) patched.
    assert records[16 : len(batch)] == batch[16:]
    assert BatchHeader(records, len(batch)).base_offset == 3
    assert values_of(records) == [b"a", None, b"c"] * 2


def test_corrupt_crc_is_corrupt_message(wire: Wire) -> None:
    name = new_topic(wire)
    batch = bytearray(client_batch([b"payload"]))
    batch[-2] ^= 0x55
    result = partition_of(wire.call(ApiKey.PRODUCE, 9, produce_request(name, 0, bytes(batch))))
    assert (result.error_code, result.base_offset) == (ErrorCode.CORRUPT_MESSAGE, -1)  # type: ignore[attr-defined]
    assert latest(wire, name) == 0 and stored_values(wire, name) == []


def test_records_that_do_not_parse_under_a_valid_crc_are_corrupt_where_they_are_read(wire: Wire) -> None:
    """Produce checks headers and CRCs, not records (docs/produce-fetch.md): such a batch is
    stored as sent. A timestamp lookup, which must read its records, answers CORRUPT_MESSAGE for
    the partition instead of failing the connection; other partitions are answered as usual."""
    name = new_topic(wire)
    scrambled = garbled_records(client_batch([b"payload"] * 3))
    assert partition_of(wire.call(ApiKey.PRODUCE, 9, produce_request(name, 0, scrambled))).error_code == 0  # type: ignore[attr-defined]
    healthy = new_topic(wire)
    wire.call(ApiKey.PRODUCE, 9, produce_request(healthy, 0, client_batch([b"fine"])))
    list_offsets = REQUESTS[ApiKey.LIST_OFFSETS]
    for timestamp in (1_000, -3):  # by timestamp, and the max timestamp (KIP-734)
        response = wire.call(
            ApiKey.LIST_OFFSETS,
            7,
            list_offsets(
                replica_id=-1,
                topics=[
                    list_offsets.ListOffsetsTopic(
                        name=topic,
                        partitions=[
                            list_offsets.ListOffsetsPartition(partition_index=0, timestamp=timestamp)
                        ],
                    )
                    for topic in (name, healthy)
                ],
            ),
        )
        answers = [(t.name, t.partitions[0].error_code, t.partitions[0].offset) for t in response.topics]
        assert answers == [(name, ErrorCode.CORRUPT_MESSAGE, -1), (healthy, 0, 0)]
    assert latest(wire, name) == 3


@pytest.mark.parametrize("magic", [0, 1])
def test_legacy_magic_is_refused(wire: Wire, magic: int) -> None:
    """Kafka 4 answers INVALID_RECORD from ``ProduceRequest.validateRecords`` for a magic 0/1
    message set in a v3+ request (UNSUPPORTED_FOR_MESSAGE_FORMAT is not what it sends)."""
    name = new_topic(wire)
    result = partition_of(wire.call(ApiKey.PRODUCE, 7, produce_request(name, 0, legacy_message(magic))))
    assert result.error_code == ErrorCode.INVALID_RECORD  # type: ignore[attr-defined]
    assert latest(wire, name) == 0


def test_oversize_batch_is_message_too_large(wire: Wire) -> None:
    name = new_topic(wire, max_message_bytes="1000")
    big = client_batch([b"x" * 2000])
    result = partition_of(wire.call(ApiKey.PRODUCE, 9, produce_request(name, 0, big)))
    assert result.error_code == ErrorCode.MESSAGE_TOO_LARGE  # type: ignore[attr-defined]
    assert "1000" in result.error_message  # type: ignore[attr-defined]
    ok = partition_of(wire.call(ApiKey.PRODUCE, 9, produce_request(name, 0, client_batch([b"small"]))))
    assert (ok.error_code, ok.base_offset) == (0, 0)  # type: ignore[attr-defined]
    assert stored_values(wire, name) == [b"small"]


def test_acks_zero_gets_no_response(wire: Wire) -> None:
    name = new_topic(wire)
    wire.send(ApiKey.PRODUCE, 9, produce_request(name, 0, client_batch([b"fire"]), acks=0), correlation_id=41)
    wire.send(
        ApiKey.PRODUCE, 9, produce_request(name, 0, client_batch([b"forget"]), acks=0), correlation_id=42
    )
    sent = wire.send(ApiKey.LIST_OFFSETS, 7, list_offsets_request(name, 0, -1), correlation_id=43)
    correlation_id, response = wire.receive(ApiKey.LIST_OFFSETS, 7)
    assert (sent, correlation_id) == (43, 43)
    assert response.topics[0].partitions[0].offset == 2
    assert stored_values(wire, name) == [b"fire", b"forget"]


def test_acks_zero_error_gets_no_response_and_closes_the_connection(broker: RunningBroker) -> None:
    """Kafka closes an acks=0 producer's connection when its write fails: it cannot answer, and the
    producer must notice (it reconnects and refreshes its metadata)."""
    with Wire(broker.port) as wire:
        wire.send(
            ApiKey.PRODUCE,
            9,
            produce_request("no-such-topic", 0, client_batch([b"x"]), acks=0),
            correlation_id=51,
        )
        assert wire.sock.recv(16) == b""
    with Wire(broker.port) as other:
        other.send(ApiKey.API_VERSIONS, 0, REQUESTS[ApiKey.API_VERSIONS](), correlation_id=52)
        assert other.receive(ApiKey.API_VERSIONS, 0)[0] == 52


@pytest.mark.parametrize("acks", [2, -2, 3])
def test_invalid_required_acks(wire: Wire, acks: int) -> None:
    name = new_topic(wire)
    result = partition_of(
        wire.call(ApiKey.PRODUCE, 9, produce_request(name, 0, client_batch([b"x"]), acks=acks))
    )
    assert (result.error_code, result.base_offset) == (ErrorCode.INVALID_REQUIRED_ACKS, -1)  # type: ignore[attr-defined]
    assert latest(wire, name) == 0


@pytest.mark.parametrize("version", [0, 1, 2])
def test_produce_v0_to_v2_is_unsupported_per_partition(wire: Wire, version: int) -> None:
    name = new_topic(wire)
    response = wire.call(ApiKey.PRODUCE, version, produce_request(name, 0, legacy_message(1)))
    assert partition_of(response).error_code == ErrorCode.UNSUPPORTED_VERSION  # type: ignore[attr-defined]
    assert latest(wire, name) == 0


def test_produce_is_advertised_from_v0(broker: RunningBroker, wire: Wire) -> None:
    response = wire.call(ApiKey.API_VERSIONS, 3, REQUESTS[ApiKey.API_VERSIONS]())
    ranges = {key.api_key: (key.min_version, key.max_version) for key in response.api_keys}
    assert ranges[ApiKey.PRODUCE] == (0, 11)
    assert ranges[ApiKey.FETCH][0] == 4


def test_unknown_topic_and_partition(wire: Wire) -> None:
    name = new_topic(wire)
    assert partition_of(
        wire.call(ApiKey.PRODUCE, 9, produce_request("nope", 0, client_batch([b"x"])))
    ).error_code == (  # type: ignore[attr-defined]
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    )
    assert partition_of(
        wire.call(ApiKey.PRODUCE, 9, produce_request(name, 7, client_batch([b"x"])))
    ).error_code == (  # type: ignore[attr-defined]
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
    )


def test_internal_topics_refuse_client_produce(wire: Wire) -> None:
    create_topic(wire, "__transaction_state", 1)
    result = partition_of(
        wire.call(ApiKey.PRODUCE, 9, produce_request("__transaction_state", 0, client_batch([b"x"])))
    )
    assert result.error_code == ErrorCode.INVALID_TOPIC_EXCEPTION  # type: ignore[attr-defined]
    assert latest(wire, "__transaction_state") == 0


def test_two_batches_in_one_partition_are_invalid(wire: Wire) -> None:
    name = new_topic(wire)
    two = client_batch([b"a"]) + client_batch([b"b"])
    assert (
        partition_of(wire.call(ApiKey.PRODUCE, 9, produce_request(name, 0, two))).error_code
        == ErrorCode.INVALID_RECORD
    )  # type: ignore[attr-defined]
    assert latest(wire, name) == 0


def test_zstd_before_v7_is_unsupported_compression(wire: Wire) -> None:
    name = new_topic(wire)
    batch = client_batch([b"z"], compression=Compression.ZSTD)
    result = partition_of(wire.call(ApiKey.PRODUCE, 6, produce_request(name, 0, batch)))
    assert result.error_code == ErrorCode.UNSUPPORTED_COMPRESSION_TYPE  # type: ignore[attr-defined]
    assert partition_of(wire.call(ApiKey.PRODUCE, 7, produce_request(name, 0, batch))).error_code == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("version", range(3, 12))
def test_produce_at_every_served_version(wire: Wire, version: int) -> None:
    name = new_topic(wire, message_timestamp_type="LogAppendTime")
    response = wire.call(ApiKey.PRODUCE, version, produce_request(name, 0, client_batch([b"v%d" % version])))
    result = partition_of(response)
    assert (result.error_code, result.base_offset) == (0, 0)  # type: ignore[attr-defined]
    if version >= 2:
        assert result.log_append_time_ms > 0  # type: ignore[attr-defined]
    if version >= 5:
        assert result.log_start_offset == 0  # type: ignore[attr-defined]
    assert stored_values(wire, name) == [b"v%d" % version]


def test_not_leader_carries_the_current_leader_from_v10(broker: RunningBroker, wire: Wire) -> None:
    """KIP-951: NOT_LEADER_OR_FOLLOWER answers name the leader; here the partition has none
    locally because the replica manager is asked for a partition it does not host."""
    name = new_topic(wire)
    manager = broker.broker.replica_manager
    hosted = manager.partition(name, 0)
    hosted.state.leader_id = 99  # as if leadership had just moved to node 99
    try:
        result = partition_of(wire.call(ApiKey.PRODUCE, 10, produce_request(name, 0, client_batch([b"x"]))))
    finally:
        hosted.state.leader_id = broker.broker.node_id
    assert result.error_code == ErrorCode.NOT_LEADER_OR_FOLLOWER  # type: ignore[attr-defined]
    assert result.current_leader.leader_id == broker.broker.node_id  # type: ignore[attr-defined]
