"""Programmatic entry point: `wirekafka conformance` and `python -m conformance_tests` call `run`.

Why pytest.main in-process: the suite is a pytest plugin plus cases; running it through pytest keeps
one code path for CI, developers and the CLI, and the report plugin writes the same files every time.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

SUITE_DIR = Path(__file__).resolve().parent


def pytest_args(bootstrap: str | None, report_dir: Path, extra_args: Sequence[str] = ()) -> list[str]:
    """The pytest command line for one run of the suite."""
    args = [str(SUITE_DIR), "--rootdir", str(SUITE_DIR.parent), "-p", "no:cacheprovider",
            "--report-dir", str(report_dir), "-q", "-rfE"]
    if bootstrap:
        args += ["--bootstrap", bootstrap]
    return args + list(extra_args)


def run(bootstrap: str | None, report_dir: Path, extra_args: Sequence[str] = ()) -> int:
    """Run the suite against `bootstrap` (or a broker it starts) and write the report to `report_dir`.

    Returns pytest's exit code: 0 when every case passed, 1 when some failed.
    """
    import pytest

    return int(pytest.main(pytest_args(bootstrap, report_dir, extra_args)))
