"""Admin operations through each client library's admin API, reduced to Kafka error codes.

Why error codes: libraries report the same broker answer as different exception classes (or as
return values: kafkajs answers `false` for an existing topic), so the admin family compares the
numeric Kafka error code every library exposes in some way. 0 means success.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from conformance_tests.clients.base import ClientUnavailable, make_client

ADMIN_CLIENTS = ["kafka-python", "confluent-kafka", "aiokafka", "kafkajs", "java", "sarama"]

# Kafka's ConfigSource numbering (DescribeConfigs v1+), by name.
CONFIG_SOURCES = {1: "DYNAMIC_TOPIC_CONFIG", 2: "DYNAMIC_BROKER_CONFIG", 3: "DYNAMIC_DEFAULT_BROKER_CONFIG",
                  4: "STATIC_BROKER_CONFIG", 5: "DEFAULT_CONFIG", 6: "DYNAMIC_BROKER_LOGGER_CONFIG"}


@dataclass
class ConfigView:
    value: str | None
    source: str  # one of CONFIG_SOURCES' names, or "UNKNOWN"
    read_only: bool
    sensitive: bool


class AdminAdapter(ABC):
    name = ""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap

    @abstractmethod
    def create_topic(self, topic: str, partitions: int = 1, configs: dict[str, str] | None = None,
                     validate_only: bool = False) -> int: ...

    @abstractmethod
    def delete_topic(self, topic: str) -> int: ...

    @abstractmethod
    def create_partitions(self, topic: str, count: int) -> int: ...

    @abstractmethod
    def describe_topic_configs(self, topic: str) -> dict[str, ConfigView]: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the underlying admin client."""


class KafkaPythonAdmin(AdminAdapter):
    name = "kafka-python"

    def __init__(self, bootstrap: str) -> None:
        super().__init__(bootstrap)
        from kafka import KafkaAdminClient

        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000,
                                      client_id="conformance-admin-kafka-python")

    def create_topic(self, topic: str, partitions: int = 1, configs: dict[str, str] | None = None,
                     validate_only: bool = False) -> int:
        spec: dict[str, Any] = {"num_partitions": partitions, "replication_factor": 1, "configs": configs or {}}
        result = self.admin.create_topics({topic: spec}, validate_only=validate_only, raise_errors=False)
        return int(result["topics"][0]["error_code"])

    def delete_topic(self, topic: str) -> int:
        result = self.admin.delete_topics([topic], timeout_ms=10000, raise_errors=False)
        return int(result["topics"][0]["error_code"])

    def create_partitions(self, topic: str, count: int) -> int:
        result = self.admin.create_partitions({topic: count}, raise_errors=False)
        # kafka-python 3 returns the CreatePartitionsResponse object, older versions a dict
        first = result["results"][0] if isinstance(result, dict) else result.results[0]
        return int(first["error_code"] if isinstance(first, dict) else first.error_code)

    def describe_topic_configs(self, topic: str) -> dict[str, ConfigView]:
        from kafka.admin import ConfigResource, ConfigResourceType

        result = self.admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)], config_filter="all")
        entries = result["topic"][topic]
        return {k: ConfigView(v["value"], str(v["config_source"]), bool(v["read_only"]), bool(v["is_sensitive"]))
                for k, v in entries.items()}

    def alter_topic_config(self, topic: str, key: str, value: str) -> None:
        from kafka.admin import ConfigResource, ConfigResourceType

        self.admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={key: value})],
                                 incremental=True, raise_on_unknown=False)

    def close(self) -> None:
        self.admin.close()


