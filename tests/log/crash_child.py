"""Child process of the kill -9 test: append and flush forever, report each acked append.

Usage: ``python crash_child.py <log dir> <round>``. Each line on stdout, printed only after the
append *and* its fsync returned, is ``<round> <batch> <first offset> <record count>``; batch ``b``
of round ``r`` holds values ``r-b-0``, ``r-b-1``... The loop is bounded so a lost parent never
leaves it running.
"""

from __future__ import annotations

import sys
from pathlib import Path

from wirekafka.log.config import LogConfig
from wirekafka.log.partition_log import PartitionLog
from wirekafka.records.builder import build_batch
from wirekafka.records.record import Record

CONFIG = LogConfig(segment_bytes=8192, index_interval_bytes=512)
MAX_APPENDS = 20_000


def main() -> None:
    directory = Path(sys.argv[1])
    round_number = int(sys.argv[2])
    log = PartitionLog.open(directory, CONFIG, now_ms=0, clean_shutdown=False)
    for batch_number in range(MAX_APPENDS):
        count = 1 + batch_number % 7
        records = [
            Record(
                offset=index,
                timestamp=batch_number,
                key=None,
                value=f"{round_number}-{batch_number}-{index}".encode() * (1 + batch_number % 13),
            )
            for index in range(count)
        ]
        info = log.append(bytearray(build_batch(records)), leader_epoch=round_number, now_ms=0)
        log.flush()
        sys.stdout.write(f"{round_number} {batch_number} {info.first_offset} {count}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
