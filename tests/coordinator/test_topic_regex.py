"""Regex subscriptions are compiled by RE2: linear-time matching, Kafka's dialect, bounded memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from wirekafka.coordinator.group.topic_regex import InvalidTopicRegex, compile_topic_regex

ROOT = Path(__file__).resolve().parents[2]


def test_a_catastrophic_pattern_is_matched_at_once() -> None:
    """``(a+)+b`` against a 249-character name backtracks ~2**248 steps in Python's ``re`` (in C,
    holding the GIL: the broker's event loop would never run again). Run in a child process so
    that an engine that backtracks fails this test at the timeout instead of hanging the suite."""
    program = (
        "from wirekafka.coordinator.group.topic_regex import compile_topic_regex\n"
        "pattern = compile_topic_regex('(a+)+b')\n"
        "assert pattern.fullmatch('a' * 248 + 'c') is None\n"
        "assert pattern.fullmatch('a' * 248 + 'b') is not None\n"
        "print('matched')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "matched"


def test_whole_names_match_as_javas_matches_does() -> None:
    pattern = compile_topic_regex("orders-.*")
    assert pattern.fullmatch("orders-eu") is not None
    assert pattern.fullmatch("old-orders-eu") is None
    assert compile_topic_regex("orders").fullmatch("orders-eu") is None


def test_compiled_patterns_are_cached() -> None:
    assert compile_topic_regex("cached-.*") is compile_topic_regex("cached-.*")


@pytest.mark.parametrize(
    ("pattern", "description"),
    [
        ("(a", "missing )"),
        ("[a", "missing ]"),
        ("a**", "bad repetition operator"),
        ("(?<=a)b", "invalid perl operator"),
        (r"(a)\1", "invalid escape sequence"),
        ("a{1001}", "invalid repetition size"),
        # A compiled program past the 1 MiB each pattern may hold.
        ("a{1000}" * 200, "pattern too large - compile failed"),
    ],
)
def test_invalid_patterns_carry_kafkas_message(pattern: str, description: str) -> None:
    with pytest.raises(InvalidTopicRegex) as raised:
        compile_topic_regex(pattern)
    assert raised.value.description == description
    assert (
        str(raised.value)
        == f"SubscribedTopicRegex `{pattern}` is not a valid regular expression: {description}."
    )


def test_invalid_patterns_write_nothing_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    """RE2 logs every parse error to stderr unless told not to: a client's typo is not the
    broker's log line."""
    with pytest.raises(InvalidTopicRegex):
        compile_topic_regex("(unclosed")
    assert capfd.readouterr().err == ""
