"""``wirekafka consume TOPIC``: print records, like ``kafka-console-consumer.sh``.

Without ``--group`` the consumer assigns itself every partition of the topic (no group is
created, nothing is committed), starting at the end, or at the beginning with
``--from-beginning``. With ``--group`` it joins the group and, on exit, commits the position
after the last record it *printed* — not what it had fetched — so a ``--max-messages 5`` run
followed by another resumes at the sixth record. ``--from-beginning`` then only applies when the
group has no committed offset (``auto.offset.reset=earliest``), as in Kafka's tool.

Output: the value of each record per line, raw bytes (``null`` for a null value), or with
``--format json`` one JSON object per line (see ``record_json``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wirekafka.tools.clients import ToolError, common_config, reported_errors


@dataclass(frozen=True, slots=True)
class ConsumeOptions:
    topic: str
    bootstrap: str
    connect_timeout: float = 10.0
    group: str | None = None
    from_beginning: bool = False
    max_messages: int | None = None
    timeout: float | None = None  # seconds without a record before stopping; None = until Ctrl-C


def _json_bytes(data: bytes | None) -> Any:
    """A JSON string for UTF-8 bytes, ``{"base64": ...}`` for anything else, null for None."""
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def record_json(record: Any) -> str:
    """One record as a JSON object on one line.

    Fields: topic, partition, offset, timestamp (ms), timestamp_type ("CreateTime" or
    "LogAppendTime"), key, value, headers (a list of [name, value] pairs: names may repeat).
    Keys, values and header values are strings when they are valid UTF-8, otherwise
    ``{"base64": "..."}``; a null key or value is null.
    """
    return json.dumps(
        {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "timestamp": record.timestamp,
            "timestamp_type": "LogAppendTime" if record.timestamp_type == 1 else "CreateTime",
            "key": _json_bytes(record.key),
            "value": _json_bytes(record.value),
            "headers": [[name, _json_bytes(value)] for name, value in (record.headers or [])],
        },
        ensure_ascii=False,
    )


def record_text(record: Any, *, print_key: bool = False, key_separator: bytes = b"\t") -> bytes:
    """The value (``null`` when null), preceded by the key and separator with ``print_key``."""
    value = b"null" if record.value is None else record.value
    if not print_key:
        return value
    key = b"null" if record.key is None else record.key
    return key + key_separator + value


def consume(options: ConsumeOptions, emit: Callable[[Any], None]) -> int:
    """Consume ``options.topic``, calling ``emit(record)`` for each; returns how many were emitted.

    Stops after ``max_messages``, after ``timeout`` seconds without a record, or on Ctrl-C
    (``KeyboardInterrupt`` is absorbed; the offsets are still committed).

    Raises:
        ToolError: no broker, or (without a group) the topic does not exist.
    """
    from kafka import KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    config = common_config(options.bootstrap, options.connect_timeout)
    config.update(
        group_id=options.group,
        enable_auto_commit=False,
        # A typo in a topic name must not create a topic (brokers auto-create by default).
        allow_auto_create_topics=False,
        auto_offset_reset="earliest" if options.from_beginning else "latest",
        consumer_timeout_ms=float("inf") if options.timeout is None else int(options.timeout * 1000),
    )
    with reported_errors(f"connecting to {options.bootstrap}"):
        consumer = KafkaConsumer(**config)
    printed: dict[Any, int] = {}
    count = 0
    try:
        with reported_errors(f"consuming {options.topic}"):
            if options.group is None:
                partitions = consumer.partitions_for_topic(options.topic)
                if not partitions:
                    raise ToolError(f"topic {options.topic!r} does not exist")
                assigned = [TopicPartition(options.topic, p) for p in sorted(partitions)]
                consumer.assign(assigned)
                if options.from_beginning:
                    consumer.seek_to_beginning(*assigned)
                else:
                    consumer.seek_to_end(*assigned)
            else:
                consumer.subscribe([options.topic])
                # kafka-python 3.0.12 can hang a group leader that first assigned without knowing
                # the topic's partitions (its fixing rejoin is never applied): learn them first.
                consumer.partitions_for_topic(options.topic)
            if options.max_messages == 0:
                return 0
            try:
                for record in consumer:
                    emit(record)
                    count += 1
                    printed[TopicPartition(record.topic, record.partition)] = record.offset + 1
                    if options.max_messages is not None and count >= options.max_messages:
                        break
            except KeyboardInterrupt:
                pass
            if options.group is not None and printed:
                consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in printed.items()})
    finally:
        consumer.close(autocommit=False)
    return count
