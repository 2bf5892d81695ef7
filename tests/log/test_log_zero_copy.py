"""Zero-copy reads: a large fetch read is a region of the segment file, with the same bytes."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from wirekafka.log.config import LogConfig
from wirekafka.log.file_region import FileRegion
from wirekafka.log.segment import FILE_REGION_MIN_SIZE

from .helpers import batch, open_log, value_batch


def as_bytes(records: bytes | FileRegion) -> bytes:
    return records.read() if isinstance(records, FileRegion) else records


def test_zero_copy_reads_return_what_copying_reads_return(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", LogConfig())
    sizes = [10, 70_000, 10, 10, 200_000, 30_000, 40_000, 10, 150_000, 10]
    for size in sizes:
        log.append(value_batch(size, count=2), leader_epoch=0, now_ms=0)
    end = log.log_end_offset
    regions = 0
    for fetch_offset, max_bytes, max_offset, min_one_batch in itertools.product(
        range(0, end, 3), (100, 65_000, 80_000, 300_000, 10_000_000), (end, end - 3, 9), (True, False)
    ):
        if fetch_offset > max_offset:
            continue
        copied = log.read(fetch_offset, max_bytes, max_offset=max_offset, min_one_batch=min_one_batch)
        zero = log.read(
            fetch_offset, max_bytes, max_offset=max_offset, min_one_batch=min_one_batch, zero_copy=True
        )
        assert isinstance(copied.records, bytes)
        assert as_bytes(zero.records) == copied.records
        assert zero.next_offset == copied.next_offset
        # A region exactly when the read is large enough to pay for one.
        assert isinstance(zero.records, FileRegion) == (len(copied.records) >= FILE_REGION_MIN_SIZE)
        regions += isinstance(zero.records, FileRegion)
        if isinstance(zero.records, FileRegion):
            zero.records.close()
    assert regions > 10


def test_a_region_keeps_serving_its_bytes_after_the_log_is_deleted(tmp_path: Path) -> None:
    log = open_log(tmp_path / "t-0", LogConfig())
    log.append(value_batch(100_000), leader_epoch=0, now_ms=0)
    log.append(batch([b"x"]), leader_epoch=0, now_ms=0)
    expected = log.read(0, 1_000_000, max_offset=2, min_one_batch=True).records
    region = log.read(0, 1_000_000, max_offset=2, min_one_batch=True, zero_copy=True).records
    assert isinstance(region, FileRegion)
    log.close()
    for path in (tmp_path / "t-0").iterdir():
        path.unlink()
    (tmp_path / "t-0").rmdir()
    assert region.read() == expected  # its own descriptor holds the deleted file open
    descriptor = region.fd
    region.close()
    region.close()  # closing twice is harmless
    with pytest.raises(OSError):
        os.fstat(descriptor)


def test_a_region_of_a_file_cut_short_refuses_to_read(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"a" * 100)
    with path.open("rb") as file:
        region = FileRegion(file.fileno(), 50, 40)
    assert region.read() == b"a" * 40
    os.truncate(path, 60)
    with pytest.raises(OSError):
        region.read()
    region.close()


def test_out_of_descriptors_a_large_read_is_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = open_log(tmp_path / "t-0", LogConfig())
    log.append(value_batch(100_000), leader_epoch=0, now_ms=0)
    expected = log.read(0, 1_000_000, max_offset=1, min_one_batch=True).records

    def no_descriptors(fd: int) -> int:
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(os, "dup", no_descriptors)
    assert log.read(0, 1_000_000, max_offset=1, min_one_batch=True, zero_copy=True).records == expected
