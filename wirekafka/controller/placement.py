"""Where new partitions' replicas go: striped over the registered brokers.

The layout is Kafka's rack-unaware assignment (``AdminUtils.assignReplicasToBrokersRackUnaware``):
the first replica of partition ``p`` is broker ``(p + start) mod n`` of the sorted list, and the
following replicas step by a shift that changes every ``n`` partitions, so leaders and followers
spread evenly and no broker repeats within a partition. ``start`` and the initial shift are
random (the ``rng`` is an input, so tests are deterministic).

Usable brokers are the active ones (unfenced, not shutting down). As Kafka's
``StripedReplicaPlacer``: no active broker is an error ("All brokers are currently fenced."), and
so is a replication factor above the number of *registered* brokers; when it is above the active
ones only, fenced brokers fill the remaining places (they join the ISR once unfenced).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from wirekafka.controller.results import ControllerError
from wirekafka.metadata.image import MetadataImage
from wirekafka.protocol.errors import ErrorCode


def place_replicas(
    image: MetadataImage,
    *,
    start_partition: int,
    partitions: int,
    replication_factor: int,
    rng: random.Random,
) -> list[list[int]]:
    """Replica lists (leader first) for ``partitions`` new partitions numbered from ``start_partition``.

    Raises:
        ControllerError: INVALID_REPLICATION_FACTOR with Kafka's message.
    """
    check_replication_factor(image, replication_factor)
    active = sorted(node for node, broker in image.brokers.items() if broker.is_active)
    inactive = sorted(node for node in image.brokers if node not in active)
    start = rng.randrange(len(active))
    shift = rng.randrange(len(active))
    assignments: list[list[int]] = []
    for partition in range(start_partition, start_partition + partitions):
        replicas = stripe(active, partition, start, shift, min(replication_factor, len(active)))
        replicas.extend(inactive[: replication_factor - len(replicas)])
        assignments.append(replicas)
    return assignments


def check_replication_factor(image: MetadataImage, replication_factor: int) -> None:
    """The placer's own checks, in Kafka's order; callers run them before sizing anything by the
    partition count (which comes from the client).

    Raises:
        ControllerError: INVALID_REPLICATION_FACTOR with Kafka's message.
    """
    if replication_factor <= 0:
        raise ControllerError(
            ErrorCode.INVALID_REPLICATION_FACTOR,
            f"Invalid replication factor {replication_factor}: the replication factor must be positive.",
        )
    if not any(broker.is_active for broker in image.brokers.values()):
        raise ControllerError(ErrorCode.INVALID_REPLICATION_FACTOR, "All brokers are currently fenced.")
    registered = len(image.brokers)
    if replication_factor > registered:
        raise ControllerError(
            ErrorCode.INVALID_REPLICATION_FACTOR,
            f"The target replication factor of {replication_factor} cannot be reached because only "
            f"{registered} broker(s) are registered.",
        )


def stripe(brokers: Sequence[int], partition: int, start: int, shift: int, count: int) -> list[int]:
    """The ``count`` replicas of ``partition`` striped over ``brokers`` (all distinct)."""
    n = len(brokers)
    next_shift = shift + (partition // n if partition > 0 else 0)
    first = (partition + start) % n
    replicas = [brokers[first]]
    for index in range(count - 1):
        step = 1 + (next_shift + index) % (n - 1)
        replicas.append(brokers[(first + step) % n])
    return replicas
