"""The group coordinator's records: typed form, bytes form, and the helpers that build them.

A ``CoordinatorRecord`` is a key message and an optional value message, each with the version it
is written at. On disk both are ``int16 version`` + body (Kafka's ``CoordinatorRecordSerde``); the
key's version tells the record type, so decoding reads the key version first and picks the key
and value schemas from ``RECORD_TYPES``. A record without a value is a tombstone.

The helpers mirror Kafka's ``GroupCoordinatorRecordHelpers`` so the bytes written are the ones
Kafka writes: ``OffsetCommitKey`` v1 with ``OffsetCommitValue`` v3 (v1 when the commit carried a
retention time), ``GroupMetadataValue`` v3, and v0 values for the KIP-848 records.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from wirekafka.protocol.compiler import codec
from wirekafka.protocol.errors import DecodeError
from wirekafka.protocol.messages import group_records as schemas

_VERSION = struct.Struct(">h")


@dataclass(frozen=True, slots=True)
class RecordType:
    """The key and value schemas of one record type, and the value version Kafka writes."""

    key: Any
    value: Any
    value_version: int


#: Key version -> record type. Versions 0 and 1 are both offset commits (0 is pre-0.10 Kafka).
RECORD_TYPES: Final[dict[int, RecordType]] = {
    0: RecordType(schemas.OffsetCommitKey, schemas.OffsetCommitValue, 3),
    1: RecordType(schemas.OffsetCommitKey, schemas.OffsetCommitValue, 3),
    2: RecordType(schemas.GroupMetadataKey, schemas.GroupMetadataValue, 3),
    3: RecordType(schemas.ConsumerGroupMetadataKey, schemas.ConsumerGroupMetadataValue, 0),
    4: RecordType(schemas.ConsumerGroupPartitionMetadataKey, schemas.ConsumerGroupPartitionMetadataValue, 0),
    5: RecordType(schemas.ConsumerGroupMemberMetadataKey, schemas.ConsumerGroupMemberMetadataValue, 0),
    6: RecordType(
        schemas.ConsumerGroupTargetAssignmentMetadataKey,
        schemas.ConsumerGroupTargetAssignmentMetadataValue,
        0,
    ),
    7: RecordType(
        schemas.ConsumerGroupTargetAssignmentMemberKey, schemas.ConsumerGroupTargetAssignmentMemberValue, 0
    ),
    8: RecordType(
        schemas.ConsumerGroupCurrentMemberAssignmentKey, schemas.ConsumerGroupCurrentMemberAssignmentValue, 0
    ),
    16: RecordType(schemas.ConsumerGroupRegularExpressionKey, schemas.ConsumerGroupRegularExpressionValue, 0),
}

OFFSET_COMMIT_KEY_VERSION: Final = 1
GROUP_METADATA_KEY_VERSION: Final = 2
CONSUMER_GROUP_METADATA_KEY_VERSION: Final = 3
CONSUMER_GROUP_PARTITION_METADATA_KEY_VERSION: Final = 4
CONSUMER_GROUP_MEMBER_METADATA_KEY_VERSION: Final = 5
CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA_KEY_VERSION: Final = 6
CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER_KEY_VERSION: Final = 7
CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT_KEY_VERSION: Final = 8
CONSUMER_GROUP_REGULAR_EXPRESSION_KEY_VERSION: Final = 16


class UnknownRecordTypeError(DecodeError):
    """A key version this coordinator does not know (share/streams groups, or a newer Kafka)."""


@dataclass(frozen=True, slots=True)
class CoordinatorRecord:
    """One ``__consumer_offsets`` record: key and value messages with their versions."""

    key: Any
    key_version: int
    value: Any | None
    value_version: int = 0

    @property
    def is_tombstone(self) -> bool:
        return self.value is None

    def encode(self) -> tuple[bytes, bytes | None]:
        """Key and value bytes as stored in the record (value None for a tombstone)."""
        key = _VERSION.pack(self.key_version) + codec(type(self.key), self.key_version).encode(self.key)
        if self.value is None:
            return key, None
        value = _VERSION.pack(self.value_version) + codec(type(self.value), self.value_version).encode(
            self.value
        )
        return key, value


def decode_record(key: bytes | memoryview, value: bytes | memoryview | None) -> CoordinatorRecord:
    """Parse a stored record.

    Raises:
        UnknownRecordTypeError: the key version names a record type this coordinator does not keep.
        DecodeError: the bytes do not decode as the schema of their version.
    """
    if len(key) < 2:
        raise DecodeError("coordinator record key shorter than its version")
    (key_version,) = _VERSION.unpack_from(key, 0)
    record_type = RECORD_TYPES.get(key_version)
    if record_type is None:
        raise UnknownRecordTypeError(f"unknown coordinator record type (key version {key_version})")
    key_message = codec(record_type.key, key_version).decode(memoryview(key)[2:])
    if value is None:
        return CoordinatorRecord(key_message, key_version, None)
    if len(value) < 2:
        raise DecodeError("coordinator record value shorter than its version")
    (value_version,) = _VERSION.unpack_from(value, 0)
    highest = record_type.value.schema.valid_versions.highest or 0
    # KIP-915: a newer value version is read with the highest known one; the newer fields are
    # tagged, so they are kept as unknown tagged fields rather than misread.
    value_message = codec(record_type.value, min(value_version, highest)).decode(memoryview(value)[2:])
    return CoordinatorRecord(key_message, key_version, value_message, value_version)


# -- classic groups and offsets ---------------------------------------------------------------------


def offset_commit(
    group_id: str,
    topic: str,
    partition: int,
    *,
    offset: int,
    leader_epoch: int,
    metadata: str,
    commit_timestamp_ms: int,
    expire_timestamp_ms: int | None,
) -> CoordinatorRecord:
    """An ``OffsetCommit`` record; value v1 carries an explicit expire timestamp, else v3."""
    value = schemas.OffsetCommitValue(
        offset=offset,
        leader_epoch=leader_epoch,
        metadata=metadata,
        commit_timestamp=commit_timestamp_ms,
        expire_timestamp=-1 if expire_timestamp_ms is None else expire_timestamp_ms,
    )
    return CoordinatorRecord(
        schemas.OffsetCommitKey(group=group_id, topic=topic, partition=partition),
        OFFSET_COMMIT_KEY_VERSION,
        value,
        1 if expire_timestamp_ms is not None else 3,
    )


def offset_commit_tombstone(group_id: str, topic: str, partition: int) -> CoordinatorRecord:
    return CoordinatorRecord(
        schemas.OffsetCommitKey(group=group_id, topic=topic, partition=partition),
        OFFSET_COMMIT_KEY_VERSION,
        None,
    )


@dataclass(frozen=True, slots=True)
class GroupMemberSnapshot:
    """What a ``GroupMetadataValue`` keeps of one classic member."""

    member_id: str
    group_instance_id: str | None
    client_id: str
    client_host: str
    rebalance_timeout_ms: int
    session_timeout_ms: int
    subscription: bytes
    assignment: bytes


def group_metadata(
    group_id: str,
    *,
    protocol_type: str | None,
    generation: int,
    protocol: str | None,
    leader: str | None,
    current_state_timestamp_ms: int | None,
    members: Iterable[GroupMemberSnapshot],
) -> CoordinatorRecord:
    """A ``GroupMetadata`` record (value v3, as Kafka writes it)."""
    value = schemas.GroupMetadataValue(
        protocol_type=protocol_type or "",
        generation=generation,
        protocol=protocol,
        leader=leader,
        current_state_timestamp=-1 if current_state_timestamp_ms is None else current_state_timestamp_ms,
        members=[
            schemas.GroupMetadataValue.MemberMetadata(
                member_id=m.member_id,
                group_instance_id=m.group_instance_id,
                client_id=m.client_id,
                client_host=m.client_host,
                rebalance_timeout=m.rebalance_timeout_ms,
                session_timeout=m.session_timeout_ms,
                subscription=m.subscription,
                assignment=m.assignment,
            )
            for m in members
        ],
    )
    return CoordinatorRecord(schemas.GroupMetadataKey(group=group_id), GROUP_METADATA_KEY_VERSION, value, 3)


def group_metadata_tombstone(group_id: str) -> CoordinatorRecord:
    return CoordinatorRecord(schemas.GroupMetadataKey(group=group_id), GROUP_METADATA_KEY_VERSION, None)


# -- KIP-848 consumer groups --------------------------------------------------------------------------

TopicPartitionsById = Mapping[Any, Iterable[int]]  # topic id (uuid.UUID) -> partitions


def consumer_group_epoch(group_id: str, epoch: int) -> CoordinatorRecord:
    return CoordinatorRecord(
        schemas.ConsumerGroupMetadataKey(group_id=group_id),
        CONSUMER_GROUP_METADATA_KEY_VERSION,
        schemas.ConsumerGroupMetadataValue(epoch=epoch),
    )


def consumer_group_epoch_tombstone(group_id: str) -> CoordinatorRecord:
    return CoordinatorRecord(
        schemas.ConsumerGroupMetadataKey(group_id=group_id), CONSUMER_GROUP_METADATA_KEY_VERSION, None
    )


def consumer_group_subscription_metadata(
    group_id: str, topics: Iterable[tuple[Any, str, int]]
) -> CoordinatorRecord:
    """``ConsumerGroupPartitionMetadata``: (topic id, name, partition count) of subscribed topics."""
    value = schemas.ConsumerGroupPartitionMetadataValue(
        topics=[
            schemas.ConsumerGroupPartitionMetadataValue.TopicMetadata(
                topic_id=topic_id, topic_name=name, num_partitions=count, partition_metadata=[]
            )
            for topic_id, name, count in topics
        ]
    )
    return CoordinatorRecord(
        schemas.ConsumerGroupPartitionMetadataKey(group_id=group_id),
        CONSUMER_GROUP_PARTITION_METADATA_KEY_VERSION,
        value,
    )


def consumer_group_subscription_metadata_tombstone(group_id: str) -> CoordinatorRecord:
    return CoordinatorRecord(
        schemas.ConsumerGroupPartitionMetadataKey(group_id=group_id),
        CONSUMER_GROUP_PARTITION_METADATA_KEY_VERSION,
        None,
    )


def consumer_group_member_subscription(group_id: str, member_id: str, value: Any) -> CoordinatorRecord:
    """``ConsumerGroupMemberMetadata``; ``value`` is a ``ConsumerGroupMemberMetadataValue``."""
    return CoordinatorRecord(
        schemas.ConsumerGroupMemberMetadataKey(group_id=group_id, member_id=member_id),
        CONSUMER_GROUP_MEMBER_METADATA_KEY_VERSION,
        value,
    )


def consumer_group_member_subscription_tombstone(group_id: str, member_id: str) -> CoordinatorRecord:
    return CoordinatorRecord(
        schemas.ConsumerGroupMemberMetadataKey(group_id=group_id, member_id=member_id),
        CONSUMER_GROUP_MEMBER_METADATA_KEY_VERSION,
        None,
    )


def consumer_group_target_assignment_epoch(group_id: str, epoch: int) -> CoordinatorRecord:
    return CoordinatorRecord(
        schemas.ConsumerGroupTargetAssignmentMetadataKey(group_id=group_id),
        CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA_KEY_VERSION,
        schemas.ConsumerGroupTargetAssignmentMetadataValue(assignment_epoch=epoch),
    )


def consumer_group_target_assignment_epoch_tombstone(group_id: str) -> CoordinatorRecord:
    return CoordinatorRecord(
        schemas.ConsumerGroupTargetAssignmentMetadataKey(group_id=group_id),
        CONSUMER_GROUP_TARGET_ASSIGNMENT_METADATA_KEY_VERSION,
        None,
    )


def _member_value_partitions(partitions: TopicPartitionsById, struct_class: Any) -> list[Any]:
    return [
        struct_class(topic_id=topic_id, partitions=sorted(ids))
        for topic_id, ids in sorted(partitions.items(), key=lambda item: str(item[0]))
    ]


def consumer_group_target_assignment(
    group_id: str, member_id: str, partitions: TopicPartitionsById
) -> CoordinatorRecord:
    value_class = schemas.ConsumerGroupTargetAssignmentMemberValue
    return CoordinatorRecord(
        schemas.ConsumerGroupTargetAssignmentMemberKey(group_id=group_id, member_id=member_id),
        CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER_KEY_VERSION,
        value_class(topic_partitions=_member_value_partitions(partitions, value_class.TopicPartition)),
    )


def consumer_group_target_assignment_tombstone(group_id: str, member_id: str) -> CoordinatorRecord:
    return CoordinatorRecord(
        schemas.ConsumerGroupTargetAssignmentMemberKey(group_id=group_id, member_id=member_id),
        CONSUMER_GROUP_TARGET_ASSIGNMENT_MEMBER_KEY_VERSION,
        None,
    )


def consumer_group_current_assignment(
    group_id: str,
    member_id: str,
    *,
    member_epoch: int,
    previous_member_epoch: int,
    state: int,
    assigned: TopicPartitionsById,
    pending_revocation: TopicPartitionsById,
) -> CoordinatorRecord:
    value_class = schemas.ConsumerGroupCurrentMemberAssignmentValue
    return CoordinatorRecord(
        schemas.ConsumerGroupCurrentMemberAssignmentKey(group_id=group_id, member_id=member_id),
        CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT_KEY_VERSION,
        value_class(
            member_epoch=member_epoch,
            previous_member_epoch=previous_member_epoch,
            state=state,
            assigned_partitions=_member_value_partitions(assigned, value_class.TopicPartitions),
            partitions_pending_revocation=_member_value_partitions(
                pending_revocation, value_class.TopicPartitions
            ),
        ),
    )


def consumer_group_current_assignment_tombstone(group_id: str, member_id: str) -> CoordinatorRecord:
    return CoordinatorRecord(
        schemas.ConsumerGroupCurrentMemberAssignmentKey(group_id=group_id, member_id=member_id),
        CONSUMER_GROUP_CURRENT_MEMBER_ASSIGNMENT_KEY_VERSION,
        None,
    )
