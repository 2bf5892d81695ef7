"""Frames and batches captured from real clients decode, and re-encode byte for byte.

The data (tests/protocol/golden/, see its README) is what confluent-kafka, kafka-python,
aiokafka, kcat and kafkajs actually sent; a decoder that disagrees with any of them is wrong
whatever the spec text seems to say.
"""

from __future__ import annotations

import pytest

from tests.protocol.golden import GoldenBatch, GoldenRequest, load_batches, load_requests
from wirekafka.protocol import framing
from wirekafka.protocol.compiler import codec
from wirekafka.protocol.messages import REQUESTS
from wirekafka.records.batch import iter_batches, validate_batches
from wirekafka.records.record import iter_records

REQUESTS_CAPTURED = load_requests()
BATCHES_CAPTURED = load_batches()


@pytest.mark.parametrize("golden", REQUESTS_CAPTURED, ids=[g.name for g in REQUESTS_CAPTURED])
def test_captured_request_decodes_and_reencodes_identically(golden: GoldenRequest) -> None:
    if golden.api_key not in REQUESTS:
        pytest.skip(f"{golden.api_name} is not an API wirekafka declares")
    header, body = framing.decode_request(golden.payload)
    assert (header.api_key, header.api_version, header.correlation_id) == (
        golden.api_key,
        golden.api_version,
        golden.correlation_id,
    )
    assert header.header_version == golden.header_version
    assert header.client_id == golden.client_id
    trailing = golden.trailing_bytes or 0
    reencoded = framing.encode_request(header, body)[4:]
    assert reencoded == golden.payload[: len(golden.payload) - trailing]


def test_captures_cover_every_client_and_the_old_encodings() -> None:
    clients = {g.client for g in REQUESTS_CAPTURED}
    assert {"confluent-kafka", "kafka-python", "aiokafka", "kcat", "kafkajs"} <= clients
    assert {g.header_version for g in REQUESTS_CAPTURED} == {1, 2}


@pytest.mark.parametrize("golden", BATCHES_CAPTURED, ids=[b.name for b in BATCHES_CAPTURED])
def test_captured_batches_validate_and_decode(golden: GoldenBatch) -> None:
    headers = validate_batches(golden.records)
    assert len(headers) == golden.batch_count
    assert sum(h.records_count for h in headers) == golden.record_count
    assert all(h.is_valid() for h in iter_batches(golden.records))
    records = [r for h in headers for r in iter_records(h)]
    assert len(records) == golden.record_count
    assert any(r.value is None for r in records)  # each workload sends a null value
    assert any(r.headers for r in records)  # and headers
    if golden.codec != "none":
        assert {h.compression.name.lower() for h in headers} == {golden.codec}


def test_produce_records_stay_views_of_the_frame() -> None:
    produce = [g for g in REQUESTS_CAPTURED if g.api_key == 0 and g.api_version >= 3]
    assert produce
    for golden in produce:
        _, body = framing.decode_request(golden.payload)
        for topic in body.topic_data:
            for partition in topic.partition_data:
                assert isinstance(partition.records, memoryview)
                assert partition.records.obj is not None
        # and the encoded body is unchanged by going through the codec
        assert codec(REQUESTS[0], golden.api_version).encode(body) in golden.payload
