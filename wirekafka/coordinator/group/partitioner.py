"""Which ``__consumer_offsets`` partition owns a group: Kafka's formula, bit for bit.

Kafka computes ``Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions``. A client that
finds its coordinator through FindCoordinator does not care about the formula, but the layout of
an existing ``__consumer_offsets`` topic (and tooling that reads it) does, so the same Java
semantics are reproduced: ``String.hashCode`` over UTF-16 code units with 32-bit overflow, and
``Utils.abs`` mapping ``Integer.MIN_VALUE`` to 0 rather than overflowing.
"""

from __future__ import annotations

_INT32_MIN = -(2**31)


def java_string_hash(text: str) -> int:
    """Java's ``String.hashCode()``: ``s[0]*31^(n-1) + ... + s[n-1]`` over UTF-16 code units, as int32."""
    value = 0
    encoded = text.encode("utf-16-be", "surrogatepass")
    for index in range(0, len(encoded), 2):
        value = (value * 31 + ((encoded[index] << 8) | encoded[index + 1])) & 0xFFFFFFFF
    return value - 2**32 if value >= 2**31 else value


def java_abs(value: int) -> int:
    """Kafka's ``Utils.abs``: the absolute value, except that ``Integer.MIN_VALUE`` gives 0."""
    return 0 if value == _INT32_MIN else abs(value)


def partition_for(key: str, partition_count: int) -> int:
    """The internal-topic partition of a group id (or transactional id)."""
    return java_abs(java_string_hash(key)) % partition_count
