"""Metadata records as bytes: Kafka's frame around each record, and the versions we write.

A metadata record is stored as the value of a v2 batch record (null key). Kafka frames it with
``MetadataRecordSerde`` (``AbstractApiMessageSerde``)::

    unsigned varint  frame version   (always 1; 0 was the 2.8 preview and is refused)
    unsigned varint  record type     (the record's api key: TopicRecord = 2, ...)
    unsigned varint  record version
    bytes            the record at that version (every metadata record is flexible)

Any other frame version, an unknown type or version, or bytes left after the record raise
``MetadataRecordError``, as Kafka's ``MetadataParseException``.

The version written for each type is the one Kafka writes at ``metadata.version`` 3.9-IV0
(level 21, ``WRITTEN_METADATA_VERSION``): PartitionRecord v1 (with directories, KIP-858) but not
v2 (eligible leader replicas need 4.0-IV1).
"""

from __future__ import annotations

from typing import Any

from wirekafka.protocol import primitives as p
from wirekafka.protocol.compiler import codec
from wirekafka.protocol.errors import DecodeError
from wirekafka.protocol.messages import metadata_records as m

FRAME_VERSION = 1

WRITTEN_METADATA_VERSION = 21
"""``metadata.version`` 3.9-IV0: the level this node bootstraps and whose record versions it writes."""

MetadataRecord = Any
"""An instance of one of the classes in ``wirekafka.protocol.messages.metadata_records``."""

RECORD_TYPES: dict[int, Any] = {getattr(m, name).schema.api_key: getattr(m, name) for name in m.__all__}
"""Record type (api key) -> record class."""

WRITE_VERSIONS: dict[str, int] = {
    "RegisterBrokerRecord": 3,
    "UnregisterBrokerRecord": 0,
    "TopicRecord": 0,
    "PartitionRecord": 1,
    "ConfigRecord": 0,
    "PartitionChangeRecord": 1,
    "FenceBrokerRecord": 0,
    "UnfenceBrokerRecord": 0,
    "RemoveTopicRecord": 0,
    "FeatureLevelRecord": 0,
    "ProducerIdsRecord": 0,
    "BrokerRegistrationChangeRecord": 2,
    "NoOpRecord": 0,
}


class MetadataRecordError(ValueError):
    """Bytes that are not a framed metadata record this node can read."""


def write_version(record: MetadataRecord) -> int:
    """The version this node writes ``record`` at."""
    return WRITE_VERSIONS[type(record).schema.name]


def encode_record(record: MetadataRecord, version: int | None = None) -> bytes:
    """Frame and encode ``record`` (at its write version unless ``version`` is given)."""
    schema = type(record).schema
    if version is None:
        version = WRITE_VERSIONS[schema.name]
    out = bytearray()
    p.write_unsigned_varint(out, FRAME_VERSION)
    p.write_unsigned_varint(out, schema.api_key)
    p.write_unsigned_varint(out, version)
    codec(type(record), version).encode_into(out, record)
    return bytes(out)


def decode_record(data: bytes | memoryview) -> tuple[MetadataRecord, int]:
    """Decode one framed record; returns the record and the version it was written at.

    Raises:
        MetadataRecordError: bad frame version, unknown record type or version, or a body that
            does not decode exactly.
    """
    view = memoryview(data)
    try:
        frame_version, position = p.read_unsigned_varint(view, 0)
        if frame_version != FRAME_VERSION:
            raise MetadataRecordError(
                f"could not deserialize metadata record due to unknown frame version {frame_version} "
                f"(only frame version {FRAME_VERSION} is supported)"
            )
        record_type, position = p.read_unsigned_varint(view, position)
        version, position = p.read_unsigned_varint(view, position)
    except DecodeError as exc:
        raise MetadataRecordError(f"malformed metadata record frame: {exc}") from None
    record_class = RECORD_TYPES.get(record_type)
    if record_class is None:
        raise MetadataRecordError(f"unknown metadata record type {record_type}")
    if version not in record_class.schema.valid_versions:
        raise MetadataRecordError(f"{record_class.schema.name} has no version {version}")
    try:
        record = codec(record_class, version).decode(view[position:])
    except DecodeError as exc:
        raise MetadataRecordError(f"failed to deserialize record with type {record_type}: {exc}") from None
    return record, version
