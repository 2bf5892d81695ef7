"""Just enough of the Kafka wire format to tag, split and check captured frames.

This is a dev tool, independent of ``wirekafka.protocol`` on purpose: the golden data it
produces is the oracle for that codec, so it must not be derived from it.

Rules:
1. A frame payload is what follows the int32 size prefix: request header + body.
2. Request header v1 = int16 api_key, int16 api_version, int32 correlation_id,
   nullable int16-length string client_id. Header v2 (flexible versions) adds a tagged-field
   buffer after client_id (client_id itself stays a non-compact string). Header v0 (no
   client_id) is only ControlledShutdown v0, which no client sends.
3. A response payload starts with int32 correlation_id.
4. Only Produce bodies are parsed (to pull out the ``records`` of each partition), and only
   record batches' fixed 61-byte headers are read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# api_key -> (name, first flexible version or None), from Apache Kafka's message/*Request.json.
API_TABLE: dict[int, tuple[str, int | None]] = {
    0: ("Produce", 9),
    1: ("Fetch", 12),
    2: ("ListOffsets", 6),
    3: ("Metadata", 9),
    4: ("LeaderAndIsr", 4),
    5: ("StopReplica", 2),
    6: ("UpdateMetadata", 6),
    7: ("ControlledShutdown", 3),
    8: ("OffsetCommit", 8),
    9: ("OffsetFetch", 6),
    10: ("FindCoordinator", 3),
    11: ("JoinGroup", 6),
    12: ("Heartbeat", 4),
    13: ("LeaveGroup", 4),
    14: ("SyncGroup", 4),
    15: ("DescribeGroups", 5),
    16: ("ListGroups", 3),
    17: ("SaslHandshake", None),
    18: ("ApiVersions", 3),
    19: ("CreateTopics", 5),
    20: ("DeleteTopics", 4),
    21: ("DeleteRecords", 2),
    22: ("InitProducerId", 2),
    23: ("OffsetForLeaderEpoch", 4),
    24: ("AddPartitionsToTxn", 3),
    25: ("AddOffsetsToTxn", 3),
    26: ("EndTxn", 3),
    27: ("WriteTxnMarkers", 1),
    28: ("TxnOffsetCommit", 3),
    29: ("DescribeAcls", 2),
    30: ("CreateAcls", 2),
    31: ("DeleteAcls", 2),
    32: ("DescribeConfigs", 4),
    33: ("AlterConfigs", 2),
    34: ("AlterReplicaLogDirs", 2),
    35: ("DescribeLogDirs", 2),
    36: ("SaslAuthenticate", 2),
    37: ("CreatePartitions", 2),
    38: ("CreateDelegationToken", 2),
    39: ("RenewDelegationToken", 2),
    40: ("ExpireDelegationToken", 2),
    41: ("DescribeDelegationToken", 2),
    42: ("DeleteGroups", 2),
    43: ("ElectLeaders", 2),
    44: ("IncrementalAlterConfigs", 1),
    45: ("AlterPartitionReassignments", 0),
    46: ("ListPartitionReassignments", 0),
    47: ("OffsetDelete", None),
    48: ("DescribeClientQuotas", 1),
    49: ("AlterClientQuotas", 1),
    50: ("DescribeUserScramCredentials", 0),
    51: ("AlterUserScramCredentials", 0),
    52: ("Vote", 0),
    53: ("BeginQuorumEpoch", 1),
    54: ("EndQuorumEpoch", 1),
    55: ("DescribeQuorum", 0),
    56: ("AlterPartition", 0),
    57: ("UpdateFeatures", 0),
    58: ("Envelope", 0),
    59: ("FetchSnapshot", 0),
    60: ("DescribeCluster", 0),
    61: ("DescribeProducers", 0),
    62: ("BrokerRegistration", 0),
    63: ("BrokerHeartbeat", 0),
    64: ("UnregisterBroker", 0),
    65: ("DescribeTransactions", 0),
    66: ("ListTransactions", 0),
    67: ("AllocateProducerIds", 0),
    68: ("ConsumerGroupHeartbeat", 0),
    69: ("ConsumerGroupDescribe", 0),
    70: ("ControllerRegistration", 0),
    71: ("GetTelemetrySubscriptions", 0),
    72: ("PushTelemetry", 0),
    73: ("AssignReplicasToDirs", 0),
    74: ("ListClientMetricsResources", 0),
    75: ("DescribeTopicPartitions", 0),
    76: ("ShareGroupHeartbeat", 0),
    77: ("ShareGroupDescribe", 0),
    78: ("ShareFetch", 0),
    79: ("ShareAcknowledge", 0),
    80: ("AddRaftVoter", 0),
    81: ("RemoveRaftVoter", 0),
    82: ("UpdateRaftVoter", 0),
    83: ("InitializeShareGroupState", 0),
    84: ("ReadShareGroupState", 0),
    85: ("WriteShareGroupState", 0),
    86: ("DeleteShareGroupState", 0),
    87: ("ReadShareGroupStateSummary", 0),
}

CODECS: dict[int, str] = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}
RECORD_BATCH_HEADER_SIZE = 61  # baseOffset .. recordCount


def api_name(api_key: int) -> str:
    """Kafka's name of an API key, or ``ApiKey<n>`` for one this table does not know."""
    entry = API_TABLE.get(api_key)
    return entry[0] if entry else f"ApiKey{api_key}"


def request_header_version(api_key: int, api_version: int) -> int:
    """Request header version (1 or 2) that a request at this version must use.

    Raises:
        KeyError: for an API key missing from ``API_TABLE``.
    """
    if api_key == 7 and api_version == 0:
        return 0
    first_flexible = API_TABLE[api_key][1]
    return 2 if first_flexible is not None and api_version >= first_flexible else 1


