"""Fetch, ListOffsets, OffsetForLeaderEpoch, DeleteRecords and DescribeLogDirs over a real socket,
at every served version."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.produce_fetch.wire import Wire, create_topic, fetch_request, list_offsets_request, produce_request
from tests.replication.helpers import client_batch, values_of
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages import REQUESTS
from wirekafka.server import socket_io
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


def topic_with(wire: Wire, *batches: bytes, partitions: int = 1) -> str:
    name = f"fetch-{next(_names)}"
    create_topic(wire, name, partitions)
    for batch in batches:
        response = wire.call(ApiKey.PRODUCE, 9, produce_request(name, 0, batch))
        assert response.responses[0].partition_responses[0].error_code == 0
    return name


def topic_id(broker: RunningBroker, name: str) -> uuid.UUID:
    return broker.broker.metadata_image.topics[name].topic_id


@pytest.mark.parametrize("version", range(4, 18))
def test_fetch_at_every_version(broker: RunningBroker, wire: Wire, version: int) -> None:
    name = topic_with(wire, client_batch([b"a", b"b"]), client_batch([b"c"]))
    ident = topic_id(broker, name) if version >= 13 else None
    response = wire.call(ApiKey.FETCH, version, fetch_request(name, 0, 0, topic_id=ident))
    assert getattr(response, "error_code", 0) == 0
    topic = response.responses[0]
    if version >= 13:
        assert topic.topic_id == ident
    else:
        assert topic.topic == name
    partition = topic.partitions[0]
    assert (partition.error_code, partition.high_watermark, partition.last_stable_offset) == (0, 3, 3)
    if version >= 5:
        assert partition.log_start_offset == 0
    if version >= 11:
        assert partition.preferred_read_replica == -1
    assert partition.aborted_transactions is None
    assert values_of(bytes(partition.records)) == [b"a", b"b", b"c"]
    if version >= 7:
        assert response.session_id == 0  # fetch_request asks for no session (epoch -1)


@pytest.mark.parametrize("version", range(4, 18))
def test_large_reads_are_sent_from_the_file_at_every_version(
    broker: RunningBroker, wire: Wire, version: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads of 64 KiB and more go out with sendfile between the frame's own bytes; the frame
    must still be exactly the one the copying encoder would write, with a small partition beside."""
    regions_sent: list[int] = []
    send_region = socket_io._send_region

    async def counting(fd: int, region: Any) -> None:
        regions_sent.append(len(region))
        await send_region(fd, region)

    monkeypatch.setattr(socket_io, "_send_region", counting)
    big = [bytes([i]) * 90_000 for i in range(3)]  # one batch each, ~90 KB: a file region each
    name = topic_with(wire, *(client_batch([value]) for value in big))
    small = topic_with(wire, client_batch([b"s"]))
    request = fetch_request(name, 0, 0)
    request.topics.append(fetch_request(small, 0, 0).topics[0])
    if version >= 13:
        request.topics[0].topic_id = topic_id(broker, name)
        request.topics[1].topic_id = topic_id(broker, small)
    response = wire.call(ApiKey.FETCH, version, request)
    large, tiny = response.responses[0].partitions[0], response.responses[1].partitions[0]
    assert values_of(bytes(large.records)) == big  # ~270 KB: one region of three batches
    assert values_of(bytes(tiny.records)) == [b"s"]
    assert len(regions_sent) == 1 and regions_sent[0] > 270_000  # the large read was a region
    # The connection is still in step: the next request is answered normally.
    again = wire.call(ApiKey.FETCH, version, fetch_request(small, 0, 0, topic_id=request.topics[1].topic_id))
    assert values_of(bytes(again.responses[0].partitions[0].records)) == [b"s"]


def test_unknown_topic_id(broker: RunningBroker, wire: Wire) -> None:
    missing = uuid.uuid4()
    response = wire.call(ApiKey.FETCH, 13, fetch_request("", 0, 0, topic_id=missing))
    partition = response.responses[0].partitions[0]
    assert (response.responses[0].topic_id, partition.error_code) == (missing, ErrorCode.UNKNOWN_TOPIC_ID)
    assert (partition.high_watermark, bytes(partition.records or b"")) == (-1, b"")


def test_unknown_topic_name(wire: Wire) -> None:
    response = wire.call(ApiKey.FETCH, 12, fetch_request("absent", 0, 0))
    assert response.responses[0].partitions[0].error_code == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION


def test_aborted_transactions_only_for_read_committed(wire: Wire) -> None:
    """null for read_uncommitted (franz-go skipped records when a broker sent a list), a list
    (empty without transactions) for read_committed."""
    name = topic_with(wire, client_batch([b"a"]))
    uncommitted = wire.call(ApiKey.FETCH, 11, fetch_request(name, 0, 0, isolation_level=0))
    committed = wire.call(ApiKey.FETCH, 11, fetch_request(name, 0, 0, isolation_level=1))
    assert uncommitted.responses[0].partitions[0].aborted_transactions is None
    assert committed.responses[0].partitions[0].aborted_transactions == []
    assert values_of(bytes(committed.responses[0].partitions[0].records)) == [b"a"]


