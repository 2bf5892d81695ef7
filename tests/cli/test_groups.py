"""``wirekafka groups`` and ``consume --group``: committed offsets, lag, resume, delete.

Skipped until the broker advertises the group coordinator's APIs; they run by themselves then.
"""

from __future__ import annotations

import json
import uuid

from tests.cli.support import ADMIN_GROUP_APIS, GROUP_APIS, PRODUCE_FETCH_APIS, requires, run
from wirekafka.testing.broker import RunningBroker

pytestmark = requires(*PRODUCE_FETCH_APIS, *GROUP_APIS, *ADMIN_GROUP_APIS)


def topic_with_records(broker: RunningBroker, count: int, partitions: int = 1) -> str:
    """A new topic with ``count`` records in each partition."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    assert run(broker, "topics", "create", name, "--partitions", str(partitions)).exit_code == 0
    for partition in range(partitions):
        lines = "".join(f"record-{i}\n" for i in range(count))
        produced = run(broker, "produce", name, "--partition", str(partition), input=lines)
        assert produced.exit_code == 0, produced.output
    return name


def test_a_group_resumes_after_what_it_printed(broker: RunningBroker) -> None:
    topic = topic_with_records(broker, 5)
    group = f"g-{uuid.uuid4().hex[:8]}"
    first = run(broker, "consume", topic, "--group", group, "--from-beginning", "--max-messages", "2")
    assert first.exit_code == 0, first.output
    assert first.stdout == "record-0\nrecord-1\n"
    rest = run(broker, "consume", topic, "--group", group, "--from-beginning", "--timeout", "2")
    assert rest.exit_code == 0, rest.output
    assert rest.stdout == "record-2\nrecord-3\nrecord-4\n"


def test_list_describe_and_delete_a_group(broker: RunningBroker) -> None:
    topic = topic_with_records(broker, 2, partitions=2)
    group = f"g-{uuid.uuid4().hex[:8]}"
    consumed = run(broker, "consume", topic, "--group", group, "--from-beginning", "--max-messages", "4")
    assert consumed.exit_code == 0, consumed.output
    produced = run(broker, "produce", topic, "--partition", "0", input="late-1\nlate-2\n")
    assert produced.exit_code == 0, produced.output

    listed = run(broker, "groups", "list")
    assert listed.exit_code == 0, listed.output
    assert group in listed.stdout.splitlines()
    as_json = [
        json.loads(line) for line in run(broker, "groups", "list", "--format", "json").stdout.splitlines()
    ]
    assert {"group_id": group, "protocol_type": "consumer"}.items() <= next(
        g for g in as_json if g["group_id"] == group
    ).items()

    described = run(broker, "groups", "describe", group, "--format", "json")
    assert described.exit_code == 0, described.output
    description = json.loads(described.stdout)
    assert description["group_id"] == group and description["members"] == []  # the consumer left
    assert description["state"] == "Empty"
    offsets = {o["partition"]: o for o in description["offsets"]}
    assert set(offsets) == {0, 1}
    assert [offsets[p]["committed_offset"] for p in (0, 1)] == [2, 2]
    assert [offsets[p]["log_end_offset"] for p in (0, 1)] == [4, 2]
    assert offsets[0]["lag"] == 2 and offsets[1]["lag"] == 0

    table = run(broker, "groups", "describe", group).stdout.splitlines()
    assert table[0].startswith(f"Group {group}: state Empty, 0 member(s)")
    assert table[1].split() == [
        "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID",
    ]  # fmt: skip
    assert table[2].split()[:2] == [topic, "0"] and table[2].split()[4] == "2"

    deleted = run(broker, "groups", "delete", group)
    assert deleted.exit_code == 0, deleted.output
    assert deleted.stdout == f"Deleted group {group}.\n"
    assert group not in run(broker, "groups", "list").stdout.splitlines()


def test_deleting_an_unknown_group_fails(broker: RunningBroker) -> None:
    result = run(broker, "groups", "delete", "no-such-group")
    assert result.exit_code == 1
    assert "Error while deleting group no-such-group: GroupIdNotFoundError" in result.stderr


def test_an_active_member_is_shown_and_its_group_cannot_be_deleted(broker: RunningBroker) -> None:
    from kafka import KafkaConsumer

    topic = topic_with_records(broker, 1, partitions=2)
    group = f"g-{uuid.uuid4().hex[:8]}"
    consumer = KafkaConsumer(
        topic, bootstrap_servers=broker.bootstrap, group_id=group, client_id="member-client",
        auto_offset_reset="earliest", consumer_timeout_ms=10_000,
    )  # fmt: skip
    try:
        next(iter(consumer))  # joined, assigned, fetching
        description = json.loads(run(broker, "groups", "describe", group, "--format", "json").stdout)
        assert description["state"] == "Stable" and description["protocol"]
        [member] = description["members"]
        assert member["client_id"] == "member-client"
        assert sorted(member["assignment"]) == [[topic, 0], [topic, 1]]
        assert {o["partition"]: o["member_id"] for o in description["offsets"]} == {
            0: member["member_id"],
            1: member["member_id"],
        }
        deleted = run(broker, "groups", "delete", group)
        assert deleted.exit_code == 1
        assert f"Error while deleting group {group}: NonEmptyGroupError" in deleted.stderr
    finally:
        consumer.close()
