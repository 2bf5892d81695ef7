"""Turn recorded exchanges into golden files and ``manifest.json``.

Layout under the output directory (``tests/protocol/golden`` by default):

    requests/<client>/<NNN>-<ApiName>-v<version>.bin   request payload (header + body, no size prefix)
    batches/<client>-<codec>.bin                       ``records`` of one partition of one Produce
    manifest.json                                      one entry per file (see README.md there)

Selection rules, per client, in arrival order:
1. A request whose payload equals an earlier one except for the correlation id is dropped
   (heartbeats, metadata refreshes and idle fetches repeat byte for byte otherwise).
2. At most ``max_per_version`` requests are kept per (API, version); Produce is not capped.
3. For each codec, the batch kept is the Produce partition whose ``records`` hold only batches of
   that codec, preferring non-transactional ones, then the most records, then the earliest.
Responses are never stored: the broker used for capture is not a reference implementation.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.capture import wire
from tools.capture.proxy import Exchange

MANIFEST_FORMAT = 1


@dataclass(slots=True)
class ClientCapture:
    """What one client workload produced."""

    name: str
    version: str = "unknown"
    exchanges: list[Exchange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def select_requests(exchanges: list[Exchange], max_per_version: int) -> list[Exchange]:
    seen: set[bytes] = set()
    per_version: Counter[tuple[int, int]] = Counter()
    kept: list[Exchange] = []
    for exchange in exchanges:
        identity = exchange.request[:4] + b"\0\0\0\0" + exchange.request[8:]
        if identity in seen:
            continue
        seen.add(identity)
        version_key = (exchange.api_key, exchange.api_version)
        if exchange.api_key != 0 and per_version[version_key] >= max_per_version:
            continue
        per_version[version_key] += 1
        kept.append(exchange)
    return kept


@dataclass(frozen=True, slots=True)
class BatchChoice:
    codec: str
    records: bytes
    batches: list[wire.BatchHeader]
    source: Exchange

    @property
    def record_count(self) -> int:
        return sum(batch.record_count for batch in self.batches)


def select_batches(exchanges: list[Exchange]) -> dict[str, BatchChoice]:
    best: dict[str, tuple[tuple[int, int, int], BatchChoice]] = {}
    for exchange in exchanges:
        if exchange.api_key != 0 or exchange.api_version < 3:
            continue
        for partition in wire.produce_records(exchange.request):
            if not partition.records:
                continue
            batches = wire.record_batches(partition.records)
            codecs = {batch.codec for batch in batches}
            if len(codecs) != 1 or any(batch.is_control for batch in batches):
                continue
            choice = BatchChoice(codecs.pop(), partition.records, batches, exchange)
            transactional = any(batch.is_transactional for batch in batches)
            rank = (0 if transactional else 1, choice.record_count, -exchange.sequence)
            if choice.codec not in best or rank > best[choice.codec][0]:
                best[choice.codec] = (rank, choice)
    return {codec: choice for codec, (_, choice) in sorted(best.items())}


def kafka_python_roundtrip(payload: bytes, api_key: int, api_version: int) -> tuple[str, int | None]:
    """Decode + re-encode with kafka-python's protocol classes, a second opinion on each frame.

    Returns:
        ("same" | "differs" | why it could not be checked, trailing bytes): the number of bytes
        the client sent after the body as Kafka's spec reads it, when the re-encoded frame is a
        strict prefix of the captured one (0 for "same", None when unknown).
    """
    request_class = _kafka_python_requests().get(api_key)
    if request_class is None:
        return "no kafka-python class", None
    if not 0 <= api_version <= request_class.max_version:
        return f"version above kafka-python's max {request_class.max_version}", None
    try:
        decoded = request_class.decode(payload, version=api_version, header=True)
        encoded = bytes(decoded.encode(version=api_version, header=True))
    except Exception as error:
        return f"kafka-python error: {type(error).__name__}", None
    if encoded == payload:
        return "same", 0
    if payload.startswith(encoded):
        return "differs", len(payload) - len(encoded)
    return "differs", None


_REQUEST_CLASSES: dict[int, Any] = {}


def _kafka_python_requests() -> dict[int, Any]:
    if not _REQUEST_CLASSES:
        import importlib
        import pkgutil

        import kafka.protocol
        from kafka.protocol.api_message import ApiMessage

        for module in pkgutil.walk_packages(kafka.protocol.__path__, "kafka.protocol."):
            if ".old" not in module.name and not module.name.endswith("generate_stubs"):
                try:
                    importlib.import_module(module.name)
                except Exception:
                    continue
        pending = list(ApiMessage.__subclasses__())
        while pending:
            cls = pending.pop()
            pending.extend(cls.__subclasses__())
            if getattr(cls, "_class_version", None) is None and cls.is_request():
                _REQUEST_CLASSES.setdefault(cls.API_KEY, cls)
    return _REQUEST_CLASSES


def write_client(out: Path, capture: ClientCapture, max_per_version: int) -> dict[str, Any]:
    """Replace ``capture.name``'s files under ``out``.

    Returns:
        ``{"requests": [...], "batches": [...]}`` manifest entries for this client.
    """
    request_dir = out / "requests" / capture.name
    if request_dir.exists():
        shutil.rmtree(request_dir)
    request_dir.mkdir(parents=True)
    batch_dir = out / "batches"
    batch_dir.mkdir(parents=True, exist_ok=True)
    for old in batch_dir.glob(f"{capture.name}-*.bin"):
        old.unlink()

    requests: list[dict[str, Any]] = []
    paths: dict[int, str] = {}
    for number, exchange in enumerate(select_requests(capture.exchanges, max_per_version), start=1):
        path = request_dir / f"{number:03d}-{exchange.api_name}-v{exchange.api_version}.bin"
        path.write_bytes(exchange.request)
        relative = path.relative_to(out).as_posix()
        paths[exchange.sequence] = relative
        verdict, trailing = kafka_python_roundtrip(exchange.request, exchange.api_key, exchange.api_version)
        try:
            client_id = wire.parse_request_header(exchange.request).client_id
        except (ValueError, KeyError):
            client_id = None
        requests.append({
            "path": relative,
            "client": capture.name,
            "client_version": capture.version,
            "api_key": exchange.api_key,
            "api_name": exchange.api_name,
            "api_version": exchange.api_version,
            "header_version": exchange.header_version,
            "correlation_id": exchange.correlation_id,
            "client_id": client_id,
            "step": exchange.step,
            "size": len(exchange.request),
            "sha256": hashlib.sha256(exchange.request).hexdigest(),
            "answered": exchange.response is not None,
            "kafka_python_roundtrip": verdict,
            "trailing_bytes": trailing,
        })

    batches: list[dict[str, Any]] = []
    for codec, choice in select_batches(capture.exchanges).items():
        path = batch_dir / f"{capture.name}-{codec}.bin"
        path.write_bytes(choice.records)
        first = choice.batches[0]
        batches.append({
            "path": path.relative_to(out).as_posix(),
            "client": capture.name,
            "client_version": capture.version,
            "codec": codec,
            "record_count": choice.record_count,
            "batch_count": len(choice.batches),
            "transactional": first.is_transactional,
            "idempotent": first.producer_id >= 0,
            "size": len(choice.records),
            "sha256": hashlib.sha256(choice.records).hexdigest(),
            "source_request": paths.get(choice.source.sequence),
            "produce_version": choice.source.api_version,
            "step": choice.source.step,
        })
    return {"requests": requests, "batches": batches}


def update_manifest(out: Path, broker: str, captures: list[ClientCapture],
                    entries: dict[str, dict[str, Any]], captured_on: str) -> Path:
    """Merge the re-captured clients into ``manifest.json``, keeping the other clients' entries."""
    path = out / "manifest.json"
    manifest: dict[str, Any] = (
        json.loads(path.read_text()) if path.exists()
        else {"format": MANIFEST_FORMAT, "clients": {}, "requests": [], "batches": []}
    )
    names = {capture.name for capture in captures}
    for capture in captures:
        manifest["clients"][capture.name] = {
            "version": capture.version,
            "broker": broker,
            "captured_on": captured_on,
            "notes": capture.notes,
        }
    for kind in ("requests", "batches"):
        kept = [entry for entry in manifest[kind] if entry["client"] not in names]
        for name in sorted(names):
            kept.extend(entries[name][kind])
        manifest[kind] = sorted(kept, key=lambda entry: entry["path"])
    manifest["clients"] = dict(sorted(manifest["clients"].items()))
    path.write_text(json.dumps(manifest, indent=1) + "\n")
    return path


def summary(out: Path) -> str:
    """A Markdown table of client x API -> versions captured, from ``manifest.json``."""
    manifest = json.loads((out / "manifest.json").read_text())
    clients = list(manifest["clients"])
    table: dict[str, dict[str, set[int]]] = {}
    keys: dict[str, int] = {}
    for entry in manifest["requests"]:
        keys[entry["api_name"]] = entry["api_key"]
        table.setdefault(entry["api_name"], {}).setdefault(entry["client"], set()).add(entry["api_version"])
    lines = ["| API (key) | " + " | ".join(clients) + " |", "|---" * (len(clients) + 1) + "|"]
    for name in sorted(table, key=lambda api: keys[api]):
        cells = [",".join(f"v{v}" for v in sorted(table[name].get(client, ()))) or "-" for client in clients]
        lines.append(f"| {name} ({keys[name]}) | " + " | ".join(cells) + " |")
    codecs: dict[str, list[str]] = {}
    for entry in manifest["batches"]:
        codecs.setdefault(entry["client"], []).append(f"{entry['codec']}({entry['record_count']})")
    lines.append("| batches (records) | " + " | ".join(" ".join(codecs.get(c, ["-"])) for c in clients) + " |")
    return "\n".join(lines)
