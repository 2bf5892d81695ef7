"""A group coordinator shard driven by hand: a clock, reply tokens, and the log it writes.

Tests call the shard's operations through ``GroupHarness``; every record an operation emits is
encoded to bytes and decoded back before it is kept in ``log`` (so every test also checks the
record layouts), replies are collected by token, and ``advance(ms)`` moves the clock and fires the
timers that fall due — the pure equivalent of trio's autojump clock.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from wirekafka.coordinator.group.config import GroupCoordinatorConfig
from wirekafka.coordinator.group.consumer import TopicsView
from wirekafka.coordinator.group.consumer_protocol import encode_assignment, encode_subscription
from wirekafka.coordinator.group.records import CoordinatorRecord, decode_record
from wirekafka.coordinator.group.result import ClientInfo, Result
from wirekafka.coordinator.group.shard import GroupCoordinatorShard
from wirekafka.protocol.messages.group import (
    ConsumerGroupHeartbeatRequest,
    HeartbeatRequest,
    JoinGroupRequest,
    LeaveGroupRequest,
    SyncGroupRequest,
)
from wirekafka.protocol.messages.offsets import OffsetCommitRequest, OffsetDeleteRequest

SUBSCRIPTION = encode_subscription(["topic"])


def topic_id(name: str) -> uuid.UUID:
    """A stable topic id per name, so assertions can name topics."""
    return uuid.uuid5(uuid.NAMESPACE_DNS, name)


class GroupHarness:
    def __init__(self, *, topics: dict[str, int] | None = None, **config: Any) -> None:
        config.setdefault("initial_rebalance_delay_ms", 0)
        self.config = GroupCoordinatorConfig(**config)
        counter = itertools.count(1)
        self.shard = GroupCoordinatorShard(
            self.config,
            topics=TopicsView({name: (topic_id(name), count) for name, count in (topics or {}).items()}),
            new_uuid=lambda: f"u{next(counter)}",
        )
        self.now = 1_000_000
        self.tokens = itertools.count(1)
        self.replies: dict[int, Any] = {}
        self.log: list[CoordinatorRecord] = []

    # -- plumbing -----------------------------------------------------------------------------------

    def absorb(self, result: Result[Any]) -> Any:
        for record in result.records:
            key, value = record.encode()
            decoded = decode_record(key, value)
            assert decoded.encode() == (key, value)
            self.log.append(decoded)
        for reply in result.replies:
            assert reply.to not in self.replies, f"request {reply.to} answered twice"
            self.replies[reply.to] = reply.response
        return result.response

    def advance(self, ms: int) -> None:
        """Move the clock, firing timers in deadline order (each at its own deadline)."""
        target = self.now + ms
        while True:
            deadline = self.shard.next_deadline()
            if deadline is None or deadline > target:
                break
            self.now = max(self.now, deadline)
            self.absorb(self.shard.expire_timers(self.now))
        self.now = target

    def settle(self) -> None:
        """Fire timers due now (a zero initial rebalance delay, for instance)."""
        self.advance(0)

    def reply(self, token: int) -> Any:
        return self.replies.get(token)

    def set_topics(self, topics: dict[str, int]) -> None:
        self.shard.consumer.topics = TopicsView({n: (topic_id(n), c) for n, c in topics.items()})

    # -- classic protocol ---------------------------------------------------------------------------

    def join(
        self,
        group_id: str = "group",
        member_id: str = "",
        *,
        protocols: list[tuple[str, bytes]] | None = None,
        protocol_type: str = "consumer",
        version: int = 5,
        instance_id: str | None = None,
        session_timeout_ms: int = 10_000,
        rebalance_timeout_ms: int = 30_000,
        client_id: str = "client",
        settle: bool = True,
    ) -> int:
        request = JoinGroupRequest(
            group_id=group_id,
            session_timeout_ms=session_timeout_ms,
            rebalance_timeout_ms=rebalance_timeout_ms,
            member_id=member_id,
            group_instance_id=instance_id,
            protocol_type=protocol_type,
            protocols=[
                JoinGroupRequest.JoinGroupRequestProtocol(name=name, metadata=metadata)
                for name, metadata in (protocols if protocols is not None else [("range", SUBSCRIPTION)])
            ],
        )
        token = next(self.tokens)
        client = ClientInfo(client_id, "/127.0.0.1", version)
        self.absorb(self.shard.join_group(request, client, token, self.now))
        if settle:
            self.settle()
        return token

    def join_new(self, group_id: str = "group", **kwargs: Any) -> int:
        """A v4+ first join: MEMBER_ID_REQUIRED, then the join with the given id."""
        first = self.join(group_id, **kwargs)
        member_id = self.reply(first).member_id
        return self.join(group_id, member_id, **kwargs)

    def sync(
        self,
        group_id: str,
        member_id: str,
        generation_id: int,
        assignments: dict[str, bytes] | None = None,
        *,
        instance_id: str | None = None,
        version: int = 5,
        protocol_type: str | None = None,
        protocol_name: str | None = None,
    ) -> int:
        request = SyncGroupRequest(
            group_id=group_id,
            generation_id=generation_id,
            member_id=member_id,
            group_instance_id=instance_id,
            protocol_type=protocol_type,
            protocol_name=protocol_name,
            assignments=[
                SyncGroupRequest.SyncGroupRequestAssignment(member_id=m, assignment=a)
                for m, a in (assignments or {}).items()
            ],
        )
        token = next(self.tokens)
        self.absorb(
            self.shard.sync_group(request, ClientInfo("client", "/127.0.0.1", version), token, self.now)
        )
        return token

    def heartbeat(
        self, group_id: str, member_id: str, generation_id: int, instance_id: str | None = None
    ) -> int:
        request = HeartbeatRequest(
            group_id=group_id, generation_id=generation_id, member_id=member_id, group_instance_id=instance_id
        )
        response = self.absorb(self.shard.heartbeat(request, ClientInfo("client", "/127.0.0.1", 4), self.now))
        return int(response.error_code)

    def leave(self, group_id: str, *members: tuple[str, str | None], version: int = 5) -> Any:
        if version < 3:
            request = LeaveGroupRequest(group_id=group_id, member_id=members[0][0])
        else:
            request = LeaveGroupRequest(
                group_id=group_id,
                members=[
                    LeaveGroupRequest.MemberIdentity(member_id=m, group_instance_id=i) for m, i in members
                ],
            )
        return self.absorb(
            self.shard.leave_group(request, ClientInfo("client", "/127.0.0.1", version), self.now)
        )

    def stable_group(self, group_id: str = "group", members: int = 1, **join: Any) -> list[str]:
        """Bring a group to Stable with ``members`` dynamic members; returns their ids (leader first)."""
        tokens = [self.join(group_id, settle=False, **join) for _ in range(members)]
        ids = [self.reply(t).member_id for t in tokens]
        joins = [self.join(group_id, m, settle=False, **join) for m in ids]
        self.settle()
        responses = [self.reply(t) for t in joins]
        assert all(r is not None and r.error_code == 0 for r in responses), responses
        generation = responses[0].generation_id
        leader = responses[0].leader
        assignment = {m: encode_assignment({"topic": [i]}) for i, m in enumerate(ids)}
        syncs = {m: self.sync(group_id, m, generation, assignment if m == leader else None) for m in ids}
        assert all(self.reply(t).error_code == 0 for t in syncs.values())
        return [leader] + [m for m in ids if m != leader]

    # -- offsets ------------------------------------------------------------------------------------

    def commit(
        self,
        group_id: str,
        offsets: dict[tuple[str, int], int],
        *,
        member_id: str = "",
        generation_id: int = -1,
        metadata: str | None = "",
        leader_epoch: int = -1,
        version: int = 8,
        retention_time_ms: int = -1,
        instance_id: str | None = None,
    ) -> dict[tuple[str, int], int]:
        topics: dict[str, list[Any]] = {}
        for (topic, partition), offset in offsets.items():
            topics.setdefault(topic, []).append(
                OffsetCommitRequest.OffsetCommitRequestPartition(
                    partition_index=partition,
                    committed_offset=offset,
                    committed_leader_epoch=leader_epoch,
                    committed_metadata=metadata,
                )
            )
        request = OffsetCommitRequest(
            group_id=group_id,
            generation_id_or_member_epoch=generation_id,
            member_id=member_id,
            group_instance_id=instance_id,
            retention_time_ms=retention_time_ms,
            topics=[
                OffsetCommitRequest.OffsetCommitRequestTopic(name=t, partitions=p) for t, p in topics.items()
            ],
        )
        response = self.absorb(
            self.shard.offset_commit(request, ClientInfo("client", "/h", version), self.now)
        )
        return {
            (topic.name, partition.partition_index): int(partition.error_code)
            for topic in response.topics
            for partition in topic.partitions
        }

    def fetch(self, group_id: str, topics: dict[str, list[int]] | None = None, **kwargs: Any) -> Any:
        wanted = None if topics is None else list(topics.items())
        return self.shard.offset_fetch(group_id, wanted, **kwargs)

    def delete_offsets(self, group_id: str, topics: dict[str, list[int]]) -> Any:
        request = OffsetDeleteRequest(
            group_id=group_id,
            topics=[
                OffsetDeleteRequest.OffsetDeleteRequestTopic(
                    name=t,
                    partitions=[
                        OffsetDeleteRequest.OffsetDeleteRequestPartition(partition_index=p) for p in ps
                    ],
                )
                for t, ps in topics.items()
            ],
        )
        return self.absorb(self.shard.offset_delete(request, ClientInfo("admin", "/h", 0), self.now))

    def delete_groups(self, *group_ids: str) -> dict[str, int]:
        results = self.absorb(self.shard.delete_groups(list(group_ids), self.now))
        return {r.group_id: int(r.error_code) for r in results}

    # -- KIP-848 ------------------------------------------------------------------------------------

    def consumer_heartbeat(
        self,
        group_id: str = "group",
        member_id: str = "",
        member_epoch: int = 0,
        *,
        topics: list[str] | None = None,
        regex: str | None = None,
        owned: dict[str, list[int]] | None = None,
        instance_id: str | None = None,
        rebalance_timeout_ms: int = -1,
        assignor: str | None = None,
        full: bool = False,
    ) -> Any:
        joining = member_epoch == 0
        request = ConsumerGroupHeartbeatRequest(
            group_id=group_id,
            member_id=member_id,
            member_epoch=member_epoch,
            instance_id=instance_id,
            rebalance_timeout_ms=300_000 if joining or full else rebalance_timeout_ms,
            subscribed_topic_names=topics if (joining or full or topics is not None) else None,
            subscribed_topic_regex=regex,
            server_assignor=assignor,
            topic_partitions=(
                []
                if joining
                else None
                if owned is None
                else [
                    ConsumerGroupHeartbeatRequest.TopicPartitions(topic_id=topic_id(t), partitions=p)
                    for t, p in owned.items()
                ]
            ),
        )
        return self.absorb(
            self.shard.consumer_group_heartbeat(request, ClientInfo("client", "/127.0.0.1", 1), self.now)
        )

    # -- persistence --------------------------------------------------------------------------------

    def reloaded(self) -> GroupCoordinatorShard:
        """A fresh shard fed with every record written so far, as after a broker restart."""
        shard = GroupCoordinatorShard(self.config, topics=self.shard.consumer.topics)
        for offset, record in enumerate(self.log):
            shard.replay(record, offset)
        shard.next_offset = len(self.log)
        shard.on_loaded(self.now)
        return shard


def assigned(response: Any) -> dict[uuid.UUID, list[int]]:
    """A ConsumerGroupHeartbeat response's assignment as topic id -> partitions."""
    if response.assignment is None:
        return {}
    return {tp.topic_id: sorted(tp.partitions) for tp in response.assignment.topic_partitions}
