"""Hand-built Kafka frames over a plain socket.

Why this exists: the handshake, robustness and a few error-semantics cases must look at the bytes a
broker sends (response header versions, a missing acks=0 response, a closed connection), which no
client library exposes. The suite must also stay independent of the broker under test, so it does
not import wirekafka's codec: everything here is `struct` and a few dozen lines per message, written
from Kafka's JSON message specs.

Only the message versions the cases need are implemented; each encoder/decoder names its version
range. Integers are big-endian; "compact" types (flexible versions) use unsigned varint lengths + 1.
"""

from __future__ import annotations

import errno
import socket
import struct
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Api keys used by the suite (Kafka's numbering) and their names for messages and reports.
API_NAMES: dict[int, str] = {
    0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 8: "OffsetCommit", 9: "OffsetFetch",
    10: "FindCoordinator", 11: "JoinGroup", 12: "Heartbeat", 13: "LeaveGroup", 14: "SyncGroup",
    15: "DescribeGroups", 16: "ListGroups", 17: "SaslHandshake", 18: "ApiVersions", 19: "CreateTopics",
    20: "DeleteTopics", 21: "DeleteRecords", 22: "InitProducerId", 23: "OffsetForLeaderEpoch",
    24: "AddPartitionsToTxn", 25: "AddOffsetsToTxn", 26: "EndTxn", 28: "TxnOffsetCommit",
    29: "DescribeAcls", 30: "CreateAcls", 31: "DeleteAcls", 32: "DescribeConfigs", 33: "AlterConfigs",
    35: "DescribeLogDirs", 36: "SaslAuthenticate", 37: "CreatePartitions", 42: "DeleteGroups",
    44: "IncrementalAlterConfigs", 47: "OffsetDelete", 60: "DescribeCluster", 61: "DescribeProducers",
    65: "DescribeTransactions", 66: "ListTransactions", 68: "ConsumerGroupHeartbeat",
    69: "ConsumerGroupDescribe", 75: "DescribeTopicPartitions",
}
API_KEYS: dict[str, int] = {name: key for key, name in API_NAMES.items()}

# Error codes the cases assert on (Kafka's numbering).
NONE = 0
OFFSET_OUT_OF_RANGE = 1
CORRUPT_MESSAGE = 2
UNKNOWN_TOPIC_OR_PARTITION = 3
MESSAGE_TOO_LARGE = 10
UNKNOWN_MEMBER_ID = 25
UNSUPPORTED_VERSION = 35
INVALID_TOPIC_EXCEPTION = 17
OUT_OF_ORDER_SEQUENCE_NUMBER = 45
DUPLICATE_SEQUENCE_NUMBER = 46
MEMBER_ID_REQUIRED = 79

MAX_FRAME = 100 * 1024 * 1024


class ConnectionClosed(Exception):
    """The broker closed the connection (EOF or reset) while we waited for bytes."""


# ----------------------------------------------------------------------------------------- encoding


def i8(v: int) -> bytes:
    return struct.pack(">b", v)


def i16(v: int) -> bytes:
    return struct.pack(">h", v)


def i32(v: int) -> bytes:
    return struct.pack(">i", v)


def i64(v: int) -> bytes:
    return struct.pack(">q", v)


def boolean(v: bool) -> bytes:
    return b"\x01" if v else b"\x00"


def string(v: str | None) -> bytes:
    """STRING / NULLABLE_STRING: int16 length (-1 for null) + UTF-8."""
    if v is None:
        return i16(-1)
    raw = v.encode()
    return i16(len(raw)) + raw


def bytes_(v: bytes | None) -> bytes:
    """BYTES / NULLABLE_BYTES: int32 length (-1 for null)."""
    if v is None:
        return i32(-1)
    return i32(len(v)) + v


def uvarint(v: int) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def varint(v: int) -> bytes:
    """Zigzag varint, as used inside records."""
    return uvarint((v << 1) ^ (v >> 63))


def compact_string(v: str | None) -> bytes:
    if v is None:
        return uvarint(0)
    raw = v.encode()
    return uvarint(len(raw) + 1) + raw


def array(items: Sequence[bytes]) -> bytes:
    return i32(len(items)) + b"".join(items)


def compact_array(items: Sequence[bytes] | None) -> bytes:
    if items is None:
        return uvarint(0)
    return uvarint(len(items) + 1) + b"".join(items)


EMPTY_TAGS = b"\x00"


def request_frame(
    api_key: int,
    version: int,
    correlation_id: int,
    body: bytes,
    *,
    client_id: str | None = "conformance",
    flexible: bool = False,
) -> bytes:
    """A size-prefixed request: header v1 (or v2 with an empty tag buffer when flexible) + body."""
    header = i16(api_key) + i16(version) + i32(correlation_id) + string(client_id)
    if flexible:
        header += EMPTY_TAGS
    payload = header + body
    return i32(len(payload)) + payload


# ----------------------------------------------------------------------------------------- decoding


class Reader:
    """Sequential big-endian reader over one response body."""

    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data = data
        self.pos = offset

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def _unpack(self, fmt: str) -> int:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise ValueError(f"response truncated at byte {self.pos} reading {fmt}")
        (v,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return int(v)

    def i8(self) -> int:
        return self._unpack(">b")

    def i16(self) -> int:
        return self._unpack(">h")

    def i32(self) -> int:
        return self._unpack(">i")

    def i64(self) -> int:
        return self._unpack(">q")

    def boolean(self) -> bool:
        return self._unpack(">b") != 0

    def raw(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError(f"response truncated at byte {self.pos} reading {n} bytes")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def string(self) -> str | None:
        n = self.i16()
        return None if n < 0 else self.raw(n).decode()

    def bytes_(self) -> bytes | None:
        n = self.i32()
        return None if n < 0 else self.raw(n)

    def uvarint(self) -> int:
        shift = value = 0
        while True:
            b = self.raw(1)[0]
            value |= (b & 0x7F) << shift
            if not b & 0x80:
                return value
            shift += 7

    def varint(self) -> int:
        v = self.uvarint()
        return (v >> 1) ^ -(v & 1)

    def compact_string(self) -> str | None:
        n = self.uvarint()
        return None if n == 0 else self.raw(n - 1).decode()

    def compact_bytes(self) -> bytes | None:
        n = self.uvarint()
        return None if n == 0 else self.raw(n - 1)

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(bytes=self.raw(16))

    def array_len(self, compact: bool) -> int:
        """Element count; -1 for a null array."""
        if compact:
            return self.uvarint() - 1
        return self.i32()

    def tags(self) -> dict[int, bytes]:
        out: dict[int, bytes] = {}
        for _ in range(self.uvarint()):
            tag = self.uvarint()
            out[tag] = self.raw(self.uvarint())
        return out


# --------------------------------------------------------------------------------------- connection


class Connection:
    """One blocking TCP connection that sends frames and reads size-prefixed responses."""

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self._correlation = 0

    @classmethod
    def to(cls, bootstrap: str, timeout: float = 10.0) -> Connection:
        host, port = split_address(bootstrap)
        return cls(host, port, timeout)

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def next_correlation_id(self) -> int:
        self._correlation += 1
        return self._correlation

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _read_exact(self, n: int) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = self.sock.recv(n - len(buf))
            except ConnectionResetError as exc:
                raise ConnectionClosed("connection reset by broker") from exc
            if not chunk:
                raise ConnectionClosed(f"broker closed the connection after {len(buf)}/{n} bytes")
            buf += chunk
        return bytes(buf)

    def recv_frame(self) -> bytes:
        (size,) = struct.unpack(">i", self._read_exact(4))
        if size < 4 or size > MAX_FRAME:
            raise ValueError(f"implausible response frame size {size}")
        return self._read_exact(size)

    def request(
        self,
        api_key: int,
        version: int,
        body: bytes,
        *,
        flexible: bool = False,
        response_header_v1: bool | None = None,
        client_id: str | None = "conformance",
    ) -> Reader:
        """Send one request and return a reader positioned at the response body.

        The correlation id is checked. The response header is v1 (with a tag buffer) for flexible
        requests except ApiVersions, whose response header is always v0.
        """
        cid = self.next_correlation_id()
        self.send(request_frame(api_key, version, cid, body, client_id=client_id, flexible=flexible))
        frame = self.recv_frame()
        reader = Reader(frame)
        got = reader.i32()
        if got != cid:
            raise AssertionError(f"correlation id {got} in response, expected {cid}")
        if response_header_v1 is None:
            response_header_v1 = flexible and api_key != 18
        if response_header_v1:
            reader.tags()
        return reader

    def wait_closed(self, timeout: float = 5.0) -> bool:
        """True if the broker closes the connection within `timeout` (any bytes it sends are drained)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                return False
            except OSError as exc:
                if exc.errno in (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED):
                    return True
                raise
            if not chunk:
                return True
        return False


def split_address(bootstrap: str) -> tuple[str, int]:
    first = bootstrap.split(",")[0].strip()
    for prefix in ("PLAINTEXT://", "tcp://"):
        if first.startswith(prefix):
            first = first[len(prefix):]
    host, _, port = first.rpartition(":")
    return host.strip("[]"), int(port)


# ------------------------------------------------------------------------------------- ApiVersions


@dataclass
class ApiVersionsResponse:
    error_code: int
    apis: dict[int, tuple[int, int]]
    throttle_time_ms: int = 0
    tags: dict[int, bytes] = field(default_factory=dict)


def api_versions_body(version: int) -> bytes:
    """ApiVersions request body: empty before v3, client software name/version from v3 (flexible)."""
    if version >= 3:
        return compact_string("wirekafka-conformance") + compact_string("1.0") + EMPTY_TAGS
    return b""


def parse_api_versions(reader: Reader, version: int) -> ApiVersionsResponse:
    """Decode an ApiVersions response body (header already consumed) in the layout of `version`."""
    flexible = version >= 3
    error_code = reader.i16()
    apis: dict[int, tuple[int, int]] = {}
    for _ in range(reader.array_len(flexible)):
        key, low, high = reader.i16(), reader.i16(), reader.i16()
        if flexible:
            reader.tags()
        apis[key] = (low, high)
    throttle = reader.i32() if version >= 1 else 0
    tags = reader.tags() if flexible else {}
    return ApiVersionsResponse(error_code, apis, throttle, tags)


def fetch_api_versions(bootstrap: str, timeout: float = 10.0) -> dict[int, tuple[int, int]]:
    """The broker's advertised (min, max) per api key, read with ApiVersions v0 (understood by all)."""
    with Connection.to(bootstrap, timeout) as conn:
        response = parse_api_versions(conn.request(18, 0, b""), 0)
    if response.error_code != NONE:
        raise AssertionError(f"ApiVersions v0 returned error {response.error_code}")
    return response.apis


# ---------------------------------------------------------------------------------------- Metadata


@dataclass
class PartitionMetadata:
    error_code: int
    index: int
    leader: int
    replicas: list[int]
    isr: list[int]


@dataclass
class TopicMetadata:
    error_code: int
    name: str | None
    is_internal: bool
    partitions: list[PartitionMetadata]
    topic_id: uuid.UUID | None = None


@dataclass
class MetadataResponse:
    brokers: dict[int, tuple[str, int]]
    cluster_id: str | None
    controller_id: int
    topics: dict[str | None, TopicMetadata]


def metadata_body(version: int, topics: list[str] | None, allow_auto_create: bool = False) -> bytes:
    """Metadata request v0..v12. `None` asks for all topics (an empty array at v0)."""
    flexible = version >= 9
    if topics is None:
        topic_bytes = array([]) if version == 0 else (compact_array(None) if flexible else i32(-1))
    elif flexible:
        entries = [(b"\x00" * 16 if version >= 10 else b"") + compact_string(t) + EMPTY_TAGS for t in topics]
        topic_bytes = compact_array(entries)
    else:
        topic_bytes = array([string(t) for t in topics])
    body = topic_bytes
    if version >= 4:
        body += boolean(allow_auto_create)
    if 8 <= version <= 10:
        body += boolean(False)  # include_cluster_authorized_operations
    if version >= 8:
        body += boolean(False)  # include_topic_authorized_operations
    if flexible:
        body += EMPTY_TAGS
    return body


def parse_metadata(reader: Reader, version: int) -> MetadataResponse:
    flexible = version >= 9
    text = reader.compact_string if flexible else reader.string
    if version >= 3:
        reader.i32()  # throttle_time_ms
    brokers: dict[int, tuple[str, int]] = {}
    for _ in range(reader.array_len(flexible)):
        node_id = reader.i32()
        host = text() or ""
        port = reader.i32()
        if version >= 1:
            text()  # rack
        if flexible:
            reader.tags()
        brokers[node_id] = (host, port)
    cluster_id = text() if version >= 2 else None
    controller_id = reader.i32() if version >= 1 else -1
    topics: dict[str | None, TopicMetadata] = {}
    for _ in range(reader.array_len(flexible)):
        error_code = reader.i16()
        name = text()
        topic_id = reader.uuid() if version >= 10 else None
        is_internal = reader.boolean() if version >= 1 else False
        partitions = []
        for _ in range(reader.array_len(flexible)):
            p_error = reader.i16()
            index = reader.i32()
            leader = reader.i32()
            if version >= 7:
                reader.i32()  # leader_epoch
            replicas = [reader.i32() for _ in range(reader.array_len(flexible))]
            isr = [reader.i32() for _ in range(reader.array_len(flexible))]
            if version >= 5:
                for _ in range(reader.array_len(flexible)):
                    reader.i32()  # offline replicas
            if flexible:
                reader.tags()
            partitions.append(PartitionMetadata(p_error, index, leader, replicas, isr))
        if version >= 8:
            reader.i32()  # topic_authorized_operations
        if flexible:
            reader.tags()
        topics[name] = TopicMetadata(error_code, name, is_internal, partitions, topic_id)
    if 8 <= version <= 10:
        reader.i32()  # cluster_authorized_operations
    if flexible:
        reader.tags()
    return MetadataResponse(brokers, cluster_id, controller_id, topics)


def metadata(conn: Connection, version: int, topics: list[str] | None, allow_auto_create: bool = False) -> MetadataResponse:
    reader = conn.request(3, version, metadata_body(version, topics, allow_auto_create), flexible=version >= 9)
    return parse_metadata(reader, version)


# ---------------------------------------------------------------------------------- record batches


def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of a record batch; pure Python, the batches here are small."""
    crc = 0xFFFFFFFF
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


@dataclass
class Record:
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]] = field(default_factory=list)
    timestamp_delta: int = 0


def record_batch(
    records: Sequence[Record],
    *,
    base_timestamp: int | None = None,
    producer_id: int = -1,
    producer_epoch: int = -1,
    base_sequence: int = -1,
    transactional: bool = False,
    corrupt_crc: bool = False,
) -> bytes:
    """An uncompressed record batch (magic 2) with `baseOffset` 0, as a producer sends it."""
    ts = int(time.time() * 1000) if base_timestamp is None else base_timestamp
    body = bytearray()
    for delta, rec in enumerate(records):
        inner = bytearray(i8(0) + varint(rec.timestamp_delta) + varint(delta))
        inner += varint(-1) if rec.key is None else varint(len(rec.key)) + rec.key
        inner += varint(-1) if rec.value is None else varint(len(rec.value)) + rec.value
        inner += varint(len(rec.headers))
        for hkey, hval in rec.headers:
            raw = hkey.encode()
            inner += varint(len(raw)) + raw
            inner += varint(-1) if hval is None else varint(len(hval)) + hval
        body += varint(len(inner)) + inner
    max_delta = max((r.timestamp_delta for r in records), default=0)
    attributes = 0x10 if transactional else 0
    after_crc = (
        i16(attributes) + i32(len(records) - 1) + i64(ts) + i64(ts + max_delta)
        + i64(producer_id) + i16(producer_epoch) + i32(base_sequence) + i32(len(records)) + bytes(body)
    )
    crc = crc32c(after_crc) ^ (0xDEADBEEF if corrupt_crc else 0)
    # batchLength counts from partitionLeaderEpoch (4) + magic (1) + crc (4) to the end.
    return i64(0) + i32(4 + 1 + 4 + len(after_crc)) + i32(-1) + i8(2) + struct.pack(">I", crc) + after_crc


@dataclass
class FetchedRecord:
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]]


@dataclass
class FetchedBatch:
    base_offset: int
    attributes: int
    producer_id: int
    records: list[FetchedRecord]

    @property
    def is_control(self) -> bool:
        return bool(self.attributes & 0x20)

    @property
    def is_transactional(self) -> bool:
        return bool(self.attributes & 0x10)


def parse_batches(data: bytes | None) -> list[FetchedBatch]:
    """Decode uncompressed magic-2 batches (a trailing partial batch is ignored, as clients do)."""
    out: list[FetchedBatch] = []
    if not data:
        return out
    pos = 0
    while pos + 12 <= len(data):
        base_offset, length = struct.unpack_from(">qi", data, pos)
        if pos + 12 + length > len(data):
            break
        reader = Reader(data[pos + 12 : pos + 12 + length])
        reader.i32()  # partition leader epoch
        magic = reader.i8()
        if magic != 2:
            raise ValueError(f"unexpected record batch magic {magic}")
        reader.raw(4)  # crc
        attributes = reader.i16()
        reader.i32()  # last offset delta
        first_ts = reader.i64()
        reader.i64()  # max timestamp
        producer_id = reader.i64()
        reader.i16()
        reader.i32()
        count = reader.i32()
        if attributes & 0x07:
            raise ValueError("compressed batch: the raw decoder only reads uncompressed batches")
        records = []
        for _ in range(count):
            reader.varint()  # length
            reader.i8()
            ts_delta = reader.varint()
            offset_delta = reader.varint()
            klen = reader.varint()
            key = None if klen < 0 else reader.raw(klen)
            vlen = reader.varint()
            value = None if vlen < 0 else reader.raw(vlen)
            headers: list[tuple[str, bytes | None]] = []
            for _ in range(reader.varint()):
                hk = reader.raw(reader.varint()).decode()
                hl = reader.varint()
                headers.append((hk, None if hl < 0 else reader.raw(hl)))
            records.append(FetchedRecord(base_offset + offset_delta, first_ts + ts_delta, key, value, headers))
        out.append(FetchedBatch(base_offset, attributes, producer_id, records))
        pos += 12 + length
    return out


# ------------------------------------------------------------------------------ Produce / Fetch etc.


@dataclass
class PartitionProduceResult:
    error_code: int
    base_offset: int


def produce_body(
    version: int, topic: str, partition: int, batch: bytes, *, acks: int = -1,
    timeout_ms: int = 10000, transactional_id: str | None = None,
) -> bytes:
    """Produce request v3..v8 (non-flexible)."""
    partition_data = array([i32(partition) + bytes_(batch)])
    return string(transactional_id) + i16(acks) + i32(timeout_ms) + array([string(topic) + partition_data])


def parse_produce(reader: Reader, version: int) -> dict[tuple[str, int], PartitionProduceResult]:
    out: dict[tuple[str, int], PartitionProduceResult] = {}
    for _ in range(reader.i32()):
        name = reader.string() or ""
        for _ in range(reader.i32()):
            index = reader.i32()
            error_code = reader.i16()
            base_offset = reader.i64()
            if version >= 2:
                reader.i64()  # log_append_time_ms
            if version >= 5:
                reader.i64()  # log_start_offset
            if version >= 8:
                for _ in range(reader.i32()):
                    reader.i32()
                    reader.string()
                reader.string()
            out[(name, index)] = PartitionProduceResult(error_code, base_offset)
    return out


def produce(
    conn: Connection, topic: str, partition: int, batch: bytes, *, version: int = 3, acks: int = -1,
    transactional_id: str | None = None,
) -> PartitionProduceResult:
    body = produce_body(version, topic, partition, batch, acks=acks, transactional_id=transactional_id)
    return parse_produce(conn.request(0, version, body), version)[(topic, partition)]


@dataclass
class FetchPartition:
    error_code: int
    high_watermark: int
    last_stable_offset: int
    aborted_transactions: list[tuple[int, int]] | None
    records: bytes | None


def fetch_body(
    topic: str, partition: int, offset: int, *, max_wait_ms: int = 500, min_bytes: int = 1,
    max_bytes: int = 50 * 1024 * 1024, isolation_level: int = 0, partition_max_bytes: int = 1024 * 1024,
) -> bytes:
    """Fetch request v4 (non-flexible, isolation level, no log start offset)."""
    partitions = array([i32(partition) + i64(offset) + i32(partition_max_bytes)])
    return (
        i32(-1) + i32(max_wait_ms) + i32(min_bytes) + i32(max_bytes) + i8(isolation_level)
        + array([string(topic) + partitions])
    )


def parse_fetch_v4(reader: Reader) -> dict[tuple[str, int], FetchPartition]:
    reader.i32()  # throttle
    out: dict[tuple[str, int], FetchPartition] = {}
    for _ in range(reader.i32()):
        name = reader.string() or ""
        for _ in range(reader.i32()):
            index = reader.i32()
            error_code = reader.i16()
            high_watermark = reader.i64()
            lso = reader.i64()
            count = reader.i32()
            aborted = None if count < 0 else [(reader.i64(), reader.i64()) for _ in range(count)]
            records = reader.bytes_()
            out[(name, index)] = FetchPartition(error_code, high_watermark, lso, aborted, records)
    return out


def fetch(conn: Connection, topic: str, partition: int, offset: int, **kwargs: int) -> FetchPartition:
    return parse_fetch_v4(conn.request(1, 4, fetch_body(topic, partition, offset, **kwargs)))[(topic, partition)]


def list_offsets(conn: Connection, topic: str, partition: int, timestamp: int, isolation_level: int = 0) -> tuple[int, int, int]:
    """ListOffsets v2 for one partition: (error_code, timestamp, offset)."""
    body = i32(-1) + i8(isolation_level) + array([string(topic) + array([i32(partition) + i64(timestamp)])])
    reader = conn.request(2, 2, body)
    reader.i32()  # throttle
    reader.i32()
    reader.string()
    reader.i32()
    reader.i32()
    return reader.i16(), reader.i64(), reader.i64()


def find_coordinator(conn: Connection, group: str) -> tuple[int, int, str, int]:
    """FindCoordinator v0: (error_code, node_id, host, port)."""
    reader = conn.request(10, 0, string(group))
    return reader.i16(), reader.i32(), reader.string() or "", reader.i32()


@dataclass
class JoinGroupResult:
    error_code: int
    generation_id: int
    member_id: str


def join_group(
    conn: Connection, version: int, group: str, member_id: str = "", session_timeout_ms: int = 10000,
    rebalance_timeout_ms: int = 10000,
) -> JoinGroupResult:
    """JoinGroup v0..v5 with the "consumer" protocol type and one "range" protocol."""
    body = string(group) + i32(session_timeout_ms)
    if version >= 1:
        body += i32(rebalance_timeout_ms)
    body += string(member_id)
    if version >= 5:
        body += string(None)  # group_instance_id
    subscription = i16(0) + array([string("conformance")]) + bytes_(b"")
    body += string("consumer") + array([string("range") + bytes_(subscription)])
    reader = conn.request(11, version, body)
    if version >= 2:
        reader.i32()
    error_code = reader.i16()
    generation = reader.i32()
    reader.string()  # protocol name
    reader.string()  # leader
    member = reader.string() or ""
    return JoinGroupResult(error_code, generation, member)


def heartbeat(conn: Connection, group: str, generation: int, member_id: str) -> int:
    """Heartbeat v0: the error code."""
    return conn.request(12, 0, string(group) + i32(generation) + string(member_id)).i16()


def init_producer_id(conn: Connection, transactional_id: str | None = None, timeout_ms: int = 60000,
                     version: int = 0) -> tuple[int, int, int]:
    """InitProducerId v0..v5: (error_code, producer_id, producer_epoch). v2+ is flexible; v3+ sends
    the current producer id/epoch (-1/-1 for a new producer)."""
    if version >= 2:
        body = compact_string(transactional_id) + i32(timeout_ms)
        if version >= 3:
            body += i64(-1) + i16(-1)
        reader = conn.request(22, version, body + EMPTY_TAGS, flexible=True)
    else:
        reader = conn.request(22, version, string(transactional_id) + i32(timeout_ms))
    reader.i32()
    return reader.i16(), reader.i64(), reader.i16()


def records_of(batches: Iterable[FetchedBatch]) -> list[FetchedRecord]:
    return [r for b in batches if not b.is_control for r in b.records]


def create_topics(
    conn: Connection, topics: dict[str, tuple[int, int]], *, configs: dict[str, str] | None = None,
    validate_only: bool = False, timeout_ms: int = 10000,
) -> dict[str, int]:
    """CreateTopics v2: {name: (partitions, replication_factor)} -> {name: error_code}."""
    entries = []
    for name, (partitions, replication) in topics.items():
        config_entries = [string(k) + string(v) for k, v in (configs or {}).items()]
        entries.append(string(name) + i32(partitions) + i16(replication) + array([]) + array(config_entries))
    reader = conn.request(19, 2, array(entries) + i32(timeout_ms) + boolean(validate_only))
    reader.i32()
    out = {}
    for _ in range(reader.i32()):
        name = reader.string() or ""
        out[name] = reader.i16()
        reader.string()
    return out


def delete_topics(conn: Connection, topics: list[str], timeout_ms: int = 10000) -> dict[str, int]:
    """DeleteTopics v1: {name: error_code}."""
    reader = conn.request(20, 1, array([string(t) for t in topics]) + i32(timeout_ms))
    reader.i32()
    return {reader.string() or "": reader.i16() for _ in range(reader.i32())}


def offset_fetch(conn: Connection, group: str, topic: str, partitions: list[int]) -> dict[int, tuple[int, str | None, int]]:
    """OffsetFetch v1: {partition: (committed_offset, metadata, error_code)}."""
    reader = conn.request(9, 1, string(group) + array([string(topic) + array([i32(p) for p in partitions])]))
    out = {}
    for _ in range(reader.i32()):
        reader.string()
        for _ in range(reader.i32()):
            partition = reader.i32()
            out[partition] = (reader.i64(), reader.string(), reader.i16())
    return out


def find_transaction_coordinator(conn: Connection, transactional_id: str) -> tuple[int, str, int]:
    """FindCoordinator v1 with key_type 1 (transaction): (error_code, host, port)."""
    reader = conn.request(10, 1, string(transactional_id) + i8(1))
    reader.i32()
    error_code = reader.i16()
    reader.string()
    reader.i32()
    return error_code, reader.string() or "", reader.i32()