class ConfluentAdmin(AdminAdapter):
    name = "confluent-kafka"

    def __init__(self, bootstrap: str) -> None:
        super().__init__(bootstrap)
        from confluent_kafka.admin import AdminClient

        self.admin = AdminClient({"bootstrap.servers": bootstrap, "broker.address.family": "v4",
                                  "client.id": "conformance-admin-confluent"})

    @staticmethod
    def _code(future: Any) -> int:
        from confluent_kafka import KafkaException

        try:
            future.result(timeout=20)
        except KafkaException as exc:
            return int(exc.args[0].code())
        return 0

    def create_topic(self, topic: str, partitions: int = 1, configs: dict[str, str] | None = None,
                     validate_only: bool = False) -> int:
        from confluent_kafka.admin import NewTopic

        futures = self.admin.create_topics([NewTopic(topic, partitions, 1, config=configs or {})],
                                           validate_only=validate_only, operation_timeout=10)
        return self._code(futures[topic])

    def delete_topic(self, topic: str) -> int:
        return self._code(self.admin.delete_topics([topic], operation_timeout=10)[topic])

    def create_partitions(self, topic: str, count: int) -> int:
        from confluent_kafka.admin import NewPartitions

        return self._code(self.admin.create_partitions([NewPartitions(topic, count)], operation_timeout=10)[topic])

    def describe_topic_configs(self, topic: str) -> dict[str, ConfigView]:
        from confluent_kafka.admin import ConfigResource

        [future] = self.admin.describe_configs([ConfigResource("topic", topic)]).values()
        return {k: ConfigView(v.value, CONFIG_SOURCES.get(int(v.source), "UNKNOWN"), bool(v.is_read_only),
                              bool(v.is_sensitive)) for k, v in future.result(timeout=20).items()}

    def alter_topic_config(self, topic: str, key: str, value: str) -> None:
        from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource

        resource = ConfigResource("topic", topic, incremental_configs=[
            ConfigEntry(key, value, incremental_operation=AlterConfigOpType.SET)])
        [future] = self.admin.incremental_alter_configs([resource]).values()
        future.result(timeout=20)


class AiokafkaAdmin(AdminAdapter):
    name = "aiokafka"

    def _run(self, fn: Any) -> Any:
        from aiokafka.admin import AIOKafkaAdminClient

        async def go() -> Any:
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=15000,
                                        client_id="conformance-admin-aiokafka")
            await admin.start()
            try:
                return await fn(admin)
            finally:
                await admin.close()

        return asyncio.run(asyncio.wait_for(go(), 30))

    def create_topic(self, topic: str, partitions: int = 1, configs: dict[str, str] | None = None,
                     validate_only: bool = False) -> int:
        from aiokafka.admin import NewTopic

        new = NewTopic(topic, partitions, 1, topic_configs=configs or {})
        response = self._run(lambda a: a.create_topics([new], validate_only=validate_only))
        return int(response.topic_errors[0][1])

    def delete_topic(self, topic: str) -> int:
        response = self._run(lambda a: a.delete_topics([topic], timeout_ms=10000))
        return int(response.topic_error_codes[0][1])

    def create_partitions(self, topic: str, count: int) -> int:
        from aiokafka.admin import NewPartitions
        from aiokafka.errors import KafkaError

        try:
            self._run(lambda a: a.create_partitions({topic: NewPartitions(count)}))
        except KafkaError as exc:
            return int(getattr(exc, "errno", -1))
        return 0

    def describe_topic_configs(self, topic: str) -> dict[str, ConfigView]:
        from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

        responses = self._run(lambda a: a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)]))
        out: dict[str, ConfigView] = {}
        for response in responses:
            for resource in response.resources:
                for entry in resource[4]:
                    name, value, read_only = entry[0], entry[1], entry[2]
                    # v0 has is_default where v1+ has config_source
                    source = CONFIG_SOURCES.get(int(entry[3]), "UNKNOWN") if response.API_VERSION >= 1 else "UNKNOWN"
                    out[name] = ConfigView(value, source, bool(read_only), bool(entry[4]))
        return out


