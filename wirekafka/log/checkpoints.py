"""Kafka's checkpoint text files, written so that a crash leaves either the old or the new file.

Every checkpoint has the same shape: a version line, a count line, then one entry per line, each
line ending in ``\\n``. Writes go to ``<name>.tmp``, are fsynced, renamed over the old file, and the
directory is fsynced, so the rename itself survives a power loss. The log-dir level files
(``recovery-point-offset-checkpoint``, ``log-start-offset-checkpoint``,
``replication-offset-checkpoint``, ``cleaner-offset-checkpoint``) hold ``topic partition offset``
entries; ``leader-epoch-checkpoint`` in each partition dir holds ``epoch start_offset`` entries.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from wirekafka.log.errors import CorruptCheckpointError
from wirekafka.log.topic_partition import TopicPartition

RECOVERY_POINT_CHECKPOINT = "recovery-point-offset-checkpoint"
LOG_START_OFFSET_CHECKPOINT = "log-start-offset-checkpoint"
REPLICATION_OFFSET_CHECKPOINT = "replication-offset-checkpoint"
CLEANER_OFFSET_CHECKPOINT = "cleaner-offset-checkpoint"
LEADER_EPOCH_CHECKPOINT = "leader-epoch-checkpoint"

OFFSET_CHECKPOINT_VERSION = 0
LEADER_EPOCH_CHECKPOINT_VERSION = 0


def fsync_directory(directory: Path) -> None:
    """Make renames and creations inside ``directory`` durable (a no-op where dirs cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers after any crash see old or new, never a mix."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_directory(path.parent)


def format_checkpoint(version: int, entries: Iterable[str]) -> bytes:
    """The file's bytes: version line, count line, entry lines."""
    lines = list(entries)
    text = f"{version}\n{len(lines)}\n" + "".join(line + "\n" for line in lines)
    return text.encode("utf-8")


def write_checkpoint(path: Path, version: int, entries: Iterable[str]) -> None:
    """Atomically write a checkpoint file of ``entries`` lines."""
    write_atomically(path, format_checkpoint(version, entries))


def read_checkpoint(path: Path, versions: Iterable[int]) -> list[list[str]] | None:
    """Entries of a checkpoint file, each split on spaces; ``None`` when the file does not exist.

    An empty file reads as no entries (Kafka creates checkpoint files empty).

    Raises:
        CorruptCheckpointError: unknown version, a count that disagrees with the entries, or an
            unreadable line.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise CorruptCheckpointError(f"{path}: not text") from None
    if not text:
        return []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) < 2:
        raise CorruptCheckpointError(f"{path}: missing version or count line")
    try:
        version = int(lines[0])
        count = int(lines[1])
    except ValueError:
        raise CorruptCheckpointError(f"{path}: malformed version or count line") from None
    if version not in set(versions):
        raise CorruptCheckpointError(f"{path}: unrecognized version {version}")
    entries = [line.split(" ") for line in lines[2:]]
    if len(entries) != count:
        raise CorruptCheckpointError(f"{path}: expected {count} entries but found {len(entries)}")
    return entries


def write_offset_checkpoint(
    path: Path, offsets: Mapping[TopicPartition, int], version: int = OFFSET_CHECKPOINT_VERSION
) -> None:
    """Atomically write ``topic partition offset`` entries, sorted so the file is reproducible."""
    entries = (f"{tp.topic} {tp.partition} {offset}" for tp, offset in sorted(offsets.items()))
    write_checkpoint(path, version, entries)


def read_offset_checkpoint(
    path: Path, versions: Iterable[int] = (OFFSET_CHECKPOINT_VERSION,)
) -> dict[TopicPartition, int]:
    """Read ``topic partition offset`` entries; a missing file reads as empty.

    Raises:
        CorruptCheckpointError: the file exists but is not a valid offset checkpoint.
    """
    entries = read_checkpoint(path, versions)
    result: dict[TopicPartition, int] = {}
    for fields in entries or []:
        if len(fields) != 3:
            raise CorruptCheckpointError(f"{path}: malformed line {' '.join(fields)!r}")
        try:
            result[TopicPartition(fields[0], int(fields[1]))] = int(fields[2])
        except ValueError:
            raise CorruptCheckpointError(f"{path}: malformed line {' '.join(fields)!r}") from None
    return result
