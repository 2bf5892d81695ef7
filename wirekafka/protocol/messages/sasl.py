"""SASL authentication and SCRAM credentials.

Declared from Apache Kafka's message specs (Apache-2.0); the comments above each message are
Kafka's own notes on what each version changed. See docs/protocol.md for how to add a version.
"""

from wirekafka.protocol.schema import array, field, message, struct

# Version 1 supports SASL_AUTHENTICATE.
# NOTE: Version cannot be easily bumped due to incorrect
# client negotiation for clients <= 2.4.
# See https://issues.apache.org/jira/browse/KAFKA-9577
SaslHandshakeRequest = message(
    "SaslHandshakeRequest",
    kind="request",
    api_key=17,
    valid="0-1",
    flexible="none",
    fields=[
        field("mechanism", "string", "0+"),
    ],
)


# Version 1 is the same as version 0.
# NOTE: Version cannot be easily bumped due to incorrect
# client negotiation for clients <= 2.4.
# See https://issues.apache.org/jira/browse/KAFKA-9577
SaslHandshakeResponse = message(
    "SaslHandshakeResponse",
    kind="response",
    api_key=17,
    valid="0-1",
    flexible="none",
    fields=[
        field("error_code", "int16", "0+"),
        field("mechanisms", "[]string", "0+"),
    ],
)


# Version 1 is the same as version 0.
# Version 2 adds flexible version support
SaslAuthenticateRequest = message(
    "SaslAuthenticateRequest",
    kind="request",
    api_key=36,
    valid="0-2",
    flexible="2+",
    fields=[
        field("auth_bytes", "bytes", "0+"),
    ],
)


# Version 1 adds the session lifetime.
# Version 2 adds flexible version support
SaslAuthenticateResponse = message(
    "SaslAuthenticateResponse",
    kind="response",
    api_key=36,
    valid="0-2",
    flexible="2+",
    fields=[
        field("error_code", "int16", "0+"),
        field("error_message", "string", "0+", nullable="0+"),
        field("auth_bytes", "bytes", "0+"),
        field("session_lifetime_ms", "int64", "1+", default=0, ignorable=True),
    ],
)


DescribeUserScramCredentialsRequest = message(
    "DescribeUserScramCredentialsRequest",
    kind="request",
    api_key=50,
    valid="0",
    flexible="0+",
    fields=[
        field(
            "users",
            array(
                struct(
                    "UserName",
                    [
                        field("name", "string", "0+"),
                    ],
                )
            ),
            "0+",
            nullable="0+",
        ),
    ],
)


DescribeUserScramCredentialsResponse = message(
    "DescribeUserScramCredentialsResponse",
    kind="response",
    api_key=50,
    valid="0",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
        field("error_message", "string", "0+", nullable="0+"),
        field(
            "results",
            array(
                struct(
                    "DescribeUserScramCredentialsResult",
                    [
                        field("user", "string", "0+"),
                        field("error_code", "int16", "0+"),
                        field("error_message", "string", "0+", nullable="0+"),
                        field(
                            "credential_infos",
                            array(
                                struct(
                                    "CredentialInfo",
                                    [
                                        field("mechanism", "int8", "0+"),
                                        field("iterations", "int32", "0+"),
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


AlterUserScramCredentialsRequest = message(
    "AlterUserScramCredentialsRequest",
    kind="request",
    api_key=51,
    valid="0",
    flexible="0+",
    fields=[
        field(
            "deletions",
            array(
                struct(
                    "ScramCredentialDeletion",
                    [
                        field("name", "string", "0+"),
                        field("mechanism", "int8", "0+"),
                    ],
                )
            ),
            "0+",
        ),
        field(
            "upsertions",
            array(
                struct(
                    "ScramCredentialUpsertion",
                    [
                        field("name", "string", "0+"),
                        field("mechanism", "int8", "0+"),
                        field("iterations", "int32", "0+"),
                        field("salt", "bytes", "0+"),
                        field("salted_password", "bytes", "0+"),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


AlterUserScramCredentialsResponse = message(
    "AlterUserScramCredentialsResponse",
    kind="response",
    api_key=51,
    valid="0",
    flexible="0+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field(
            "results",
            array(
                struct(
                    "AlterUserScramCredentialsResult",
                    [
                        field("user", "string", "0+"),
                        field("error_code", "int16", "0+"),
                        field("error_message", "string", "0+", nullable="0+"),
                    ],
                )
            ),
            "0+",
        ),
    ],
)

__all__ = [
    "AlterUserScramCredentialsRequest",
    "AlterUserScramCredentialsResponse",
    "DescribeUserScramCredentialsRequest",
    "DescribeUserScramCredentialsResponse",
    "SaslAuthenticateRequest",
    "SaslAuthenticateResponse",
    "SaslHandshakeRequest",
    "SaslHandshakeResponse",
]
