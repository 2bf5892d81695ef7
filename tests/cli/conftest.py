"""One broker per test module; tests use unique topic and group names, so they do not interact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wirekafka.testing.broker import RunningBroker, running_broker


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBroker]:
    with running_broker(tmp_path_factory.mktemp("data"), {"num.partitions": "2"}) as running:
        yield running
