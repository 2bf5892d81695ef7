"""Java client adapter (Apache Kafka's own `kafka-clients`): runs java/Driver.java per command.

The driver speaks `line_driver`'s protocol: one command in, one JSON line out. It is
compiled once per source version into `java/build/<hash>/`; the jars come from
`python -m conformance_tests.clients.java_jars`. Every client runs with the library's defaults but
for what the command names, so "works with the Java client" means with no special settings (its
producer is idempotent by default, for one).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from conformance_tests.clients import line_driver
from conformance_tests.clients.java_jars import JARS, LIB_DIR, installed

JAVA_DIR = Path(__file__).resolve().parent.parent / "java"
SOURCE = JAVA_DIR / "Driver.java"


def availability() -> str | None:
    for tool in ("java", "javac"):
        if shutil.which(tool) is None:
            return f"client not installed: {tool} not found on PATH (a JDK 11+ is needed)"
    if not installed():
        return "client not installed: Java client jars (run `python -m conformance_tests.clients.java_jars`)"
    return None


def classpath() -> str:
    """The jars and the compiled driver (compiled on first use)."""
    jars = [str(LIB_DIR / jar) for jar in JARS]
    build = line_driver.compiled(
        "java", SOURCE, JAVA_DIR / "build", lambda into: ["javac", "-d", str(into), "-cp", os.pathsep.join(jars), str(SOURCE)]
    )
    return os.pathsep.join([*jars, str(build)])


def argv() -> list[str]:
    return ["java", "-cp", classpath(), "Driver"]


class JavaClient(line_driver.LineDriverClient):
    name = "java"

    def driver_argv(self) -> list[str]:
        return argv()
