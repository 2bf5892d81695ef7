"""Replica placement: distinct replicas, the requested count, leaders spread, Kafka's errors."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.metadata.helpers import EMPTY, image_with, register
from wirekafka.controller.placement import place_replicas
from wirekafka.controller.results import ControllerError
from wirekafka.protocol.errors import ErrorCode


@given(
    brokers=st.integers(min_value=1, max_value=7),
    partitions=st.integers(min_value=1, max_value=40),
    start=st.integers(min_value=0, max_value=20),
    data=st.data(),
)
def test_replicas_are_distinct_registered_brokers(
    brokers: int, partitions: int, start: int, data: st.DataObject
) -> None:
    factor = data.draw(st.integers(min_value=1, max_value=brokers))
    image = image_with(*(register(node) for node in range(1, brokers + 1)), base=EMPTY)
    placed = place_replicas(
        image,
        start_partition=start,
        partitions=partitions,
        replication_factor=factor,
        rng=random.Random(data.draw(st.integers())),
    )
    assert len(placed) == partitions
    for replicas in placed:
        assert len(replicas) == factor == len(set(replicas))
        assert set(replicas) <= set(range(1, brokers + 1))


def test_leaders_and_replicas_are_balanced() -> None:
    image = image_with(*(register(node) for node in range(1, 5)), base=EMPTY)
    placed = place_replicas(
        image, start_partition=0, partitions=8, replication_factor=3, rng=random.Random(1)
    )
    assert Counter(replicas[0] for replicas in placed) == {1: 2, 2: 2, 3: 2, 4: 2}
    assert Counter(r for replicas in placed for r in replicas) == {1: 6, 2: 6, 3: 6, 4: 6}


@pytest.mark.parametrize(
    ("fenced", "factor", "message"),
    [
        ((), 0, "Invalid replication factor 0: the replication factor must be positive."),
        ((1, 2), 1, "All brokers are currently fenced."),
        (
            (),
            3,
            "The target replication factor of 3 cannot be reached because only 2 broker(s) are registered.",
        ),
    ],
)
def test_refusals(fenced: tuple[int, ...], factor: int, message: str) -> None:
    image = image_with(register(1, fenced=1 in fenced), register(2, fenced=2 in fenced), base=EMPTY)
    with pytest.raises(ControllerError) as refused:
        place_replicas(
            image, start_partition=0, partitions=1, replication_factor=factor, rng=random.Random(0)
        )
    assert refused.value.error.code == ErrorCode.INVALID_REPLICATION_FACTOR
    assert refused.value.error.message == message


def test_fenced_brokers_only_fill_what_active_ones_cannot() -> None:
    image = image_with(register(1), register(2, fenced=True), register(3), base=EMPTY)
    for replicas in place_replicas(
        image, start_partition=0, partitions=6, replication_factor=2, rng=random.Random(3)
    ):
        assert sorted(replicas) == [1, 3]
    for replicas in place_replicas(
        image, start_partition=0, partitions=3, replication_factor=3, rng=random.Random(3)
    ):
        assert replicas[-1] == 2 and sorted(replicas) == [1, 2, 3]
