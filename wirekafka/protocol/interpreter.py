"""The reference codec: walks a declaration field by field. Slow, obvious, and the test oracle.

The compiled codecs (``compiler.py``) must produce exactly the bytes this module produces and
decode exactly the values it decodes. Keep it free of optimisations so that it stays easy to
check against Kafka's spec by reading.
"""

from __future__ import annotations

import struct
from typing import Any

from wirekafka.protocol import primitives as p
from wirekafka.protocol.errors import DecodeError, EncodeError, UnsupportedVersionError
from wirekafka.protocol.schema import ArrayType, Field, FieldType, Struct, StructType

_FIXED = {
    "int8": p.INT8,
    "int16": p.INT16,
    "int32": p.INT32,
    "int64": p.INT64,
    "uint16": p.UINT16,
    "uint32": p.UINT32,
    "float64": p.FLOAT64,
}


def decode(message_class: Any, version: int, data: p.Buffer, *, exact: bool = True) -> Any:
    """Decode ``data`` as ``message_class`` at ``version``; with ``exact``, every byte must be used."""
    schema = message_class.schema
    flexible = schema.is_flexible(version)
    try:
        value, position = _read_struct(schema.struct, version, flexible, memoryview(data), 0)
        if exact and position != len(data):
            raise DecodeError(f"{len(data) - position} bytes left over", position=position)
    except DecodeError as exc:
        raise exc.located(message=schema.name, api_key=schema.api_key, api_version=version) from None
    return value


def encode(value: Struct, version: int) -> bytes:
    """Encode a message value at ``version``."""
    schema = type(value).schema
    out = bytearray()
    _write_struct(out, schema.struct, value, version, schema.is_flexible(version))
    return bytes(out)


# -- decoding -------------------------------------------------------------------------------------


def _read_struct(
    struct_type: StructType, version: int, flexible: bool, buffer: memoryview, position: int
) -> tuple[Struct, int]:
    obj = struct_type.python_class()
    tagged: dict[int, Field] = {}
    for f in struct_type.fields:
        if f.tagged_in(version) and flexible:
            assert f.tag is not None
            tagged[f.tag] = f
            continue
        if not f.present_in(version):
            continue
        value, position = _read_value(f, f.type, version, flexible, buffer, position)
        setattr(obj, f.name, value)
    if flexible:
        fields, position = p.read_tagged_fields(buffer, position)
        unknown = []
        for tag, data in fields:
            known = tagged.get(tag)
            if known is None:
                unknown.append((tag, bytes(data)))
                continue
            value, end = _read_value(known, known.type, version, True, data, 0)
            if end != len(data):
                raise DecodeError(f"tagged field {tag} has {len(data) - end} extra bytes", position=position)
            setattr(obj, known.name, value)
        obj.unknown_tagged_fields = unknown
    return obj, position


def _read_value(
    f: Field, field_type: FieldType, version: int, flexible: bool, buffer: memoryview, position: int
) -> tuple[Any, int]:
    nullable = version in f.nullable_versions
    if isinstance(field_type, ArrayType):
        length, position = p.read_array_length(buffer, position, compact=flexible, nullable=nullable)
        if length < 0:
            return None, position
        items = []
        for _ in range(length):
            item, position = _read_element(field_type.element, version, flexible, buffer, position)
            items.append(item)
        return items, position
    if isinstance(field_type, StructType):
        if nullable:
            marker, position = p.read_struct(p.INT8, buffer, position)
            if marker < 0:
                return None, position
        return _read_struct(field_type, version, flexible, buffer, position)
    return _read_primitive(field_type, flexible, nullable, buffer, position)


def _read_element(
    element: str | StructType, version: int, flexible: bool, buffer: memoryview, position: int
) -> tuple[Any, int]:
    if isinstance(element, StructType):
        return _read_struct(element, version, flexible, buffer, position)
    return _read_primitive(element, flexible, False, buffer, position)


def _read_primitive(
    type_name: str, flexible: bool, nullable: bool, buffer: memoryview, position: int
) -> tuple[Any, int]:
    if type_name in _FIXED:
        return p.read_struct(_FIXED[type_name], buffer, position)
    if type_name == "bool":
        return p.read_bool(buffer, position)
    if type_name == "uuid":
        return p.read_uuid(buffer, position)
    if type_name == "string":
        return p.read_string(buffer, position, compact=flexible, nullable=nullable)
    if type_name == "bytes":
        return p.read_bytes(buffer, position, compact=flexible, nullable=nullable)
    if type_name == "records":
        return p.read_records(buffer, position, compact=flexible, nullable=nullable)
    raise AssertionError(f"unknown type {type_name}")


# -- encoding -------------------------------------------------------------------------------------


def _write_struct(out: bytearray, struct_type: StructType, obj: Struct, version: int, flexible: bool) -> None:
    tagged: list[tuple[int, bytes]] = []
    for f in struct_type.fields:
        value = getattr(obj, f.name)
        if f.tagged_in(version) and flexible:
            if value != f.default_value():
                assert f.tag is not None
                buffer = bytearray()
                _write_value(buffer, f, f.type, value, version, True)
                tagged.append((f.tag, bytes(buffer)))
            continue
        if not f.present_in(version):
            if not f.ignorable and value != f.default_value():
                raise UnsupportedVersionError(
                    f"{struct_type.name}.{f.name} has a non-default value but version {version} "
                    f"has no such field"
                )
            continue
        _write_value(out, f, f.type, value, version, flexible)
    if flexible:
        tagged.extend((tag, bytes(data)) for tag, data in obj.unknown_tagged_fields)
        tagged.sort(key=lambda item: item[0])
        p.write_tagged_fields(out, tagged)


def _write_value(
    out: bytearray, f: Field, field_type: FieldType, value: Any, version: int, flexible: bool
) -> None:
    if value is None:
        if version not in f.nullable_versions:
            raise EncodeError(f"{f.name} is null but not nullable at version {version}")
        if isinstance(field_type, ArrayType):
            p.write_array_length(out, -1, compact=flexible)
        elif isinstance(field_type, StructType):
            out += p.INT8.pack(-1)
        elif field_type in ("string",):
            p.write_string(out, None, compact=flexible)
        else:
            p.write_bytes(out, None, compact=flexible)
        return
    if isinstance(field_type, ArrayType):
        p.write_array_length(out, len(value), compact=flexible)
        for item in value:
            _write_element(out, field_type.element, item, version, flexible)
        return
    if isinstance(field_type, StructType):
        if version in f.nullable_versions:
            out += p.INT8.pack(1)
        _write_struct(out, field_type, value, version, flexible)
        return
    _write_primitive(out, field_type, value, flexible)


def _write_element(
    out: bytearray, element: str | StructType, value: Any, version: int, flexible: bool
) -> None:
    if isinstance(element, StructType):
        _write_struct(out, element, value, version, flexible)
    else:
        if value is None:
            raise EncodeError("null element in an array")
        _write_primitive(out, element, value, flexible)


def _write_primitive(out: bytearray, type_name: str, value: Any, flexible: bool) -> None:
    try:
        if type_name in _FIXED:
            out += _FIXED[type_name].pack(value)
        elif type_name == "bool":
            out.append(1 if value else 0)
        elif type_name == "uuid":
            p.write_uuid(out, value)
        elif type_name == "string":
            p.write_string(out, value, compact=flexible)
        else:
            p.write_bytes(out, value, compact=flexible)
    except (struct.error, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise EncodeError(f"cannot write {value!r} as {type_name}: {exc}") from exc
