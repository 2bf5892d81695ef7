"""kafka-python 3 as an independent oracle: the same values must give the same bytes.

kafka-python 3 generates its protocol classes from Kafka's own JSON specs (Kafka 4.2 era, shipped in
its ``kafka/protocol/schemas/resources/``), by code that shares nothing with ours. For every message
both projects declare, at every version both declare (the intersection of our ``valid`` range and
the ``validVersions`` of kafka-python's JSON), each generated value is checked four ways:

1. we encode it; kafka-python encodes the *same values* (copied field by field, matched by Kafka's
   field name): the bytes must be equal;
2. kafka-python decodes our bytes and encodes them again: the bytes must not change;
3. we decode kafka-python's bytes: the value must equal the one we started from.

A declaration that disagrees with Kafka's spec (wrong version range, nullability, tag, type, order)
fails here even when it round-trips through our own codec, which the round-trip tests cannot see.

Rules of the comparison (kafka-python's client-side conventions, not protocol differences):
- Unknown tagged fields are not generated: kafka-python keeps them on decode but drops them on
  encode, so they cannot round-trip through it. Our own round-trip tests cover them.
- A tagged field at its default is left out of kafka-python's value: kafka-python spells "absent
  tagged struct" as ``None`` where we (like Kafka's Java classes) hold a default-valued struct.
- ``authorized_operations`` fields are a set of bit numbers in kafka-python (its ``json_patch``
  turns them into a ``bitfield`` and renames some); the int32 is converted to that set, and Kafka's
  field names are read from the unpatched JSON.
- ``ApiVersionsResponse`` is decoded with kafka-python's generic decoder: its override decodes any
  response carrying an error as v0 (the client's fallback; ours lives in ``framing.py``).

Values come from hypothesis with ``derandomize=True`` (the same examples on every run) and a
bounded ``max_examples`` per (message, version), so the ~450 cases stay well under a minute.
"""

from __future__ import annotations

import functools
import importlib
import uuid
import warnings
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wirekafka.protocol.compiler import codec
from wirekafka.protocol.messages import ALL
from wirekafka.protocol.schema import ArrayType, Field, StructType

api_message = pytest.importorskip("kafka.protocol.api_message", reason="needs kafka-python 3")
from kafka.protocol.api_data import ApiData  # noqa: E402  (after the importorskip above)
from kafka.protocol.schemas import load_json  # noqa: E402
from kafka.protocol.schemas.fields.codecs import BitField  # noqa: E402

ApiMessage = api_message.ApiMessage

#: Modules of kafka-python that define its spec-generated request, response and data classes.
KAFKA_PYTHON_MODULES = (
    "kafka.protocol.admin",
    "kafka.protocol.consumer",
    "kafka.protocol.metadata",
    "kafka.protocol.producer",
    "kafka.protocol.sasl",
)

#: (message, version) pairs both declare but whose specs really differ, with the reason. Empty:
#: at kafka-python 3.0.12 every shared version agrees byte for byte. An entry belongs here only
#: after checking Kafka's JSON history shows the field changed; a wrong declaration is fixed instead.
KNOWN_SPEC_DIFFERENCES: dict[tuple[str, int], str] = {}

#: Examples per (message, version), besides the all-defaults value checked first.
EXAMPLES_PER_CASE = 15


def _kafka_python_classes() -> dict[str, Any]:
    """kafka-python's spec-generated classes by Kafka's message name."""
    found: dict[str, Any] = {}
    for module_name in KAFKA_PYTHON_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            cls = getattr(module, name)
            if isinstance(cls, type) and issubclass(cls, ApiMessage | ApiData) and cls._json is not None:
                found[cls._json["name"]] = cls
    return found


KAFKA_PYTHON = _kafka_python_classes()


@dataclass(frozen=True)
class Case:
    """One (message, version) that both declare."""

    ours: Any
    theirs: Any
    version: int

    @property
    def name(self) -> str:
        return str(self.ours.schema.name)

    def __str__(self) -> str:
        return f"{self.name}-v{self.version}"


def _shared_cases() -> list[Case]:
    cases = []
    for name, ours in sorted(ALL.items()):
        theirs = KAFKA_PYTHON.get(name)
        if theirs is None:
            continue
        lowest, highest = theirs._valid_versions  # the JSON's validVersions, not the client's floor
        cases.extend(Case(ours, theirs, v) for v in ours.schema.versions if lowest <= v <= highest)
    return cases


