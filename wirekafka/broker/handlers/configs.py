"""DescribeConfigs (32), AlterConfigs (33), IncrementalAlterConfigs (44).

Resource types: TOPIC (2), BROKER (4; name ``""`` for the cluster-wide dynamic defaults or this
node's id), BROKER_LOGGER (8; this node's id). Others are INVALID_REQUEST.

DescribeConfigs lists every config of the resource with its value, source, read-only and
sensitive flags; v0 has ``is_default`` instead of the source; v1+ carries synonyms when asked;
v3+ the config type and, when asked, the documentation. An unknown topic is
UNKNOWN_TOPIC_OR_PARTITION, an illegal topic name INVALID_TOPIC_EXCEPTION.

The alter requests first get the broker-side checks of Kafka's ``ConfigAdminManager`` (a
resource named twice, a key named twice, null values, a broker name that is not this node, an
unknown operation: INVALID_REQUEST), then go to the controller, which validates and records the
change. BROKER_LOGGER changes apply to this process's loggers only and are never recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from wirekafka.broker.context import RequestContext
from wirekafka.broker.handlers import broker_loggers
from wirekafka.broker.registry import handles
from wirekafka.controller.results import NO_ERROR, ApiError
from wirekafka.metadata import topic_names
from wirekafka.metadata.config_resources import (
    AlterConfigOp,
    ConfigResource,
    ConfigResourceType,
    ConfigSource,
)
from wirekafka.metadata.described_configs import (
    ConfigLayers,
    DescribedConfig,
    describe_broker_configs,
    describe_topic_configs,
)
from wirekafka.protocol.api_keys import ApiKey
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.admin import (
    AlterConfigsResponse,
    DescribeConfigsResponse,
    IncrementalAlterConfigsResponse,
)

Describe = DescribeConfigsResponse


@handles(ApiKey.DESCRIBE_CONFIGS, versions=(0, 4))
async def describe_configs(ctx: RequestContext, request: Any) -> Any:
    broker = ctx.broker
    controller = broker.controller
    layers = ConfigLayers(
        controller.static_config if controller is not None else broker.config,
        broker.metadata_image,
        broker.node_id,
    )
    version = ctx.api_version
    synonyms = version >= 1 and request.include_synonyms
    documentation = version >= 3 and request.include_documentation
    results = []
    for resource in request.resources:
        try:
            described = _describe(ctx, layers, resource)
            configs = [_described(config, version, synonyms, documentation) for config in described]
            entry = Describe.DescribeConfigsResult(
                error_code=ErrorCode.NO_ERROR, error_message=None, configs=configs
            )
        except _ResourceError as exc:
            entry = Describe.DescribeConfigsResult(
                error_code=exc.error.code, error_message=exc.error.message, configs=[]
            )
        entry.resource_type = resource.resource_type
        entry.resource_name = resource.resource_name
        results.append(entry)
    return DescribeConfigsResponse(results=results)


class _ResourceError(Exception):
    def __init__(self, code: ErrorCode, message: str | None = None) -> None:
        super().__init__(message)
        self.error = ApiError(code, message)


def _describe(ctx: RequestContext, layers: ConfigLayers, resource: Any) -> list[DescribedConfig]:
    """The configs of one resource; raises ``_ResourceError`` for the resource's error."""
    keys = resource.configuration_keys or None
    kind = ConfigResourceType.of(resource.resource_type)
    name = resource.resource_name
    if kind == ConfigResourceType.TOPIC:
        invalid = topic_names.validation_error(name)
        if invalid is not None:
            raise _ResourceError(ErrorCode.INVALID_TOPIC_EXCEPTION, invalid)
        topic = ctx.broker.metadata_image.topics.get(name)
        if topic is None:
            raise _ResourceError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
        described = describe_topic_configs(layers, topic.configs, names=keys)
    elif kind == ConfigResourceType.BROKER:
        if name == "":
            described = describe_broker_configs(layers, per_broker=False, names=keys)
        elif _broker_id(name) == ctx.broker.node_id:
            described = describe_broker_configs(layers, per_broker=True, names=keys)
        else:
            raise _ResourceError(
                ErrorCode.INVALID_REQUEST,
                f"Unexpected broker id, expected {ctx.broker.node_id} or empty string, but received {name}",
            )
    elif kind == ConfigResourceType.BROKER_LOGGER:
        if name == "":
            raise _ResourceError(ErrorCode.INVALID_REQUEST, "Broker id must not be empty")
        if _broker_id(name) != ctx.broker.node_id:
            raise _ResourceError(
                ErrorCode.INVALID_REQUEST,
                f"Unexpected broker id, expected {ctx.broker.node_id} but received {name}",
            )
        described = [
            DescribedConfig(
                logger, level, ConfigSource.DYNAMIC_BROKER_LOGGER_CONFIG, False, False, None, None, ()
            )
            for logger, level in broker_loggers.current_loggers().items()
            if keys is None or logger in keys
        ]
    else:
        raise _ResourceError(
            ErrorCode.INVALID_REQUEST, f"Unsupported resource type: {resource.resource_type}"
        )
    return described


