"""Broker registration epochs, producer id blocks, bootstrap, and the purity of the controller core."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from tests.controller.helpers import commit, controller, names
from wirekafka.controller.cluster_control import BrokerRegistration
from wirekafka.controller.results import ControllerError
from wirekafka.metadata.image import Endpoint
from wirekafka.protocol.errors import ErrorCode


def registration(node: int, port: int) -> BrokerRegistration:
    return BrokerRegistration(
        node_id=node,
        incarnation_id=uuid.uuid4(),
        endpoints=[Endpoint("PLAINTEXT", "localhost", port), Endpoint("SSL", "localhost", port + 1, 1)],
        rack="r1",
        log_dirs=[uuid.UUID(int=77)],
        features={"metadata.version": (1, 21)},
    )


def test_every_registration_gets_a_greater_epoch_and_replaces_the_endpoints() -> None:
    core = controller(1)
    first = commit(core, core.register_broker(registration(1, 1000)))
    second = commit(core, core.register_broker(registration(1, 2000)))
    assert second > first > 0
    broker = core.image.brokers[1]
    assert (broker.epoch, broker.port, broker.endpoint("SSL"), broker.rack) == (
        second,
        2000,
        Endpoint("SSL", "localhost", 2001, 1),
        "r1",
    )
    assert broker.is_active and broker.log_dirs == (uuid.UUID(int=77),)
    assert dict(broker.supported_features) == {"metadata.version": (1, 21)}


def test_producer_id_blocks_never_overlap() -> None:
    core = controller(2)
    first = commit(core, core.allocate_producer_ids(1))
    second = commit(core, core.allocate_producer_ids(2, core.image.brokers[2].epoch))
    assert (first.first_producer_id, first.last_producer_id) == (0, 999)
    assert (second.assigned_broker_id, second.first_producer_id, second.size) == (2, 1000, 1000)
    assert core.image.next_producer_id == 2000


@pytest.mark.parametrize(
    ("broker", "epoch", "message"),
    [(9, -1, "No broker registration found for broker 9"), (1, 12345, "Expected broker epoch")],
)
def test_producer_ids_need_a_registered_broker_with_its_epoch(broker: int, epoch: int, message: str) -> None:
    core = controller(1)
    with pytest.raises(ControllerError) as refused:
        core.allocate_producer_ids(broker, epoch)
    assert refused.value.error.code == ErrorCode.STALE_BROKER_EPOCH and message in (
        refused.value.error.message or ""
    )


def test_bootstrap_finalizes_metadata_version_once() -> None:
    core = controller(1)
    commit(core, core.bootstrap())
    assert core.image.metadata_version == 21
    assert core.bootstrap().records == []


def test_a_node_start_bootstraps_once_and_registers_at_the_offset_its_record_lands() -> None:
    core = controller(0)
    start = core.start_node(registration(1, 1000))
    assert names(start.records) == ["FeatureLevelRecord", "RegisterBrokerRecord"]
    epoch = commit(core, start)
    assert epoch == core.image.offset == 1 and core.image.brokers[1].epoch == 1
    assert core.image.metadata_version == 21
    again = core.start_node(registration(1, 2000))
    assert names(again.records) == ["RegisterBrokerRecord"]
    assert commit(core, again) == core.image.offset == 2


def test_controller_core_does_not_import_trio() -> None:
    modules = [
        "controller",
        "cluster_control",
        "configuration_control",
        "placement",
        "producer_ids",
        "replication_control",
        "results",
        "topic_configs",
    ]
    code = "import sys\n" + "".join(f"import wirekafka.controller.{m}\n" for m in modules)
    code += "print(sorted(m for m in sys.modules if m == 'trio' or m.startswith('trio.')))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