CASES = _shared_cases()


# -- generating values ----------------------------------------------------------------------------

_INT_RANGES = {
    "int8": (-(2**7), 2**7 - 1),
    "int16": (-(2**15), 2**15 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint16": (0, 2**16 - 1),
    "uint32": (0, 2**32 - 1),
}


def _primitive(type_name: str) -> st.SearchStrategy[Any]:
    """Values of a primitive type; strings include multi-byte UTF-8 so lengths count bytes."""
    if type_name in _INT_RANGES:
        low, high = _INT_RANGES[type_name]
        return st.integers(low, high)
    if type_name == "bool":
        return st.booleans()
    if type_name == "float64":
        return st.floats(allow_nan=False)
    if type_name == "uuid":  # the zero UUID included: kafka-python reads it as None
        return st.integers(0, 2**128 - 1).map(lambda n: uuid.UUID(int=n))
    if type_name == "string":
        return st.text(max_size=8)
    if type_name in ("bytes", "records"):
        return st.binary(max_size=16)
    raise AssertionError(f"unknown primitive {type_name}")


def _field_values(f: Field, version: int, flexible: bool, depth: int) -> st.SearchStrategy[Any]:
    field_type = f.type
    values: st.SearchStrategy[Any]
    if isinstance(field_type, ArrayType):
        element = field_type.element
        elements = (
            _struct_values(element, version, flexible, depth + 1)
            if isinstance(element, StructType)
            else _primitive(element)
        )
        values = st.lists(elements, max_size=max(1, 3 - depth))
    elif isinstance(field_type, StructType):
        values = _struct_values(field_type, version, flexible, depth + 1)
    else:
        values = _primitive(field_type)
    if version in f.nullable_versions:
        values = st.none() | values
    return values


def _struct_values(
    struct_type: StructType, version: int, flexible: bool, depth: int
) -> st.SearchStrategy[Any]:
    """Values carrying only what ``version`` can: absent fields keep their defaults."""
    strategies: dict[str, st.SearchStrategy[Any]] = {}
    for f in struct_type.fields:
        tagged = flexible and f.tagged_in(version)
        if not tagged and not f.present_in(version):
            continue
        values = _field_values(f, version, flexible, depth)
        if tagged:  # often absent from the tag buffer, as in real traffic
            values = st.builds(f.default_value) | values
        strategies[f.name] = values
    return st.builds(struct_type.python_class, **strategies)


@functools.cache
def message_values(message_class: Any, version: int) -> st.SearchStrategy[Any]:
    schema = message_class.schema
    return _struct_values(schema.struct, version, schema.is_flexible(version), 0)


# -- building kafka-python's value from ours ------------------------------------------------------


@functools.cache
def _kafka_names(theirs: Any) -> dict[int, str]:
    """Kafka's field name behind each of kafka-python's field JSON objects (by ``id``).

    kafka-python's ``json_patch`` renames a few fields (``ClusterAuthorizedOperations`` ->
    ``authorized_operations``); the unpatched JSON has the same shape, so a parallel walk recovers
    Kafka's names.
    """
    names: dict[int, str] = {}

    def walk(original: list[dict[str, Any]], patched: list[dict[str, Any]]) -> None:
        for spec_field, patched_field in zip(original, patched, strict=True):
            names[id(patched_field)] = spec_field["name"]
            if "fields" in spec_field:
                walk(spec_field["fields"], patched_field["fields"])

    with warnings.catch_warnings():  # kafka-python reads its JSON with a deprecated importlib call
        warnings.simplefilter("ignore", DeprecationWarning)
        original = load_json(theirs.__name__)
    walk(original["fields"], theirs._json["fields"])
    return names


def to_kafka_python(case: Case, value: Any) -> Any:
    """kafka-python's value holding the same field values as ``value`` (ours) at ``case.version``."""
    names = _kafka_names(case.theirs)
    fields = _convert_fields(value, case.theirs._struct, names, case.version)
    return case.theirs(version=case.version, **fields)


def _convert_fields(value: Any, their_struct: Any, names: dict[int, str], version: int) -> dict[str, Any]:
    ours_by_kafka_name = {f.kafka_name: f for f in type(value).struct_type.fields}
    converted: dict[str, Any] = {}
    for their_field in their_struct._fields:
        if not their_field.for_version_q(version):
            continue
        kafka_name = names[id(their_field._json)]
        our_field = ours_by_kafka_name.get(kafka_name)
        if our_field is None:
            raise AssertionError(f"{their_struct._name}.{kafka_name} is in Kafka's spec but not declared")
        item = getattr(value, our_field.name)
        if our_field.tagged_in(version) and item == our_field.default_value():
            continue  # absent from the tag buffer; kafka-python spells that "unset"
        converted[their_field.name] = _convert_value(item, their_field, names, version)
    return converted


def _convert_value(item: Any, their_field: Any, names: dict[int, str], version: int) -> Any:
    if item is None:
        return None
    if their_field.is_struct_array():
        element = their_field.array_of
        return [element.data_class(**_convert_fields(x, element, names, version)) for x in item]
    if their_field.is_struct():
        return their_field.data_class(**_convert_fields(item, their_field, names, version))
    if getattr(their_field, "_type", None) is BitField:
        bits = BitField.from_32_bit_field(item & 0xFFFFFFFF)
        return None if bits == {31} else bits
    return item


def kafka_python_encode(case: Case, value: Any) -> bytes:
    if issubclass(case.theirs, ApiData):
        return bytes(value.encode(version=case.version, header=False))
    return bytes(value.encode(version=case.version))


def kafka_python_decode(case: Case, data: bytes) -> Any:
    if issubclass(case.theirs, ApiData):
        return case.theirs.decode(data, version=case.version, header=False)
    # The generic decoder, bypassing ApiVersionsResponse's client fallback (see module notes).
    decoded = ApiMessage.decode.__func__(case.theirs, data, version=case.version)
    # kafka-python's compiled decoder never sets the ``_header`` slot, which ``encode(version=)``
    # reads; its ``__init__`` would have set it to None.
    decoded._header = None
    return decoded


# -- the check ------------------------------------------------------------------------------------


def _difference(ours: bytes, theirs: bytes) -> str:
    """Where two encodings part, with a little context, for a readable failure."""
    common = min(len(ours), len(theirs))
    at = next((i for i in range(common) if ours[i] != theirs[i]), common)
    start = max(0, at - 8)
    lead = "..." if start else ""
    return (
        f"first difference at byte {at} (lengths {len(ours)} vs {len(theirs)}), from byte {start}:\n"
        f"  wirekafka:    {lead}{ours[start : at + 16].hex(' ')}\n"
        f"  kafka-python: {lead}{theirs[start : at + 16].hex(' ')}"
    )


def assert_agree(case: Case, value: Any) -> None:
    """The three checks of the module docstring, for one value."""
    ours = codec(case.ours, case.version)
    our_bytes = ours.encode(value)

    their_bytes = kafka_python_encode(case, to_kafka_python(case, value))
    assert their_bytes == our_bytes, (
        f"{case}: same values, different bytes; {_difference(our_bytes, their_bytes)}"
    )

    reencoded = kafka_python_encode(case, kafka_python_decode(case, our_bytes))
    assert reencoded == our_bytes, (
        f"{case}: kafka-python re-encodes our bytes differently; {_difference(our_bytes, reencoded)}"
    )

    assert ours.decode(their_bytes) == value, f"{case}: decoding kafka-python's bytes gives another value"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_same_bytes_as_kafka_python(case: Case) -> None:
    reason = KNOWN_SPEC_DIFFERENCES.get((case.name, case.version))
    if reason is not None:
        pytest.skip(reason)
    assert_agree(case, case.ours())  # Kafka's defaults in every field

    @settings(
        max_examples=EXAMPLES_PER_CASE,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(message_values(case.ours, case.version))
    def check(value: Any) -> None:
        assert_agree(case, value)

    check()


def test_the_oracle_covers_the_client_apis() -> None:
    """Guard against a silently empty comparison (a kafka-python release moving its classes)."""
    covered = {case.name for case in CASES}
    for api in ("Produce", "Fetch", "Metadata", "ApiVersions", "JoinGroup", "OffsetCommit", "CreateTopics"):
        assert {f"{api}Request", f"{api}Response"} <= covered
    assert len(covered) >= 100
    assert len(CASES) >= 400


def test_known_spec_differences_name_real_cases() -> None:
    """A stale skip (message renamed, version no longer shared) must not linger unnoticed."""
    shared = {(case.name, case.version) for case in CASES}
    assert set(KNOWN_SPEC_DIFFERENCES) <= shared
