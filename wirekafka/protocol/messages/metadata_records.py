"""Records of the cluster metadata log (``__cluster_metadata``): what the controller writes.

Declared from Apache Kafka's ``metadata/src/main/resources/common/metadata/*.json`` (Apache-2.0).
Each record's ``api_key`` is Kafka's metadata record type. In the log a record is the value of a
v2 batch record (null key), framed as Kafka's ``AbstractApiMessageSerde`` does: unsigned varint
frame version (1), unsigned varint record type, unsigned varint record version, then the struct
at that version (``wirekafka.metadata.records`` encodes and decodes that frame).

Every metadata record is flexible from version 0, so they all end with a tag buffer.
"""

from wirekafka.protocol.schema import array, field, message, struct

# Version 1 adds InControlledShutdown.
# Version 2 adds IsMigratingZkBroker.
# Version 3 adds LogDirs (KIP-858).
RegisterBrokerRecord = message(
    "RegisterBrokerRecord",
    kind="metadata",
    api_key=0,
    valid="0-3",
    flexible="0+",
    fields=[
        field("broker_id", "int32", "0+"),
        field("is_migrating_zk_broker", "bool", "2+", default=False),
        field("incarnation_id", "uuid", "0+"),
        field("broker_epoch", "int64", "0+"),
        field(
            "end_points",
            array(
                struct(
                    "BrokerEndpoint",
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
                    "BrokerFeature",
                    [
                        field("name", "string", "0+"),
                        field("min_supported_version", "int16", "0+"),
                        field("max_supported_version", "int16", "0+"),
                    ],
                )
            ),
            "0+",
        ),
        field("rack", "string", "0+", nullable="0+", default=None),
        field("fenced", "bool", "0+", default=True),
        field("in_controlled_shutdown", "bool", "1+", default=False),
        field("log_dirs", "[]uuid", "3+", tag=0, tagged="3+"),
    ],
)

UnregisterBrokerRecord = message(
    "UnregisterBrokerRecord",
    kind="metadata",
    api_key=1,
    valid="0",
    flexible="0+",
    fields=[
        field("broker_id", "int32", "0+"),
        field("broker_epoch", "int64", "0+"),
    ],
)

TopicRecord = message(
    "TopicRecord",
    kind="metadata",
    api_key=2,
    valid="0",
    flexible="0+",
    fields=[
        field("name", "string", "0+"),
        field("topic_id", "uuid", "0+"),
    ],
)

# Version 1 adds Directories for KIP-858.
# Version 2 implements Eligible Leader Replicas and LastKnownElr as described in KIP-966.
PartitionRecord = message(
    "PartitionRecord",
    kind="metadata",
    api_key=3,
    valid="0-2",
    flexible="0+",
    fields=[
        field("partition_id", "int32", "0+", default=-1),
        field("topic_id", "uuid", "0+"),
        field("replicas", "[]int32", "0+"),
        field("isr", "[]int32", "0+"),
        field("removing_replicas", "[]int32", "0+"),
        field("adding_replicas", "[]int32", "0+"),
        field("leader", "int32", "0+", default=-1),
        field("leader_recovery_state", "int8", "0+", tag=0, tagged="0+", default=0),
        field("leader_epoch", "int32", "0+", default=-1),
        field("partition_epoch", "int32", "0+", default=-1),
        field("directories", "[]uuid", "1+"),
        field(
            "eligible_leader_replicas",
            "[]int32",
            "2+",
            nullable="2+",
            tag=1,
            tagged="2+",
            default=None,
        ),
        field("last_known_elr", "[]int32", "2+", nullable="2+", tag=2, tagged="2+", default=None),
    ],
)

ConfigRecord = message(
    "ConfigRecord",
    kind="metadata",
    api_key=4,
    valid="0",
    flexible="0+",
    fields=[
        field("resource_type", "int8", "0+"),
        field("resource_name", "string", "0+"),
        field("name", "string", "0+"),
        field("value", "string", "0+", nullable="0+"),
    ],
)

