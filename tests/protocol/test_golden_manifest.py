"""The golden data is what its manifest says it is (tests/protocol/golden/README.md).

Independent of wirekafka's codec: request headers are read with ``struct`` only (int16 api_key,
int16 api_version, int32 correlation_id, int16-length client_id, then a tag buffer for header v2)
and record batches through their fixed 61-byte header and CRC-32C. The last tests feed tampered
copies to the same checks to show that they fail.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
from pathlib import Path
from typing import Any

import crc32c
import pytest

from tests.protocol.golden import GOLDEN_DIR, load_batches, load_manifest, load_requests

MANIFEST = load_manifest()
CODEC_BITS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
BATCH_HEADER = struct.Struct(">qiibIhiqqqhii")  # baseOffset .. recordCount, 61 bytes


def check_request(entry: dict[str, Any], root: Path) -> None:
    """Raise AssertionError unless ``entry``'s file exists and its header matches the entry."""
    path = root / entry["path"]
    assert path.is_file(), f"{entry['path']} is missing"
    payload = path.read_bytes()
    assert len(payload) == entry["size"], f"{entry['path']}: size {len(payload)} != {entry['size']}"
    assert hashlib.sha256(payload).hexdigest() == entry["sha256"], f"{entry['path']}: content changed"
    api_key, api_version, correlation_id, client_id_length = struct.unpack_from(">hhih", payload)
    assert (api_key, api_version, correlation_id) == (
        entry["api_key"], entry["api_version"], entry["correlation_id"]
    ), f"{entry['path']}: header says key {api_key} v{api_version} corr {correlation_id}"
    assert path.name.endswith(f"-{entry['api_name']}-v{api_version}.bin"), path.name
    assert entry["header_version"] in (1, 2)
    end_of_client_id = 10 + max(client_id_length, 0)
    assert end_of_client_id <= len(payload), f"{entry['path']}: client_id runs past the frame"
    if client_id_length >= 0:
        assert payload[10:end_of_client_id].decode() == entry["client_id"]
    if entry["header_version"] == 2:
        assert end_of_client_id < len(payload), f"{entry['path']}: no tag buffer after client_id"


def check_batch(entry: dict[str, Any], root: Path) -> None:
    """Raise AssertionError unless ``entry``'s file is whole magic-2 batches matching the entry."""
    path = root / entry["path"]
    assert path.is_file(), f"{entry['path']} is missing"
    records = path.read_bytes()
    assert hashlib.sha256(records).hexdigest() == entry["sha256"], f"{entry['path']}: content changed"
    position = batches = record_count = 0
    while position < len(records):
        assert len(records) - position >= BATCH_HEADER.size, f"{entry['path']}: truncated header at {position}"
        (_, batch_length, _, magic, crc, attributes, *_, count) = BATCH_HEADER.unpack_from(records, position)
        assert magic == 2, f"{entry['path']}: magic {magic} at {position}"
        end = position + 12 + batch_length
        assert end <= len(records), f"{entry['path']}: batchLength {batch_length} runs past the file"
        assert crc32c.crc32c(records[position + 21 : end]) == crc, f"{entry['path']}: CRC-32C mismatch"
        assert attributes & 0x07 == CODEC_BITS[entry["codec"]], f"{entry['path']}: attributes {attributes:#x}"
        position, batches, record_count = end, batches + 1, record_count + count
    assert position == len(records) > 0
    assert (batches, record_count) == (entry["batch_count"], entry["record_count"])


@pytest.mark.parametrize("entry", MANIFEST["requests"], ids=lambda entry: entry["path"])
def test_request_file_matches_manifest(entry: dict[str, Any]) -> None:
    check_request(entry, GOLDEN_DIR)


@pytest.mark.parametrize("entry", MANIFEST["batches"], ids=lambda entry: entry["path"])
def test_batch_file_matches_manifest(entry: dict[str, Any]) -> None:
    check_batch(entry, GOLDEN_DIR)


def test_every_file_is_in_the_manifest() -> None:
    on_disk = {path.relative_to(GOLDEN_DIR).as_posix() for path in GOLDEN_DIR.rglob("*.bin")}
    listed = [entry["path"] for entry in MANIFEST["requests"] + MANIFEST["batches"]]
    assert len(listed) == len(set(listed)), "a path is listed twice"
    assert on_disk == set(listed)


def test_every_client_is_described_and_sent_api_versions() -> None:
    clients = set(MANIFEST["clients"])
    assert clients == {entry["client"] for entry in MANIFEST["requests"]}
    for client in clients:
        assert MANIFEST["clients"][client]["version"] != "unknown", client
        assert load_requests(client=client, api_key=18), f"{client}: no ApiVersions request"
        assert load_batches(client=client), f"{client}: no Produce batch"


def test_loader_returns_the_files() -> None:
    requests = load_requests()
    assert len(requests) == len(MANIFEST["requests"])
    assert all(request.payload == request.path.read_bytes() for request in requests)
    assert len({request.name for request in requests}) == len(requests)
    assert {batch.codec for batch in load_batches()} <= set(CODEC_BITS)
    assert all(request.api_key == 0 for request in load_requests(api_key=0))


def _tampered_copy(tmp_path: Path, entry: dict[str, Any], offset: int, value: bytes) -> Path:
    copy = tmp_path / entry["path"]
    copy.parent.mkdir(parents=True)
    shutil.copyfile(GOLDEN_DIR / entry["path"], copy)
    data = bytearray(copy.read_bytes())
    data[offset : offset + len(value)] = value
    copy.write_bytes(bytes(data))
    return tmp_path


def test_request_check_fails_on_a_wrong_header(tmp_path: Path) -> None:
    entry = dict(MANIFEST["requests"][0])
    check_request(entry, GOLDEN_DIR)
    entry["sha256"] = hashlib.sha256(b"").hexdigest()
    with pytest.raises(AssertionError, match="content changed"):
        check_request(entry, GOLDEN_DIR)
    entry = json.loads(json.dumps(MANIFEST["requests"][0]))
    root = _tampered_copy(tmp_path, entry, 2, struct.pack(">h", entry["api_version"] + 1))
    entry["sha256"] = hashlib.sha256((root / entry["path"]).read_bytes()).hexdigest()
    with pytest.raises(AssertionError, match="header says"):
        check_request(entry, root)


def test_batch_check_fails_on_a_wrong_length(tmp_path: Path) -> None:
    entry = dict(MANIFEST["batches"][0])
    root = _tampered_copy(tmp_path, entry, 8, struct.pack(">i", 10**6))
    entry["sha256"] = hashlib.sha256((root / entry["path"]).read_bytes()).hexdigest()
    with pytest.raises(AssertionError, match="runs past the file"):
        check_batch(entry, root)