class Reader:
    """Cursor over a buffer reading Kafka primitives (big-endian, varints unsigned)."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise ValueError(f"need {n} bytes at {self.pos}, have {len(self.data) - self.pos}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def int8(self) -> int:
        return int(struct.unpack(">b", self.take(1))[0])

    def int16(self) -> int:
        return int(struct.unpack(">h", self.take(2))[0])

    def int32(self) -> int:
        return int(struct.unpack(">i", self.take(4))[0])

    def int64(self) -> int:
        return int(struct.unpack(">q", self.take(8))[0])

    def uvarint(self) -> int:
        result = shift = 0
        while True:
            byte = self.take(1)[0]
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise ValueError("varint too long")

    def string(self, *, compact: bool) -> str | None:
        length = self.uvarint() - 1 if compact else self.int16()
        return None if length < 0 else self.take(length).decode("utf-8")

    def bytes_(self, *, compact: bool) -> bytes | None:
        length = self.uvarint() - 1 if compact else self.int32()
        return None if length < 0 else self.take(length)

    def array_length(self, *, compact: bool) -> int:
        return self.uvarint() - 1 if compact else self.int32()

    def skip_tagged_fields(self) -> None:
        for _ in range(self.uvarint()):
            self.uvarint()  # tag
            self.take(self.uvarint())

    def at_end(self) -> bool:
        return self.pos == len(self.data)


@dataclass(frozen=True, slots=True)
class RequestHeader:
    api_key: int
    api_version: int
    correlation_id: int
    client_id: str | None
    header_version: int
    size: int  # bytes taken by the header; the body starts here


def parse_request_header(payload: bytes) -> RequestHeader:
    """Parse the request header at the start of a frame payload.

    Raises:
        ValueError: if the payload is too short for the header it announces.
        KeyError: for an API key missing from ``API_TABLE``.
    """
    reader = Reader(payload)
    api_key = reader.int16()
    api_version = reader.int16()
    correlation_id = reader.int32()
    version = request_header_version(api_key, api_version)
    client_id = reader.string(compact=False) if version >= 1 else None
    if version >= 2:
        reader.skip_tagged_fields()
    return RequestHeader(api_key, api_version, correlation_id, client_id, version, reader.pos)


@dataclass(frozen=True, slots=True)
class PartitionRecords:
    topic: str  # topic name, or the topic id's hex for Produce v13+
    partition: int
    records: bytes | None


def produce_records(payload: bytes) -> list[PartitionRecords]:
    """Return the ``records`` of each partition of a Produce request (v3..v13 payload).

    Raises:
        ValueError: for a version before 3 (message sets, not batches), a truncated body, or
            trailing bytes after the body.
    """
    header = parse_request_header(payload)
    if header.api_key != 0:
        raise ValueError(f"not a Produce request: api_key {header.api_key}")
    version = header.api_version
    if version < 3:
        raise ValueError(f"Produce v{version} carries legacy message sets")
    flexible = version >= 9
    reader = Reader(payload, header.size)
    reader.string(compact=flexible)  # transactional_id
    reader.int16()  # acks
    reader.int32()  # timeout_ms
    found: list[PartitionRecords] = []
    for _ in range(reader.array_length(compact=flexible)):
        if version >= 13:
            topic = reader.take(16).hex()
        else:
            topic = reader.string(compact=flexible) or ""
        for _ in range(reader.array_length(compact=flexible)):
            partition = reader.int32()
            records = reader.bytes_(compact=flexible)
            found.append(PartitionRecords(topic, partition, records))
            if flexible:
                reader.skip_tagged_fields()
        if flexible:
            reader.skip_tagged_fields()
    if flexible:
        reader.skip_tagged_fields()
    if not reader.at_end():
        raise ValueError(f"{len(payload) - reader.pos} trailing bytes after Produce v{version} body")
    return found


@dataclass(frozen=True, slots=True)
class BatchHeader:
    base_offset: int
    batch_length: int  # bytes after this field
    partition_leader_epoch: int
    magic: int
    crc: int
    attributes: int
    last_offset_delta: int
    base_timestamp: int
    max_timestamp: int
    producer_id: int
    producer_epoch: int
    base_sequence: int
    record_count: int

    @property
    def codec(self) -> str:
        return CODECS.get(self.attributes & 0x07, f"codec{self.attributes & 0x07}")

    @property
    def is_transactional(self) -> bool:
        return bool(self.attributes & 0x10)

    @property
    def is_control(self) -> bool:
        return bool(self.attributes & 0x20)

    @property
    def total_size(self) -> int:
        return 12 + self.batch_length


_BATCH_HEADER = struct.Struct(">qiibIhiqqqhii")
assert _BATCH_HEADER.size == RECORD_BATCH_HEADER_SIZE


def record_batches(records: bytes) -> list[BatchHeader]:
    """Headers of the magic-2 record batches that exactly tile ``records``.

    Raises:
        ValueError: on a batch that is not magic 2 or does not fit.
    """
    headers: list[BatchHeader] = []
    pos = 0
    while pos < len(records):
        if len(records) - pos < RECORD_BATCH_HEADER_SIZE:
            raise ValueError(f"truncated batch header at {pos}")
        header = BatchHeader(*_BATCH_HEADER.unpack_from(records, pos))
        if header.magic != 2:
            raise ValueError(f"magic {header.magic} at {pos}")
        if pos + header.total_size > len(records):
            raise ValueError(f"batch at {pos} claims {header.total_size} bytes, {len(records) - pos} left")
        headers.append(header)
        pos += header.total_size
    return headers
