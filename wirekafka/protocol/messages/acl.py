"""Access control lists.

Declared from Apache Kafka's message specs (Apache-2.0); the comments above each message are
Kafka's own notes on what each version changed. See docs/protocol.md for how to add a version.
"""

from wirekafka.protocol.schema import array, field, message, struct

# Version 1 adds resource pattern type.
# Version 2 enables flexible versions.
# Version 3 adds user resource type.
DescribeAclsRequest = message(
    "DescribeAclsRequest",
    kind="request",
    api_key=29,
    valid="0-3",
    flexible="2+",
    fields=[
        field("resource_type_filter", "int8", "0+"),
        field("resource_name_filter", "string", "0+", nullable="0+"),
        field("pattern_type_filter", "int8", "1+", default=3),
        field("principal_filter", "string", "0+", nullable="0+"),
        field("host_filter", "string", "0+", nullable="0+"),
        field("operation", "int8", "0+"),
        field("permission_type", "int8", "0+"),
    ],
)


# Version 1 adds PatternType.
# Starting in version 1, on quota violation, brokers send out responses before throttling.
# Version 2 enables flexible versions.
# Version 3 adds user resource type.
DescribeAclsResponse = message(
    "DescribeAclsResponse",
    kind="response",
    api_key=29,
    valid="0-3",
    flexible="2+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field("error_code", "int16", "0+"),
        field("error_message", "string", "0+", nullable="0+"),
        field(
            "resources",
            array(
                struct(
                    "DescribeAclsResource",
                    [
                        field("resource_type", "int8", "0+"),
                        field("resource_name", "string", "0+"),
                        field("pattern_type", "int8", "1+", default=3),
                        field(
                            "acls",
                            array(
                                struct(
                                    "AclDescription",
                                    [
                                        field("principal", "string", "0+"),
                                        field("host", "string", "0+"),
                                        field("operation", "int8", "0+"),
                                        field("permission_type", "int8", "0+"),
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


# Version 1 adds resource pattern type.
# Version 2 enables flexible versions.
# Version 3 adds user resource type.
CreateAclsRequest = message(
    "CreateAclsRequest",
    kind="request",
    api_key=30,
    valid="0-3",
    flexible="2+",
    fields=[
        field(
            "creations",
            array(
                struct(
                    "AclCreation",
                    [
                        field("resource_type", "int8", "0+"),
                        field("resource_name", "string", "0+"),
                        field("resource_pattern_type", "int8", "1+", default=3),
                        field("principal", "string", "0+"),
                        field("host", "string", "0+"),
                        field("operation", "int8", "0+"),
                        field("permission_type", "int8", "0+"),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Starting in version 1, on quota violation, brokers send out responses before throttling.
# Version 2 enables flexible versions.
# Version 3 adds user resource type.
CreateAclsResponse = message(
    "CreateAclsResponse",
    kind="response",
    api_key=30,
    valid="0-3",
    flexible="2+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field(
            "results",
            array(
                struct(
                    "AclCreationResult",
                    [
                        field("error_code", "int16", "0+"),
                        field("error_message", "string", "0+", nullable="0+"),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 adds the pattern type.
# Version 2 enables flexible versions.
# Version 3 adds the user resource type.
DeleteAclsRequest = message(
    "DeleteAclsRequest",
    kind="request",
    api_key=31,
    valid="0-3",
    flexible="2+",
    fields=[
        field(
            "filters",
            array(
                struct(
                    "DeleteAclsFilter",
                    [
                        field("resource_type_filter", "int8", "0+"),
                        field("resource_name_filter", "string", "0+", nullable="0+"),
                        field("pattern_type_filter", "int8", "1+", default=3),
                        field("principal_filter", "string", "0+", nullable="0+"),
                        field("host_filter", "string", "0+", nullable="0+"),
                        field("operation", "int8", "0+"),
                        field("permission_type", "int8", "0+"),
                    ],
                )
            ),
            "0+",
        ),
    ],
)


# Version 1 adds the resource pattern type.
# Starting in version 1, on quota violation, brokers send out responses before throttling.
# Version 2 enables flexible versions.
# Version 3 adds the user resource type.
DeleteAclsResponse = message(
    "DeleteAclsResponse",
    kind="response",
    api_key=31,
    valid="0-3",
    flexible="2+",
    fields=[
        field("throttle_time_ms", "int32", "0+"),
        field(
            "filter_results",
            array(
                struct(
                    "DeleteAclsFilterResult",
                    [
                        field("error_code", "int16", "0+"),
                        field("error_message", "string", "0+", nullable="0+"),
                        field(
                            "matching_acls",
                            array(
                                struct(
                                    "DeleteAclsMatchingAcl",
                                    [
                                        field("error_code", "int16", "0+"),
                                        field("error_message", "string", "0+", nullable="0+"),
                                        field("resource_type", "int8", "0+"),
                                        field("resource_name", "string", "0+"),
                                        field("pattern_type", "int8", "1+", default=3),
                                        field("principal", "string", "0+"),
                                        field("host", "string", "0+"),
                                        field("operation", "int8", "0+"),
                                        field("permission_type", "int8", "0+"),
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
    "CreateAclsRequest",
    "CreateAclsResponse",
    "DeleteAclsRequest",
    "DeleteAclsResponse",
    "DescribeAclsRequest",
    "DescribeAclsResponse",
]
