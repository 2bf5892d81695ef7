"""How a KIP-848 member moves from its current assignment to the target (Kafka's CurrentAssignmentBuilder).

The rule that keeps a partition from being consumed by two members at once: a member first gives
up what it must (it stays at its epoch, UNREVOKED_PARTITIONS, until its heartbeat no longer lists
those partitions as owned), and only receives a partition once no other member holds it (until
then it is UNRELEASED_PARTITIONS and gets the rest). When both are done it is STABLE at the
target epoch.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from wirekafka.coordinator.group.classic_group import GroupError
from wirekafka.coordinator.group.consumer_group import Assignment, ConsumerGroupMember, MemberState, freeze
from wirekafka.protocol.errors import ErrorCode

#: (topic id, partition) -> epoch of the member holding it, or -1.
PartitionEpoch = Callable[[uuid.UUID, int], int]


def owned_partitions(topic_partitions: Iterable[Any] | None) -> dict[uuid.UUID, set[int]] | None:
    """The heartbeat's ``topic_partitions`` as a map; None when the field was not sent."""
    if topic_partitions is None:
        return None
    owned: dict[uuid.UUID, set[int]] = {}
    for tp in topic_partitions:
        owned.setdefault(tp.topic_id, set()).update(tp.partitions)
    return owned


def _owns_any(owned: dict[uuid.UUID, set[int]] | None, partitions: Assignment) -> bool:
    """Whether the member still reports any of ``partitions``; unknown (None) counts as yes."""
    if owned is None:
        return True
    return any(owned.get(topic_id, set()) & ids for topic_id, ids in partitions.items())


def reconcile(
    member: ConsumerGroupMember,
    target_epoch: int,
    target: Assignment,
    partition_epoch: PartitionEpoch,
    owned: dict[uuid.UUID, set[int]] | None,
) -> ConsumerGroupMember:
    """The member's next assignment state, given the target and what the member reports owning."""
    state = member.state
    if state is MemberState.STABLE:
        if member.member_epoch != target_epoch:
            return _next(member, member.member_epoch, target_epoch, target, partition_epoch, owned)
        return member
    if state is MemberState.UNREVOKED_PARTITIONS:
        if _owns_any(owned, member.pending_revocation):
            return member
        return _next(member, member.member_epoch + 1, target_epoch, target, partition_epoch, owned)
    if state is MemberState.UNRELEASED_PARTITIONS:
        return _next(member, member.member_epoch, target_epoch, target, partition_epoch, owned)
    if owned is None or owned:
        raise GroupError(ErrorCode.FENCED_MEMBER_EPOCH, "member in an unknown state must rejoin")
    return _next(member, target_epoch, target_epoch, target, partition_epoch, owned)


def _next(
    member: ConsumerGroupMember,
    member_epoch: int,
    target_epoch: int,
    target: Assignment,
    partition_epoch: PartitionEpoch,
    owned: dict[uuid.UUID, set[int]] | None,
) -> ConsumerGroupMember:
    assigned: dict[uuid.UUID, set[int]] = {}
    revoking: dict[uuid.UUID, set[int]] = {}
    pending: dict[uuid.UUID, set[int]] = {}
    unreleased = False
    for topic_id in set(target) | set(member.assigned):
        wanted = set(target.get(topic_id, frozenset()))
        current = set(member.assigned.get(topic_id, frozenset()))
        keep = current & wanted
        assigned[topic_id] = keep
        revoking[topic_id] = current - keep
        free = set()
        for partition in wanted - keep:
            if partition_epoch(topic_id, partition) != -1:
                unreleased = True
            else:
                free.add(partition)
        pending[topic_id] = free
    revoking_frozen = freeze(revoking)
    if revoking_frozen and _owns_any(owned, revoking_frozen):
        return replace(
            member.with_epoch(member_epoch),
            state=MemberState.UNREVOKED_PARTITIONS,
            assigned=freeze(assigned),
            pending_revocation=revoking_frozen,
        )
    for topic_id, free in pending.items():
        assigned[topic_id] = assigned[topic_id] | free
    state = MemberState.UNRELEASED_PARTITIONS if unreleased else MemberState.STABLE
    return replace(
        member.with_epoch(target_epoch),
        state=state,
        assigned=freeze(assigned),
        pending_revocation={},
    )
