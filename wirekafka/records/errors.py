"""Typed errors of the record layer.

Kafka answers a bad produce with different error codes depending on *what* is wrong, so the
record layer keeps those cases apart instead of raising one generic exception:

* :class:`CorruptRecordError` -- the bytes cannot be a batch (bad CRC, impossible length,
  unknown magic, undecodable compressed payload).  Kafka: ``CorruptRecordException``,
  error ``CORRUPT_MESSAGE`` (2).
* :class:`InvalidRecordError` -- the bytes parse but break a rule (offset range inconsistent
  with the record count, a client writing a control batch, malformed record fields).
  Kafka: ``InvalidRecordException``, error ``INVALID_RECORD`` (87).
* :class:`UnsupportedMagicError` -- a legacy message set (magic 0 or 1), which this broker
  does not store.  The broker maps it to ``UNSUPPORTED_FOR_MESSAGE_FORMAT`` (43).

Every error derives from :class:`RecordsError`, so a caller that only needs "the batch is
unusable" catches one class.  The ``error_code`` class attribute carries Kafka's numeric error
code so the broker can answer without a lookup table of its own; the records package stays free
of imports from the protocol package.

No decoder in this package lets ``IndexError``, ``struct.error``, ``UnicodeDecodeError`` or
``MemoryError`` escape on hostile input: they all become one of these.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "CorruptRecordError",
    "DecompressedSizeLimitError",
    "DecompressionError",
    "InvalidRecordError",
    "RecordsError",
    "UnsupportedCompressionError",
    "UnsupportedMagicError",
]


class RecordsError(Exception):
    """Base of every error raised while reading or validating record batches."""

    error_code: ClassVar[int] = -1  # UNKNOWN_SERVER_ERROR: subclasses override


class CorruptRecordError(RecordsError):
    """The bytes are not a well-formed batch: Kafka's ``CORRUPT_MESSAGE``."""

    error_code: ClassVar[int] = 2  # CORRUPT_MESSAGE


class InvalidRecordError(RecordsError):
    """The batch is well-formed but violates a rule Kafka enforces: ``INVALID_RECORD``."""

    error_code: ClassVar[int] = 87  # INVALID_RECORD


class UnsupportedMagicError(RecordsError):
    """A magic 0/1 message set: the broker stores only magic v2 batches.

    Kept apart from :class:`CorruptRecordError` because the bytes may be perfectly valid for an
    old client; the broker answers ``UNSUPPORTED_FOR_MESSAGE_FORMAT`` rather than claiming
    corruption.
    """

    error_code: ClassVar[int] = 43  # UNSUPPORTED_FOR_MESSAGE_FORMAT

    def __init__(self, message: str, magic: int) -> None:
        super().__init__(message)
        self.magic = magic


class UnsupportedCompressionError(CorruptRecordError):
    """Compression bits 5-7 name no codec Kafka knows, so no consumer could read the batch."""


class DecompressionError(CorruptRecordError):
    """The compressed payload of a batch does not decode with its declared codec."""


class DecompressedSizeLimitError(DecompressionError):
    """Decoding would produce more than the caller's ``max_size``: a decompression bomb guard."""