def _broker_id(name: str) -> int:
    try:
        return int(name)
    except ValueError:
        raise _ResourceError(
            ErrorCode.INVALID_REQUEST, f"Broker id must be an integer, but it is: {name}"
        ) from None


def _described(config: DescribedConfig, version: int, synonyms: bool, documentation: bool) -> Any:
    return Describe.DescribeConfigsResourceResult(
        name=config.name,
        value=config.value,
        read_only=config.read_only,
        is_default=version == 0 and config.source == ConfigSource.DEFAULT_CONFIG,
        config_source=config.source if version >= 1 else -1,
        is_sensitive=config.sensitive,
        synonyms=[
            Describe.DescribeConfigsSynonym(name=s.name, value=s.value, source=s.source)
            for s in config.synonyms
        ]
        if synonyms
        else [],
        config_type=config.config_type.value if version >= 3 and config.config_type is not None else 0,
        documentation=config.documentation if documentation else None,
    )


# -- altering ------------------------------------------------------------------------------------


def _preprocess(
    ctx: RequestContext,
    resources: Sequence[Any],
    *,
    null_allowed: Callable[[Any], bool],
) -> list[ApiError | None]:
    """Kafka's broker-side checks; an error per resource, ``None`` where the controller decides."""
    seen: dict[tuple[int, str], int] = {}
    for resource in resources:
        key = (resource.resource_type, resource.resource_name)
        seen[key] = seen.get(key, 0) + 1
    errors: list[ApiError | None] = []
    for resource in resources:
        errors.append(_check_resource(ctx, resource, seen, null_allowed))
    return errors


def _check_resource(
    ctx: RequestContext, resource: Any, seen: dict[tuple[int, str], int], null_allowed: Callable[[Any], bool]
) -> ApiError | None:
    if seen[(resource.resource_type, resource.resource_name)] > 1:
        return ApiError(ErrorCode.INVALID_REQUEST, "Each resource must appear at most once.")
    names = [config.name for config in resource.configs]
    if len(set(names)) != len(names):
        return ApiError(ErrorCode.INVALID_REQUEST, "Error due to duplicate config keys")
    nulls = [config.name for config in resource.configs if config.value is None and not null_allowed(config)]
    if nulls:
        return ApiError(ErrorCode.INVALID_REQUEST, "Null value not supported for : " + ", ".join(nulls))
    kind = ConfigResourceType.of(resource.resource_type)
    if kind == ConfigResourceType.BROKER and resource.resource_name != "":
        try:
            node_id = int(resource.resource_name)
        except ValueError:
            return ApiError(
                ErrorCode.INVALID_REQUEST, f"Node id must be an integer, but it is: {resource.resource_name}"
            )
        if node_id != ctx.broker.node_id:
            return ApiError(
                ErrorCode.INVALID_REQUEST,
                f"Unexpected broker id, expected {ctx.broker.node_id}, but received {resource.resource_name}",
            )
    if kind not in (ConfigResourceType.BROKER, ConfigResourceType.TOPIC, ConfigResourceType.BROKER_LOGGER):
        return ApiError(ErrorCode.INVALID_REQUEST, f"Unknown resource type {resource.resource_type}")
    return None


