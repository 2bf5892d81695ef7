"""KRaft: the metadata quorum and the controller RPCs brokers use.

Declared from Apache Kafka's message specs (Apache-2.0); the comments above each message are
Kafka's own notes on what each version changed. See docs/protocol.md for how to add a version.
"""

from wirekafka.protocol.schema import array, field, message, struct

# Version 1 adds voter key and candidate directory id (KIP-853)
VoteRequest = message(
    "VoteRequest",
    kind="request",
    api_key=52,
    valid="0-1",
    flexible="0+",
    fields=[
        field("cluster_id", "string", "0+", nullable="0+", default=None),
        field("voter_id", "int32", "1+", default=-1, ignorable=True),
        field(
            "topics",
            array(
                struct(
                    "TopicData",
                    [
                        field("topic_name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "PartitionData",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("candidate_epoch", "int32", "0+"),
                                        field("candidate_id", "int32", "0+"),
                                        field("candidate_directory_id", "uuid", "1+", ignorable=True),
                                        field("voter_directory_id", "uuid", "1+", ignorable=True),
                                        field("last_offset_epoch", "int32", "0+"),
                                        field("last_offset", "int64", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 adds leader endpoint (KIP-853)
VoteResponse = message(
    "VoteResponse",
    kind="response",
    api_key=52,
    valid="0-1",
    flexible="0+",
    fields=[
        field("error_code", "int16", "0+"),
        field(
            "topics",
            array(
                struct(
                    "TopicData",
                    [
                        field("topic_name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "PartitionData",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("error_code", "int16", "0+"),
                                        field("leader_id", "int32", "0+"),
                                        field("leader_epoch", "int32", "0+"),
                                        field("vote_granted", "bool", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                    ],
                )
            ),
            "0+",
        ),
        field(
            "node_endpoints",
            array(
                struct(
                    "NodeEndpoint",
                    [
                        field("node_id", "int32", "1+"),
                        field("host", "string", "1+"),
                        field("port", "uint16", "1+"),
                    ],
                )
            ),
            "1+",
            tag=0,
            tagged="1+",
        ),
    ],
)


# Version 1 adds flexible versions, voter key and leader endpoints (KIP-853)
BeginQuorumEpochRequest = message(
    "BeginQuorumEpochRequest",
    kind="request",
    api_key=53,
    valid="0-1",
    flexible="1+",
    fields=[
        field("cluster_id", "string", "0+", nullable="0+", default=None),
        field("voter_id", "int32", "1+", default=-1, ignorable=True),
        field(
            "topics",
            array(
                struct(
                    "TopicData",
                    [
                        field("topic_name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "PartitionData",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("voter_directory_id", "uuid", "1+", ignorable=True),
                                        field("leader_id", "int32", "0+"),
                                        field("leader_epoch", "int32", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                    ],
                )
            ),
            "0+",
        ),
        field(
            "leader_endpoints",
            array(
                struct(
                    "LeaderEndpoint",
                    [
                        field("name", "string", "1+"),
                        field("host", "string", "1+"),
                        field("port", "uint16", "1+"),
                    ],
                )
            ),
            "1+",
            ignorable=True,
        ),
    ],
)


# Version 1 adds flexible versions and leader endpoint (KIP-853)
BeginQuorumEpochResponse = message(
    "BeginQuorumEpochResponse",
    kind="response",
    api_key=53,
    valid="0-1",
    flexible="1+",
    fields=[
        field("error_code", "int16", "0+"),
        field(
            "topics",
            array(
                struct(
                    "TopicData",
                    [
                        field("topic_name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "PartitionData",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("error_code", "int16", "0+"),
                                        field("leader_id", "int32", "0+"),
                                        field("leader_epoch", "int32", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                    ],
                )
            ),
            "0+",
        ),
        field(
            "node_endpoints",
            array(
                struct(
                    "NodeEndpoint",
                    [
                        field("node_id", "int32", "1+"),
                        field("host", "string", "1+"),
                        field("port", "uint16", "1+"),
                    ],
                )
            ),
            "1+",
            tag=0,
            tagged="1+",
        ),
    ],
)


# Version 1 adds flexible versions, replaces preferred successors with preferred candidates
# and adds leader endpoints (KIP-853)
EndQuorumEpochRequest = message(
    "EndQuorumEpochRequest",
    kind="request",
    api_key=54,
    valid="0-1",
    flexible="1+",
    fields=[
        field("cluster_id", "string", "0+", nullable="0+", default=None),
        field(
            "topics",
            array(
                struct(
                    "TopicData",
                    [
                        field("topic_name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "PartitionData",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("leader_id", "int32", "0+"),
                                        field("leader_epoch", "int32", "0+"),
                                        field("preferred_successors", "[]int32", "0", ignorable=True),
                                        field(
                                            "preferred_candidates",
                                            array(
                                                struct(
                                                    "ReplicaInfo",
                                                    [
                                                        field("candidate_id", "int32", "1+"),
                                                        field("candidate_directory_id", "uuid", "1+"),
                                                    ],
                                                )
                                            ),
                                            "1+",
                                            ignorable=True,
                                        ),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                    ],
                )
            ),
            "0+",
        ),
        field(
            "leader_endpoints",
            array(
                struct(
                    "LeaderEndpoint",
                    [
                        field("name", "string", "1+"),
                        field("host", "string", "1+"),
                        field("port", "uint16", "1+"),
                    ],
                )
            ),
            "1+",
            ignorable=True,
        ),
    ],
)


# Version 1 adds flexible versions and leader endpoint (KIP-853)
EndQuorumEpochResponse = message(
    "EndQuorumEpochResponse",
    kind="response",
    api_key=54,
    valid="0-1",
    flexible="1+",
    fields=[
        field("error_code", "int16", "0+"),
        field(
            "topics",
            array(
                struct(
                    "TopicData",
                    [
                        field("topic_name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "PartitionData",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("error_code", "int16", "0+"),
                                        field("leader_id", "int32", "0+"),
                                        field("leader_epoch", "int32", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                    ],
                )
            ),
            "0+",
        ),
        field(
            "node_endpoints",
            array(
                struct(
                    "NodeEndpoint",
                    [
                        field("node_id", "int32", "1+"),
                        field("host", "string", "1+"),
                        field("port", "uint16", "1+"),
                    ],
                )
            ),
            "1+",
            tag=0,
            tagged="1+",
        ),
    ],
)


# Version 1 adds additional fields in the response. The request is unchanged (KIP-836).
# Version 2 adds additional fields in the response. The request is unchanged (KIP-853).
DescribeQuorumRequest = message(
    "DescribeQuorumRequest",
    kind="request",
    api_key=55,
    valid="0-2",
    flexible="0+",
    fields=[
        field(
            "topics",
            array(
                struct(
                    "TopicData",
                    [
                        field("topic_name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "PartitionData",
                                    [
                                        field("partition_index", "int32", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 adds LastFetchTimeStamp and LastCaughtUpTimestamp in ReplicaState (KIP-836).
# Version 2 adds ErrorMessage, Nodes, ErrorMessage in ParitionData, ReplicaDirectoryId in ReplicaState (KIP-853).
_describe_quorum_response_replica_state = struct(
    "ReplicaState",
    [
        field("replica_id", "int32", "0+"),
        field("replica_directory_id", "uuid", "2+"),
        field("log_end_offset", "int64", "0+"),
        field("last_fetch_timestamp", "int64", "1+", default=-1, ignorable=True),
        field("last_caught_up_timestamp", "int64", "1+", default=-1, ignorable=True),
    ],
)
DescribeQuorumResponse = message(
    "DescribeQuorumResponse",
    kind="response",
    api_key=55,
    valid="0-2",
    flexible="0+",
    fields=[
        field("error_code", "int16", "0+"),
        field("error_message", "string", "2+", nullable="2+", ignorable=True),
        field(
            "topics",
            array(
                struct(
                    "TopicData",
                    [
                        field("topic_name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "PartitionData",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("error_code", "int16", "0+"),
                                        field("error_message", "string", "2+", nullable="2+", ignorable=True),
                                        field("leader_id", "int32", "0+"),
                                        field("leader_epoch", "int32", "0+"),
                                        field("high_watermark", "int64", "0+"),
                                        field(
                                            "current_voters",
                                            array(_describe_quorum_response_replica_state),
                                            "0+",
                                        ),
                                        field(
                                            "observers", array(_describe_quorum_response_replica_state), "0+"
                                        ),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                    ],
                )
            ),
            "0+",
        ),
        field(
            "nodes",
            array(
                struct(
                    "Node",
                    [
                        field("node_id", "int32", "2+"),
                        field(
                            "listeners",
                            array(
                                struct(
                                    "Listener",
                                    [
                                        field("name", "string", "2+"),
                                        field("host", "string", "2+"),
                                        field("port", "uint16", "2+"),
                                    ],
                                )
                            ),
                            "2+",
                        ),
                    ],
                )
            ),
            "2+",
        ),
    ],
)


# Version 1 adds replica directory id (KIP-853)
FetchSnapshotRequest = message(
    "FetchSnapshotRequest",
    kind="request",
    api_key=59,
    valid="0-1",
    flexible="0+",
    fields=[
        field("cluster_id", "string", "0+", nullable="0+", tag=0, tagged="0+", default=None),
        field("replica_id", "int32", "0+", default=-1),
        field("max_bytes", "int32", "0+", default=2147483647),
        field(
            "topics",
            array(
                struct(
                    "TopicSnapshot",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "PartitionSnapshot",
                                    [
                                        field("partition", "int32", "0+"),
                                        field("current_leader_epoch", "int32", "0+"),
                                        field(
                                            "snapshot_id",
                                            struct(
                                                "SnapshotId",
                                                [
                                                    field("end_offset", "int64", "0+"),
                                                    field("epoch", "int32", "0+"),
                                                ],
                                            ),
                                            "0+",
                                        ),
                                        field("position", "int64", "0+"),
                                        field(
                                            "replica_directory_id",
                                            "uuid",
                                            "1+",
                                            tag=0,
                                            tagged="1+",
                                            ignorable=True,
                                        ),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 adds leader endpoint (KIP-853)
FetchSnapshotResponse = message(
    "FetchSnapshotResponse",
    kind="response",
    api_key=59,
    valid="0-1",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+", ignorable=True),
        field("error_code", "int16", "0+"),
        field(
            "topics",
            array(
                struct(
                    "TopicSnapshot",
                    [
                        field("name", "string", "0+"),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "PartitionSnapshot",
                                    [
                                        field("index", "int32", "0+"),
                                        field("error_code", "int16", "0+"),
                                        field(
                                            "snapshot_id",
                                            struct(
                                                "SnapshotId",
                                                [
                                                    field("end_offset", "int64", "0+"),
                                                    field("epoch", "int32", "0+"),
                                                ],
                                            ),
                                            "0+",
                                        ),
                                        field(
                                            "current_leader",
                                            struct(
                                                "LeaderIdAndEpoch",
                                                [
                                                    field("leader_id", "int32", "0+"),
                                                    field("leader_epoch", "int32", "0+"),
                                                ],
                                            ),
                                            "0+",
                                            tag=0,
                                            tagged="0+",
                                        ),
                                        field("size", "int64", "0+"),
                                        field("position", "int64", "0+"),
                                        field("unaligned_records", "records", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                    ],
                )
            ),
            "0+",
        ),
        field(
            "node_endpoints",
            array(
                struct(
                    "NodeEndpoint",
                    [
                        field("node_id", "int32", "1+"),
                        field("host", "string", "1+"),
                        field("port", "uint16", "1+"),
                    ],
                )
            ),
            "1+",
            tag=0,
            tagged="1+",
        ),
    ],
)


# Version 1 adds LeaderRecoveryState field (KIP-704).
#
# Version 2 adds TopicId field to replace TopicName field (KIP-841).
#
# Version 3 adds the NewIsrEpochs field and deprecates the NewIsr field (KIP-903).
AlterPartitionRequest = message(
    "AlterPartitionRequest",
    kind="request",
    api_key=56,
    valid="0-3",
    flexible="0+",
    fields=[
        field("broker_id", "int32", "0+"),
        field("broker_epoch", "int64", "0+", default=-1),
        field(
            "topics",
            array(
                struct(
                    "TopicData",
                    [
                        field("topic_name", "string", "0-1", ignorable=True),
                        field("topic_id", "uuid", "2+", ignorable=True),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "PartitionData",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("leader_epoch", "int32", "0+"),
                                        field("new_isr", "[]int32", "0-2"),
                                        field(
                                            "new_isr_with_epochs",
                                            array(
                                                struct(
                                                    "BrokerState",
                                                    [
                                                        field("broker_id", "int32", "3+"),
                                                        field("broker_epoch", "int64", "3+", default=-1),
                                                    ],
                                                )
                                            ),
                                            "3+",
                                        ),
                                        field("leader_recovery_state", "int8", "1+", default=0),
                                        field("partition_epoch", "int32", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 adds LeaderRecoveryState field (KIP-704).
#
# Version 2 adds TopicId field to replace TopicName field, can return the following new errors:
# INELIGIBLE_REPLICA, NEW_LEADER_ELECTED and UNKNOWN_TOPIC_ID (KIP-841).
#
# Version 3 is the same as version 2 (KIP-903).
AlterPartitionResponse = message(
    "AlterPartitionResponse",
    kind="response",
    api_key=56,
    valid="0-3",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
        field(
            "topics",
            array(
                struct(
                    "TopicData",
                    [
                        field("topic_name", "string", "0-1", ignorable=True),
                        field("topic_id", "uuid", "2+", ignorable=True),
                        field(
                            "partitions",
                            array(
                                struct(
                                    "PartitionData",
                                    [
                                        field("partition_index", "int32", "0+"),
                                        field("error_code", "int16", "0+"),
                                        field("leader_id", "int32", "0+"),
                                        field("leader_epoch", "int32", "0+"),
                                        field("isr", "[]int32", "0+"),
                                        field(
                                            "leader_recovery_state", "int8", "1+", default=0, ignorable=True
                                        ),
                                        field("partition_epoch", "int32", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 adds Zk broker epoch to the request if the broker is migrating from Zk mode to KRaft mode.
# Version 2 adds LogDirs for KIP-858
# Version 3 adds the PreviousBrokerEpoch for the KIP-966
# Version 4 fixes KAFKA-17011, which blocked SupportedFeatures.MinVersion in the response from being 0.
BrokerRegistrationRequest = message(
    "BrokerRegistrationRequest",
    kind="request",
    api_key=62,
    valid="0-4",
    flexible="0+",
    fields=[
        field("broker_id", "int32", "0+"),
        field("cluster_id", "string", "0+"),
        field("incarnation_id", "uuid", "0+"),
        field(
            "listeners",
            array(
                struct(
                    "Listener",
                    [
                        field("name", "string", "0+"),
                        field("host", "string", "0+"),
                        field("port", "uint16", "0+"),
                        field("security_protocol", "int16", "0+"),
                    ],
                )
            ),
            "0+",
        ),
        field(
            "features",
            array(
                struct(
                    "Feature",
                    [
                        field("name", "string", "0+"),
                        field("min_supported_version", "int16", "0+"),
                        field("max_supported_version", "int16", "0+"),
                    ],
                )
            ),
            "0+",
        ),
        field("rack", "string", "0+", nullable="0+"),
        field("is_migrating_zk_broker", "bool", "1+", default=False),
        field("log_dirs", "[]uuid", "2+", ignorable=True),
        field("previous_broker_epoch", "int64", "3+", default=-1, ignorable=True),
    ],
)


# Version 1 adds Zk broker epoch to the request if the broker is migrating from Zk mode to KRaft mode.
#
# Version 2 adds the PreviousBrokerEpoch to the request for the KIP-966
BrokerRegistrationResponse = message(
    "BrokerRegistrationResponse",
    kind="response",
    api_key=62,
    valid="0-4",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
        field("broker_epoch", "int64", "0+", default=-1),
    ],
)


BrokerHeartbeatRequest = message(
    "BrokerHeartbeatRequest",
    kind="request",
    api_key=63,
    valid="0-1",
    flexible="0+",
    fields=[
        field("broker_id", "int32", "0+"),
        field("broker_epoch", "int64", "0+", default=-1),
        field("current_metadata_offset", "int64", "0+"),
        field("want_fence", "bool", "0+"),
        field("want_shut_down", "bool", "0+"),
        field("offline_log_dirs", "[]uuid", "1+", tag=0, tagged="1+"),
    ],
)


BrokerHeartbeatResponse = message(
    "BrokerHeartbeatResponse",
    kind="response",
    api_key=63,
    valid="0-1",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
        field("is_caught_up", "bool", "0+", default=False),
        field("is_fenced", "bool", "0+", default=True),
        field("should_shut_down", "bool", "0+"),
    ],
)


UnregisterBrokerRequest = message(
    "UnregisterBrokerRequest",
    kind="request",
    api_key=64,
    valid="0",
    flexible="0+",
    fields=[
        field("broker_id", "int32", "0+"),
    ],
)


UnregisterBrokerResponse = message(
    "UnregisterBrokerResponse",
    kind="response",
    api_key=64,
    valid="0",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
        field("error_message", "string", "0+", nullable="0+"),
    ],
)


AllocateProducerIdsRequest = message(
    "AllocateProducerIdsRequest",
    kind="request",
    api_key=67,
    valid="0",
    flexible="0+",
    fields=[
        field("broker_id", "int32", "0+"),
        field("broker_epoch", "int64", "0+", default=-1),
    ],
)


AllocateProducerIdsResponse = message(
    "AllocateProducerIdsResponse",
    kind="response",
    api_key=67,
    valid="0",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
        field("producer_id_start", "int64", "0+"),
        field("producer_id_len", "int32", "0+"),
    ],
)


# Version 1 adds VoterDirectoryId (KIP-853)
_leader_change_message_voter = struct(
    "Voter",
    [
        field("voter_id", "int32", "0+"),
        field("voter_directory_id", "uuid", "1+"),
    ],
)
LeaderChangeMessage = message(
    "LeaderChangeMessage",
    kind="data",
    valid="0-1",
    flexible="0+",
    fields=[
        field("version", "int16", "0+"),
        field("leader_id", "int32", "0+"),
        field("voters", array(_leader_change_message_voter), "0+"),
        field("granting_voters", array(_leader_change_message_voter), "0+"),
    ],
)


SnapshotHeaderRecord = message(
    "SnapshotHeaderRecord",
    kind="data",
    valid="0",
    flexible="0+",
    fields=[
        field("version", "int16", "0+"),
        field("last_contained_log_timestamp", "int64", "0+"),
    ],
)


SnapshotFooterRecord = message(
    "SnapshotFooterRecord",
    kind="data",
    valid="0",
    flexible="0+",
    fields=[
        field("version", "int16", "0+"),
    ],
)


KRaftVersionRecord = message(
    "KRaftVersionRecord",
    kind="data",
    valid="0",
    flexible="0+",
    fields=[
        field("version", "int16", "0+"),
        field("k_raft_version", "int16", "0+"),
    ],
)


VotersRecord = message(
    "VotersRecord",
    kind="data",
    valid="0",
    flexible="0+",
    fields=[
        field("version", "int16", "0+"),
        field(
            "voters",
            array(
                struct(
                    "Voter",
                    [
                        field("voter_id", "int32", "0+"),
                        field("voter_directory_id", "uuid", "0+"),
                        field(
                            "endpoints",
                            array(
                                struct(
                                    "Endpoint",
                                    [
                                        field("name", "string", "0+"),
                                        field("host", "string", "0+"),
                                        field("port", "uint16", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                        field(
                            "k_raft_version_feature",
                            struct(
                                "KRaftVersionFeature",
                                [
                                    field("min_supported_version", "int16", "0+"),
                                    field("max_supported_version", "int16", "0+"),
                                ],
                            ),
                            "0+",
                        ),
                    ],
                )
            ),
            "0+",
        ),
    ],
)

__all__ = [
    "AllocateProducerIdsRequest",
    "AllocateProducerIdsResponse",
    "AlterPartitionRequest",
    "AlterPartitionResponse",
    "BeginQuorumEpochRequest",
    "BeginQuorumEpochResponse",
    "BrokerHeartbeatRequest",
    "BrokerHeartbeatResponse",
    "BrokerRegistrationRequest",
    "BrokerRegistrationResponse",
    "DescribeQuorumRequest",
    "DescribeQuorumResponse",
    "EndQuorumEpochRequest",
    "EndQuorumEpochResponse",
    "FetchSnapshotRequest",
    "FetchSnapshotResponse",
    "KRaftVersionRecord",
    "LeaderChangeMessage",
    "SnapshotFooterRecord",
    "SnapshotHeaderRecord",
    "UnregisterBrokerRequest",
    "UnregisterBrokerResponse",
    "VoteRequest",
    "VoteResponse",
    "VotersRecord",
]
