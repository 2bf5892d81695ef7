"""Sarama adapter (Go): runs go/sarama/driver.go, built with Debian's packaged Sarama, per command.

Why Debian's Sarama: CI reaches no Go module proxy, and Debian packages Sarama 1.22.1 with its
dependencies as GOPATH sources (`golang-github-shopify-sarama-dev`), so `go build` works offline in
GOPATH mode. That Sarama speaks Kafka 2.1's protocol versions, which keeps the older encodings of
Produce, Fetch, Metadata, ListOffsets, the group APIs and the admin APIs under test. It has no
transactions, and it sends zstd batches in Produce v3, which Kafka refuses (zstd needs v7), so
zstd is not offered. The driver speaks `line_driver`'s protocol and is built once per source version.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from conformance_tests.clients import line_driver

GO_DIR = Path(__file__).resolve().parent.parent / "go" / "sarama"
SOURCE = GO_DIR / "driver.go"
GOPATH = Path("/usr/share/gocode")  # where Debian's golang-*-dev packages put their sources
SARAMA = GOPATH / "src" / "github.com" / "Shopify" / "sarama"


def availability() -> str | None:
    if shutil.which("go") is None:
        return "client not installed: go not found on PATH (apt-get install golang-go)"
    if not SARAMA.is_dir():
        return "client not installed: Sarama (apt-get install golang-github-shopify-sarama-dev)"
    return None


def driver() -> str:
    """The driver binary, built on first use."""
    build_root = GO_DIR / "build"
    env = {**os.environ, "GO111MODULE": "off", "GOPATH": str(GOPATH), "GOCACHE": str(build_root / "cache"),
           "GOFLAGS": ""}
    build = line_driver.compiled(
        "sarama", SOURCE, build_root, lambda into: ["go", "build", "-o", str(into / "driver"), str(SOURCE)], env=env
    )
    return str(build / "driver")


class SaramaClient(line_driver.LineDriverClient):
    name = "sarama"
    codecs = frozenset({"none", "gzip", "snappy", "lz4"})

    def driver_argv(self) -> list[str]:
        return [driver()]
