"""Client quotas.

Declared from Apache Kafka's message specs (Apache-2.0); the comments above each message are
Kafka's own notes on what each version changed. See docs/protocol.md for how to add a version.
"""

from wirekafka.protocol.schema import array, field, message, struct

# Version 1 enables flexible versions.
DescribeClientQuotasRequest = message(
    "DescribeClientQuotasRequest",
    kind="request",
    api_key=48,
    valid="0-1",
    flexible="1+",
    fields=[
        field(
            "components",
            array(
                struct(
                    "ComponentData",
                    [
                        field("entity_type", "string", "0+"),
                        field("match_type", "int8", "0+"),
                        field("match", "string", "0+", nullable="0+"),
                    ],
                )
            ),
            "0+",
        ),
        field("strict", "bool", "0+"),
    ],
)


# Version 1 enables flexible versions.
DescribeClientQuotasResponse = message(
    "DescribeClientQuotasResponse",
    kind="response",
    api_key=48,
    valid="0-1",
    flexible="1+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
        field("error_message", "string", "0+", nullable="0+"),
        field(
            "entries",
            array(
                struct(
                    "EntryData",
                    [
                        field(
                            "entity",
                            array(
                                struct(
                                    "EntityData",
                                    [
                                        field("entity_type", "string", "0+"),
                                        field("entity_name", "string", "0+", nullable="0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                        field(
                            "values",
                            array(
                                struct(
                                    "ValueData",
                                    [
                                        field("key", "string", "0+"),
                                        field("value", "float64", "0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                    ],
                )
            ),
            "0+",
            nullable="0+",
        ),
    ],
)


# Version 1 enables flexible versions.
AlterClientQuotasRequest = message(
    "AlterClientQuotasRequest",
    kind="request",
    api_key=49,
    valid="0-1",
    flexible="1+",
    fields=[
        field(
            "entries",
            array(
                struct(
                    "EntryData",
                    [
                        field(
                            "entity",
                            array(
                                struct(
                                    "EntityData",
                                    [
                                        field("entity_type", "string", "0+"),
                                        field("entity_name", "string", "0+", nullable="0+"),
                                    ],
                                )
                            ),
                            "0+",
                        ),
                        field(
                            "ops",
                            array(
                                struct(
                                    "OpData",
                                    [
                                        field("key", "string", "0+"),
                                        field("value", "float64", "0+"),
                                        field("remove", "bool", "0+"),
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
        field("validate_only", "bool", "0+"),
    ],
)


# Version 1 enables flexible versions.
AlterClientQuotasResponse = message(
    "AlterClientQuotasResponse",
    kind="response",
    api_key=49,
    valid="0-1",
    flexible="1+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field(
            "entries",
            array(
                struct(
                    "EntryData",
                    [
                        field("error_code", "int16", "0+"),
                        field("error_message", "string", "0+", nullable="0+"),
                        field(
                            "entity",
                            array(
                                struct(
                                    "EntityData",
                                    [
                                        field("entity_type", "string", "0+"),
                                        field("entity_name", "string", "0+", nullable="0+"),
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

__all__ = [
    "AlterClientQuotasRequest",
    "AlterClientQuotasResponse",
    "DescribeClientQuotasRequest",
    "DescribeClientQuotasResponse",
]
