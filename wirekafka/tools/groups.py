"""``wirekafka groups list|describe|delete``: consumer groups, like ``kafka-consumer-groups.sh``.

``describe`` joins three answers, as Kafka's tool does: the group's state and members
(DescribeGroups, from the group coordinator), its committed offsets (OffsetFetch) and the end
offsets of those partitions (ListOffsets, from the partition leaders), giving the lag of each
partition and the member that owns it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from wirekafka.tools.clients import ToolError, reported_errors


@dataclass(frozen=True, slots=True)
class GroupListing:
    group_id: str
    protocol_type: str
    state: str | None


@dataclass(frozen=True, slots=True)
class GroupMember:
    member_id: str
    client_id: str
    host: str
    group_instance_id: str | None
    assignment: list[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class PartitionLag:
    topic: str
    partition: int
    committed_offset: int | None
    log_end_offset: int | None
    member_id: str | None

    @property
    def lag(self) -> int | None:
        if self.committed_offset is None or self.log_end_offset is None or self.committed_offset < 0:
            return None
        return max(0, self.log_end_offset - self.committed_offset)


@dataclass(frozen=True, slots=True)
class GroupDescription:
    group_id: str
    state: str
    protocol_type: str
    protocol: str
    members: list[GroupMember] = field(default_factory=list)
    offsets: list[PartitionLag] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["offsets"] = [{**asdict(o), "lag": o.lag} for o in self.offsets]
        return data


def list_groups(admin: Any) -> list[GroupListing]:
    """Every group the brokers know, sorted by id."""
    with reported_errors("listing groups"):
        groups = admin.list_groups()
    return sorted(
        (
            GroupListing(g["group_id"], g.get("protocol_type") or "", g.get("group_state") or None)
            for g in groups
        ),
        key=lambda g: g.group_id,
    )


def _assigned_partitions(assignment: Any) -> list[tuple[str, int]]:
    """(topic, partition) pairs of a member's assignment, decoded by kafka-python or not."""
    if not assignment or isinstance(assignment, bytes | bytearray):
        return []  # empty, or a protocol other than "consumer" that kafka-python left as bytes
    if isinstance(assignment, dict):
        pairs = assignment.get("assigned_partitions") or []
        return sorted(
            (p["topic"], partition) if isinstance(p, dict) else (p[0], partition)
            for p in pairs
            for partition in (p["partitions"] if isinstance(p, dict) else p[1])
        )
    return sorted((tp.topic, tp.partition) for tp in assignment.partitions())


def describe_groups(admin: Any, group_ids: list[str]) -> list[GroupDescription]:
    """State, members and per-partition lag of each group.

    Raises:
        ToolError: a group could not be described (e.g. its coordinator is not available).
    """
    from kafka import TopicPartition
    from kafka.admin import OffsetSpec

    with reported_errors("describing groups"):
        described = admin.describe_groups(group_ids)
    failed = [f"{group_id}: {info['error']}" for group_id, info in described.items() if info.get("error")]
    if failed:
        raise ToolError("cannot describe " + "; ".join(failed))
    with reported_errors("fetching committed offsets"):
        committed = admin.list_group_offsets(list(group_ids))
    partitions = {tp for offsets in committed.values() for tp in offsets}
    members_by_group: dict[str, list[GroupMember]] = {}
    for group_id in group_ids:
        info = described[group_id]
        members_by_group[group_id] = [
            GroupMember(
                member_id=m["member_id"],
                client_id=m.get("client_id") or "",
                host=m.get("client_host") or "",
                group_instance_id=m.get("group_instance_id"),
                assignment=_assigned_partitions(m.get("member_assignment")),
            )
            for m in info.get("members") or []
        ]
        for member in members_by_group[group_id]:
            partitions.update(TopicPartition(topic, p) for topic, p in member.assignment)
    end_offsets: dict[Any, int] = {}
    if partitions:
        with reported_errors("fetching end offsets"):
            answered = admin.list_partition_offsets({tp: OffsetSpec.LATEST for tp in partitions})
        end_offsets = {tp: found.offset for tp, found in answered.items()}
    descriptions = []
    for group_id in group_ids:
        info = described[group_id]
        members = members_by_group[group_id]
        owner = {tp: m.member_id for m in members for tp in m.assignment}
        group_partitions = set(committed.get(group_id, {})) | {
            TopicPartition(topic, p) for m in members for topic, p in m.assignment
        }
        offsets = [
            PartitionLag(
                topic=tp.topic,
                partition=tp.partition,
                committed_offset=_committed(committed.get(group_id, {}).get(tp)),
                log_end_offset=end_offsets.get(tp),
                member_id=owner.get((tp.topic, tp.partition)),
            )
            for tp in sorted(group_partitions)
        ]
        descriptions.append(
            GroupDescription(
                group_id=group_id,
                state=info.get("group_state") or "",
                protocol_type=info.get("protocol_type") or "",
                protocol=info.get("protocol_data") or "",
                members=members,
                offsets=offsets,
            )
        )
    return descriptions


def _committed(found: Any) -> int | None:
    return None if found is None or found.offset < 0 else int(found.offset)


def delete_groups(admin: Any, group_ids: list[str]) -> dict[str, str | None]:
    """group id -> None when deleted, or the error's name (e.g. the group still has members)."""
    with reported_errors("deleting groups"):
        results = admin.delete_groups(group_ids)
    return {group_id: None if outcome == "OK" else str(outcome) for group_id, outcome in results.items()}


def describe_lines(group: GroupDescription) -> list[str]:
    """``kafka-consumer-groups.sh --describe``'s table, preceded by the group's state."""
    lines = [
        f"Group {group.group_id}: state {group.state or 'unknown'}, "
        f"{len(group.members)} member(s), protocol {group.protocol or 'none'}"
    ]
    if not group.offsets:
        lines.append("  no committed offsets and no assigned partitions")
        return lines
    clients = {m.member_id: m for m in group.members}
    header = (
        "TOPIC",
        "PARTITION",
        "CURRENT-OFFSET",
        "LOG-END-OFFSET",
        "LAG",
        "CONSUMER-ID",
        "HOST",
        "CLIENT-ID",
    )
    rows = [header]
    for o in group.offsets:
        member = clients.get(o.member_id or "")
        rows.append(
            (
                o.topic,
                str(o.partition),
                _dash(o.committed_offset),
                _dash(o.log_end_offset),
                _dash(o.lag),
                o.member_id or "-",
                member.host if member else "-",
                member.client_id if member else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines += [
        "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return lines


def _dash(value: int | None) -> str:
    return "-" if value is None else str(value)
