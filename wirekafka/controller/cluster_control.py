"""Broker registrations (Kafka's ``ClusterControlManager``).

A broker registers every time it starts, with a new incarnation id; the registration record
gets a new broker epoch, greater than any before (Kafka uses the record's log offset; here it is
the offset the record will take, ``image.offset + 1``, or one more than the previous epoch). A
single node registers itself unfenced: there is no other controller to wait for.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from wirekafka.controller.results import ControllerResult
from wirekafka.metadata.image import Endpoint, MetadataImage
from wirekafka.protocol.messages.metadata_records import RegisterBrokerRecord

SECURITY_PROTOCOLS = {"PLAINTEXT": 0, "SSL": 1, "SASL_PLAINTEXT": 2, "SASL_SSL": 3}


@dataclass(frozen=True, slots=True)
class BrokerRegistration:
    node_id: int
    incarnation_id: uuid.UUID
    endpoints: Sequence[Endpoint]
    rack: str | None = None
    log_dirs: Sequence[uuid.UUID] = ()
    features: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    fenced: bool = False


def register_broker(
    image: MetadataImage, registration: BrokerRegistration, *, offset: int | None = None
) -> ControllerResult[int]:
    """The RegisterBrokerRecord of ``registration``; the response is the new broker epoch.

    As in Kafka, the epoch is the offset the record is written at: ``offset``, by default the
    one after the image's last record (another record committed ahead of it in the same batch
    moves it on).
    """
    previous = image.brokers.get(registration.node_id)
    at = image.offset + 1 if offset is None else offset
    epoch = max(at, 0 if previous is None else previous.epoch + 1)
    record = RegisterBrokerRecord(
        broker_id=registration.node_id,
        incarnation_id=registration.incarnation_id,
        broker_epoch=epoch,
        end_points=[
            RegisterBrokerRecord.BrokerEndpoint(
                name=endpoint.listener_name,
                host=endpoint.host,
                port=endpoint.port,
                security_protocol=endpoint.security_protocol,
            )
            for endpoint in registration.endpoints
        ],
        features=[
            RegisterBrokerRecord.BrokerFeature(
                name=name, min_supported_version=low, max_supported_version=high
            )
            for name, (low, high) in sorted(registration.features.items())
        ],
        rack=registration.rack,
        fenced=registration.fenced,
        in_controlled_shutdown=False,
        log_dirs=list(registration.log_dirs),
    )
    return ControllerResult([record], epoch)
