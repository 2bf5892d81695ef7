"""Dynamic config changes of topics and brokers as ConfigRecords (Kafka's
``ConfigurationControlManager`` plus the broker-side checks of ``ConfigAdminManager``).

One result per resource: if any key of a resource fails, nothing of that resource changes.

Rules:
1. IncrementalAlterConfigs applies SET / DELETE / APPEND / SUBTRACT to the stored overrides;
   APPEND and SUBTRACT need a LIST config (INVALID_CONFIG otherwise) and start from the default
   when the key is unset. AlterConfigs (legacy) replaces every override of the resource: keys it
   does not name are deleted.
2. A TOPIC resource needs a legal name (INVALID_TOPIC_EXCEPTION; ``""`` is INVALID_REQUEST), a
   valid resulting set of overrides (INVALID_CONFIG) and an existing topic
   (UNKNOWN_TOPIC_OR_PARTITION). Records are written only for keys whose value changes.
3. A BROKER resource is ``""`` (cluster-wide default) or a node id. Setting a config that is not
   dynamic, or a value that does not parse, is INVALID_REQUEST, as Kafka answers (KAFKA-13609).
   Unknown names are accepted and stored, as Kafka does. Broker records are written even for an
   unchanged value (KAFKA-14136: it makes brokers reload).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from wirekafka.config import BROKER_CONFIGS, ConfigError, format_value
from wirekafka.controller.results import NO_ERROR, ApiError, ControllerError, ControllerResult
from wirekafka.controller.topic_configs import (
    default_topic_config_text,
    is_list_config,
    validate_topic_configs,
)
from wirekafka.metadata import topic_names
from wirekafka.metadata.config_resources import AlterConfigOp, ConfigResource, ConfigResourceType
from wirekafka.metadata.image import MetadataImage
from wirekafka.metadata.records import MetadataRecord
from wirekafka.protocol.errors import ErrorCode
from wirekafka.protocol.messages.metadata_records import ConfigRecord

IncrementalChanges = Mapping[ConfigResource, Mapping[str, tuple[AlterConfigOp, str | None]]]
LegacyChanges = Mapping[ConfigResource, Mapping[str, str | None]]


def current_configs(image: MetadataImage, resource: ConfigResource) -> dict[str, str]:
    """The overrides stored for ``resource`` (empty when none, or the topic does not exist)."""
    if resource.type == ConfigResourceType.TOPIC:
        topic = image.topics.get(resource.name)
        return {} if topic is None else dict(topic.configs)
    if resource.type == ConfigResourceType.BROKER:
        if resource.name == "":
            return dict(image.broker_configs)
        if resource.name.isdigit():
            return dict(image.node_broker_configs.get(int(resource.name), {}))
    return {}


def incremental_alter_configs(
    image: MetadataImage, changes: IncrementalChanges, *, newly_created: bool = False
) -> ControllerResult[dict[ConfigResource, ApiError]]:
    records: list[MetadataRecord] = []
    results: dict[ConfigResource, ApiError] = {}
    for resource, operations in changes.items():
        try:
            records.extend(_incremental(image, resource, operations, newly_created))
            results[resource] = NO_ERROR
        except ControllerError as exc:
            results[resource] = exc.error
    return ControllerResult(records, results)


def legacy_alter_configs(
    image: MetadataImage, changes: LegacyChanges
) -> ControllerResult[dict[ConfigResource, ApiError]]:
    records: list[MetadataRecord] = []
    results: dict[ConfigResource, ApiError] = {}
    for resource, values in changes.items():
        try:
            records.extend(_legacy(image, resource, values))
            results[resource] = NO_ERROR
        except ControllerError as exc:
            results[resource] = exc.error
    return ControllerResult(records, results)


def _incremental(
    image: MetadataImage,
    resource: ConfigResource,
    operations: Mapping[str, tuple[AlterConfigOp, str | None]],
    newly_created: bool,
) -> list[MetadataRecord]:
    _check_resource_name(resource)
    current = current_configs(image, resource)
    altered: dict[str, str | None] = {}
    for key, (operation, value) in operations.items():
        old = current.get(key)
        new: str | None
        if operation == AlterConfigOp.SET:
            new = value
        elif operation == AlterConfigOp.DELETE:
            new = None
        else:
            if not _is_list(resource, key):
                raise ControllerError(
                    ErrorCode.INVALID_CONFIG,
                    f"Can't {operation.name} to key {key} because its type is not LIST.",
                )
            parts = _parts(old if old is not None else _default_text(resource, key))
            items = (value or "").split(",")
            if operation == AlterConfigOp.APPEND:
                parts.extend(item for item in items if item not in parts)
            else:
                parts = [part for part in parts if part not in items]
            new = ",".join(parts)
        if new != old or resource.type == ConfigResourceType.BROKER:
            altered[key] = new
    _validate(image, resource, current, altered, implicitly_deleted=(), newly_created=newly_created)
    return _records(resource, altered)


def _legacy(
    image: MetadataImage, resource: ConfigResource, values: Mapping[str, str | None]
) -> list[MetadataRecord]:
    _check_resource_name(resource)
    current = current_configs(image, resource)
    altered = {
        key: value
        for key, value in values.items()
        if value != current.get(key) or resource.type == ConfigResourceType.BROKER
    }
    deleted = [key for key in current if key not in values]
    _validate(image, resource, current, altered, implicitly_deleted=deleted, newly_created=False)
    return _records(resource, altered) + _records(resource, dict.fromkeys(deleted))


def _check_resource_name(resource: ConfigResource) -> None:
    if resource.type == ConfigResourceType.TOPIC:
        if resource.name == "":
            raise ControllerError(ErrorCode.INVALID_REQUEST, "Default topic resources are not allowed.")
        invalid = topic_names.validation_error(resource.name)
        if invalid is not None:
            raise ControllerError(ErrorCode.INVALID_TOPIC_EXCEPTION, invalid)
    elif resource.type == ConfigResourceType.BROKER:
        if resource.name != "":
            try:
                broker_id = int(resource.name)
            except ValueError:
                raise ControllerError(
                    ErrorCode.INVALID_REQUEST, "Unable to parse broker name as a base 10 number."
                ) from None
            if broker_id < 0:
                raise ControllerError(ErrorCode.INVALID_REQUEST, "Invalid negative broker ID.")
    else:
        raise ControllerError(ErrorCode.INVALID_REQUEST, f"Unknown resource type {resource.type.name}")


def _validate(
    image: MetadataImage,
    resource: ConfigResource,
    current: Mapping[str, str],
    altered: Mapping[str, str | None],
    *,
    implicitly_deleted: Sequence[str],
    newly_created: bool,
) -> None:
    if resource.type == ConfigResourceType.TOPIC:
        resulting: dict[str, str | None] = dict(current)
        for key, value in altered.items():
            if value is None:
                resulting.pop(key, None)
            else:
                resulting[key] = value
        for key in implicitly_deleted:
            resulting.pop(key, None)
        error = validate_topic_configs(resulting)
        if error is not None:
            raise ControllerError(error.code, error.message)
        if not newly_created and resource.name not in image.topics:
            raise ControllerError(
                ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, f"The topic '{resource.name}' does not exist."
            )
    else:
        validate_broker_config_change(altered)


def validate_broker_config_change(altered: Mapping[str, str | None]) -> None:
    """Only dynamic broker configs may change, to values that parse.

    Raises:
        ControllerError: INVALID_REQUEST, as Kafka's ``ConfigAdminManager``.
    """
    static_only = sorted(
        name for name in altered if name in BROKER_CONFIGS and not BROKER_CONFIGS[name].dynamic
    )
    if static_only:
        raise ControllerError(
            ErrorCode.INVALID_REQUEST,
            f"Cannot update these configs dynamically: Set({', '.join(static_only)})",
        )
    for name, value in altered.items():
        key = BROKER_CONFIGS.get(name)
        if key is None or value is None:
            continue
        try:
            key.parse(value)
        except ConfigError as exc:
            raise ControllerError(
                ErrorCode.INVALID_REQUEST, f"Invalid value {value} for configuration {name}: {exc.reason}"
            ) from None


def _is_list(resource: ConfigResource, key: str) -> bool:
    if resource.type == ConfigResourceType.TOPIC:
        return is_list_config(key)
    config = BROKER_CONFIGS.get(key)
    return config is not None and config.type.name == "LIST"


def _default_text(resource: ConfigResource, key: str) -> str | None:
    if resource.type == ConfigResourceType.TOPIC:
        return default_topic_config_text(key)
    config = BROKER_CONFIGS.get(key)
    return None if config is None else format_value(config.type, config.default)


def _parts(value: str | None) -> list[str]:
    return [part for part in (value or "").split(",") if part]


def _records(resource: ConfigResource, values: Mapping[str, str | None]) -> list[MetadataRecord]:
    return [
        ConfigRecord(resource_type=resource.type, resource_name=resource.name, name=key, value=value)
        for key, value in values.items()
    ]