@handles(ApiKey.ALTER_CONFIGS, versions=(0, 2))
async def alter_configs(ctx: RequestContext, request: Any) -> Any:
    """Legacy AlterConfigs: each resource's overrides become exactly the given set."""
    errors = _preprocess(ctx, request.resources, null_allowed=lambda config: False)
    for index, resource in enumerate(request.resources):
        if (
            errors[index] is None
            and ConfigResourceType.of(resource.resource_type) == ConfigResourceType.BROKER_LOGGER
        ):
            errors[index] = ApiError(
                ErrorCode.INVALID_REQUEST, f"Unknown resource type {resource.resource_type}"
            )
    changes = {
        _resource(resource): {config.name: config.value for config in resource.configs}
        for resource, error in zip(request.resources, errors, strict=True)
        if error is None
    }
    outcome = (
        await ctx.broker.controller.legacy_alter_configs(changes, validate_only=request.validate_only)
        if changes
        else {}
    )
    return AlterConfigsResponse(
        responses=[
            AlterConfigsResponse.AlterConfigsResourceResponse(
                error_code=result.code,
                error_message=result.message,
                resource_type=resource.resource_type,
                resource_name=resource.resource_name,
            )
            for resource, result in _outcomes(request.resources, errors, outcome)
        ]
    )


@handles(ApiKey.INCREMENTAL_ALTER_CONFIGS, versions=(0, 1))
async def incremental_alter_configs(ctx: RequestContext, request: Any) -> Any:
    errors = _preprocess(
        ctx, request.resources, null_allowed=lambda config: config.config_operation == AlterConfigOp.DELETE
    )
    changes: dict[ConfigResource, dict[str, tuple[AlterConfigOp, str | None]]] = {}
    for index, resource in enumerate(request.resources):
        if errors[index] is not None:
            continue
        kind = ConfigResourceType.of(resource.resource_type)
        if kind == ConfigResourceType.BROKER_LOGGER:
            errors[index] = broker_loggers.validate_and_apply(
                [(c.name, c.config_operation, c.value) for c in resource.configs],
                validate_only=request.validate_only,
            )
            continue
        unknown = [
            c.config_operation for c in resource.configs if c.config_operation not in set(AlterConfigOp)
        ]
        if unknown:
            errors[index] = ApiError(ErrorCode.INVALID_REQUEST, f"Unknown operations type {unknown[0]}")
            continue
        changes[_resource(resource)] = {
            c.name: (AlterConfigOp(c.config_operation), c.value) for c in resource.configs
        }
    outcome = (
        await ctx.broker.controller.incremental_alter_configs(changes, validate_only=request.validate_only)
        if changes
        else {}
    )
    return IncrementalAlterConfigsResponse(
        responses=[
            IncrementalAlterConfigsResponse.AlterConfigsResourceResponse(
                error_code=result.code,
                error_message=result.message,
                resource_type=resource.resource_type,
                resource_name=resource.resource_name,
            )
            for resource, result in _outcomes(request.resources, errors, outcome)
        ]
    )


def _resource(resource: Any) -> ConfigResource:
    return ConfigResource(ConfigResourceType.of(resource.resource_type), resource.resource_name)


def _outcomes(
    resources: Sequence[Any], errors: Sequence[ApiError | None], outcome: dict[ConfigResource, ApiError]
) -> list[tuple[Any, ApiError]]:
    """Each resource with its error: the broker-side one, else the controller's."""
    results = []
    for resource, error in zip(resources, errors, strict=True):
        if error is None:
            error = outcome.get(_resource(resource), NO_ERROR)
        results.append((resource, error))
    return results
