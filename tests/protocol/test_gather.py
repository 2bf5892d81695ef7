"""Gathered response frames: large records are pieces of their own, and the bytes are unchanged."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from wirekafka.protocol import framing
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.compiler import codec
from wirekafka.protocol.gather import GATHER_MIN_SIZE
from wirekafka.protocol.messages import REQUESTS, RESPONSES
from wirekafka.protocol.messages.fetch import FetchResponse
from wirekafka.protocol.messages.metadata import MetadataResponse

LARGE = bytes(range(256)) * (GATHER_MIN_SIZE // 256 + 7)  # just over the threshold, not aligned
SMALL = b"\x07" * (GATHER_MIN_SIZE - 1)


def fetch_response(version: int, records: list[bytes | None]) -> Any:
    partitions = [
        FetchResponse.PartitionData(partition_index=index, high_watermark=100, records=data)
        for index, data in enumerate(records)
    ]
    topic = FetchResponse.FetchableTopicResponse(topic="t", topic_id=uuid.UUID(int=7), partitions=partitions)
    return FetchResponse(responses=[topic, topic])


@pytest.mark.parametrize("version", range(4, 18))
def test_a_gathered_fetch_answer_is_the_copied_one_with_large_records_left_as_they_are(version: int) -> None:
    large_view = memoryview(bytearray(LARGE))
    body = fetch_response(version, [LARGE, SMALL, None, large_view])
    parts = framing.encode_response_parts(ApiKey.FETCH, version, 42, body)
    assert b"".join(parts) == framing.encode_response(ApiKey.FETCH, version, 42, body)
    # Each large records object is handed over as it is (twice: the topic appears twice), never copied.
    assert sum(part is LARGE for part in parts) == 2
    assert sum(part is large_view for part in parts) == 2
    assert not any(part is SMALL for part in parts)
    # 4 large records and the frame's bytes between them; from v12 the last partition's tag
    # buffer and the topic's and response's follow the last records.
    assert len(parts) == (9 if version >= 12 else 8)


def test_a_small_answer_is_one_piece() -> None:
    body = fetch_response(12, [SMALL, None])
    parts = framing.encode_response_parts(ApiKey.FETCH, 12, 1, body)
    assert len(parts) == 1
    assert bytes(parts[0]) == framing.encode_response(ApiKey.FETCH, 12, 1, body)
    metadata = MetadataResponse(brokers=[], topics=[])
    assert len(framing.encode_response_parts(ApiKey.METADATA, 12, 1, metadata)) == 1


def test_the_size_prefix_counts_the_records_left_out() -> None:
    body = fetch_response(15, [LARGE])
    parts = framing.encode_response_parts(ApiKey.FETCH, 15, 9, body)
    total = sum(len(part) for part in parts)
    assert int.from_bytes(bytes(parts[0])[:4], "big") == total - 4


def test_stored_records_are_always_set_aside_and_read_in_by_a_one_buffer_frame() -> None:
    class Stored:
        """Stands for a file region: a length and a read(), nothing the codec looks into."""

        def __init__(self, data: bytes) -> None:
            self.data = data

        def __len__(self) -> int:
            return len(self.data)

        def read(self) -> bytes:
            return self.data

    stored = Stored(b"\x01\x02\x03")  # tiny: still set aside, it is not in memory to copy
    body = fetch_response(13, [stored, SMALL])
    parts = framing.encode_response_parts(ApiKey.FETCH, 13, 5, body)
    assert [part is stored for part in parts] == [False, True, False, True, False]  # the topic twice
    joined = b"".join(part.read() if part is stored else bytes(part) for part in parts)
    assert joined == framing.encode_response(ApiKey.FETCH, 13, 5, body)
    assert stored.data in joined


def test_only_layouts_with_a_records_field_gather() -> None:
    assert all(codec(FetchResponse, version).carries_records for version in range(4, 18))
    assert codec(REQUESTS[ApiKey.PRODUCE], 9).carries_records
    assert not codec(MetadataResponse, 12).carries_records
    assert not codec(RESPONSES[ApiKey.PRODUCE], 9).carries_records
