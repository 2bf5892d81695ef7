"""A blocking raw-protocol connection for the produce/fetch tests: requests built with the codec.

Real clients never send most of the bad inputs these tests need (a corrupt CRC, magic 1, acks=2,
Produce v2), so the tests speak the protocol themselves, one frame at a time, and read exactly
what the broker answers -- or notice that it answers nothing.
"""

from __future__ import annotations

import itertools
import socket
import struct
from collections.abc import Mapping
from typing import Any

from wirekafka.protocol import framing
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.messages import REQUESTS

_correlation_ids = itertools.count(1000)


class Wire:
    """One TCP connection to a broker."""

    def __init__(self, port: int, timeout: float = 20.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def __enter__(self) -> Wire:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()

    def send(self, api_key: int, version: int, body: Any, *, correlation_id: int | None = None) -> int:
        correlation = next(_correlation_ids) if correlation_id is None else correlation_id
        header = framing.RequestHeader(api_key, version, correlation, "wirekafka-tests")
        self.sock.sendall(framing.encode_request(header, body))
        return correlation

    def receive_frame(self) -> bytes:
        (size,) = struct.unpack(">i", self._exactly(4))
        return self._exactly(size)

    def receive(self, api_key: int, version: int) -> tuple[int, Any]:
        return framing.decode_response(api_key, version, self.receive_frame())

    def call(self, api_key: int, version: int, body: Any) -> Any:
        sent = self.send(api_key, version, body)
        correlation_id, response = self.receive(api_key, version)
        assert correlation_id == sent
        return response

    def _exactly(self, count: int) -> bytes:
        data = bytearray()
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("the broker closed the connection")
            data += chunk
        return bytes(data)


def request(api_key: ApiKey, **fields: Any) -> Any:
    return REQUESTS[api_key](**fields)


def create_topic(
    wire: Wire, name: str, partitions: int = 1, configs: Mapping[str, str] | None = None
) -> None:
    body = REQUESTS[ApiKey.CREATE_TOPICS](
        topics=[
            REQUESTS[ApiKey.CREATE_TOPICS].CreatableTopic(
                name=name,
                num_partitions=partitions,
                replication_factor=1,
                configs=[
                    REQUESTS[ApiKey.CREATE_TOPICS].CreatableTopicConfig(name=key, value=value)
                    for key, value in (configs or {}).items()
                ],
            )
        ],
        timeout_ms=10_000,
    )
    response = wire.call(ApiKey.CREATE_TOPICS, 5, body)
    assert response.topics[0].error_code == 0, response


def produce_request(
    name: str, partition: int, records: bytes | None, *, acks: int = 1, timeout_ms: int = 5000
) -> Any:
    produce = REQUESTS[ApiKey.PRODUCE]
    return produce(
        acks=acks,
        timeout_ms=timeout_ms,
        topic_data=[
            produce.TopicProduceData(
                name=name, partition_data=[produce.PartitionProduceData(index=partition, records=records)]
            )
        ],
    )


def fetch_request(
    name: str,
    partition: int,
    offset: int,
    *,
    max_wait_ms: int = 0,
    min_bytes: int = 1,
    max_bytes: int = 50 * 1024 * 1024,
    partition_max_bytes: int = 1024 * 1024,
    isolation_level: int = 0,
    topic_id: Any = None,
    session_id: int = 0,
    session_epoch: int = -1,
) -> Any:
    fetch = REQUESTS[ApiKey.FETCH]
    topic = fetch.FetchTopic(
        topic=name,
        partitions=[
            fetch.FetchPartition(
                partition=partition, fetch_offset=offset, partition_max_bytes=partition_max_bytes
            )
        ],
    )
    if topic_id is not None:
        topic.topic_id = topic_id
    return fetch(
        max_wait_ms=max_wait_ms,
        min_bytes=min_bytes,
        max_bytes=max_bytes,
        isolation_level=isolation_level,
        session_id=session_id,
        session_epoch=session_epoch,
        topics=[topic],
    )


def list_offsets_request(name: str, partition: int, timestamp: int, *, isolation_level: int = 0) -> Any:
    list_offsets = REQUESTS[ApiKey.LIST_OFFSETS]
    return list_offsets(
        replica_id=-1,
        isolation_level=isolation_level,
        topics=[
            list_offsets.ListOffsetsTopic(
                name=name,
                partitions=[
                    list_offsets.ListOffsetsPartition(partition_index=partition, timestamp=timestamp)
                ],
            )
        ],
    )
