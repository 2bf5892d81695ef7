"""Every declared message at every version: round trip, and compiled codec == reference interpreter."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.protocol.strategies import message_value
from wirekafka.protocol import interpreter
from wirekafka.protocol.compiler import codec
from wirekafka.protocol.messages import ALL

CASES = [(cls, v) for cls in ALL.values() for v in cls.schema.versions]
IDS = [f"{cls.schema.name}-v{v}" for cls, v in CASES]


@pytest.mark.parametrize(("message_class", "version"), CASES, ids=IDS)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_compiled_matches_interpreter_and_round_trips(
    message_class: Any, version: int, data: st.DataObject
) -> None:
    value = data.draw(message_value(message_class, version))
    compiled = codec(message_class, version)
    encoded = compiled.encode(value)
    assert interpreter.encode(value, version) == encoded
    decoded = compiled.decode(encoded)
    assert decoded == value
    assert interpreter.decode(message_class, version, encoded) == decoded
    assert compiled.encode(decoded) == encoded


def test_every_issue_api_is_declared() -> None:
    wanted = {
        0,
        1,
        2,
        3,
        8,
        9,
        10,
        11,
        12,
        13,
        14,
        15,
        16,
        17,
        18,
        19,
        20,
        21,
        22,
        23,
        24,
        25,
        26,
        27,
        28,
        29,
        30,
        31,
        32,
        33,
        35,
        36,
        37,
        42,
        43,
        44,
        45,
        46,
        47,
        48,
        49,
        50,
        51,
        52,
        53,
        54,
        55,
        56,
        57,
        59,
        60,
        61,
        62,
        63,
        64,
        65,
        66,
        67,
        68,
        69,
        75,
    }
    declared_requests = {cls.schema.api_key for cls in ALL.values() if cls.schema.kind == "request"}
    declared_responses = {cls.schema.api_key for cls in ALL.values() if cls.schema.kind == "response"}
    assert wanted <= declared_requests
    assert wanted <= declared_responses
