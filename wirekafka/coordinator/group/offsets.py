"""Committed offsets: OffsetCommit, OffsetFetch, OffsetDelete, expiry, and their records.

A port of Kafka's ``OffsetMetadataManager``. The in-memory offsets change only by replaying
``OffsetCommit`` records (the same code at load and after each commit), so what a client reads is
always what the log holds. Offsets committed inside a transaction wait, per producer id, until the
transaction's end marker is replayed (commit: they become the committed offsets; abort: dropped).

Rules:
1. A commit is validated against the group first (generation/member for classic groups, member
   epoch for KIP-848 groups); any error applies to every partition of the request.
2. A commit with generation -1 for a group that does not exist creates a "simple" group (no
   protocol type): that is how consumers using ``assign()`` store offsets.
3. Metadata longer than ``offset.metadata.max.bytes`` is refused per partition
   (OFFSET_METADATA_TOO_LARGE); otherwise it is stored and returned verbatim, with the leader epoch.
4. Offsets expire ``offsets.retention.minutes`` after the group became Empty (or, for simple groups
   and topics a Stable consumer group no longer subscribes to, after their commit); an explicit
   retention time from OffsetCommit v2-v4 sets an absolute expiry instead. A group whose offsets
   are all gone and that has no members is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wirekafka.coordinator.group import records
from wirekafka.coordinator.group.classic_group import ClassicGroup, ClassicGroupState, GroupError
from wirekafka.coordinator.group.result import ClientInfo, Result
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.offsets import OffsetCommitResponse, OffsetDeleteResponse
from wirekafka.protocol.messages.txn import TxnOffsetCommitResponse

if TYPE_CHECKING:
    from wirekafka.coordinator.group.classic import ClassicGroups
    from wirekafka.coordinator.group.store import GroupStore

NO_PRODUCER_ID = -1
INVALID_OFFSET = -1


@dataclass(frozen=True, slots=True)
class OffsetAndMetadata:
    committed_offset: int
    leader_epoch: int
    metadata: str
    commit_timestamp_ms: int
    expire_timestamp_ms: int | None = None
    #: Offset of the record in ``__consumer_offsets``: the later of two commits wins.
    record_offset: int = -1


@dataclass(frozen=True, slots=True)
class FetchedPartition:
    partition_index: int
    committed_offset: int = INVALID_OFFSET
    leader_epoch: int = -1
    metadata: str = ""
    error: int = ErrorCode.NO_ERROR


@dataclass(slots=True)
class FetchedOffsets:
    """One group's OffsetFetch answer, before it is shaped for the request's version."""

    group_id: str
    error: int = ErrorCode.NO_ERROR
    topics: list[tuple[str, list[FetchedPartition]]] = field(default_factory=list)


OffsetsByTopic = dict[str, dict[int, OffsetAndMetadata]]


class Offsets:
    """The offsets of every group of one shard."""

    def __init__(self, store: GroupStore, classic: ClassicGroups) -> None:
        self.store = store
        self.classic = classic
        self.committed: dict[str, OffsetsByTopic] = {}
        #: producer id -> group -> topic -> partition -> offset, until the transaction ends.
        self.pending_transactional: dict[int, dict[str, OffsetsByTopic]] = {}

    # -- reads --------------------------------------------------------------------------------------

    def get(self, group_id: str, topic: str, partition: int) -> OffsetAndMetadata | None:
        return self.committed.get(group_id, {}).get(topic, {}).get(partition)

    def has_offsets(self, group_id: str) -> bool:
        return bool(self.committed.get(group_id)) or any(
            group_id in pending for pending in self.pending_transactional.values()
        )

    def has_pending_transactional(self, group_id: str, topic: str, partition: int) -> bool:
        return any(
            partition in pending.get(group_id, {}).get(topic, {})
            for pending in self.pending_transactional.values()
        )

    # -- OffsetCommit -------------------------------------------------------------------------------

    def _commit_record(
        self, group_id: str, topic: str, partition: Any, now_ms: int, expire_timestamp_ms: int | None
    ) -> records.CoordinatorRecord | None:
        """The record of one committed partition (plain or transactional); ``None`` when its
        metadata is over ``offset.metadata.max.bytes`` (OFFSET_METADATA_TOO_LARGE)."""
        metadata = partition.committed_metadata
        if metadata is not None and len(metadata) > self.store.config.offset_metadata_max_bytes:
            return None
        return records.offset_commit(
            group_id,
            topic,
            partition.partition_index,
            offset=partition.committed_offset,
            leader_epoch=partition.committed_leader_epoch,
            metadata=metadata or "",
            commit_timestamp_ms=now_ms,
            expire_timestamp_ms=expire_timestamp_ms,
        )

    def commit(self, request: Any, client: ClientInfo, now_ms: int) -> Result[Any]:
        """Validate and turn a commit into records; offsets change when they are replayed."""
        # Kafka accepts the empty group id here, for compatibility with very old clients.
        try:
            self._validate_commit(request, client.api_version, now_ms)
        except GroupError as exc:
            return Result(response=commit_error_response(request, exc.error))
        expire_timestamp_ms = None if request.retention_time_ms == -1 else now_ms + request.retention_time_ms
        result: Result[Any] = Result()
        topics = []
        for topic in request.topics:
            partitions = []
            for partition in topic.partitions:
                record = self._commit_record(
                    request.group_id, topic.name, partition, now_ms, expire_timestamp_ms
                )
                if record is None:
                    error = ErrorCode.OFFSET_METADATA_TOO_LARGE
                else:
                    error = ErrorCode.NO_ERROR
                    result.records.append(record)
                partitions.append(
                    OffsetCommitResponse.OffsetCommitResponsePartition(
                        partition_index=partition.partition_index, error_code=error
                    )
                )
            topics.append(
                OffsetCommitResponse.OffsetCommitResponseTopic(name=topic.name, partitions=partitions)
            )
        result.response = OffsetCommitResponse(topics=topics)
        return result

    def _validate_commit(self, request: Any, api_version: int, now_ms: int) -> None:
        group = self.store.groups.get(request.group_id)
        generation = request.generation_id_or_member_epoch
        if group is None:
            if generation < 0:
                self.classic.get_or_create(request.group_id)
                return
            # v9+ says so; older clients understand only ILLEGAL_GENERATION here.
            raise GroupError(
                ErrorCode.GROUP_ID_NOT_FOUND if api_version >= 9 else ErrorCode.ILLEGAL_GENERATION
            )
        if not isinstance(group, ClassicGroup):
            group.validate_offset_commit(request.member_id, generation, api_version)
            return
        if group.is_in(ClassicGroupState.DEAD):
            raise GroupError(ErrorCode.COORDINATOR_NOT_AVAILABLE)
        if generation < 0 and group.is_empty:
            return  # the admin client, or a consumer outside group management
        if generation >= 0 or request.member_id or request.group_instance_id is not None:
            group.validate_member(request.member_id, request.group_instance_id)
            if generation != group.generation_id:
                raise GroupError(ErrorCode.ILLEGAL_GENERATION)
        elif not group.is_empty:
            raise GroupError(ErrorCode.UNKNOWN_MEMBER_ID)
        if group.is_in(ClassicGroupState.COMPLETING_REBALANCE):
            raise GroupError(ErrorCode.REBALANCE_IN_PROGRESS)
        if group.is_in(ClassicGroupState.STABLE, ClassicGroupState.PREPARING_REBALANCE):
            # A commit proves the member is alive, as a heartbeat does.
            self.classic.reschedule_heartbeat(group, request.member_id, now_ms)

    # -- TxnOffsetCommit -----------------------------------------------------------------------------

    def commit_transactional(self, request: Any, client: ClientInfo, now_ms: int) -> Result[Any]:
        """TxnOffsetCommit: the offsets as a transactional batch of the request's producer.

        They stay pending until the transaction's marker is replayed (``replay_end_transaction``).
        The transaction coordinator has already checked that the producer added this partition
        to its transaction (AddOffsetsToTxn).
        """
        try:
            self._validate_transactional_commit(request)
        except GroupError as exc:
            error = exc.error
            return Result(response=txn_commit_error_response(request, error))
        result: Result[Any] = Result(producer_id=request.producer_id, producer_epoch=request.producer_epoch)
        refused: set[tuple[str, int]] = set()
        for topic in request.topics:
            for partition in topic.partitions:
                record = self._commit_record(request.group_id, topic.name, partition, now_ms, None)
                if record is None:
                    refused.add((topic.name, partition.partition_index))
                else:
                    result.records.append(record)
        result.response = _txn_commit_response(
            request, lambda key: ErrorCode.OFFSET_METADATA_TOO_LARGE if key in refused else ErrorCode.NO_ERROR
        )
        return result

    def _validate_transactional_commit(self, request: Any) -> None:
        """Kafka's ``validateTransactionalOffsetCommit``: no rebalance check, old versions carry no member."""
        group = self.store.groups.get(request.group_id)
        generation = request.generation_id
        if group is None:
            if generation < 0:
                self.classic.get_or_create(request.group_id)
                return
            raise GroupError(ErrorCode.ILLEGAL_GENERATION)
        if not isinstance(group, ClassicGroup):
            try:
                group.validate_offset_commit(request.member_id, generation, 0, transactional=True)
            except GroupError as exc:
                if exc.error == ErrorCode.STALE_MEMBER_EPOCH:
                    raise GroupError(ErrorCode.ILLEGAL_GENERATION) from None
                raise
            return
        if group.is_in(ClassicGroupState.DEAD):
            raise GroupError(ErrorCode.COORDINATOR_NOT_AVAILABLE)
        if generation < 0 and group.is_empty:
            return
        if generation >= 0 or request.member_id or request.group_instance_id is not None:
            group.validate_member(request.member_id, request.group_instance_id)
            if generation != group.generation_id:
                raise GroupError(ErrorCode.ILLEGAL_GENERATION)

    # -- OffsetFetch --------------------------------------------------------------------------------

    def fetch(
        self,
        group_id: str,
        topics: list[tuple[str, list[int]]] | None,
        *,
        require_stable: bool = False,
        member_id: str | None = None,
        member_epoch: int = -1,
    ) -> FetchedOffsets:
        """Offsets of ``topics`` (name, partitions), or of every partition when ``topics`` is None."""
        answer = FetchedOffsets(group_id)
        group = self.store.groups.get(group_id)
        group_exists = group is not None
        if group is not None and not isinstance(group, ClassicGroup):
            try:
                group.validate_offset_fetch(member_id, member_epoch)
            except GroupError as exc:
                answer.error = exc.error
                return answer
        stored = self.committed.get(group_id, {}) if group_exists else {}
        wanted = topics if topics is not None else [(t, sorted(p)) for t, p in stored.items()]
        for topic, partitions in wanted:
            fetched = []
            for partition in partitions:
                offset = stored.get(topic, {}).get(partition)
                if require_stable and self.has_pending_transactional(group_id, topic, partition):
                    fetched.append(FetchedPartition(partition, error=ErrorCode.UNSTABLE_OFFSET_COMMIT))
                elif offset is None:
                    fetched.append(FetchedPartition(partition))
                else:
                    fetched.append(
                        FetchedPartition(
                            partition, offset.committed_offset, offset.leader_epoch, offset.metadata
                        )
                    )
            answer.topics.append((topic, fetched))
        return answer

    # -- OffsetDelete -------------------------------------------------------------------------------

    def delete(self, request: Any) -> Result[Any]:
        if not request.group_id:
            return Result(response=OffsetDeleteResponse(error_code=ErrorCode.INVALID_GROUP_ID))
        group = self.store.groups.get(request.group_id)
        if group is None:
            return Result(response=OffsetDeleteResponse(error_code=ErrorCode.GROUP_ID_NOT_FOUND))
        if (
            isinstance(group, ClassicGroup)
            and group.is_in(
                ClassicGroupState.STABLE,
                ClassicGroupState.PREPARING_REBALANCE,
                ClassicGroupState.COMPLETING_REBALANCE,
            )
            and group.protocol_type != "consumer"
        ):
            return Result(response=OffsetDeleteResponse(error_code=ErrorCode.NON_EMPTY_GROUP))
        result: Result[Any] = Result()
        topics = []
        for topic in request.topics:
            subscribed = group.is_subscribed_to_topic(topic.name)
            partitions = []
            for partition in topic.partitions:
                index = partition.partition_index
                if subscribed:
                    error = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC
                else:
                    error = ErrorCode.NO_ERROR
                    if self.get(
                        request.group_id, topic.name, index
                    ) is not None or self.has_pending_transactional(request.group_id, topic.name, index):
                        result.records.append(
                            records.offset_commit_tombstone(request.group_id, topic.name, index)
                        )
                partitions.append(
                    OffsetDeleteResponse.OffsetDeleteResponsePartition(
                        partition_index=index, error_code=error
                    )
                )
            topics.append(
                OffsetDeleteResponse.OffsetDeleteResponseTopic(name=topic.name, partitions=partitions)
            )
        result.response = OffsetDeleteResponse(error_code=ErrorCode.NO_ERROR, topics=topics)
        return result

    def delete_all(self, group_id: str) -> list[records.CoordinatorRecord]:
        """Tombstones for every offset of a group being deleted (committed or pending)."""
        found: list[records.CoordinatorRecord] = []
        seen: set[tuple[str, int]] = set()
        for topic, partitions in self.committed.get(group_id, {}).items():
            for partition in partitions:
                seen.add((topic, partition))
                found.append(records.offset_commit_tombstone(group_id, topic, partition))
        for pending in self.pending_transactional.values():
            for topic, partitions in pending.get(group_id, {}).items():
                for partition in partitions:
                    if (topic, partition) not in seen:
                        seen.add((topic, partition))
                        found.append(records.offset_commit_tombstone(group_id, topic, partition))
        return found

    # -- expiry -------------------------------------------------------------------------------------

    def cleanup_expired(self, group_id: str, now_ms: int) -> tuple[list[records.CoordinatorRecord], bool]:
        """Tombstones for the group's expired offsets, and whether none is left afterwards."""
        by_topic = self.committed.get(group_id)
        group = self.store.groups.get(group_id)
        if not by_topic:
            return [], not any(group_id in p for p in self.pending_transactional.values())
        if group is None:
            return [], False
        base = _expiration_base(group)
        if base is None:
            return [], False
        retention_ms = self.store.config.offsets_retention_ms
        expired: list[records.CoordinatorRecord] = []
        all_expired = True
        for topic, partitions in sorted(by_topic.items()):
            if group.is_subscribed_to_topic(topic):
                all_expired = False
                continue
            for partition, offset in sorted(partitions.items()):
                if offset.expire_timestamp_ms is not None:
                    is_expired = now_ms >= offset.expire_timestamp_ms
                else:
                    is_expired = now_ms - base(offset) >= retention_ms
                if is_expired and not self.has_pending_transactional(group_id, topic, partition):
                    expired.append(records.offset_commit_tombstone(group_id, topic, partition))
                else:
                    all_expired = False
        no_open_transactions = not any(group_id in p for p in self.pending_transactional.values())
        return expired, all_expired and no_open_transactions

    # -- replay -------------------------------------------------------------------------------------

    def replay(
        self, key: Any, value: Any | None, record_offset: int, producer_id: int = NO_PRODUCER_ID
    ) -> None:
        group_id, topic, partition = key.group, key.topic, key.partition
        if value is None:
            self._remove(self.committed, group_id, topic, partition)
            for pending in self.pending_transactional.values():
                self._remove(pending, group_id, topic, partition)
            return
        if group_id not in self.store.groups:
            # Offsets without group membership: the "simple" group exists implicitly.
            self.classic.get_or_create(group_id)
        offset = OffsetAndMetadata(
            committed_offset=value.offset,
            leader_epoch=value.leader_epoch,
            metadata=value.metadata,
            commit_timestamp_ms=value.commit_timestamp,
            expire_timestamp_ms=None if value.expire_timestamp == -1 else value.expire_timestamp,
            record_offset=record_offset,
        )
        target = (
            self.committed
            if producer_id == NO_PRODUCER_ID
            else self.pending_transactional.setdefault(producer_id, {})
        )
        target.setdefault(group_id, {}).setdefault(topic, {})[partition] = offset

    def replay_end_transaction(self, producer_id: int, committed: bool) -> None:
        """A transaction marker: its offsets become committed (unless a later commit won) or vanish."""
        pending = self.pending_transactional.pop(producer_id, None)
        if pending is None or not committed:
            return
        for group_id, by_topic in pending.items():
            for topic, partitions in by_topic.items():
                for partition, offset in partitions.items():
                    existing = self.get(group_id, topic, partition)
                    if existing is None or offset.record_offset > existing.record_offset:
                        self.committed.setdefault(group_id, {}).setdefault(topic, {})[partition] = offset

    def remove_group(self, group_id: str) -> None:
        self.committed.pop(group_id, None)

    @staticmethod
    def _remove(store: dict[str, OffsetsByTopic], group_id: str, topic: str, partition: int) -> None:
        by_topic = store.get(group_id)
        if by_topic is None or topic not in by_topic:
            return
        by_topic[topic].pop(partition, None)
        if not by_topic[topic]:
            del by_topic[topic]
        if not by_topic:
            del store[group_id]


