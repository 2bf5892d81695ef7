"""The consumer protocol's payloads inside classic group messages (``protocol_type="consumer"``).

JoinGroup metadata and SyncGroup assignments are opaque bytes to the broker, except that Kafka's
coordinator reads the subscribed topics out of them: offset expiry and OffsetDelete must know
which topics a group consumes. The payload is ``int16 version`` + ``ConsumerProtocolSubscription``;
every version starts with the v0 layout, so the topics are read with v0 and the rest ignored,
exactly as Kafka does (a newer client's payload still parses).
"""

from __future__ import annotations

import struct

from wirekafka.protocol.compiler import codec
from wirekafka.protocol.errors import DecodeError
from wirekafka.protocol.messages.group import ConsumerProtocolAssignment, ConsumerProtocolSubscription

_VERSION = struct.Struct(">h")


def subscribed_topics(metadata: bytes) -> set[str] | None:
    """The topics of a consumer subscription, or None if the payload does not parse."""
    if len(metadata) < 2:
        return None
    try:
        subscription = codec(ConsumerProtocolSubscription, 0).decode(memoryview(metadata)[2:], exact=False)
    except DecodeError:
        return None
    return set(subscription.topics)


def encode_subscription(
    topics: list[str], *, version: int = 0, owned: dict[str, list[int]] | None = None
) -> bytes:
    """A ``ConsumerProtocolSubscription`` payload, as a Java consumer would send it (tests, tools)."""
    value = ConsumerProtocolSubscription(
        topics=topics,
        user_data=None,
        owned_partitions=[
            ConsumerProtocolSubscription.TopicPartition(topic=topic, partitions=partitions)
            for topic, partitions in (owned or {}).items()
        ],
    )
    return _VERSION.pack(version) + codec(ConsumerProtocolSubscription, version).encode(value)


def encode_assignment(partitions: dict[str, list[int]], *, version: int = 0) -> bytes:
    """A ``ConsumerProtocolAssignment`` payload."""
    value = ConsumerProtocolAssignment(
        assigned_partitions=[
            ConsumerProtocolAssignment.TopicPartition(topic=topic, partitions=sorted(ids))
            for topic, ids in sorted(partitions.items())
        ],
        user_data=None,
    )
    return _VERSION.pack(version) + codec(ConsumerProtocolAssignment, version).encode(value)


def decode_assignment(payload: bytes) -> dict[str, list[int]] | None:
    """Topic -> partitions of a ``ConsumerProtocolAssignment``; None if it does not parse."""
    if len(payload) < 2:
        return None
    try:
        assignment = codec(ConsumerProtocolAssignment, 0).decode(memoryview(payload)[2:], exact=False)
    except DecodeError:
        return None
    return {tp.topic: list(tp.partitions) for tp in assignment.assigned_partitions}
