"""Hand-built metadata images and client batches for the replication tests.

The tests drive the replica manager the way the controller will: by publishing images. Batches
are built with the records package's builder, base offset 0, as a producer sends them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

from wirekafka.config import BrokerConfig
from wirekafka.metadata.image import MetadataImage, PartitionImage, TopicImage
from wirekafka.records.batch import Compression, iter_batches
from wirekafka.records.builder import build_batch
from wirekafka.records.record import Record, iter_records
from wirekafka.replication.replica_manager import ReplicaManager

NODE = 1
EMPTY = MetadataImage(cluster_id="test", controller_id=NODE, brokers={})


def topic(
    name: str,
    partitions: int = 1,
    *,
    topic_id: uuid.UUID | None = None,
    leader: int = NODE,
    leader_epoch: int = 0,
    replicas: Sequence[int] = (NODE,),
    isr: Sequence[int] | None = None,
    configs: Mapping[str, str] | None = None,
) -> TopicImage:
    return TopicImage(
        name=name,
        topic_id=topic_id if topic_id is not None else uuid.uuid5(uuid.NAMESPACE_DNS, name),
        partitions={
            index: PartitionImage(
                partition_index=index,
                leader_id=leader,
                leader_epoch=leader_epoch,
                replicas=tuple(replicas),
                isr=tuple(isr if isr is not None else replicas),
            )
            for index in range(partitions)
        },
        configs=dict(configs or {}),
    )


def image(*topics: TopicImage) -> MetadataImage:
    return MetadataImage(
        cluster_id="test", controller_id=NODE, brokers={}, topics={t.name: t for t in topics}
    )


def manager_for(data_dir: Path, overrides: Mapping[str, str] | None = None) -> ReplicaManager:
    values = {"log.dirs": str(data_dir), "node.id": str(NODE)}
    values.update(overrides or {})
    return ReplicaManager(BrokerConfig(values))


def client_batch(
    values: Sequence[bytes | None],
    *,
    keys: Sequence[bytes | None] | None = None,
    timestamp: int = 1_700_000_000_000,
    timestamps: Sequence[int] | None = None,
    compression: Compression = Compression.NONE,
    producer_id: int = -1,
    producer_epoch: int = 0,
    base_sequence: int = 0,
    transactional: bool = False,
) -> bytes:
    """One batch as a producer sends it: base offset 0, offsets 0..n-1."""
    records = [
        Record(
            offset=index,
            timestamp=timestamps[index] if timestamps is not None else timestamp,
            key=keys[index] if keys is not None else None,
            value=value,
        )
        for index, value in enumerate(values)
    ]
    return build_batch(
        records,
        compression=compression,
        producer_id=producer_id,
        producer_epoch=producer_epoch if producer_id >= 0 else -1,
        base_sequence=base_sequence if producer_id >= 0 else -1,
        is_transactional=transactional,
    )


def values_of(records: bytes) -> list[bytes | None]:
    return [record.value for header in iter_batches(records) for record in iter_records(header)]


def offsets_of(records: bytes) -> list[int]:
    return [record.offset for header in iter_batches(records) for record in iter_records(header)]
