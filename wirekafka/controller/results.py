"""What a controller operation returns: the records to commit and the answer to give.

As Kafka's ``ControllerResult``: the operation does not change state. The runtime commits
``records`` atomically (all or none) to the metadata log, replays them into the image, and only
then hands ``response`` back to the caller. An operation that fails validation returns no
records, so nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from wirekafka.metadata.records import MetadataRecord
from wirekafka.protocol.errors import ErrorCode

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ApiError:
    """A Kafka error code with an optional message (Kafka's ``ApiError``)."""

    code: ErrorCode
    message: str | None = None

    @property
    def is_success(self) -> bool:
        return self.code == ErrorCode.NO_ERROR

    @property
    def is_failure(self) -> bool:
        return self.code != ErrorCode.NO_ERROR


NO_ERROR = ApiError(ErrorCode.NO_ERROR)


class ControllerError(Exception):
    """Raised inside an operation to abandon one item with ``error`` (Kafka's ``ApiException``)."""

    def __init__(self, code: ErrorCode, message: str | None = None) -> None:
        super().__init__(message or code.name)
        self.error = ApiError(code, message)


@dataclass(frozen=True, slots=True)
class ControllerResult(Generic[T]):
    records: Sequence[MetadataRecord]
    response: T
    atomic: bool = field(default=True)
