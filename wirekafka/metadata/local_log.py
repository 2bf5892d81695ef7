"""The metadata log of a single node: ``<metadata dir>/__cluster_metadata-0``, a partition log.

Each commit is one v2 batch holding the framed records (``records.py``) as record values with
null keys, appended and fsynced before the commit returns, so an operation acknowledged to a
client survives a crash, and a batch is all-or-nothing: a torn batch fails its CRC and recovery
cuts it off. Control batches (Raft's leader-change and snapshot markers) are skipped on read, so
a log written by a Raft quorum reads the same way.

Blocking file I/O: the trio runtime calls these methods from a worker thread, one at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from wirekafka.log.config import LogConfig
from wirekafka.log.partition_log import PartitionLog
from wirekafka.metadata.records import MetadataRecord, decode_record, encode_record
from wirekafka.records import Record, build_batch, iter_batches, iter_records

METADATA_LOG_DIRECTORY = "__cluster_metadata-0"
READ_CHUNK_BYTES = 8 * 1024 * 1024
LEADER_EPOCH = 0
"""Partition leader epoch of the batches written by the single-node log (no Raft election)."""

METADATA_LOG_CONFIG = LogConfig(
    max_message_bytes=2**31 - 1,
    retention_ms=-1,
    retention_bytes=-1,
)
"""Never deleted by retention (the log is the metadata); batches as large as one operation needs."""


class LocalMetadataLog:
    """Append framed metadata records durably; read them back in order."""

    def __init__(self, log: PartitionLog) -> None:
        self._log = log

    @classmethod
    def open(cls, metadata_dir: Path, *, now_ms: int) -> LocalMetadataLog:
        """Open (creating) the log, validating every batch: a torn tail is cut off."""
        directory = metadata_dir / METADATA_LOG_DIRECTORY
        log = PartitionLog.open(directory, METADATA_LOG_CONFIG, now_ms=now_ms, clean_shutdown=False)
        return cls(log)

    @property
    def directory(self) -> Path:
        return self._log.directory

    @property
    def end_offset(self) -> int:
        """The offset the next record will get."""
        return self._log.log_end_offset

    def read(self, start_offset: int = 0) -> Iterator[tuple[int, MetadataRecord]]:
        """Every metadata record from ``start_offset`` with its offset, oldest first.

        Raises:
            MetadataRecordError: a record value that is not a framed metadata record.
        """
        position = max(start_offset, self._log.log_start_offset)
        end = self._log.log_end_offset
        while position < end:
            chunk = self._log.read(position, READ_CHUNK_BYTES, max_offset=end, min_one_batch=True)
            records = chunk.records
            assert isinstance(records, bytes)  # not a zero-copy read: always in memory
            if not records:
                break
            for batch in iter_batches(records):
                if batch.is_control:
                    continue
                for record in iter_records(batch):
                    if record.offset >= position and record.value is not None:
                        yield record.offset, decode_record(record.value)[0]
            position = max(chunk.next_offset, position + 1)

    def append(self, records: Sequence[MetadataRecord], *, now_ms: int) -> int:
        """Append ``records`` as one batch and fsync it; returns the offset of the last one."""
        batch = build_batch(
            [
                Record(offset=index, timestamp=now_ms, key=None, value=encode_record(r))
                for index, r in enumerate(records)
            ],
            base_offset=0,
            partition_leader_epoch=LEADER_EPOCH,
        )
        info = self._log.append(bytearray(batch), leader_epoch=LEADER_EPOCH, now_ms=now_ms)
        self._log.flush(now_ms=now_ms)
        self._log.update_high_watermark(self._log.log_end_offset)
        return info.last_offset

    def close(self) -> None:
        self._log.close()
