"""Child side of the line protocol described in ``tools.capture.clients``."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

CODECS = ("none", "gzip", "snappy", "lz4", "zstd")


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--bootstrap", required=True, help="host:port of the recording proxy")
    parser.add_argument("--prefix", required=True, help="prefix of the topic/group names to use")
    return parser.parse_args()


def _say(kind: str, text: str) -> None:
    sys.stdout.write(f"@@{kind} {' '.join(text.split())}\n")
    sys.stdout.flush()


def version(text: str) -> None:
    _say("version", text)


def note(text: str) -> None:
    _say("note", text)


def step(label: str) -> None:
    """Announce a workload step and wait until the parent has labelled the proxy with it."""
    _say("step", label)
    sys.stdin.readline()


def attempt(label: str, action: Callable[[], T]) -> T | None:
    """Run one workload step; a failure is reported as a note and the workload goes on."""
    step(label)
    try:
        return action()
    except Exception as error:
        note(f"{label}: FAILED {type(error).__name__}: {error}")
        traceback.print_exc()
        return None
