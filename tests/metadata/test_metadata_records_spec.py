"""Every metadata record declaration compared with Kafka's JSON spec, field by field, at every version.

Kafka's metadata record specs (``metadata/src/main/resources/common/metadata/*.json`` in
apache/kafka) are not part of ``../shared/kafka-protocol``; the test reads them from
``../shared/kafka-protocol/metadata`` or from the directory named by
``WIREKAFKA_KAFKA_METADATA_SPECS``, and is skipped with the reason when neither exists.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.protocol.test_spec_crosscheck import compare_fields, struct_fields_by_name
from wirekafka.protocol.messages import metadata_records
from wirekafka.protocol.schema import Versions

_CANDIDATES = [
    Path(os.environ.get("WIREKAFKA_KAFKA_METADATA_SPECS", "/nonexistent")),
    Path(__file__).resolve().parents[2].parent / "shared" / "kafka-protocol" / "metadata",
]
SPEC_DIR = next((path for path in _CANDIDATES if path.is_dir()), None)

pytestmark = pytest.mark.skipif(SPEC_DIR is None, reason="Kafka's metadata record specs not found")

NAMES = sorted(metadata_records.__all__)


def load(name: str) -> dict[str, Any]:
    assert SPEC_DIR is not None
    text = (SPEC_DIR / f"{name}.json").read_text()
    return json.loads(re.sub(r"^\s*//.*$", "", text, flags=re.MULTILINE))


@pytest.mark.parametrize("name", NAMES)
def test_metadata_record_matches_kafka_spec(name: str) -> None:
    spec = load(name)
    schema = getattr(metadata_records, name).schema
    assert schema.api_key == spec["apiKey"]
    assert schema.kind == spec["type"] == "metadata"
    assert str(schema.valid_versions) == str(Versions.parse(spec["validVersions"]))
    assert str(schema.flexible_versions) == str(Versions.parse(spec["flexibleVersions"]))
    problems: list[str] = []
    structs = struct_fields_by_name(spec)
    for version in schema.versions:
        compare_fields(name, schema.struct.fields, spec["fields"], structs, version, problems)
    assert not problems, "\n".join(problems)
