"""The group handlers at every version the codec declares: requests and responses through the codec."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import trio

from tests.coordinator.harness import SUBSCRIPTION
from tests.coordinator.memory_log import MemoryLog
from wirekafka.broker.context import RequestContext
from wirekafka.broker.handlers import (
    group,  # noqa: F401  (registers the handlers)
    offsets_commit,  # noqa: F401  (registers the handlers)
)
from wirekafka.broker.registry import REGISTRY
from wirekafka.config import BrokerConfig
from wirekafka.coordinator.group.config import GroupCoordinatorConfig
from wirekafka.coordinator.group.consumer_protocol import encode_assignment
from wirekafka.coordinator.group.coordinator import GROUP_METADATA_TOPIC, GroupCoordinator, topics_view
from wirekafka.metadata.image import BrokerImage, MetadataImage, PartitionImage, TopicImage
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.compiler import codec
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.framing import RequestHeader
from wirekafka.protocol.messages import REQUESTS, RESPONSES

E = ErrorCode
NODE = BrokerImage(1, "broker.test", 9092)


def image() -> MetadataImage:
    def topic(name: str, count: int) -> TopicImage:
        return TopicImage(
            name,
            uuid.uuid5(uuid.NAMESPACE_DNS, name),
            {p: PartitionImage(p, 1, 0, (1,), (1,)) for p in range(count)},
        )

    return MetadataImage(
        cluster_id="c",
        controller_id=1,
        brokers={1: NODE},
        topics={GROUP_METADATA_TOPIC: topic(GROUP_METADATA_TOPIC, 1), "topic": topic("topic", 2)},
    )


@dataclass
class FakeBroker:
    group_coordinator: GroupCoordinator
    metadata_image: MetadataImage = field(default_factory=image)
    node_id: int = 1
    config: BrokerConfig = field(default_factory=lambda: BrokerConfig({"offsets.topic.num.partitions": 1}))
    controller: Any = None

    def advertised_endpoint(self, listener_name: str = "PLAINTEXT") -> BrokerImage:
        return NODE


@asynccontextmanager
async def broker() -> AsyncIterator[FakeBroker]:
    config = GroupCoordinatorConfig(offsets_topic_num_partitions=1, initial_rebalance_delay_ms=0)
    coordinator = GroupCoordinator(
        config, MemoryLog(), clock=lambda: int(trio.current_time() * 1000), topics=topics_view(image())
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(coordinator.run)
        coordinator.on_leadership(GROUP_METADATA_TOPIC, 0, 0)
        await coordinator.runtime.wait_active(0)
        yield FakeBroker(coordinator)
        nursery.cancel_scope.cancel()


async def call(fake: FakeBroker, api_key: ApiKey, version: int, **fields: Any) -> Any:
    """Send a request as a client would at ``version`` and read the answer the same way."""
    request_class = REQUESTS[api_key]
    wire = codec(request_class, version).encode(request_class(**fields))
    request = codec(request_class, version).decode(wire)
    header = RequestHeader(api_key, version, 1, "client-app")
    ctx = RequestContext(header, fake, "127.0.0.1", 50000, "conn")  # type: ignore[arg-type]
    registration = REGISTRY.lookup(api_key)
    assert registration is not None and registration.serves(version)
    response = await registration.handler(ctx, request)
    response_class = RESPONSES[api_key]
    return codec(response_class, version).decode(codec(response_class, version).encode(response))


def versions(api_key: ApiKey) -> list[int]:
    registration = REGISTRY.lookup(api_key)
    assert registration is not None
    return list(range(registration.min_version, registration.max_version + 1))


# -- FindCoordinator -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", versions(ApiKey.FIND_COORDINATOR))
async def test_find_coordinator(version: int) -> None:
    async with broker() as fake:
        if version < 4:
            response = await call(fake, ApiKey.FIND_COORDINATOR, version, key="group")
            assert (response.error_code, response.node_id, response.host, response.port) == (
                0,
                1,
                "broker.test",
                9092,
            )
        else:
            response = await call(fake, ApiKey.FIND_COORDINATOR, version, coordinator_keys=["a", "b"])
            assert [(c.key, c.node_id, c.error_code) for c in response.coordinators] == [
                ("a", 1, 0),
                ("b", 1, 0),
            ]


async def test_find_coordinator_of_a_missing_internal_topic_or_unknown_key_type() -> None:
    async with broker() as fake:
        response = await call(fake, ApiKey.FIND_COORDINATOR, 1, key="txn", key_type=1)
        assert (response.error_code, response.node_id) == (E.COORDINATOR_NOT_AVAILABLE, -1)
        response = await call(fake, ApiKey.FIND_COORDINATOR, 3, key="x", key_type=2)
        assert response.error_code == E.INVALID_REQUEST


# -- a whole classic group at every version --------------------------------------------------------


def at(api_key: ApiKey, profile: int) -> int:
    return min(profile, max(versions(api_key)))


@pytest.mark.parametrize("profile", range(10))
async def test_classic_group_lifecycle_at_every_version(profile: int) -> None:
    join_v, sync_v, heartbeat_v = (
        at(ApiKey.JOIN_GROUP, profile),
        at(ApiKey.SYNC_GROUP, profile),
        at(ApiKey.HEARTBEAT, profile),
    )
    leave_v, describe_v, list_v = (
        at(ApiKey.LEAVE_GROUP, profile),
        at(ApiKey.DESCRIBE_GROUPS, profile),
        at(ApiKey.LIST_GROUPS, profile),
    )
    commit_v, fetch_v, delete_v = (
        at(ApiKey.OFFSET_COMMIT, profile),
        at(ApiKey.OFFSET_FETCH, profile),
        at(ApiKey.DELETE_GROUPS, profile),
    )
    join = {
        "group_id": "group",
        "session_timeout_ms": 10_000,
        "rebalance_timeout_ms": 30_000,
        "protocol_type": "consumer",
        "protocols": [
            REQUESTS[ApiKey.JOIN_GROUP].JoinGroupRequestProtocol(name="range", metadata=SUBSCRIPTION)
        ],
    }
    async with broker() as fake:
        response = await call(fake, ApiKey.JOIN_GROUP, join_v, member_id="", **join)
        if join_v >= 4:
            assert response.error_code == E.MEMBER_ID_REQUIRED
            response = await call(fake, ApiKey.JOIN_GROUP, join_v, member_id=response.member_id, **join)
        assert response.error_code == 0
        member_id = response.member_id
        assert member_id.startswith("client-app-")
        assert (response.generation_id, response.leader, response.protocol_name) == (1, member_id, "range")
        assert response.protocol_type == ("consumer" if join_v >= 7 else None)

        assignment = encode_assignment({"topic": [0, 1]})
        sync_request = REQUESTS[ApiKey.SYNC_GROUP]
        response = await call(
            fake,
            ApiKey.SYNC_GROUP,
            sync_v,
            group_id="group",
            generation_id=1,
            member_id=member_id,
            assignments=[sync_request.SyncGroupRequestAssignment(member_id=member_id, assignment=assignment)],
        )
        assert (response.error_code, response.assignment) == (0, assignment)

        response = await call(
            fake, ApiKey.HEARTBEAT, heartbeat_v, group_id="group", generation_id=1, member_id=member_id
        )
        assert response.error_code == 0

        commit_request = REQUESTS[ApiKey.OFFSET_COMMIT]
        response = await call(
            fake,
            ApiKey.OFFSET_COMMIT,
            commit_v,
            group_id="group",
            generation_id_or_member_epoch=1 if commit_v >= 1 else -1,
            member_id=member_id if commit_v >= 1 else "",
            topics=[
                commit_request.OffsetCommitRequestTopic(
                    name="topic",
                    partitions=[
                        commit_request.OffsetCommitRequestPartition(
                            partition_index=0,
                            committed_offset=42,
                            committed_leader_epoch=3 if commit_v >= 6 else -1,
                            committed_metadata="meta",
                        )
                    ],
                )
            ],
        )
        expected = (
            0 if commit_v >= 1 else E.UNKNOWN_MEMBER_ID
        )  # v0 commits as an admin: refused while the group lives
        assert response.topics[0].partitions[0].error_code == expected
        if commit_v == 0:
            return

        fetched = await fetch(fake, fetch_v, "group", {"topic": [0, 1]})
        assert fetched[("topic", 0)] == (42, 3 if commit_v >= 6 and fetch_v >= 5 else -1, "meta", 0)
        assert fetched[("topic", 1)] == (-1, -1, "", 0)

        response = await call(fake, ApiKey.DESCRIBE_GROUPS, describe_v, groups=["group", "nope"])
        described, unknown = response.groups
        assert (described.group_state, described.protocol_type, described.protocol_data) == (
            "Stable",
            "consumer",
            "range",
        )
        (member,) = described.members
        assert (member.member_id, member.client_id, member.client_host) == (
            member_id,
            "client-app",
            "/127.0.0.1",
        )
        assert (member.member_metadata, member.member_assignment) == (SUBSCRIPTION, assignment)
        assert (unknown.group_state, unknown.error_code) == ("Dead", 0)
        if describe_v >= 3:
            assert described.authorized_operations == -(2**31)

        response = await call(fake, ApiKey.LIST_GROUPS, list_v)
        assert [(g.group_id, g.protocol_type) for g in response.groups] == [("group", "consumer")]
        if list_v >= 4:
            assert response.groups[0].group_state == "Stable"
            empty = await call(fake, ApiKey.LIST_GROUPS, list_v, states_filter=["Empty"])
            assert empty.groups == []

        response = await call(fake, ApiKey.DELETE_GROUPS, delete_v, groups_names=["group"])
        assert [(r.group_id, r.error_code) for r in response.results] == [("group", E.NON_EMPTY_GROUP)]

        if leave_v >= 3:
            leave_request = REQUESTS[ApiKey.LEAVE_GROUP]
            response = await call(
                fake,
                ApiKey.LEAVE_GROUP,
                leave_v,
                group_id="group",
                members=[
                    leave_request.MemberIdentity(member_id=member_id),
                    leave_request.MemberIdentity(member_id="ghost"),
                ],
            )
            assert [(m.member_id, m.error_code) for m in response.members] == [
                (member_id, 0),
                ("ghost", E.UNKNOWN_MEMBER_ID),
            ]
        else:
            response = await call(fake, ApiKey.LEAVE_GROUP, leave_v, group_id="group", member_id="ghost")
            assert response.error_code == E.UNKNOWN_MEMBER_ID
            response = await call(fake, ApiKey.LEAVE_GROUP, leave_v, group_id="group", member_id=member_id)
            assert response.error_code == 0

        response = await call(fake, ApiKey.DELETE_GROUPS, delete_v, groups_names=["group"])
        assert [(r.group_id, r.error_code) for r in response.results] == [("group", 0)]
        assert await fetch(fake, fetch_v, "group", {"topic": [0]}) == {("topic", 0): (-1, -1, "", 0)}


async def fetch(
    fake: FakeBroker, version: int, group_id: str, topics: dict[str, list[int]]
) -> dict[Any, Any]:
    request_class = REQUESTS[ApiKey.OFFSET_FETCH]
    if version >= 8:
        response = await call(
            fake,
            ApiKey.OFFSET_FETCH,
            version,
            groups=[
                request_class.OffsetFetchRequestGroup(
                    group_id=group_id,
                    topics=[
                        request_class.OffsetFetchRequestTopics(name=t, partition_indexes=p)
                        for t, p in topics.items()
                    ],
                )
            ],
        )
        (group,) = response.groups
        assert group.error_code == 0
        found = group.topics
    else:
        response = await call(
            fake,
            ApiKey.OFFSET_FETCH,
            version,
            group_id=group_id,
            topics=[
                request_class.OffsetFetchRequestTopic(name=t, partition_indexes=p) for t, p in topics.items()
            ],
        )
        assert response.error_code == 0
        found = response.topics
    return {
        (t.name, p.partition_index): (p.committed_offset, p.committed_leader_epoch, p.metadata, p.error_code)
        for t in found
        for p in t.partitions
    }


async def test_offset_fetch_of_several_groups_and_of_all_partitions() -> None:
    async with broker() as fake:
        commit_request = REQUESTS[ApiKey.OFFSET_COMMIT]
        for group_id, offset in (("a", 1), ("b", 2)):
            await call(
                fake,
                ApiKey.OFFSET_COMMIT,
                8,
                group_id=group_id,
                topics=[
                    commit_request.OffsetCommitRequestTopic(
                        name="topic",
                        partitions=[
                            commit_request.OffsetCommitRequestPartition(
                                partition_index=1, committed_offset=offset, committed_metadata=None
                            )
                        ],
                    )
                ],
            )
        request_class = REQUESTS[ApiKey.OFFSET_FETCH]
        response = await call(
            fake,
            ApiKey.OFFSET_FETCH,
            8,
            groups=[request_class.OffsetFetchRequestGroup(group_id=g, topics=None) for g in ("a", "b", "c")],
        )
        assert [
            (
                g.group_id,
                [(t.name, [(p.partition_index, p.committed_offset) for p in t.partitions]) for t in g.topics],
            )
            for g in response.groups
        ] == [("a", [("topic", [(1, 1)])]), ("b", [("topic", [(1, 2)])]), ("c", [])]
        response = await call(fake, ApiKey.OFFSET_FETCH, 2, group_id="a", topics=None)
        assert [(t.name, [p.committed_offset for p in t.partitions]) for t in response.topics] == [
            ("topic", [1])
        ]


@pytest.mark.parametrize("version", [0, 1, 2])
async def test_offset_fetch_errors_by_version(version: int) -> None:
    async with broker() as fake:
        await fake.group_coordinator.runtime.wait_active(0)
        fake.group_coordinator.on_leadership(GROUP_METADATA_TOPIC, 0, None)
        request_class = REQUESTS[ApiKey.OFFSET_FETCH]
        response = await call(
            fake,
            ApiKey.OFFSET_FETCH,
            version,
            group_id="g",
            topics=[request_class.OffsetFetchRequestTopic(name="t", partition_indexes=[0])],
        )
        if version >= 2:
            assert (response.error_code, response.topics) == (E.NOT_COORDINATOR, [])
        else:
            assert response.topics[0].partitions[0].error_code == E.NOT_COORDINATOR


async def test_offset_delete_handler() -> None:
    async with broker() as fake:
        request_class = REQUESTS[ApiKey.OFFSET_DELETE]
        response = await call(
            fake,
            ApiKey.OFFSET_DELETE,
            0,
            group_id="none",
            topics=[
                request_class.OffsetDeleteRequestTopic(
                    name="t", partitions=[request_class.OffsetDeleteRequestPartition(partition_index=0)]
                )
            ],
        )
        assert response.error_code == E.GROUP_ID_NOT_FOUND


# -- KIP-848 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", versions(ApiKey.CONSUMER_GROUP_HEARTBEAT))
async def test_consumer_group_heartbeat_and_describe(version: int) -> None:
    async with broker() as fake:
        response = await call(
            fake,
            ApiKey.CONSUMER_GROUP_HEARTBEAT,
            version,
            group_id="modern",
            member_id="",
            member_epoch=0,
            rebalance_timeout_ms=300_000,
            subscribed_topic_names=["topic"],
            topic_partitions=[],
        )
        assert (response.error_code, response.member_epoch) == (0, 1)
        assert [sorted(tp.partitions) for tp in response.assignment.topic_partitions] == [[0, 1]]
        described = await call(fake, ApiKey.CONSUMER_GROUP_DESCRIBE, 0, group_ids=["modern", "nope"])
        modern, nope = described.groups
        assert (modern.group_state, modern.members[0].member_id) == ("Stable", response.member_id)
        assert modern.members[0].assignment.topic_partitions[0].topic_name == "topic"
        assert nope.error_code == E.GROUP_ID_NOT_FOUND
        groups = await call(fake, ApiKey.LIST_GROUPS, 5, types_filter=["consumer"])
        assert [(g.group_id, g.group_type) for g in groups.groups] == [("modern", "consumer")]


async def test_handlers_answer_without_a_coordinator() -> None:
    async with broker() as fake:
        fake.group_coordinator = None  # type: ignore[assignment]
        response = await call(fake, ApiKey.HEARTBEAT, 0, group_id="g", generation_id=1, member_id="m")
        assert response.error_code == E.COORDINATOR_NOT_AVAILABLE
