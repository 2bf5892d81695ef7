"""The pieces of the client commands that need no broker: parsing, formatting, imports."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from types import SimpleNamespace

import pytest

from wirekafka.tools.clients import ToolError
from wirekafka.tools.consume import record_json, record_text
from wirekafka.tools.groups import GroupDescription, GroupMember, PartitionLag, _assigned_partitions
from wirekafka.tools.groups import describe_lines as group_lines
from wirekafka.tools.produce import split_line, strip_line_ending
from wirekafka.tools.topics import PartitionDescription, TopicDescription, describe_lines, parse_configs


@pytest.mark.parametrize(
    ("line", "separator", "expected"),
    [
        (b"value", None, (None, b"value")),
        (b"k:v", b":", (b"k", b"v")),
        (b"k:v:w", b":", (b"k", b"v:w")),
        (b":v", b":", (b"", b"v")),
        (b"k::", b"::", (b"k", b"")),
        (b"\xff\x00|\x80", b"|", (b"\xff\x00", b"\x80")),
    ],
)
def test_split_line(line: bytes, separator: bytes | None, expected: tuple[bytes | None, bytes]) -> None:
    assert split_line(line, separator, 1) == expected


def test_a_line_without_separator_names_its_number() -> None:
    with pytest.raises(ToolError, match="line 7 has no key separator ':'"):
        split_line(b"no separator", b":", 7)


def test_line_endings_are_removed_but_nothing_else() -> None:
    assert strip_line_ending(b"a\r\n") == b"a"
    assert strip_line_ending(b"a\n") == b"a"
    assert strip_line_ending(b"a") == b"a"
    assert strip_line_ending(b" a \t\n") == b" a \t"


def test_parse_configs() -> None:
    assert parse_configs(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(ToolError, match="not KEY=VALUE"):
        parse_configs(["novalue"])
    with pytest.raises(ToolError):
        parse_configs(["=1"])


def record(**fields: object) -> SimpleNamespace:
    values: dict[str, object] = dict(
        topic="t", partition=1, offset=5, timestamp=1700, timestamp_type=0, key=None, value=b"v", headers=[]
    )
    values.update(fields)
    return SimpleNamespace(**values)


def test_record_json_fields() -> None:
    data = json.loads(record_json(record(key=b"k", headers=[("a", b"1"), ("a", None)], timestamp_type=1)))
    assert data == {
        "topic": "t",
        "partition": 1,
        "offset": 5,
        "timestamp": 1700,
        "timestamp_type": "LogAppendTime",
        "key": "k",
        "value": "v",
        "headers": [["a", "1"], ["a", None]],
    }


def test_record_json_keeps_non_utf8_bytes_as_base64() -> None:
    data = json.loads(record_json(record(key=b"\xc3\x28", value=b"\x00\xff")))
    assert data["key"] == {"base64": base64.b64encode(b"\xc3\x28").decode()}
    assert base64.b64decode(data["value"]["base64"]) == b"\x00\xff"
    assert data["value"] != "\x00\xff"


def test_record_text() -> None:
    assert record_text(record(value=b"\x00bytes")) == b"\x00bytes"
    assert record_text(record(value=None)) == b"null"
    assert record_text(record(key=b"k"), print_key=True, key_separator=b"=") == b"k=v"
    assert record_text(record(), print_key=True) == b"null\tv"


def test_topic_describe_layout_is_kafka_topics_layout() -> None:
    topic = TopicDescription(
        name="t",
        topic_id="abc",
        internal=False,
        partitions=[
            PartitionDescription(0, 1, 0, [1, 2], [1, 2]),
            PartitionDescription(1, -1, 3, [2, 3], [], offline_replicas=[2, 3]),
        ],
        configs={"cleanup.policy": "compact", "retention.ms": "10"},
    )
    assert describe_lines(topic) == [
        "Topic: t\tTopicId: abc\tPartitionCount: 2\tReplicationFactor: 2\tConfigs: cleanup.policy=compact,retention.ms=10",
        "\tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2\tIsr: 1,2",
        "\tTopic: t\tPartition: 1\tLeader: none\tReplicas: 2,3\tIsr: \tOffline: 2,3",
    ]


def test_lag_is_unknown_without_a_committed_offset() -> None:
    assert PartitionLag("t", 0, 3, 10, None).lag == 7
    assert PartitionLag("t", 0, None, 10, "m").lag is None
    assert PartitionLag("t", 0, 12, 10, None).lag == 0  # end offset read before a commit landed


def test_group_table() -> None:
    member = GroupMember("member-1", "client", "/127.0.0.1", None, [("t", 0)])
    group = GroupDescription(
        "g", "Stable", "consumer", "range", [member],
        [PartitionLag("t", 0, 3, 10, "member-1"), PartitionLag("t", 1, None, 4, None)],
    )  # fmt: skip
    lines = group_lines(group)
    assert lines[0] == "Group g: state Stable, 1 member(s), protocol range"
    assert [line.split() for line in lines[1:]] == [
        ["TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"],
        ["t", "0", "3", "10", "7", "member-1", "/127.0.0.1", "client"],
        ["t", "1", "-", "4", "-", "-", "-", "-"],
    ]
    assert group.to_dict()["offsets"][0]["lag"] == 7


def test_assignments_in_every_shape_kafka_python_gives() -> None:
    decoded = SimpleNamespace(partitions=lambda: [SimpleNamespace(topic="t", partition=1)])
    assert _assigned_partitions(decoded) == [("t", 1)]
    as_dict = {"assigned_partitions": [{"topic": "t", "partitions": [2, 0]}]}
    assert _assigned_partitions(as_dict) == [("t", 0), ("t", 2)]
    assert _assigned_partitions({"assigned_partitions": [("u", [1])]}) == [("u", 1)]
    assert _assigned_partitions(b"\x00opaque") == []
    assert _assigned_partitions(None) == []


def test_client_commands_do_not_import_the_broker() -> None:
    """`wirekafka topics ...` starts fast: no trio, no codec, and kafka-python only when run."""
    code = (
        "import sys; import wirekafka.cli; "
        "print(sorted(m for m in ('trio', 'kafka', 'wirekafka.protocol', 'wirekafka.broker') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
