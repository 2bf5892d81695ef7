"""``__consumer_offsets`` records: Kafka's bytes, Kafka's partitioning, and replay = the live state."""

from __future__ import annotations

import struct
import uuid

import pytest

from tests.coordinator.harness import GroupHarness
from wirekafka.coordinator.group import records
from wirekafka.coordinator.group.partitioner import java_string_hash, partition_for
from wirekafka.coordinator.group.records import CoordinatorRecord, UnknownRecordTypeError, decode_record
from wirekafka.protocol.compiler import codec
from wirekafka.protocol.errors import DecodeError
from wirekafka.protocol.messages import group_records as schemas


def kstring(text: str) -> bytes:
    data = text.encode()
    return struct.pack(">h", len(data)) + data


def kbytes(data: bytes) -> bytes:
    return struct.pack(">i", len(data)) + data


# -- partitioning --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hash_code"),
    [
        ("", 0),
        ("a", 97),
        ("group", 98629247),
        ("polygenelubricants", -(2**31)),  # Java's hashCode is Integer.MIN_VALUE for this one
        ("é", 233),
        ("\U0001f600", 1772899),  # outside the BMP: hashed as two UTF-16 surrogates
    ],
)
def test_java_string_hash(text: str, hash_code: int) -> None:
    assert java_string_hash(text) == hash_code


@pytest.mark.parametrize(
    ("group_id", "partitions", "expected"),
    [
        ("group", 50, 47),
        ("a", 50, 47),
        ("polygenelubricants", 50, 0),
        ("console-consumer-12345", 50, 6),
        ("x", 1, 0),
    ],
)
def test_partition_for_uses_utils_abs(group_id: str, partitions: int, expected: int) -> None:
    assert partition_for(group_id, partitions) == expected


# -- Kafka's byte layouts ------------------------------------------------------------------------


def test_offset_commit_record_bytes() -> None:
    record = records.offset_commit(
        "g",
        "t",
        3,
        offset=42,
        leader_epoch=7,
        metadata="md",
        commit_timestamp_ms=1000,
        expire_timestamp_ms=None,
    )
    key, value = record.encode()
    assert key == struct.pack(">h", 1) + kstring("g") + kstring("t") + struct.pack(">i", 3)
    assert value == struct.pack(">hqi", 3, 42, 7) + kstring("md") + struct.pack(">q", 1000)


def test_offset_commit_with_retention_time_is_written_as_value_v1() -> None:
    record = records.offset_commit(
        "g", "t", 0, offset=1, leader_epoch=-1, metadata="", commit_timestamp_ms=10, expire_timestamp_ms=99
    )
    _, value = record.encode()
    assert value == struct.pack(">hq", 1, 1) + kstring("") + struct.pack(">qq", 10, 99)


def test_group_metadata_record_bytes() -> None:
    member = records.GroupMemberSnapshot("m-1", "inst", "cid", "/1.2.3.4", 30000, 10000, b"sub", b"asg")
    record = records.group_metadata(
        "g",
        protocol_type="consumer",
        generation=5,
        protocol="range",
        leader="m-1",
        current_state_timestamp_ms=123,
        members=[member],
    )
    key, value = record.encode()
    assert key == struct.pack(">h", 2) + kstring("g")
    expected_member = (
        kstring("m-1")
        + kstring("inst")
        + kstring("cid")
        + kstring("/1.2.3.4")
        + struct.pack(">ii", 30000, 10000)
        + kbytes(b"sub")
        + kbytes(b"asg")
    )
    assert value == (
        struct.pack(">h", 3)
        + kstring("consumer")
        + struct.pack(">i", 5)
        + kstring("range")
        + kstring("m-1")
        + struct.pack(">qi", 123, 1)
        + expected_member
    )


def test_empty_group_metadata_has_null_protocol_and_leader() -> None:
    record = records.group_metadata(
        "g",
        protocol_type=None,
        generation=0,
        protocol=None,
        leader=None,
        current_state_timestamp_ms=None,
        members=[],
    )
    _, value = record.encode()
    assert value == struct.pack(">h", 3) + kstring("") + struct.pack(">ihhqi", 0, -1, -1, -1, 0)


def test_tombstones_have_no_value() -> None:
    assert records.group_metadata_tombstone("g").encode() == (struct.pack(">h", 2) + kstring("g"), None)
    assert records.offset_commit_tombstone("g", "t", 1).encode()[1] is None


def test_consumer_group_records_are_flexible_v0_values() -> None:
    topic = uuid.UUID(int=1)
    record = records.consumer_group_current_assignment(
        "g",
        "m",
        member_epoch=3,
        previous_member_epoch=2,
        state=1,
        assigned={topic: [1, 0]},
        pending_revocation={},
    )
    key, value = record.encode()
    assert key == struct.pack(">h", 8) + kstring("g") + kstring("m")
    assert value is not None
    # version 0, epochs, state, compact array of one (uuid, compact [0, 1]), empty array, no tags
    assert value == (
        struct.pack(">hiib", 0, 3, 2, 1)
        + b"\x02"
        + topic.bytes
        + b"\x03"
        + struct.pack(">ii", 0, 1)
        + b"\x00"
        + b"\x01"
        + b"\x00"
    )


