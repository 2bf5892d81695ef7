"""Property tests: any sequence of appends reads back the same, before and after reopening."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from wirekafka.log.config import LogConfig
from wirekafka.log.partition_log import PartitionLog
from wirekafka.records.batch import iter_batches

from .helpers import batch, decode, read_all

appends = st.lists(
    st.tuples(st.integers(1, 5), st.integers(0, 300), st.integers(0, 10_000)),  # records, value size, ts
    min_size=1,
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(
    appends=appends,
    segment_bytes=st.integers(300, 3_000),
    index_interval_bytes=st.integers(0, 500),
    clean_shutdown=st.booleans(),
)
def test_appends_read_back_identically_and_survive_reopening(
    appends: list[tuple[int, int, int]], segment_bytes: int, index_interval_bytes: int, clean_shutdown: bool
) -> None:
    config = LogConfig(segment_bytes=max(segment_bytes, 2_000), index_interval_bytes=index_interval_bytes)
    with tempfile.TemporaryDirectory() as root:
        directory = Path(root) / "p-0"
        log = PartitionLog.open(directory, config, now_ms=0)
        model: list[tuple[int, bytes | None, int]] = []
        for number, (count, size, timestamp) in enumerate(appends):
            values = [bytes([65 + number % 26]) * size + bytes([index]) for index in range(count)]
            info = log.append(batch(values, timestamp=timestamp), leader_epoch=number // 5, now_ms=0)
            assert info.first_offset == len(model)
            model.extend((info.first_offset + index, value, timestamp) for index, value in enumerate(values))
        end = log.log_end_offset
        assert end == len(model)
        for offset in range(end):
            records = log.read(offset, 1, max_offset=end, min_one_batch=True).records
            first = next(iter_batches(records))
            assert first.base_offset <= offset <= first.last_offset
            assert [(r.offset, r.value, r.timestamp) for r in decode(records)] == [
                item for item in model if first.base_offset <= item[0] <= first.last_offset
            ]
        if clean_shutdown:
            log.close()
        reopened = PartitionLog.open(directory, config, now_ms=0, clean_shutdown=clean_shutdown)
        assert reopened.log_end_offset == end
        assert [(r.offset, r.value, r.timestamp) for r in read_all(reopened)] == model
        for target in {timestamp for _, _, timestamp in model}:
            found = reopened.offset_for_timestamp(target)
            expected = next((offset for offset, _, ts in model if ts >= target), None)
            assert found is not None and found.offset == expected
