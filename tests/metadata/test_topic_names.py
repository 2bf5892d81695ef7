"""Kafka's topic name rules: legal characters, length, '.' and '..', and '.'/'_' collisions."""

from __future__ import annotations

import pytest

from wirekafka.metadata import topic_names


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("orders", None),
        ("a.b_c-D9", None),
        ("x" * 249, None),
        ("__consumer_offsets", None),
        ("...", None),
        ("", "the empty string is not allowed"),
        (".", "'.' is not allowed"),
        ("..", "'..' is not allowed"),
        ("x" * 250, "is longer than the max allowed length 249"),
        ("a b", "contains one or more characters other than ASCII alphanumerics"),
        ("a/b", "contains one or more characters"),
        ("tópico", "contains one or more characters"),
        ("a:b", "contains one or more characters"),
    ],
)
def test_validity(name: str, reason: str | None) -> None:
    found = topic_names.invalid_reason(name)
    if reason is None:
        assert found is None and topic_names.is_valid(name)
        assert topic_names.validation_error(name) is None
    else:
        assert found is not None and reason in found and not topic_names.is_valid(name)
        assert topic_names.validation_error(name) == f"Topic name is invalid: {found}"


@pytest.mark.parametrize(
    ("name", "existing", "collides_with"),
    [
        ("a.b", ["a_b"], "a_b"),
        ("a_b", ["a.b", "c"], "a.b"),
        ("a.b", ["a.b"], None),  # the same name is not a collision (it already exists)
        ("ab", ["a_b"], None),
        ("a-b", ["a_b"], None),
    ],
)
def test_collisions(name: str, existing: list[str], collides_with: str | None) -> None:
    assert topic_names.colliding_topic(name, existing) == collides_with
