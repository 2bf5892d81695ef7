"""Hypothesis strategies that build valid values of any declared message at any version.

A value only uses what the version can carry: fields absent at the version keep their default,
nulls appear only where the version allows them, and flexible versions sometimes carry unknown
tagged fields (which must round-trip).
"""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import strategies as st

from wirekafka.protocol.schema import ArrayType, Field, FieldType, StructType

_INTS = {
    "int8": (-(2**7), 2**7 - 1),
    "int16": (-(2**15), 2**15 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint16": (0, 2**16 - 1),
    "uint32": (0, 2**32 - 1),
}

_UUIDS = st.builds(lambda n: uuid.UUID(int=n), st.integers(0, 2**128 - 1))


def primitive(type_name: str) -> st.SearchStrategy[Any]:
    if type_name in _INTS:
        low, high = _INTS[type_name]
        return st.integers(low, high)
    if type_name == "bool":
        return st.booleans()
    if type_name == "float64":
        return st.floats(allow_nan=False)
    if type_name == "uuid":
        return _UUIDS
    if type_name == "string":
        return st.text(max_size=12)
    if type_name in ("bytes", "records"):
        return st.binary(max_size=24)
    raise AssertionError(type_name)


def field_value(
    f: Field, field_type: FieldType, version: int, depth: int, flexible: bool
) -> st.SearchStrategy[Any]:
    if isinstance(field_type, ArrayType):
        element = field_type.element
        elements = (
            _struct(element, version, depth + 1, flexible)
            if isinstance(element, StructType)
            else primitive(element)
        )
        base: st.SearchStrategy[Any] = st.lists(elements, max_size=3 if depth < 2 else 1)
    elif isinstance(field_type, StructType):
        base = _struct(field_type, version, depth + 1, flexible)
    else:
        base = primitive(field_type)
    if version in f.nullable_versions:
        return st.one_of(st.none(), base)
    return base


@st.composite
def _struct(draw: st.DrawFn, struct_type: StructType, version: int, depth: int, flexible: bool) -> Any:
    values: dict[str, Any] = {}
    known_tags = set()
    for f in struct_type.fields:
        if f.tag is not None:
            known_tags.add(f.tag)
        tagged = flexible and f.tagged_in(version)
        if not (tagged or (f.present_in(version) and not f.tagged_in(version))):
            continue
        if tagged and draw(st.booleans()):
            continue  # a tagged field left at its default is not written
        values[f.name] = draw(field_value(f, f.type, version, depth, flexible))
    obj = struct_type.python_class(**values)
    if flexible and draw(st.integers(0, 3)) == 0:
        tags = draw(st.lists(st.integers(1000, 1010), unique=True, max_size=2))
        obj.unknown_tagged_fields = [
            (tag, draw(st.binary(max_size=6))) for tag in sorted(tags) if tag not in known_tags
        ]
    return obj


def message_value(message_class: Any, version: int) -> st.SearchStrategy[Any]:
    """Valid values of ``message_class`` at ``version``."""
    schema = message_class.schema
    return _struct(schema.struct, version, 0, schema.is_flexible(version))
