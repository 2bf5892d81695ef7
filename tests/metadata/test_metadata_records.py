"""Metadata records as Kafka frames them in the metadata log: golden bytes, round trips, refusals."""

from __future__ import annotations

import uuid

import pytest

from wirekafka.metadata.records import (
    RECORD_TYPES,
    WRITE_VERSIONS,
    MetadataRecordError,
    decode_record,
    encode_record,
)
from wirekafka.protocol.messages import metadata_records as m

TOPIC_ID = uuid.UUID("00112233-4455-6677-8899-aabbccddeeff")


def test_topic_record_golden_bytes() -> None:
    """frame version 1, type 2, version 0, compact string "foo", the uuid, empty tag buffer."""
    data = encode_record(m.TopicRecord(name="foo", topic_id=TOPIC_ID))
    assert data == b"\x01\x02\x00" + b"\x04foo" + TOPIC_ID.bytes + b"\x00"


def test_partition_change_record_writes_only_changed_fields_as_tags() -> None:
    record = m.PartitionChangeRecord(partition_id=3, topic_id=TOPIC_ID, leader=7)
    data = encode_record(record)
    # frame 1, type 5, version 1; partition id; topic id; one tagged field: tag 1, size 4, leader 7
    assert data == b"\x01\x05\x01" + b"\x00\x00\x00\x03" + TOPIC_ID.bytes + b"\x01\x01\x04\x00\x00\x00\x07"


def test_config_record_null_value_golden_bytes() -> None:
    data = encode_record(m.ConfigRecord(resource_type=2, resource_name="t", name="k", value=None))
    assert data == b"\x01\x04\x00" + b"\x02" + b"\x02t" + b"\x02k" + b"\x00" + b"\x00"


def test_every_record_type_has_a_write_version_and_kafkas_type_id() -> None:
    assert {cls.schema.name: key for key, cls in RECORD_TYPES.items()} == {
        "RegisterBrokerRecord": 0,
        "UnregisterBrokerRecord": 1,
        "TopicRecord": 2,
        "PartitionRecord": 3,
        "ConfigRecord": 4,
        "PartitionChangeRecord": 5,
        "FenceBrokerRecord": 7,
        "UnfenceBrokerRecord": 8,
        "RemoveTopicRecord": 9,
        "FeatureLevelRecord": 12,
        "ProducerIdsRecord": 15,
        "BrokerRegistrationChangeRecord": 17,
        "NoOpRecord": 20,
    }
    assert set(WRITE_VERSIONS) == {cls.schema.name for cls in RECORD_TYPES.values()}


SAMPLES = [
    m.RegisterBrokerRecord(
        broker_id=1,
        incarnation_id=TOPIC_ID,
        broker_epoch=10,
        end_points=[
            m.RegisterBrokerRecord.BrokerEndpoint(name="PLAINTEXT", host="h", port=9092, security_protocol=0)
        ],
        features=[
            m.RegisterBrokerRecord.BrokerFeature(
                name="metadata.version", min_supported_version=1, max_supported_version=21
            )
        ],
        rack="r1",
        fenced=False,
        log_dirs=[TOPIC_ID],
    ),
    m.UnregisterBrokerRecord(broker_id=1, broker_epoch=4),
    m.TopicRecord(name="t", topic_id=TOPIC_ID),
    m.PartitionRecord(
        partition_id=0,
        topic_id=TOPIC_ID,
        replicas=[1, 2],
        isr=[1],
        leader=1,
        leader_epoch=0,
        partition_epoch=0,
        directories=[uuid.UUID(int=0), uuid.UUID(int=0)],
    ),
    m.ConfigRecord(resource_type=4, resource_name="", name="num.partitions", value="3"),
    m.PartitionChangeRecord(partition_id=0, topic_id=TOPIC_ID, isr=[1, 2], leader=2, leader_recovery_state=1),
    m.FenceBrokerRecord(id=2, epoch=5),
    m.UnfenceBrokerRecord(id=2, epoch=5),
    m.RemoveTopicRecord(topic_id=TOPIC_ID),
    m.FeatureLevelRecord(name="metadata.version", feature_level=21),
    m.ProducerIdsRecord(broker_id=1, broker_epoch=3, next_producer_id=2000),
    m.BrokerRegistrationChangeRecord(broker_id=1, broker_epoch=3, fenced=-1, in_controlled_shutdown=1),
    m.NoOpRecord(),
]


@pytest.mark.parametrize("record", SAMPLES, ids=lambda r: type(r).schema.name)
def test_round_trip_at_the_written_version(record: object) -> None:
    decoded, version = decode_record(encode_record(record))
    assert decoded == record
    assert version == WRITE_VERSIONS[type(record).schema.name]  # type: ignore[attr-defined]


@pytest.mark.parametrize("record_class", list(RECORD_TYPES.values()), ids=lambda c: c.schema.name)
def test_defaults_round_trip_at_every_version(record_class: object) -> None:
    for version in record_class.schema.versions:  # type: ignore[attr-defined]
        decoded, read_version = decode_record(encode_record(record_class(), version))  # type: ignore[operator]
        assert read_version == version
        assert decoded == record_class()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x02\x00", "unknown frame version 0"),
        (b"\x0f\x02\x00", "unknown frame version 15"),
        (b"\x01\x63\x00", "unknown metadata record type 99"),
        (b"\x01\x02\x05", "TopicRecord has no version 5"),
        (
            b"\x01\x02\x00\x04foo" + TOPIC_ID.bytes + b"\x00garbage",
            "failed to deserialize record with type 2",
        ),
        (b"\x01\x02\x00\x04fo", "failed to deserialize record with type 2"),
        (b"\x80\x80\x80\x80\x80\x80", "malformed metadata record frame"),
        (b"", "malformed metadata record frame"),
    ],
)
def test_bad_frames_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(MetadataRecordError, match=message):
        decode_record(data)
