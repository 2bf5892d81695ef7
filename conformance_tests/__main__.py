"""`python -m conformance_tests [--bootstrap HOST:PORT] [--report-dir DIR] [pytest args...]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance_tests.runner import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance_tests",
                                     description="Kafka conformance suite; unknown arguments go to pytest.")
    parser.add_argument("--bootstrap", default=None, help="HOST:PORT of the broker (default: start wirekafka)")
    parser.add_argument("--report-dir", type=Path, default=Path.cwd(), help="where the reports go (default: cwd)")
    args, rest = parser.parse_known_args(argv)
    return run(args.bootstrap, args.report_dir, rest)


if __name__ == "__main__":
    sys.exit(main())
