"""Hostile and broken bytes: every decoder raises ``DecodeError`` and nothing else, promptly.

Truncations of valid encodings, random bytes, and length fields that claim more than the frame
holds (the classic "allocate 2 GiB because the peer said so" bug).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.protocol.strategies import message_value
from wirekafka.protocol import interpreter
from wirekafka.protocol.compiler import codec
from wirekafka.protocol.errors import DecodeError
from wirekafka.protocol.messages import ALL, by_name

CASES = [(cls, v) for cls in ALL.values() for v in cls.schema.versions]
IDS = [f"{cls.schema.name}-v{v}" for cls, v in CASES]


@pytest.mark.parametrize(("message_class", "version"), CASES, ids=IDS)
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_truncated_and_random_bytes_raise_decode_error(
    message_class: Any, version: int, data: st.DataObject
) -> None:
    compiled = codec(message_class, version)
    encoded = compiled.encode(data.draw(message_value(message_class, version)))
    cut = data.draw(st.integers(0, max(0, len(encoded) - 1)))
    for candidate in (encoded[:cut], data.draw(st.binary(max_size=64)), encoded[:cut] + b"\xff" * 8):
        for decode in (compiled.decode, lambda b: interpreter.decode(message_class, version, b)):
            try:
                decode(candidate)
            except DecodeError as exc:
                assert exc.api_version == version
                assert exc.message == message_class.schema.name


def test_truncation_reports_position_and_api() -> None:
    request = by_name("MetadataRequest")
    encoded = codec(request, 12).encode(request(topics=[request.MetadataRequestTopic(name="orders")]))
    with pytest.raises(DecodeError) as info:
        codec(request, 12).decode(encoded[:-3])
    assert info.value.api_key == 3
    assert info.value.api_version == 12
    assert info.value.position is not None and 0 < info.value.position <= len(encoded)


@pytest.mark.parametrize("version", [7, 9])
def test_huge_array_count_is_refused_before_allocation(version: int) -> None:
    """A produce request claiming 2**31-1 topics in a 20-byte frame is refused from its length."""
    request = by_name("ProduceRequest")
    encoded = bytearray(codec(request, version).encode(request(acks=1, timeout_ms=100)))
    # the topic array length is the last field before the (flexible) tag buffer
    if version >= 9:
        encoded[-2:] = b"\xff\xff\xff\xff\x07\x00"  # compact length 2**31 - 2
    else:
        encoded[-4:] = b"\x7f\xff\xff\xff"
    with pytest.raises(DecodeError, match="elements"):
        codec(request, version).decode(bytes(encoded))


def test_huge_string_length_is_refused() -> None:
    request = by_name("FindCoordinatorRequest")
    with pytest.raises(DecodeError, match="string"):
        codec(request, 0).decode(b"\x7f\xff" + b"g" * 10)


def test_trailing_bytes_are_an_error_unless_allowed() -> None:
    request = by_name("HeartbeatRequest")
    encoded = codec(request, 0).encode(request(group_id="g", generation_id=3, member_id="m"))
    with pytest.raises(DecodeError, match="left over"):
        codec(request, 0).decode(encoded + b"\0")
    assert codec(request, 0).decode(encoded + b"\0", exact=False).generation_id == 3


def test_invalid_utf8_is_a_decode_error() -> None:
    request = by_name("FindCoordinatorRequest")
    with pytest.raises(DecodeError):
        codec(request, 0).decode(b"\x00\x02\xff\xfe")


def test_null_in_non_nullable_string_is_a_decode_error() -> None:
    request = by_name("FindCoordinatorRequest")
    with pytest.raises(DecodeError, match="invalid string length -1"):
        codec(request, 0).decode(b"\xff\xff")
