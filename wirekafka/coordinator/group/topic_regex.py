"""KIP-848 regex subscriptions in Kafka's dialect, matched in linear time.

Kafka compiles a member's ``SubscribedTopicRegex`` with RE2/J. Python's ``re`` backtracks: a
pattern such as ``(a+)+b`` needs exponential time against a long topic name, and the group
coordinator runs on the broker's event loop, so one consumer could stall every connection. RE2
(``google-re2``, the C++ library RE2/J was ported from) matches in time linear in the name, and
refuses what Kafka refuses (lookarounds, backreferences) as an invalid pattern.
"""

from __future__ import annotations

import functools
from typing import Protocol

import re2  # type: ignore[import-untyped]

_OPTIONS = re2.Options()
# A client's bad pattern is its error (INVALID_REGULAR_EXPRESSION), not a line on the broker's stderr.
_OPTIONS.log_errors = False
# The memory RE2 may give one compiled pattern (its default is 8 MiB). Topic names are at most 249
# characters, so no useful pattern comes near this; with the cache below it bounds what clients'
# patterns can hold (64 MiB).
_OPTIONS.max_mem = 1 << 20


class InvalidTopicRegex(ValueError):
    """The pattern is not valid RE2; ``description`` is RE2's reason ("missing )")."""

    def __init__(self, pattern: str, description: str) -> None:
        super().__init__(
            f"SubscribedTopicRegex `{pattern}` is not a valid regular expression: {description}."
        )
        self.description = description


class TopicRegex(Protocol):
    """A compiled subscription pattern."""

    def fullmatch(self, text: str) -> object | None: ...


@functools.lru_cache(maxsize=64)
def compile_topic_regex(pattern: str) -> TopicRegex:
    """``pattern`` compiled (cached: every heartbeat of a regex member matches it again).

    Raises:
        InvalidTopicRegex: with Kafka's message for INVALID_REGULAR_EXPRESSION.
    """
    try:
        compiled: TopicRegex = re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        raise InvalidTopicRegex(pattern, _description(exc)) from None
    return compiled


def _description(exc: Exception) -> str:
    """RE2 reports ``b"missing ): (a"``, its reason then the offending part; Kafka's message
    (RE2/J's ``getDescription()``) has the reason alone."""
    reason = exc.args[0] if exc.args else ""
    text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return text.split(": ", 1)[0]
