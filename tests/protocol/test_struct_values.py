"""Value semantics of the generated struct classes: defaults, equality, independence.

Encoders rely on equality to leave tagged fields that hold their default out of the tag buffer,
and handlers append to default lists, so both must behave exactly like Kafka's data classes.
"""

from __future__ import annotations

from wirekafka.protocol.compiler import codec
from wirekafka.protocol.messages import by_name

FetchResponse = by_name("FetchResponse")
PartitionData = FetchResponse.PartitionData
LeaderIdAndEpoch = FetchResponse.LeaderIdAndEpoch


def test_defaults_are_kafkas_and_fresh_per_value() -> None:
    first, second = PartitionData(), PartitionData()
    assert first.high_watermark == 0
    assert first.last_stable_offset == -1
    assert first.current_leader == LeaderIdAndEpoch(leader_id=-1, leader_epoch=-1)
    assert first.aborted_transactions == []
    assert first.aborted_transactions is not second.aborted_transactions
    first.current_leader.leader_id = 7
    assert second.current_leader.leader_id == -1
    assert first.current_leader is not second.current_leader
    first.aborted_transactions.append(FetchResponse.AbortedTransaction(producer_id=1))
    assert second.aborted_transactions == []


def test_equality_is_field_by_field() -> None:
    assert LeaderIdAndEpoch(leader_id=1, leader_epoch=2) == LeaderIdAndEpoch(leader_id=1, leader_epoch=2)
    assert LeaderIdAndEpoch(leader_id=1, leader_epoch=2) != LeaderIdAndEpoch(leader_id=1, leader_epoch=3)
    assert LeaderIdAndEpoch(leader_id=1, leader_epoch=2) != LeaderIdAndEpoch(leader_id=0, leader_epoch=2)
    assert PartitionData(records=b"x") != PartitionData(records=b"y")


def test_equality_sees_unknown_tagged_fields_but_not_their_container() -> None:
    plain, tagged, listed = LeaderIdAndEpoch(), LeaderIdAndEpoch(), LeaderIdAndEpoch()
    tagged.unknown_tagged_fields = ((9, b"\x01"),)
    listed.unknown_tagged_fields = [(9, b"\x01")]
    assert plain != tagged
    assert tagged == listed
    listed.unknown_tagged_fields = []
    assert plain == listed


def test_values_of_different_structs_are_never_equal() -> None:
    same_fields = by_name("ProduceResponse").LeaderIdAndEpoch()
    assert type(same_fields) is not LeaderIdAndEpoch
    assert same_fields != LeaderIdAndEpoch()
    assert LeaderIdAndEpoch() != (-1, -1)


def test_a_tagged_struct_field_is_written_only_when_it_differs_from_its_default() -> None:
    fetch_v16 = codec(FetchResponse, 16)
    partition = PartitionData(partition_index=0)
    response = FetchResponse(responses=[FetchResponse.FetchableTopicResponse(partitions=[partition])])
    without = fetch_v16.encode(response)
    partition.current_leader = LeaderIdAndEpoch(leader_id=-1, leader_epoch=-1)
    assert fetch_v16.encode(response) == without
    partition.current_leader = LeaderIdAndEpoch(leader_id=3, leader_epoch=-1)
    with_leader = fetch_v16.encode(response)
    assert len(with_leader) > len(without)
    assert fetch_v16.decode(with_leader).responses[0].partitions[0].current_leader.leader_id == 3
