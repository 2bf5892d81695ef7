"""Every declaration compared with Apache Kafka's JSON spec, field by field, at every version.

The specs live in ``../shared/kafka-protocol/message`` beside the project (not in the repository);
the test is skipped with the reason when that folder is absent.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from wirekafka.protocol.messages import ALL
from wirekafka.protocol.schema import ArrayType, Field, StructType, Versions

SPEC_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "kafka-protocol" / "message"

pytestmark = pytest.mark.skipif(
    not SPEC_DIR.is_dir(), reason=f"Kafka's message specs not found at {SPEC_DIR}"
)


def load(name: str) -> dict[str, Any]:
    text = (SPEC_DIR / f"{name}.json").read_text()
    return json.loads(re.sub(r"^\s*//.*$", "", text, flags=re.MULTILINE))


def spec_default(type_name: str, value: Any) -> Any:
    if value == "null":
        return None
    if type_name in ("int8", "int16", "int32", "int64", "uint16", "uint32"):
        return int(value, 0) if isinstance(value, str) else int(value)
    if type_name == "float64":
        return float(value)
    if type_name == "bool":
        return value if isinstance(value, bool) else value == "true"
    return value


def struct_fields_by_name(spec: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Struct name -> spec fields, for structs declared inline and common structs."""
    found: dict[str, list[dict[str, Any]]] = {s["name"]: s["fields"] for s in spec.get("commonStructs", [])}

    def walk(fields: list[dict[str, Any]]) -> None:
        for f in fields:
            if "fields" in f:
                found[f["type"].removeprefix("[]")] = f["fields"]
                walk(f["fields"])

    walk(spec["fields"])
    for fields in list(found.values()):
        walk(fields)
    return found


def compare_fields(
    where: str,
    declared: tuple[Field, ...],
    spec_fields: list[dict[str, Any]],
    structs: dict[str, Any],
    version: int,
    problems: list[str],
) -> None:
    """Compare the fields present at ``version`` (in order), then recurse into structs."""
    present = [f for f in declared if f.present_in(version)]
    expected = [f for f in spec_fields if version in Versions.parse(f["versions"])]
    names = [f.kafka_name for f in present]
    spec_names = [f["name"] for f in expected]
    if names != spec_names:
        problems.append(f"{where} v{version}: fields {names} != spec {spec_names}")
        return
    for ours, theirs in zip(present, expected, strict=True):
        label = f"{where}.{ours.kafka_name} v{version}"
        if ours.type_name != theirs["type"]:
            problems.append(f"{label}: type {ours.type_name} != {theirs['type']}")
            continue
        if (version in ours.nullable_versions) != (version in Versions.parse(theirs.get("nullableVersions"))):
            problems.append(f"{label}: nullability differs")
        their_tagged = version in Versions.parse(theirs.get("taggedVersions"))
        if ours.tagged_in(version) != their_tagged or (their_tagged and ours.tag != int(theirs["tag"])):
            problems.append(
                f"{label}: tag {ours.tag}/{ours.tagged_in(version)} != {theirs.get('tag')}/{their_tagged}"
            )
        if ours.ignorable != bool(theirs.get("ignorable", False)):
            problems.append(f"{label}: ignorable differs")
        if "default" in theirs:
            element = theirs["type"]
            if ours.default_value() != spec_default(element, theirs["default"]):
                problems.append(f"{label}: default {ours.default_value()!r} != {theirs['default']!r}")
        inner = ours.type.element if isinstance(ours.type, ArrayType) else ours.type
        if isinstance(inner, StructType):
            compare_fields(
                f"{where}.{inner.name}", inner.fields, structs[inner.name], structs, version, problems
            )


@pytest.mark.parametrize("name", sorted(ALL), ids=sorted(ALL))
def test_declaration_matches_kafka_spec(name: str) -> None:
    spec = load(name)
    schema = ALL[name].schema
    assert schema.api_key == spec.get("apiKey")
    assert str(schema.valid_versions) == str(Versions.parse(spec["validVersions"]))
    assert str(schema.flexible_versions) == str(Versions.parse(spec["flexibleVersions"]))
    assert schema.kind == spec["type"]
    problems: list[str] = []
    structs = struct_fields_by_name(spec)
    for version in schema.versions:
        compare_fields(name, schema.struct.fields, spec["fields"], structs, version, problems)
    assert not problems, "\n".join(problems)