class KafkajsAdmin(AdminAdapter):
    name = "kafkajs"

    def _call(self, op: str, **args: Any) -> Any:
        from conformance_tests.clients.kafkajs import run_driver

        return run_driver({"op": op, "brokers": [self.bootstrap], **args})

    def _code(self, op: str, **args: Any) -> tuple[int, Any]:
        from conformance_tests.clients.kafkajs import KafkajsError

        try:
            return 0, self._call(op, **args)
        except KafkajsError as exc:
            info = exc.info
            code = info.get("code")
            if code is None and info.get("errors"):
                code = info["errors"][0].get("code")
            return (int(code) if code is not None else -1), info

    def create_topic(self, topic: str, partitions: int = 1, configs: dict[str, str] | None = None,
                     validate_only: bool = False) -> int:
        code, result = self._code("createTopic", topic=topic, partitions=partitions, configs=configs or {},
                                  validateOnly=validate_only)
        if code == 0 and result is False and not validate_only:
            return 36  # kafkajs reports TOPIC_ALREADY_EXISTS as a `false` result
        return code

    def delete_topic(self, topic: str) -> int:
        return self._code("deleteTopic", topic=topic)[0]

    def create_partitions(self, topic: str, count: int) -> int:
        return self._code("createPartitions", topic=topic, count=count)[0]

    def describe_topic_configs(self, topic: str) -> dict[str, ConfigView]:
        result = self._call("describeConfigs", topic=topic)
        out: dict[str, ConfigView] = {}
        for resource in result["resources"]:
            for e in resource["configEntries"]:
                source = CONFIG_SOURCES.get(int(e.get("configSource", 0) or 0), "UNKNOWN")
                out[e["configName"]] = ConfigView(e["configValue"], source, bool(e["readOnly"]), bool(e["isSensitive"]))
        return out


class LineDriverAdmin(AdminAdapter):
    """A compiled client's admin through its line driver (`line_driver.py`); the driver reports the
    Kafka error code of the client's exception."""

    def _code(self, op: str, **settings: Any) -> tuple[int, Any]:
        from conformance_tests.clients.line_driver import DriverError, LineDriverClient

        client = make_client(self.name, self.bootstrap)
        assert isinstance(client, LineDriverClient)
        try:
            return 0, client.call(op, **settings)
        except DriverError as exc:
            return exc.code, exc.info

    def _call(self, op: str, **settings: Any) -> Any:
        code, result = self._code(op, **settings)
        if code != 0:
            raise RuntimeError(f"{self.name} {op}: error {code}: {result}")
        return result

    def create_topic(self, topic: str, partitions: int = 1, configs: dict[str, str] | None = None,
                     validate_only: bool = False) -> int:
        joined = ",".join(f"{k}={v}" for k, v in (configs or {}).items())
        return self._code("createTopic", topic=topic, partitions=partitions, configs=joined,
                          validate_only=validate_only)[0]

    def delete_topic(self, topic: str) -> int:
        return self._code("deleteTopic", topic=topic)[0]

    def create_partitions(self, topic: str, count: int) -> int:
        return self._code("createPartitions", topic=topic, count=count)[0]


class JavaAdmin(LineDriverAdmin):
    """Kafka's own `Admin`; its exceptions carry the broker's error (`Errors.forException`)."""

    name = "java"

    def describe_topic_configs(self, topic: str) -> dict[str, ConfigView]:
        entries = self._call("describeTopicConfigs", topic=topic)
        return {name: ConfigView(value, source, read_only, sensitive)
                for name, (value, source, read_only, sensitive) in entries.items()}

    def alter_topic_config(self, topic: str, key: str, value: str) -> None:
        self._call("alterTopicConfig", topic=topic, name=key, value=value)


class SaramaAdmin(LineDriverAdmin):
    """Sarama 1.22's `ClusterAdmin`: DescribeConfigs v0, which has a default flag but no source."""

    name = "sarama"

    def describe_topic_configs(self, topic: str) -> dict[str, ConfigView]:
        entries = self._call("describeTopicConfigs", topic=topic)
        return {name: ConfigView(value, "DEFAULT_CONFIG" if default else "UNKNOWN", read_only, sensitive)
                for name, (value, default, read_only, sensitive) in entries.items()}


ADAPTERS: dict[str, type[AdminAdapter]] = {
    "kafka-python": KafkaPythonAdmin, "confluent-kafka": ConfluentAdmin, "aiokafka": AiokafkaAdmin,
    "kafkajs": KafkajsAdmin, "java": JavaAdmin, "sarama": SaramaAdmin,
}


def make_admin(name: str, bootstrap: str) -> AdminAdapter:
    """Admin adapter for client `name`; raises ClientUnavailable like make_client."""
    make_client(name, bootstrap)  # availability check with the same reasons
    try:
        return ADAPTERS[name](bootstrap)
    except ImportError as exc:
        raise ClientUnavailable(f"client not installed: {name} ({exc})") from exc
