"""ApiVersions: the handshake every client starts with.

Declared from Apache Kafka's message specs (Apache-2.0); the comments above each message are
Kafka's own notes on what each version changed. See docs/protocol.md for how to add a version.
"""

from wirekafka.protocol.schema import array, field, message, struct

# Versions 0 through 2 of ApiVersionsRequest are the same.
#
# Version 3 is the first flexible version and adds ClientSoftwareName and ClientSoftwareVersion.
#
# Version 4 fixes KAFKA-17011, which blocked SupportedFeatures.MinVersion in the response from being 0.
ApiVersionsRequest = message(
    "ApiVersionsRequest",
    kind="request",
    api_key=18,
    valid="0-4",
    flexible="3+",
    fields=[
        field("client_software_name", "string", "3+", ignorable=True),
        field("client_software_version", "string", "3+", ignorable=True),
    ],
)


# Version 1 adds throttle time to the response.
#
# Starting in version 2, on quota violation, brokers send out responses before throttling.
#
# Version 3 is the first flexible version. Tagged fields are only supported in the body but
# not in the header. The length of the header must not change in order to guarantee the
# backward compatibility.
#
# Starting from Apache Kafka 2.4 (KIP-511), ApiKeys field is populated with the supported
# versions of the ApiVersionsRequest when an UNSUPPORTED_VERSION error is returned.
#
# Version 4 fixes KAFKA-17011, which blocked SupportedFeatures.MinVersion from being 0.
ApiVersionsResponse = message(
    "ApiVersionsResponse",
    kind="response",
    api_key=18,
    valid="0-4",
    flexible="3+",
    fields=[
        field("error_code", "int16", "0+"),
        field(
            "api_keys",
            array(
                struct(
                    "ApiVersion",
                    [
                        field("api_key", "int16", "0+"),
                        field("min_version", "int16", "0+"),
                        field("max_version", "int16", "0+"),
                    ],
                )
            ),
            "0+",
        ),
        field("throttle_time_ms", "int32", "1+", ignorable=True),
        field(
            "supported_features",
            array(
                struct(
                    "SupportedFeatureKey",
                    [
                        field("name", "string", "3+"),
                        field("min_version", "int16", "3+"),
                        field("max_version", "int16", "3+"),
                    ],
                )
            ),
            "3+",
            tag=0,
            tagged="3+",
            ignorable=True,
        ),
        field("finalized_features_epoch", "int64", "3+", tag=1, tagged="3+", default=-1, ignorable=True),
        field(
            "finalized_features",
            array(
                struct(
                    "FinalizedFeatureKey",
                    [
                        field("name", "string", "3+"),
                        field("max_version_level", "int16", "3+"),
                        field("min_version_level", "int16", "3+"),
                    ],
                )
            ),
            "3+",
            tag=2,
            tagged="3+",
            ignorable=True,
        ),
        field("zk_migration_ready", "bool", "3+", tag=3, tagged="3+", default=False, ignorable=True),
    ],
)

__all__ = [
    "ApiVersionsRequest",
    "ApiVersionsResponse",
]
