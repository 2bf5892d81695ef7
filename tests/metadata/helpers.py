"""Building metadata records and images for tests, with readable defaults."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from wirekafka.metadata.delta import apply_records
from wirekafka.metadata.image import MetadataImage
from wirekafka.protocol.messages import metadata_records as m

EMPTY = MetadataImage(cluster_id="cluster", controller_id=1, brokers={})


def topic_id(n: int) -> uuid.UUID:
    return uuid.UUID(int=(n << 64) | 0xABC)


def register(
    node: int,
    *,
    fenced: bool = False,
    epoch: int = 0,
    port: int = 9092,
    rack: str | None = None,
    listeners: Sequence[str] = ("PLAINTEXT",),
    log_dirs: Sequence[uuid.UUID] = (),
) -> object:
    return m.RegisterBrokerRecord(
        broker_id=node,
        incarnation_id=uuid.UUID(int=node),
        broker_epoch=epoch,
        end_points=[
            m.RegisterBrokerRecord.BrokerEndpoint(
                name=name, host=f"host{node}", port=port + i, security_protocol=0
            )
            for i, name in enumerate(listeners)
        ],
        features=[],
        rack=rack,
        fenced=fenced,
        log_dirs=list(log_dirs),
    )


def topic(name: str, n: int) -> object:
    return m.TopicRecord(name=name, topic_id=topic_id(n))


def partition(
    n: int, index: int, replicas: Sequence[int], isr: Sequence[int] | None = None, leader: int | None = None
) -> object:
    isr = list(replicas if isr is None else isr)
    return m.PartitionRecord(
        partition_id=index,
        topic_id=topic_id(n),
        replicas=list(replicas),
        isr=isr,
        leader=isr[0] if leader is None else leader,
        leader_epoch=0,
        partition_epoch=0,
        directories=[uuid.UUID(int=0)] * len(replicas),
    )


def topic_config(name: str, key: str, value: str | None) -> object:
    return m.ConfigRecord(resource_type=2, resource_name=name, name=key, value=value)


def broker_config(resource: str, key: str, value: str | None) -> object:
    return m.ConfigRecord(resource_type=4, resource_name=resource, name=key, value=value)


def image_with(*records: object, base: MetadataImage = EMPTY) -> MetadataImage:
    return apply_records(base, records, offset=base.offset + len(records))
