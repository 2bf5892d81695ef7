"""Golden request frames and record batches captured from real Kafka clients.

Each request file is one frame payload exactly as the client sent it: request header + body,
without the int32 size prefix. Each batch file is the ``records`` bytes of one partition of one
Produce request. ``manifest.json`` describes every file; README.md says how they were captured.

    from tests.protocol.golden import load_requests, load_batches

    for golden in load_requests(api_key=0):      # every captured Produce request
        ...golden.payload, golden.api_version, golden.header_version...
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

GOLDEN_DIR = Path(__file__).resolve().parent
MANIFEST_PATH = GOLDEN_DIR / "manifest.json"


@dataclass(frozen=True, slots=True)
class GoldenRequest:
    """One captured request frame.

    ``trailing_bytes`` is the number of bytes the client sent after the body as Kafka's spec
    reads it (0 for nearly all; librdkafka's all-topics Metadata v9+ request has 3), or None
    where kafka-python could not tell. A decoder that ignores them, as Kafka's does, and an
    encoder that re-encodes the decoded value give ``payload[:len(payload) - trailing_bytes]``.
    """

    client: str
    client_version: str
    api_key: int
    api_name: str
    api_version: int
    header_version: int
    correlation_id: int
    client_id: str | None
    step: str
    trailing_bytes: int | None
    payload: bytes
    path: Path

    @property
    def name(self) -> str:
        """Stable id for pytest parametrization, e.g. ``kafkajs/012-Produce-v7``."""
        return f"{self.client}/{self.path.stem}"


@dataclass(frozen=True, slots=True)
class GoldenBatch:
    """The ``records`` of one partition of a Produce request: magic-2 batches, as sent."""

    client: str
    client_version: str
    codec: str  # none, gzip, snappy, lz4, zstd
    record_count: int
    batch_count: int
    transactional: bool
    idempotent: bool
    produce_version: int
    records: bytes
    path: Path

    @property
    def name(self) -> str:
        return self.path.stem


@cache
def load_manifest() -> dict[str, Any]:
    """The parsed ``manifest.json`` (cached; do not mutate)."""
    manifest: dict[str, Any] = json.loads(MANIFEST_PATH.read_text())
    return manifest


def load_requests(*, client: str | None = None, api_key: int | None = None) -> list[GoldenRequest]:
    """Every captured request frame in manifest order, optionally filtered."""
    found = []
    for entry in load_manifest()["requests"]:
        if (client is not None and entry["client"] != client) or (
            api_key is not None and entry["api_key"] != api_key
        ):
            continue
        path = GOLDEN_DIR / entry["path"]
        found.append(GoldenRequest(
            client=entry["client"],
            client_version=entry["client_version"],
            api_key=entry["api_key"],
            api_name=entry["api_name"],
            api_version=entry["api_version"],
            header_version=entry["header_version"],
            correlation_id=entry["correlation_id"],
            client_id=entry["client_id"],
            step=entry["step"],
            trailing_bytes=entry["trailing_bytes"],
            payload=path.read_bytes(),
            path=path,
        ))
    return found


def load_batches(*, client: str | None = None, codec: str | None = None) -> list[GoldenBatch]:
    """Every captured Produce ``records`` blob in manifest order, optionally filtered."""
    found = []
    for entry in load_manifest()["batches"]:
        if (client is not None and entry["client"] != client) or (codec is not None and entry["codec"] != codec):
            continue
        path = GOLDEN_DIR / entry["path"]
        found.append(GoldenBatch(
            client=entry["client"],
            client_version=entry["client_version"],
            codec=entry["codec"],
            record_count=entry["record_count"],
            batch_count=entry["batch_count"],
            transactional=entry["transactional"],
            idempotent=entry["idempotent"],
            produce_version=entry["produce_version"],
            records=path.read_bytes(),
            path=path,
        ))
    return found
