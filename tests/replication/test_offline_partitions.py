"""A partition whose log cannot be made is offline, not a broken broker.

Kafka takes a log dir offline on an I/O error (KAFKA_STORAGE_ERROR for its partitions). Here the
request that created the topic used to fail with the exception, closing its connection, and the
rest of that metadata change was never applied. Now the topic is created, the partition answers
KAFKA_STORAGE_ERROR, its siblings work, and the next metadata change hosts it once it can.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.produce_fetch.wire import Wire, create_topic, produce_request
from tests.replication.helpers import client_batch
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.testing.broker import running_broker


def produce_error(wire: Wire, topic: str, partition: int) -> int:
    response = wire.call(ApiKey.PRODUCE, 9, produce_request(topic, partition, client_batch([b"v"])))
    return int(response.responses[0].partition_responses[0].error_code)


def test_a_partition_whose_log_cannot_be_made_answers_kafka_storage_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data"
    with running_broker(data) as broker, Wire(broker.port) as wire:
        blocker = data / "blocked-1"
        blocker.write_bytes(b"a file where the partition's directory should go")
        with caplog.at_level(logging.ERROR, logger="wirekafka"):
            create_topic(wire, "blocked", 2)
        assert "cannot open the log of blocked-1, it is offline" in caplog.text
        assert produce_error(wire, "blocked", 0) == ErrorCode.NO_ERROR
        assert produce_error(wire, "blocked", 1) == ErrorCode.KAFKA_STORAGE_ERROR

        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="wirekafka"):
            create_topic(wire, "meanwhile", 1)  # tried again, still failing: said once, not again
        assert "blocked-1" not in caplog.text
        assert produce_error(wire, "blocked", 1) == ErrorCode.KAFKA_STORAGE_ERROR

        blocker.unlink()
        create_topic(wire, "another", 1)  # a metadata change: partition 1 is tried again
        assert produce_error(wire, "blocked", 1) == ErrorCode.NO_ERROR
        assert produce_error(wire, "another", 0) == ErrorCode.NO_ERROR
