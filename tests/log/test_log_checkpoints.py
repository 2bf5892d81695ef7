"""Checkpoint files: Kafka's exact text, atomic replacement, tolerant reading."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wirekafka.log.checkpoints import read_offset_checkpoint, write_offset_checkpoint
from wirekafka.log.errors import CorruptCheckpointError
from wirekafka.log.topic_partition import TopicPartition, parse_dir_name

GOLDEN = "0\n3\n__consumer_offsets 7 1200\nmy-topic 0 42\nmy-topic 10 0\n"


def test_offset_checkpoint_golden_text(tmp_path: Path) -> None:
    path = tmp_path / "recovery-point-offset-checkpoint"
    write_offset_checkpoint(
        path,
        {
            TopicPartition("my-topic", 10): 0,
            TopicPartition("__consumer_offsets", 7): 1200,
            TopicPartition("my-topic", 0): 42,
        },
    )
    assert path.read_text() == GOLDEN
    assert not any(name.endswith(".tmp") for name in os.listdir(tmp_path))


def test_offset_checkpoint_reads_kafkas_file(tmp_path: Path) -> None:
    path = tmp_path / "replication-offset-checkpoint"
    path.write_text(GOLDEN)
    assert read_offset_checkpoint(path) == {
        TopicPartition("__consumer_offsets", 7): 1200,
        TopicPartition("my-topic", 0): 42,
        TopicPartition("my-topic", 10): 0,
    }


def test_missing_and_empty_checkpoints_read_as_empty(tmp_path: Path) -> None:
    assert read_offset_checkpoint(tmp_path / "absent") == {}
    (tmp_path / "empty").write_text("")
    assert read_offset_checkpoint(tmp_path / "empty") == {}


@pytest.mark.parametrize(
    "text",
    ["1\n0\n", "0\n2\nt 0 1\n", "0\n1\nt 0\n", "0\n1\nt x 1\n", "zero\n0\n", "0\n"],
)
def test_malformed_checkpoints_are_rejected(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c"
    path.write_text(text)
    with pytest.raises(CorruptCheckpointError):
        read_offset_checkpoint(path)


def test_rewriting_replaces_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "c"
    write_offset_checkpoint(path, {TopicPartition("a", 0): 1, TopicPartition("b", 0): 2})
    write_offset_checkpoint(path, {TopicPartition("a", 0): 5})
    assert path.read_text() == "0\n1\na 0 5\n"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("orders-3", (TopicPartition("orders", 3), "")),
        ("my-topic-with-dashes-12", (TopicPartition("my-topic-with-dashes", 12), "")),
        (
            "orders-3.0123456789abcdef0123456789abcdef-delete",
            (TopicPartition("orders", 3), "delete"),
        ),
        ("meta.properties", None),
        ("orders", None),
        ("orders-x", None),
    ],
)
def test_partition_directory_names(name: str, expected: object) -> None:
    assert parse_dir_name(name) == expected
