"""``wirekafka produce TOPIC``: one record per input line, like ``kafka-console-producer.sh``.

Lines are bytes, passed through untouched (no decoding), minus the line ending (``\\n`` or
``\\r\\n``). With ``--key-separator`` each line is ``KEY<sep>VALUE`` split at the first
separator, and a line without it is an error (``parse.key=true`` in Kafka's tool): guessing a
null key would silently send records to the wrong partition.

Sends are asynchronous (kafka-python batches them); failures are counted as their futures
complete, and the command fails if any record was not acknowledged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from wirekafka.tools.clients import (
    ToolError,
    advertised_api_keys,
    common_config,
    describe_error,
    reported_errors,
)

INIT_PRODUCER_ID = 22
ACKS = {"0": 0, "1": 1, "all": "all", "-1": "all"}
COMPRESSION = ("none", "gzip", "snappy", "lz4", "zstd")


def split_line(line: bytes, key_separator: bytes | None, number: int) -> tuple[bytes | None, bytes]:
    """(key, value) of one input line (its line ending already removed).

    Raises:
        ToolError: ``key_separator`` is set and the line does not contain it.
    """
    if key_separator is None:
        return None, line
    key, separator, value = line.partition(key_separator)
    if not separator:
        raise ToolError(f"line {number} has no key separator {key_separator.decode(errors='replace')!r}")
    return key, value


def strip_line_ending(line: bytes) -> bytes:
    if line.endswith(b"\r\n"):
        return line[:-2]
    if line.endswith(b"\n"):
        return line[:-1]
    return line


@dataclass
class ProduceSummary:
    sent: int = 0
    acknowledged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def produce_lines(
    lines: Iterable[bytes],
    topic: str,
    *,
    bootstrap: str,
    connect_timeout: float,
    key_separator: str | None = None,
    acks: str = "all",
    compression: str = "none",
    partition: int | None = None,
    timeout: float = 60.0,
    idempotence: bool | None = None,
) -> ProduceSummary:
    """Send every line of ``lines`` to ``topic``; returns the counts once all are settled.

    Args:
        timeout: seconds a send may wait for the topic's metadata or buffer space, and a record
            for its acknowledgement (kafka-python's ``max_block_ms`` / ``delivery_timeout_ms``).
        idempotence: None = on when ``acks`` is ``all`` and the broker serves InitProducerId
            (Kafka's console producer is idempotent by default; a broker without the API would
            fail every send), True/False to force it.

    Raises:
        ToolError: no broker, a malformed line (after flushing what was sent before it), or
            the topic's metadata never arrived.
    """
    from kafka import KafkaProducer

    if idempotence is None:
        idempotence = ACKS[acks] == "all" and INIT_PRODUCER_ID in (
            advertised_api_keys(bootstrap, connect_timeout) or set()
        )
    timeout_ms = int(timeout * 1000)
    linger_ms = 5
    request_timeout_ms = min(30_000, max(1_000, timeout_ms // 2))
    config = common_config(bootstrap, connect_timeout)
    config.update(
        acks=ACKS[acks],
        compression_type=None if compression == "none" else compression,
        enable_idempotence=idempotence,
        max_block_ms=timeout_ms,
        linger_ms=linger_ms,
        request_timeout_ms=request_timeout_ms,
        # kafka-python refuses a delivery timeout that does not cover one linger plus one request.
        delivery_timeout_ms=max(timeout_ms, linger_ms + request_timeout_ms + 1),
    )
    with reported_errors(f"connecting to {bootstrap}"):
        producer = KafkaProducer(**config)
    summary = ProduceSummary()
    separator = None if key_separator is None else key_separator.encode()

    def acknowledged(_metadata: Any) -> None:
        summary.acknowledged += 1

    def failed(exc: BaseException) -> None:
        summary.failed += 1
        if len(summary.errors) < 5:
            summary.errors.append(describe_error(exc))

    try:
        for number, raw in enumerate(lines, start=1):
            key, value = split_line(strip_line_ending(raw), separator, number)
            with reported_errors(f"producing to {topic}"):
                future = producer.send(topic, value=value, key=key, partition=partition)
            summary.sent += 1
            future.add_callback(acknowledged)
            future.add_errback(failed)
    finally:
        with reported_errors(f"producing to {topic}"):
            producer.flush(timeout=timeout)
            producer.close(timeout=timeout)
    return summary
