"""Control records: the transaction markers (and KRaft's quorum records) inside control batches.

A control batch has attribute bit 5 set and holds one record whose key is ``int16 version`` +
``int16 type`` (Kafka's ``ControlRecordType``).  For the end-of-transaction markers the value is
``int16 version`` + ``int32 coordinator_epoch`` (Kafka's ``EndTransactionMarker``, schema
version 0).  The transaction coordinator writes one into every partition a transaction touched
-- ``COMMIT`` or ``ABORT`` -- and ``read_committed`` consumers use them to drop aborted records.

Parsing follows Kafka: a key version above 0 is read as version 0 (newer versions may only add
fields), a negative version is corruption, and an unknown type is ``UNKNOWN`` -- consumers skip
control records they do not understand.
"""

from __future__ import annotations

import struct
from enum import IntEnum
from typing import Final, NamedTuple

from .batch import NO_PARTITION_LEADER_EPOCH, NO_SEQUENCE
from .builder import build_batch
from .errors import InvalidRecordError
from .record import Record

__all__ = [
    "ControlType",
    "ParsedControlRecord",
    "build_end_txn_marker",
    "control_record_key",
    "parse_control_record",
]

_KEY: Final = struct.Struct(">hh")
_END_TXN_VALUE: Final = struct.Struct(">hi")
_CURRENT_KEY_VERSION: Final = 0
_CURRENT_END_TXN_VALUE_VERSION: Final = 0


class ControlType(IntEnum):
    """Kafka's ``ControlRecordType`` ids."""

    UNKNOWN = -1
    ABORT = 0
    COMMIT = 1
    LEADER_CHANGE = 2
    SNAPSHOT_HEADER = 3
    SNAPSHOT_FOOTER = 4
    KRAFT_VERSION = 5
    KRAFT_VOTERS = 6


_KNOWN_TYPES: Final = frozenset(int(control_type) for control_type in ControlType) - {-1}


class ParsedControlRecord(NamedTuple):
    """What a control record says.  ``coordinator_epoch`` is set for ``ABORT``/``COMMIT`` only."""

    control_type: ControlType
    coordinator_epoch: int | None
    value: bytes | None


def control_record_key(control_type: ControlType) -> bytes:
    """The 4-byte key of a control record of ``control_type`` (version 0)."""
    if control_type == ControlType.UNKNOWN:
        raise ValueError("cannot serialize the UNKNOWN control record type")
    return _KEY.pack(_CURRENT_KEY_VERSION, control_type)


def build_end_txn_marker(
    control_type: ControlType,
    *,
    producer_id: int,
    producer_epoch: int,
    coordinator_epoch: int,
    timestamp_ms: int,
    base_offset: int = 0,
    partition_leader_epoch: int = NO_PARTITION_LEADER_EPOCH,
) -> bytes:
    """A control batch holding one ``COMMIT`` or ``ABORT`` marker, as Kafka's
    ``MemoryRecords.withEndTransactionMarker`` builds it: transactional, control, no sequence,
    ``CREATE_TIME``, uncompressed.

    Raises:
        ValueError: ``control_type`` is not ``ABORT`` or ``COMMIT``.
    """
    if control_type not in (ControlType.ABORT, ControlType.COMMIT):
        raise ValueError(f"invalid control record type for end transaction marker: {control_type!r}")
    marker = Record(
        offset=base_offset,
        timestamp=timestamp_ms,
        key=control_record_key(control_type),
        value=_END_TXN_VALUE.pack(_CURRENT_END_TXN_VALUE_VERSION, coordinator_epoch),
    )
    return build_batch(
        [marker],
        base_offset=base_offset,
        producer_id=producer_id,
        producer_epoch=producer_epoch,
        base_sequence=NO_SEQUENCE,
        is_transactional=True,
        is_control=True,
        partition_leader_epoch=partition_leader_epoch,
    )


def parse_control_record(record: Record) -> ParsedControlRecord:
    """Read the type of a record from a control batch (and the epoch of a transaction marker).

    Raises:
        InvalidRecordError: the key or marker value is too short or has a negative version.
    """
    key = record.key
    if key is None or len(key) < _KEY.size:
        raise InvalidRecordError(
            f"invalid control record key: need {_KEY.size} bytes, found {0 if key is None else len(key)}"
        )
    version, type_id = _KEY.unpack_from(key)
    if version < 0:
        raise InvalidRecordError(f"invalid version found for control record: {version}")
    control_type = ControlType(type_id) if type_id in _KNOWN_TYPES else ControlType.UNKNOWN
    if control_type not in (ControlType.ABORT, ControlType.COMMIT):
        return ParsedControlRecord(control_type, None, record.value)
    value = record.value
    if value is None or len(value) < _END_TXN_VALUE.size:
        raise InvalidRecordError(
            f"invalid value size found for end transaction marker: need {_END_TXN_VALUE.size} bytes, "
            f"found {0 if value is None else len(value)}"
        )
    value_version, coordinator_epoch = _END_TXN_VALUE.unpack_from(value)
    if value_version < 0:
        raise InvalidRecordError(f"invalid version found for end transaction marker: {value_version}")
    return ParsedControlRecord(control_type, coordinator_epoch, value)