def test_incremental_fetch_sessions(wire: Wire) -> None:
    """KIP-227 over the wire: a session is created, then only what moved is sent."""
    fetch_class = REQUESTS[ApiKey.FETCH]
    name = topic_with(wire, client_batch([b"a"]), partitions=2)
    full = wire.call(ApiKey.FETCH, 12, fetch_request(name, 0, 0, session_id=0, session_epoch=0))
    assert full.error_code == 0 and full.session_id > 0
    assert values_of(bytes(full.responses[0].partitions[0].records)) == [b"a"]
    session = full.session_id

    def incremental(epoch: int, *partitions: tuple[int, int]) -> object:
        body = fetch_request(name, 0, 0, session_id=session, session_epoch=epoch)
        body.topics[0].partitions = [
            fetch_class.FetchPartition(partition=p, fetch_offset=offset, partition_max_bytes=1 << 20)
            for p, offset in partitions
        ]
        if not partitions:
            body.topics = []
        return wire.call(ApiKey.FETCH, 12, body)

    # The consumer moved to offset 1 and adds partition 1 (empty: sent once, as its state is new).
    moved = incremental(1, (0, 1), (1, 0))
    assert (moved.error_code, moved.session_id) == (0, session)
    assert [(p.partition_index, p.high_watermark) for t in moved.responses for p in t.partitions] == [(1, 0)]
    quiet = incremental(2)
    assert (quiet.error_code, quiet.responses) == (0, [])
    wire.call(ApiKey.PRODUCE, 9, produce_request(name, 0, client_batch([b"b"])))
    news = incremental(3)
    ((topic,),) = [news.responses]
    assert [(p.partition_index, p.high_watermark) for p in topic.partitions] == [(0, 2)]
    assert values_of(bytes(topic.partitions[0].records)) == [b"b"]
    assert incremental(3).error_code == ErrorCode.INVALID_FETCH_SESSION_EPOCH
    closing = wire.call(ApiKey.FETCH, 12, fetch_request(name, 0, 0, session_id=session, session_epoch=-1))
    assert (closing.error_code, closing.session_id) == (0, 0)
    assert incremental(4).error_code == ErrorCode.FETCH_SESSION_ID_NOT_FOUND
    unknown = wire.call(ApiKey.FETCH, 12, fetch_request(name, 0, 0, session_id=0, session_epoch=1))
    assert (unknown.error_code, unknown.responses) == (ErrorCode.FETCH_SESSION_ID_NOT_FOUND, [])


def test_sessionless_fetches_get_session_id_zero(wire: Wire) -> None:
    name = topic_with(wire, client_batch([b"a"]))
    response = wire.call(ApiKey.FETCH, 12, fetch_request(name, 0, 0, session_id=0, session_epoch=-1))
    assert (response.error_code, response.session_id) == (0, 0)
    assert values_of(bytes(response.responses[0].partitions[0].records)) == [b"a"]


def test_out_of_range(wire: Wire) -> None:
    name = topic_with(wire, client_batch([b"a"]))
    partition = wire.call(ApiKey.FETCH, 12, fetch_request(name, 0, 5)).responses[0].partitions[0]
    assert partition.error_code == ErrorCode.OFFSET_OUT_OF_RANGE


def test_a_waiting_fetch_is_answered_when_data_arrives(broker: RunningBroker, wire: Wire) -> None:
    """min_bytes reached -> answered, not at max_wait_ms (60 s here; the guard below is 30 s)."""
    name = topic_with(wire)
    produced = threading.Event()

    def produce_soon() -> None:
        with Wire(broker.port) as other:
            time.sleep(0.3)  # let the fetch arrive first and start waiting
            other.call(ApiKey.PRODUCE, 9, produce_request(name, 0, client_batch([b"late"])))
            produced.set()

    thread = threading.Thread(target=produce_soon)
    wire.sock.settimeout(30)
    thread.start()
    response = wire.call(ApiKey.FETCH, 12, fetch_request(name, 0, 0, max_wait_ms=60_000, min_bytes=1))
    thread.join()
    assert produced.is_set()
    assert values_of(bytes(response.responses[0].partitions[0].records)) == [b"late"]