def _expiration_base(group: Any) -> Any:
    """The timestamp an offset's retention counts from, per Kafka's ``offsetExpirationCondition``."""
    if not isinstance(group, ClassicGroup):
        return lambda offset: offset.commit_timestamp_ms
    if group.protocol_type is None:
        return lambda offset: offset.commit_timestamp_ms
    if group.is_empty:
        became_empty = group.current_state_timestamp_ms
        return lambda offset: became_empty if became_empty is not None else offset.commit_timestamp_ms
    if (
        group.protocol_type == "consumer"
        and group.is_in(ClassicGroupState.STABLE)
        and group.subscribed_topics() is not None
    ):
        return lambda offset: offset.commit_timestamp_ms
    return None


def commit_error_response(request: Any, error: int) -> Any:
    """OffsetCommit answered with one error for every partition it named."""
    return OffsetCommitResponse(
        topics=[
            OffsetCommitResponse.OffsetCommitResponseTopic(
                name=topic.name,
                partitions=[
                    OffsetCommitResponse.OffsetCommitResponsePartition(
                        partition_index=p.partition_index, error_code=error
                    )
                    for p in topic.partitions
                ],
            )
            for topic in request.topics
        ]
    )


def txn_commit_error_response(request: Any, error: int) -> Any:
    """TxnOffsetCommit answered with one error for every partition it named."""
    return _txn_commit_response(request, lambda _: error)


def _txn_commit_response(request: Any, error_of: Any) -> Any:
    return TxnOffsetCommitResponse(
        topics=[
            TxnOffsetCommitResponse.TxnOffsetCommitResponseTopic(
                name=topic.name,
                partitions=[
                    TxnOffsetCommitResponse.TxnOffsetCommitResponsePartition(
                        partition_index=p.partition_index,
                        error_code=error_of((topic.name, p.partition_index)),
                    )
                    for p in topic.partitions
                ],
            )
            for topic in request.topics
        ]
    )