# Version 1 adds Directories for KIP-858.
# Version 2 implements Eligible Leader Replicas and LastKnownElr as described in KIP-966.
PartitionChangeRecord = message(
    "PartitionChangeRecord",
    kind="metadata",
    api_key=5,
    valid="0-2",
    flexible="0+",
    fields=[
        field("partition_id", "int32", "0+", default=-1),
        field("topic_id", "uuid", "0+"),
        field("isr", "[]int32", "0+", nullable="0+", tag=0, tagged="0+", default=None),
        field("leader", "int32", "0+", tag=1, tagged="0+", default=-2),
        field("replicas", "[]int32", "0+", nullable="0+", tag=2, tagged="0+", default=None),
        field("removing_replicas", "[]int32", "0+", nullable="0+", tag=3, tagged="0+", default=None),
        field("adding_replicas", "[]int32", "0+", nullable="0+", tag=4, tagged="0+", default=None),
        field("leader_recovery_state", "int8", "0+", tag=5, tagged="0+", default=-1),
        field("directories", "[]uuid", "1+", nullable="1+", tag=8, tagged="1+", default=None),
        field(
            "eligible_leader_replicas",
            "[]int32",
            "2+",
            nullable="2+",
            tag=6,
            tagged="2+",
            default=None,
        ),
        field("last_known_elr", "[]int32", "2+", nullable="2+", tag=7, tagged="2+", default=None),
    ],
)

FenceBrokerRecord = message(
    "FenceBrokerRecord",
    kind="metadata",
    api_key=7,
    valid="0",
    flexible="0+",
    fields=[
        field("id", "int32", "0+"),
        field("epoch", "int64", "0+"),
    ],
)

UnfenceBrokerRecord = message(
    "UnfenceBrokerRecord",
    kind="metadata",
    api_key=8,
    valid="0",
    flexible="0+",
    fields=[
        field("id", "int32", "0+"),
        field("epoch", "int64", "0+"),
    ],
)

RemoveTopicRecord = message(
    "RemoveTopicRecord",
    kind="metadata",
    api_key=9,
    valid="0",
    flexible="0+",
    fields=[
        field("topic_id", "uuid", "0+"),
    ],
)

# New metadata logs and snapshots begin with a FeatureLevelRecord which specifies the metadata
# level that is required to read them. The version of that record cannot advance beyond 0.
FeatureLevelRecord = message(
    "FeatureLevelRecord",
    kind="metadata",
    api_key=12,
    valid="0",
    flexible="0+",
    fields=[
        field("name", "string", "0+"),
        field("feature_level", "int16", "0+"),
    ],
)

ProducerIdsRecord = message(
    "ProducerIdsRecord",
    kind="metadata",
    api_key=15,
    valid="0",
    flexible="0+",
    fields=[
        field("broker_id", "int32", "0+"),
        field("broker_epoch", "int64", "0+", default=-1),
        field("next_producer_id", "int64", "0+"),
    ],
)

# Version 1 adds InControlledShutdown.
# Version 2 adds LogDirs.
BrokerRegistrationChangeRecord = message(
    "BrokerRegistrationChangeRecord",
    kind="metadata",
    api_key=17,
    valid="0-2",
    flexible="0+",
    fields=[
        field("broker_id", "int32", "0+"),
        field("broker_epoch", "int64", "0+"),
        field("fenced", "int8", "0+", tag=0, tagged="0+"),
        field("in_controlled_shutdown", "int8", "1+", tag=1, tagged="1+"),
        field("log_dirs", "[]uuid", "2+", tag=2, tagged="2+"),
    ],
)

NoOpRecord = message(
    "NoOpRecord",
    kind="metadata",
    api_key=20,
    valid="0",
    flexible="0+",
    fields=[],
)

__all__ = [
    "BrokerRegistrationChangeRecord",
    "ConfigRecord",
    "FeatureLevelRecord",
    "FenceBrokerRecord",
    "NoOpRecord",
    "PartitionChangeRecord",
    "PartitionRecord",
    "ProducerIdsRecord",
    "RegisterBrokerRecord",
    "RemoveTopicRecord",
    "TopicRecord",
    "UnfenceBrokerRecord",
    "UnregisterBrokerRecord",
]
