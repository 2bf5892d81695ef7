"""Server-side assignors of KIP-848 consumer groups: ``uniform`` (the default) and ``range``.

An assignor maps members (id, instance id, subscribed topic ids) and the subscribed topics'
partition counts to a target assignment. Both are deterministic, so every replica of a
coordinator computing the same input gets the same answer.

- ``uniform`` (Kafka's ``UniformAssignor``): balanced and sticky. Partitions a member already
  had in the previous target stay with it while it remains subscribed and the balance allows;
  the rest go, one at a time, to the eligible member with the fewest partitions; then partitions
  move from the most to the least loaded eligible members until no move can narrow the gap.
- ``range`` (Kafka's ``RangeAssignor``): per topic, consecutive ranges of partitions to members
  sorted by instance id (static members first) then member id; the first ``count % members``
  members get one more. Co-partitioned topics land on the same members.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from wirekafka.coordinator.group.consumer_group import Assignment, freeze


@dataclass(frozen=True, slots=True)
class MemberSubscription:
    member_id: str
    instance_id: str | None
    topic_ids: frozenset[uuid.UUID]


GroupAssignment = dict[str, Assignment]
Assignor = Callable[
    [list[MemberSubscription], Mapping[uuid.UUID, int], Mapping[str, Assignment]], GroupAssignment
]


class AssignorError(Exception):
    """The assignor cannot compute an assignment (Kafka's ``PartitionAssignorException``)."""


def _sort_key(member: MemberSubscription) -> tuple[int, str]:
    if member.instance_id is not None:
        return (0, member.instance_id)
    return (1, member.member_id)


def range_assignor(
    members: list[MemberSubscription],
    partition_counts: Mapping[uuid.UUID, int],
    previous: Mapping[str, Assignment],
) -> GroupAssignment:
    ordered = sorted(members, key=_sort_key)
    result: dict[str, dict[uuid.UUID, set[int]]] = {m.member_id: {} for m in ordered}
    topics = sorted({t for m in ordered for t in m.topic_ids}, key=str)
    for topic_id in topics:
        count = partition_counts.get(topic_id, -1)
        if count < 0:
            raise AssignorError("member is subscribed to a non-existent topic")
        subscribers = [m for m in ordered if topic_id in m.topic_ids]
        quota, extra = divmod(count, len(subscribers))
        start = 0
        for index, member in enumerate(subscribers):
            size = quota + (1 if index < extra else 0)
            if size:
                result[member.member_id][topic_id] = set(range(start, start + size))
            start += size
    return {member_id: freeze(assignment) for member_id, assignment in result.items()}


def uniform_assignor(
    members: list[MemberSubscription],
    partition_counts: Mapping[uuid.UUID, int],
    previous: Mapping[str, Assignment],
) -> GroupAssignment:
    by_id = {m.member_id: m for m in members}
    order = sorted(by_id)  # deterministic tie-breaks
    partitions: list[tuple[uuid.UUID, int]] = []
    for topic_id in sorted({t for m in members for t in m.topic_ids}, key=str):
        count = partition_counts.get(topic_id, -1)
        if count < 0:
            raise AssignorError("member is subscribed to a non-existent topic")
        partitions.extend((topic_id, p) for p in range(count))
    owner: dict[tuple[uuid.UUID, int], str] = {}
    load: dict[str, int] = dict.fromkeys(order, 0)
    eligible: dict[tuple[uuid.UUID, int], list[str]] = {
        tp: [m for m in order if tp[0] in by_id[m].topic_ids] for tp in partitions
    }
    # Fair share for a homogeneous group; heterogeneous groups are evened out by the moves below.
    cap = -(-len(partitions) // len(order)) if order else 0
    wanted = set(partitions)
    for member_id in order:
        for topic_id, ids in sorted(previous.get(member_id, {}).items(), key=lambda item: str(item[0])):
            for partition in sorted(ids):
                tp = (topic_id, partition)
                if tp in wanted and tp not in owner and member_id in eligible[tp] and load[member_id] < cap:
                    owner[tp] = member_id
                    load[member_id] += 1
    for tp in partitions:
        if tp in owner or not eligible[tp]:
            continue
        chosen = min(eligible[tp], key=lambda m: (load[m], m))
        owner[tp] = chosen
        load[chosen] += 1
    _balance(partitions, owner, load, eligible)
    result: dict[str, dict[uuid.UUID, set[int]]] = {m: {} for m in order}
    for (topic_id, partition), member_id in owner.items():
        result[member_id].setdefault(topic_id, set()).add(partition)
    return {member_id: freeze(assignment) for member_id, assignment in result.items()}


def _balance(
    partitions: list[tuple[uuid.UUID, int]],
    owner: dict[tuple[uuid.UUID, int], str],
    load: dict[str, int],
    eligible: dict[tuple[uuid.UUID, int], list[str]],
) -> None:
    """Move partitions from heavier to lighter eligible members while that narrows the gap."""
    moved = True
    while moved:
        moved = False
        for tp in sorted(owner, key=lambda tp: (-load[owner[tp]], str(tp[0]), -tp[1])):
            current = owner[tp]
            lighter = min(eligible[tp], key=lambda m: (load[m], m))
            if load[lighter] + 1 < load[current]:
                owner[tp] = lighter
                load[current] -= 1
                load[lighter] += 1
                moved = True
                break


ASSIGNORS: dict[str, Assignor] = {"uniform": uniform_assignor, "range": range_assignor}
