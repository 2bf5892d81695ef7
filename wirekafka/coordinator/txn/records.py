"""``__transaction_state`` records: a transactional id's metadata as key and value bytes.

Kafka's ``TransactionLog``: key ``int16 0`` + ``TransactionLogKey``; value ``int16 version`` +
``TransactionLogValue`` at that version, or null (a tombstone: the id expired). Value version 0 is
what Kafka writes with ``transaction.version`` 0, which is what this broker runs (docs/transactions.md);
version 1 values (flexible, written by Kafka with ``transaction.version`` >= 1) are read too, so a
log written by Kafka 4 loads here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from wirekafka.coordinator.txn.state import TransactionMetadata, TransactionState
from wirekafka.protocol.compiler import codec
from wirekafka.protocol.errors import DecodeError
from wirekafka.protocol.messages.txn_records import TransactionLogKey, TransactionLogValue

__all__ = ["KEY_VERSION", "VALUE_VERSION", "TransactionRecord", "decode_record"]

KEY_VERSION: Final = 0
VALUE_VERSION: Final = 0
_VERSION: Final = struct.Struct(">h")
_HIGHEST_VALUE_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    """One record: the id and its metadata, or ``None`` for a tombstone."""

    transactional_id: str
    metadata: TransactionMetadata | None

    def encode(self) -> tuple[bytes, bytes | None]:
        key = _VERSION.pack(KEY_VERSION) + codec(TransactionLogKey, KEY_VERSION).encode(
            TransactionLogKey(transactional_id=self.transactional_id)
        )
        metadata = self.metadata
        if metadata is None:
            return key, None
        partitions = None
        if metadata.state != TransactionState.EMPTY:
            partitions = [
                TransactionLogValue.PartitionsSchema(topic=topic, partition_ids=ids)
                for topic, ids in metadata.partitions_by_topic().items()
            ]
        value = TransactionLogValue(
            producer_id=metadata.producer_id,
            producer_epoch=metadata.producer_epoch,
            transaction_timeout_ms=metadata.transaction_timeout_ms,
            transaction_status=int(metadata.state),
            transaction_partitions=partitions,
            transaction_last_update_timestamp_ms=metadata.transaction_last_update_timestamp,
            transaction_start_timestamp_ms=metadata.transaction_start_timestamp,
        )
        return key, _VERSION.pack(VALUE_VERSION) + codec(TransactionLogValue, VALUE_VERSION).encode(value)


def decode_record(key: bytes | memoryview | None, value: bytes | memoryview | None) -> TransactionRecord:
    """Parse a stored record.

    Raises:
        DecodeError: an unknown key or value version, an unknown state, or malformed bytes.
    """
    if key is None or len(key) < 2:
        raise DecodeError("transaction log key shorter than its version")
    (key_version,) = _VERSION.unpack_from(key, 0)
    if key_version != KEY_VERSION:
        raise DecodeError(f"unknown version {key_version} from the transaction log message key")
    transactional_id = codec(TransactionLogKey, KEY_VERSION).decode(memoryview(key)[2:]).transactional_id
    if value is None:
        return TransactionRecord(transactional_id, None)
    if len(value) < 2:
        raise DecodeError("transaction log value shorter than its version")
    (value_version,) = _VERSION.unpack_from(value, 0)
    if not 0 <= value_version <= _HIGHEST_VALUE_VERSION:
        raise DecodeError(f"unknown version {value_version} from the transaction log message value")
    decoded = codec(TransactionLogValue, value_version).decode(memoryview(value)[2:])
    try:
        state = TransactionState(decoded.transaction_status)
    except ValueError:
        raise DecodeError(f"unknown transaction state id {decoded.transaction_status}") from None
    partitions: frozenset[tuple[str, int]] = frozenset()
    if state != TransactionState.EMPTY and decoded.transaction_partitions:
        partitions = frozenset(
            (entry.topic, partition)
            for entry in decoded.transaction_partitions
            for partition in entry.partition_ids
        )
    metadata = TransactionMetadata(
        transactional_id=transactional_id,
        producer_id=decoded.producer_id,
        producer_epoch=decoded.producer_epoch,
        transaction_timeout_ms=decoded.transaction_timeout_ms,
        state=state,
        partitions=partitions,
        transaction_start_timestamp=decoded.transaction_start_timestamp_ms,
        transaction_last_update_timestamp=decoded.transaction_last_update_timestamp_ms,
        previous_producer_id=decoded.previous_producer_id,
        client_transaction_version=decoded.client_transaction_version,
    )
    return TransactionRecord(transactional_id, metadata)
