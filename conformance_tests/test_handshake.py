"""Connection handshake: ApiVersions in every version, header quirks, what clients need advertised.

Hand-built frames, because the quirks live in bytes no client exposes (see CLIENT-QUIRKS.md):
ApiVersions always answers with response header v0; an unknown ApiVersions version gets the v0 layout
with error 35; default-valued tagged fields are not written; Produce is advertised from v0.
"""

from __future__ import annotations

import pytest

from conformance_tests import wire
from conformance_tests.helpers import require_api

# Highest version of each API that the non-flexible clients (aiokafka 0.14, kafkajs 2.2, older
# librdkafka) send; the broker must serve at least that one (its range must start at or below it).
NON_FLEXIBLE_NEEDS = {
    "ApiVersions": 2, "Metadata": 5, "Produce": 7, "Fetch": 11, "ListOffsets": 5, "FindCoordinator": 2,
    "JoinGroup": 5, "SyncGroup": 3, "Heartbeat": 3, "LeaveGroup": 3, "OffsetCommit": 7, "OffsetFetch": 5,
    "CreateTopics": 4, "DeleteTopics": 3, "InitProducerId": 1,
}
CORE_APIS = ["Produce", "Fetch", "ListOffsets", "Metadata", "OffsetCommit", "OffsetFetch", "FindCoordinator",
             "JoinGroup", "Heartbeat", "LeaveGroup", "SyncGroup", "DescribeGroups", "ListGroups", "ApiVersions",
             "CreateTopics", "DeleteTopics", "InitProducerId", "DescribeConfigs"]


@pytest.mark.parametrize("version", [0, 1, 2, 3, 4])
def test_api_versions(bootstrap: str, api_versions: dict[int, tuple[int, int]], version: int) -> None:
    """Each version parses to the last byte with response header v0 (no tag buffer, even at v3+)."""
    require_api(api_versions, "ApiVersions", version)
    with wire.Connection.to(bootstrap) as conn:
        cid = conn.next_correlation_id()
        conn.send(wire.request_frame(18, version, cid, wire.api_versions_body(version), flexible=version >= 3))
        frame = conn.recv_frame()
    reader = wire.Reader(frame)
    assert reader.i32() == cid
    response = wire.parse_api_versions(reader, version)
    assert response.error_code == 0, f"error {response.error_code}"
    assert reader.remaining() == 0, f"{reader.remaining()} unread bytes: a response header v1 tag buffer?"
    assert 18 in response.apis and response.apis[18][1] >= version
    assert response.apis == api_versions, "advertised ranges differ between versions"


def test_api_versions_unknown_version_gets_v0_fallback(bootstrap: str) -> None:
    """ApiVersions v127: error 35 in the v0 layout, with the ApiVersions range so a client can retry lower."""
    with wire.Connection.to(bootstrap) as conn:
        cid = conn.next_correlation_id()
        conn.send(wire.request_frame(18, 127, cid, wire.api_versions_body(3), flexible=True))
        frame = conn.recv_frame()
    reader = wire.Reader(frame)
    assert reader.i32() == cid
    error_code = wire.Reader(frame, 4).i16()
    assert error_code == wire.UNSUPPORTED_VERSION, f"error code {error_code}, expected 35 (UNSUPPORTED_VERSION)"
    response = wire.parse_api_versions(reader, 0)
    assert 18 in response.apis, "the fallback must list the ApiVersions range"
    assert reader.remaining() == 0, "fallback must be in the v0 layout"


def test_api_versions_v3_writes_no_default_tagged_fields(bootstrap: str, api_versions: dict[int, tuple[int, int]]) -> None:
    """librdkafka < 2.2 (Debian's kcat) mis-skips default-valued tags in the ApiVersions v3 response."""
    require_api(api_versions, "ApiVersions", 3)
    with wire.Connection.to(bootstrap) as conn:
        response = wire.parse_api_versions(conn.request(18, 3, wire.api_versions_body(3), flexible=True), 3)
    defaults = {0: b"\x01", 1: wire.i64(-1), 2: b"\x01", 3: b"\x00"}
    names = {0: "SupportedFeatures", 1: "FinalizedFeaturesEpoch", 2: "FinalizedFeatures", 3: "ZkMigrationReady"}
    written = [names[t] for t, raw in response.tags.items() if defaults.get(t) == raw]
    assert not written, f"tagged fields written with their default value: {written}"


def test_produce_advertised_from_v0(api_versions: dict[int, tuple[int, int]]) -> None:
    """librdkafka < 2.11.1 turns compression off unless the Produce range starts at 0."""
    require_api(api_versions, "Produce")
    assert api_versions[0][0] == 0, f"Produce advertised from v{api_versions[0][0]}"


@pytest.mark.parametrize("api", CORE_APIS)
def test_core_api_advertised(api_versions: dict[int, tuple[int, int]], api: str) -> None:
    """The APIs every mainstream client uses for produce, consume, groups and admin."""
    key = wire.API_KEYS[api]
    assert key in api_versions, f"{api} ({key}) not advertised"


@pytest.mark.parametrize("api", sorted(NON_FLEXIBLE_NEEDS))
def test_non_flexible_version_served(api_versions: dict[int, tuple[int, int]], api: str) -> None:
    """aiokafka and kafkajs never send flexible versions: the pre-flexible encodings must be served."""
    require_api(api_versions, api)
    low, _ = api_versions[wire.API_KEYS[api]]
    assert low <= NON_FLEXIBLE_NEEDS[api], f"{api} starts at v{low}; non-flexible clients send v{NON_FLEXIBLE_NEEDS[api]}"


def test_pipelined_requests_answered_in_order(bootstrap: str) -> None:
    """Several requests written before reading: responses come back in request order."""
    with wire.Connection.to(bootstrap) as conn:
        requests = [(18, 0, b""), (3, 1, wire.metadata_body(1, None)), (18, 1, b""), (18, 2, b"")]
        cids = []
        for key, version, body in requests:
            cid = conn.next_correlation_id()
            cids.append(cid)
            conn.send(wire.request_frame(key, version, cid, body))
        got = [wire.Reader(conn.recv_frame()).i32() for _ in requests]
    assert got == cids


def test_null_client_id_accepted(bootstrap: str) -> None:
    """The request header's client_id is nullable; some clients send null."""
    with wire.Connection.to(bootstrap) as conn:
        response = wire.parse_api_versions(conn.request(18, 1, b"", client_id=None), 1)
    assert response.error_code == 0


def test_many_requests_on_one_connection(bootstrap: str) -> None:
    """A long-lived connection keeps working (200 sequential requests, correlation ids checked)."""
    with wire.Connection.to(bootstrap) as conn:
        for _ in range(200):
            assert wire.parse_api_versions(conn.request(18, 0, b""), 0).error_code == 0