# -- decoding ------------------------------------------------------------------------------------


def test_every_record_type_round_trips() -> None:
    topic = uuid.UUID(int=7)
    member_value = schemas.ConsumerGroupMemberMetadataValue(
        instance_id=None,
        rack_id="r",
        client_id="c",
        client_host="/h",
        subscribed_topic_names=["a", "b"],
        subscribed_topic_regex="x.*",
        rebalance_timeout_ms=5,
        server_assignor="range",
        classic_member_metadata=None,
    )
    samples = [
        records.offset_commit(
            "g",
            "t",
            1,
            offset=5,
            leader_epoch=1,
            metadata="m",
            commit_timestamp_ms=1,
            expire_timestamp_ms=None,
        ),
        records.group_metadata(
            "g",
            protocol_type="consumer",
            generation=1,
            protocol="range",
            leader="m",
            current_state_timestamp_ms=5,
            members=[],
        ),
        records.consumer_group_epoch("g", 4),
        records.consumer_group_subscription_metadata("g", [(topic, "t", 3)]),
        records.consumer_group_member_subscription("g", "m", member_value),
        records.consumer_group_target_assignment_epoch("g", 4),
        records.consumer_group_target_assignment("g", "m", {topic: [2]}),
        records.consumer_group_current_assignment(
            "g",
            "m",
            member_epoch=4,
            previous_member_epoch=3,
            state=0,
            assigned={topic: [2]},
            pending_revocation={},
        ),
        records.consumer_group_epoch_tombstone("g"),
    ]
    for record in samples:
        key, value = record.encode()
        decoded = decode_record(key, value)
        assert decoded == record
        assert decoded.encode() == (key, value)


def test_unknown_record_types_are_reported() -> None:
    share_key = struct.pack(">h", 9) + kstring("g")
    with pytest.raises(UnknownRecordTypeError):
        decode_record(share_key, None)
    with pytest.raises(DecodeError):
        decode_record(b"\x00", None)


def test_a_newer_value_version_is_read_with_the_newest_known_one() -> None:
    # KIP-915: OffsetCommitValue v5 (say) is v4 plus tagged fields; it must still load.
    body = codec(schemas.OffsetCommitValue, 4).encode(
        schemas.OffsetCommitValue(offset=9, leader_epoch=2, metadata="m", commit_timestamp=3)
    )
    key, _ = records.offset_commit_tombstone("g", "t", 0).encode()
    decoded = decode_record(key, struct.pack(">h", 5) + body)
    assert (decoded.value.offset, decoded.value.metadata, decoded.value_version) == (9, "m", 5)


# -- replay --------------------------------------------------------------------------------------


def test_reloading_the_log_rebuilds_groups_and_offsets() -> None:
    h = GroupHarness()
    leader, _follower = h.stable_group(members=2)
    h.commit(
        "group",
        {("topic", 0): 10, ("topic", 1): 20},
        member_id=leader,
        generation_id=1,
        metadata="résumé ✓",
        leader_epoch=4,
    )
    h.commit("simple", {("other", 0): 7})
    h.commit("gone", {("other", 0): 1})
    h.delete_groups("gone")
    reloaded = h.reloaded()
    assert reloaded.describe_groups(["group", "simple", "gone"]) == h.shard.describe_groups(
        ["group", "simple", "gone"]
    )
    assert sorted(map(repr, reloaded.list_groups([], []))) == sorted(map(repr, h.shard.list_groups([], [])))
    assert reloaded.offset_fetch("group", None) == h.shard.offset_fetch("group", None)
    fetched = reloaded.offset_fetch("group", [("topic", [0, 1])]).topics[0][1]
    assert [(p.committed_offset, p.leader_epoch, p.metadata) for p in fetched] == [
        (10, 4, "résumé ✓"),
        (20, 4, "résumé ✓"),
    ]


def test_members_of_a_reloaded_stable_group_keep_heartbeating_in_their_generation() -> None:
    h = GroupHarness()
    leader, follower = h.stable_group(members=2)
    h.shard = h.reloaded()
    assert h.heartbeat("group", leader, 1) == 0
    assert h.heartbeat("group", follower, 1) == 0
    # ... and the reloaded sessions run: a silent member is removed after its session timeout.
    h.advance(5_000)
    h.heartbeat("group", leader, 1)
    h.advance(5_000)
    assert follower not in h.shard.groups["group"].members


def test_record_offsets_follow_the_log() -> None:
    h = GroupHarness()
    h.commit("g", {("t", 0): 1})
    h.commit("g", {("t", 0): 2, ("t", 1): 3})
    # A simple group's creation writes nothing: three offset records at offsets 0, 1 and 2.
    assert h.shard.next_offset == len(h.log) == 3
    assert h.shard.offsets.get("g", "t", 0).record_offset == 1
    assert h.shard.offsets.get("g", "t", 1).record_offset == 2


def test_decoded_records_compare_as_values() -> None:
    a = CoordinatorRecord(schemas.GroupMetadataKey(group="g"), 2, None)
    b = CoordinatorRecord(schemas.GroupMetadataKey(group="g"), 2, None)
    assert a == b and a.is_tombstone