@pytest.mark.parametrize("version", range(0, 11))
def test_list_offsets_at_every_version(wire: Wire, version: int) -> None:
    name = topic_with(
        wire, client_batch([b"a", b"b"], timestamps=[1000, 2000]), client_batch([b"c"], timestamp=3000)
    )

    def ask(timestamp: int) -> object:
        body = list_offsets_request(name, 0, timestamp)
        if version == 0:
            body.topics[0].partitions[0].max_num_offsets = 1
        return wire.call(ApiKey.LIST_OFFSETS, version, body).topics[0].partitions[0]

    latest, earliest = ask(-1), ask(-2)
    if version == 0:
        assert (latest.old_style_offsets, earliest.old_style_offsets) == ([3], [0])  # type: ignore[attr-defined]
        return
    assert (latest.offset, earliest.offset) == (3, 0)  # type: ignore[attr-defined]
    by_time = ask(1500)
    assert (by_time.offset, by_time.timestamp) == (1, 2000)  # type: ignore[attr-defined]
    if version >= 4:
        assert latest.leader_epoch >= 0  # type: ignore[attr-defined]
    maximum = ask(-3)
    if version >= 7:
        assert (maximum.error_code, maximum.offset, maximum.timestamp) == (0, 2, 3000)  # type: ignore[attr-defined]
    else:
        assert maximum.error_code == ErrorCode.UNSUPPORTED_VERSION  # type: ignore[attr-defined]


def test_list_offsets_duplicate_partition_is_invalid_request(wire: Wire) -> None:
    name = topic_with(wire)
    body = list_offsets_request(name, 0, -1)
    body.topics[0].partitions.append(body.topics[0].partitions[0])
    answers = wire.call(ApiKey.LIST_OFFSETS, 7, body).topics[0].partitions
    assert [a.error_code for a in answers] == [ErrorCode.INVALID_REQUEST] * 2


@pytest.mark.parametrize("version", range(0, 5))
def test_offset_for_leader_epoch_at_every_version(wire: Wire, version: int) -> None:
    name = topic_with(wire, client_batch([b"a", b"b"]))
    request_class = REQUESTS[ApiKey.OFFSET_FOR_LEADER_EPOCH]
    leader_epoch = (
        wire.call(ApiKey.LIST_OFFSETS, 4, list_offsets_request(name, 0, -1))
        .topics[0]
        .partitions[0]
        .leader_epoch
    )
    body = request_class(
        topics=[
            request_class.OffsetForLeaderTopic(
                topic=name,
                partitions=[request_class.OffsetForLeaderPartition(partition=0, leader_epoch=leader_epoch)],
            )
        ]
    )
    answer = wire.call(ApiKey.OFFSET_FOR_LEADER_EPOCH, version, body).topics[0].partitions[0]
    assert (answer.error_code, answer.end_offset) == (0, 2)
    if version >= 1:
        assert answer.leader_epoch == leader_epoch


@pytest.mark.parametrize("version", range(0, 3))
def test_delete_records_at_every_version(wire: Wire, version: int) -> None:
    name = topic_with(wire, client_batch([b"a", b"b", b"c"]))
    request_class = REQUESTS[ApiKey.DELETE_RECORDS]
    body = request_class(
        topics=[
            request_class.DeleteRecordsTopic(
                name=name, partitions=[request_class.DeleteRecordsPartition(partition_index=0, offset=2)]
            )
        ],
        timeout_ms=5000,
    )
    answer = wire.call(ApiKey.DELETE_RECORDS, version, body).topics[0].partitions[0]
    assert (answer.error_code, answer.low_watermark) == (0, 2)
    earliest = wire.call(ApiKey.LIST_OFFSETS, 7, list_offsets_request(name, 0, -2)).topics[0].partitions[0]
    assert earliest.offset == 2


@pytest.mark.parametrize("version", range(0, 5))
def test_describe_log_dirs_at_every_version(broker: RunningBroker, wire: Wire, version: int) -> None:
    name = topic_with(wire, client_batch([b"a" * 100]), partitions=2)
    request_class = REQUESTS[ApiKey.DESCRIBE_LOG_DIRS]
    body = request_class(topics=[request_class.DescribableLogDirTopic(topic=name, partitions=[0, 1])])
    response = wire.call(ApiKey.DESCRIBE_LOG_DIRS, version, body)
    (result,) = response.results
    assert result.error_code == 0
    assert result.log_dir == str(broker.broker.replica_manager.log_dir)
    (topic,) = result.topics
    sizes = {p.partition_index: p.partition_size for p in topic.partitions}
    assert sizes == {0: len(client_batch([b"a" * 100])), 1: 0}
    if version >= 4:
        assert result.total_bytes > 0
    everything = wire.call(ApiKey.DESCRIBE_LOG_DIRS, version, request_class(topics=None))
    assert name in {t.name for t in everything.results[0].topics}


def test_zstd_topics_need_fetch_v10(wire: Wire) -> None:
    name = f"fetch-{next(_names)}"
    create_topic(wire, name, 1, {"compression.type": "zstd"})
    wire.call(ApiKey.PRODUCE, 9, produce_request(name, 0, client_batch([b"z"])))
    old = wire.call(ApiKey.FETCH, 9, fetch_request(name, 0, 0)).responses[0].partitions[0]
    assert (old.error_code, bytes(old.records or b"")) == (ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, b"")
    new = wire.call(ApiKey.FETCH, 10, fetch_request(name, 0, 0)).responses[0].partitions[0]
    assert new.error_code == 0 and values_of(bytes(new.records)) == [b"z"]
