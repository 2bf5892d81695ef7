"""Compile a declaration at one version into flat Python encode/decode functions.

``codec()`` gives the cached codec of a (message, version). Each direction is generated and
compiled on its first use: the first ``decode`` generates one decoder per struct of the message
and ``exec``s it once, the first ``encode`` does the same for the encoders (filenames such as
``<codegen:FetchRequest_v12:dec>`` keep tracebacks readable). A broker only decodes requests and
encodes responses, so compiling both directions would double the cost of the first request of
each (API, version), compiling being most of it.

Generated code is straight-line: fields whose width does not depend on their value are read and
written in runs with one precompiled ``struct.Struct``; lengths are read with a one-byte fast
path; ``records`` fields become zero-copy ``memoryview`` slices of the frame.

Rules kept by every generated decoder:
1. No length is trusted: a string, bytes, records or array longer than the bytes left raises
   ``DecodeError`` before anything is sliced or allocated.
2. Any low-level failure (``IndexError``, ``struct.error``, bad UTF-8) surfaces as ``DecodeError``
   with the position being decoded, never as the raw exception.
3. Unknown tagged fields are kept and written back, so bytes round-trip.

``interpreter.py`` is the slow reference with the same semantics; tests compare the two byte for
byte. ``wirekafka codec-source NAME VERSION`` prints what this module generates.
"""

from __future__ import annotations

import struct
import uuid
from collections.abc import Callable
from itertools import count
from typing import Any, Literal

from wirekafka.protocol import primitives as p
from wirekafka.protocol.errors import DecodeError, EncodeError, UnsupportedVersionError
from wirekafka.protocol.gather import put_records
from wirekafka.protocol.schema import (
    FIXED_WIDTH_FORMATS,
    ArrayType,
    Field,
    MessageSchema,
    StructType,
    default_source,
)

_Decoder = Callable[[memoryview, int], tuple[Any, int]]
_Encoder = Callable[[bytearray, Any], None]
_Direction = Literal["dec", "enc"]


class Codec:
    """The decoder and encoder of one message at one version, each compiled on first use.

    Until a direction is compiled, ``_decode``/``_encode`` hold a method that compiles it,
    installs the result and runs it: the hot path stays one attribute load and one call, with no
    "compiled yet?" test. Each attribute is replaced in one assignment by a complete function, so
    two threads racing on the first use at worst compile twice, never see half a codec.
    """

    __slots__ = ("_carries_records", "_decode", "_encode", "schema", "version")

    def __init__(self, schema: MessageSchema, version: int) -> None:
        self.schema = schema
        self.version = version
        self._decode: _Decoder = self._decode_first
        self._encode: _Encoder = self._encode_first
        self._carries_records: bool | None = None

    @property
    def source(self) -> str:
        """The generated source, decoders then encoders, exactly as each direction compiles it."""
        return "\n\n".join(_generate(self.schema, self.version, d)[0] for d in ("dec", "enc"))

    @property
    def carries_records(self) -> bool:
        """The layout has a ``records`` field: its encoder may set records aside (``protocol.gather``).

        Learnt while writing the encoders, so reading it compiles them: it is read on the way to
        encoding (``framing.encode_response_parts``), which needs them next anyway.
        """
        carries = self._carries_records
        if carries is None:
            _, carries = self._compile_encoders()
        return carries

    def decode(self, data: p.Buffer, *, exact: bool = True) -> Any:
        """Decode ``data``; with ``exact`` every byte must belong to the message.

        ``records`` fields of the result are views of ``data``: keep ``data`` alive and unmodified
        while they are in use.
        """
        view = data if isinstance(data, memoryview) else memoryview(data)
        try:
            value, position = self._decode(view, 0)
            if exact and position != len(view):
                raise DecodeError(f"{len(view) - position} bytes left over", position=position)
        except DecodeError as exc:
            raise exc.located(
                message=self.schema.name, api_key=self.schema.api_key, api_version=self.version
            ) from None
        return value

    def encode(self, value: Any) -> bytes:
        """Encode ``value`` (an instance of the message class) to bytes."""
        out = bytearray()
        self._encode(out, value)
        return bytes(out)

    def encode_into(self, out: bytearray, value: Any) -> None:
        """Append the encoding of ``value`` to ``out`` (lets framing write the size prefix first)."""
        self._encode(out, value)

    def _decode_first(self, buf: memoryview, pos: int) -> tuple[Any, int]:
        decode: _Decoder = _compile(self.schema, self.version, "dec")[0]
        self._decode = decode
        return decode(buf, pos)

    def _encode_first(self, out: bytearray, value: Any) -> None:
        encode, _ = self._compile_encoders()
        encode(out, value)

    def _compile_encoders(self) -> tuple[_Encoder, bool]:
        encode, carries_records = _compile(self.schema, self.version, "enc")
        self._carries_records = carries_records
        self._encode = encode
        return encode, carries_records


_CACHE: dict[tuple[int, int], Codec] = {}


def codec(message_class: Any, version: int) -> Codec:
    """The codec of ``message_class`` at ``version``; each direction compiles on its first use."""
    key = (id(message_class), version)
    found = _CACHE.get(key)
    if found is None:
        schema: MessageSchema = message_class.schema
        if version not in schema.valid_versions:
            raise UnsupportedVersionError(
                f"{schema.name} has no version {version} (valid: {schema.valid_versions})"
            )
        found = Codec(schema, version)
        _CACHE[key] = found
    return found


def _generate(schema: MessageSchema, version: int, direction: _Direction) -> tuple[str, _Generator]:
    """The source of every struct's decoder (``dec``) or encoder (``enc``), and its generator."""
    generator = _Generator(schema, version)
    source = generator.decoders() if direction == "dec" else generator.encoders()
    return source, generator


def _compile(schema: MessageSchema, version: int, direction: _Direction) -> tuple[Any, bool]:
    """The root struct's function of one direction, and whether the code writes ``records``."""
    source, generator = _generate(schema, version, direction)
    namespace = dict(generator.env)
    exec(compile(source, f"<codegen:{schema.name}_v{version}:{direction}>", "exec"), namespace)
    return namespace[f"{direction}_{schema.struct.name}"], generator.writes_records


class _Generator:
    """Writes the source of every struct's decoders or encoders for one (message, version).

    One generator per direction: its ``env`` (constants, helpers) becomes that direction's globals.
    """

    def __init__(self, schema: MessageSchema, version: int) -> None:
        self.schema = schema
        self.version = version
        self.flexible = schema.is_flexible(version)
        self.env: dict[str, Any] = {
            "_new": object.__new__,
            "_DE": DecodeError,
            "_EE": EncodeError,
            "_UVE": UnsupportedVersionError,
            "_ruv": p.read_unsigned_varint,
            "_wuv": p.write_unsigned_varint,
            "_rtag": p.read_tagged_fields,
            "_wtag": p.write_tagged_fields,
            "_UUID": uuid.UUID,
            "_array_struct": array_struct,
            **{f"_AS_{name}": _ARRAY_STRUCTS[fmt] for name, fmt in FIXED_WIDTH_FORMATS.items()},
            "_struct_error": struct.error,
            "_I8": p.INT8,
            "_I16": p.INT16,
            "_I32": p.INT32,
        }
        self._names = count()
        self.writes_records = False
        self._structs: dict[str, StructType] = {}
        for struct_type in schema.all_structs():
            other = self._structs.setdefault(struct_type.name, struct_type)
            if other is not struct_type:
                raise ValueError(f"{schema.name}: two different structs named {struct_type.name}")
            self.env[f"C_{struct_type.name}"] = struct_type.python_class

    def fresh(self, stem: str) -> str:
        return f"{stem}{next(self._names)}"

    def constant(self, value: Any) -> str:
        name = self.fresh("_k")
        self.env[name] = value
        return name

    def decoders(self) -> str:
        """The source of every struct's decoder (they call one another, so all compile together)."""
        return "\n\n".join(self.decoder(s) for s in self._structs.values()) + "\n"

    def encoders(self) -> str:
        """The source of every struct's encoder; sets ``writes_records`` if one writes ``records``."""
        return "\n\n".join(self.encoder(s) for s in self._structs.values()) + "\n"

    # -- decoding ---------------------------------------------------------------------------------

    def decoder(self, struct_type: StructType) -> str:
        v = self.version
        body: list[str] = [f"o = _new(C_{struct_type.name})"]
        run: list[Field] = []
        tagged: list[Field] = []
        extra_functions: list[str] = []

        def flush_run() -> None:
            if not run:
                return
            fmt = ">" + "".join(FIXED_WIDTH_FORMATS[f.type] for f in run)  # type: ignore[index]
            packer = self.constant(struct.Struct(fmt))
            targets = ", ".join(f"o.{f.name}" for f in run)
            body.append(f"{targets}, = {packer}.unpack_from(buf, pos)")
            body.append(f"pos += {struct.calcsize(fmt)}")
            run.clear()

        for f in struct_type.fields:
            if self.flexible and f.tagged_in(v):
                flush_run()
                body.append(f"o.{f.name} = {self.default_expr(f)}")
                tagged.append(f)
                continue
            if not f.present_in(v):
                flush_run()
                body.append(f"o.{f.name} = {self.default_expr(f)}")
                continue
            if isinstance(f.type, str) and f.type in FIXED_WIDTH_FORMATS:
                run.append(f)
                continue
            flush_run()
            body.extend(self.read_value(f, f"o.{f.name}"))
        flush_run()
        if self.flexible:
            body.append("if buf[pos] == 0:")
            body.append("    pos += 1")
            body.append("    o.unknown_tagged_fields = ()")
            body.append("else:")
            body.append("    tf, pos = _rtag(buf, pos)")
            body.append("    unknown = []")
            body.append("    for tag, data in tf:")
            keyword = "if"
            for f in tagged:
                fn = f"tag_{struct_type.name}_{f.name}"
                extra_functions.append(self.tag_decoder(fn, f))
                body.append(f"        {keyword} tag == {f.tag}:")
                body.append(f"            o.{f.name} = {fn}(data)")
                keyword = "elif"
            if tagged:
                body.append("        else:")
                body.append("            unknown.append((tag, bytes(data)))")
            else:
                body.append("        unknown.append((tag, bytes(data)))")
            body.append("    o.unknown_tagged_fields = unknown")
        else:
            body.append("o.unknown_tagged_fields = ()")
        body.append("return o, pos")
        function = self.wrap_decoder(f"dec_{struct_type.name}", "buf, pos", body)
        return "\n\n".join([*extra_functions, function])

    def wrap_decoder(self, name: str, params: str, body: list[str]) -> str:
        lines = [f"def {name}({params}):", "    buflen = len(buf)", "    try:"]
        lines += ["        " + line for line in body]
        lines += [
            "    except _DE:",
            "        raise",
            "    except (IndexError, _struct_error, ValueError, TypeError) as exc:",
            f"        raise _DE(f'{name}: {{exc}}', position=pos) from None",
        ]
        return "\n".join(lines)

    def tag_decoder(self, name: str, f: Field) -> str:
        body = [
            "pos = 0",
            *self.read_value(f, "v"),
            "if pos != buflen:",
            f"    raise _DE('tagged field {f.name} has extra bytes', position=pos)",
            "return v",
        ]
        return self.wrap_decoder(name, "buf", body)

    def default_expr(self, f: Field) -> str:
        return default_source(f, self.constant)

    def read_length(self, var: str, width: str) -> list[str]:
        """Read a length into ``var``: compact uvarint-1 in flexible versions, else int16/int32."""
        if self.flexible:
            return [
                f"{var} = buf[pos]",
                f"if {var} < 128:",
                "    pos += 1",
                "else:",
                f"    {var}, pos = _ruv(buf, pos)",
                f"{var} -= 1",
            ]
        packer = "_I16" if width == "int16" else "_I32"
        size = 2 if width == "int16" else 4
        return [f"{var}, = {packer}.unpack_from(buf, pos)", f"pos += {size}"]

    def null_or_error(self, nullable: bool, var: str, what: str, target: str) -> list[str]:
        if nullable:
            return [
                f"if {var} != -1:",
                f"    raise _DE('invalid {what} length %d' % {var}, position=pos)",
                f"{target} = None",
            ]
        return [f"raise _DE('invalid {what} length %d' % {var}, position=pos)"]

    def read_value(self, f: Field, target: str) -> list[str]:
        nullable = self.version in f.nullable_versions
        field_type = f.type
        if isinstance(field_type, ArrayType):
            return self.read_array(field_type, nullable, target)
        if isinstance(field_type, StructType):
            if nullable:
                marker = self.fresh("m")
                return [
                    f"{marker}, = _I8.unpack_from(buf, pos)",
                    "pos += 1",
                    f"if {marker} < 0:",
                    f"    {target} = None",
                    "else:",
                    f"    {target}, pos = dec_{field_type.name}(buf, pos)",
                ]
            return [f"{target}, pos = dec_{field_type.name}(buf, pos)"]
        return self.read_primitive(field_type, nullable, target)

    def read_primitive(self, type_name: str, nullable: bool, target: str) -> list[str]:
        if type_name in FIXED_WIDTH_FORMATS:
            packer = self.constant(struct.Struct(">" + FIXED_WIDTH_FORMATS[type_name]))
            size = struct.calcsize(">" + FIXED_WIDTH_FORMATS[type_name])
            return [f"{target}, = {packer}.unpack_from(buf, pos)", f"pos += {size}"]
        if type_name == "uuid":
            return [
                "if pos + 16 > buflen:",
                "    raise _DE('uuid: need 16 bytes', position=pos)",
                f"{target} = _UUID(bytes=bytes(buf[pos:pos + 16]))",
                "pos += 16",
            ]
        n = self.fresh("n")
        width = "int16" if type_name == "string" else "int32"
        lines = self.read_length(n, width)
        convert = {
            "string": "str(buf[pos:{end}], 'utf-8')",
            "bytes": "bytes(buf[pos:{end}])",
            "records": "buf[pos:{end}]",
        }[type_name]
        end = self.fresh("end")
        lines.append(f"if {n} < 0:")
        lines += ["    " + line for line in self.null_or_error(nullable, n, type_name, target)]
        lines += [
            "else:",
            f"    {end} = pos + {n}",
            f"    if {end} > buflen:",
            f"        raise _DE('{type_name}: need %d bytes, %d left' % ({n}, buflen - pos), position=pos)",
            f"    {target} = {convert.format(end=end)}",
            f"    pos = {end}",
        ]
        return lines

    def read_array(self, field_type: ArrayType, nullable: bool, target: str) -> list[str]:
        n = self.fresh("n")
        lines = self.read_length(n, "int32")
        lines.append(f"if {n} < 0:")
        lines += ["    " + line for line in self.null_or_error(nullable, n, "array", target)]
        lines.append("else:")
        inner = [
            f"if {n} > buflen - pos:",
            f"    raise _DE('array of %d elements with %d bytes left' % ({n}, buflen - pos), position=pos)",
        ]
        element = field_type.element
        if isinstance(element, str) and element in FIXED_WIDTH_FORMATS:
            size = struct.calcsize(">" + FIXED_WIDTH_FORMATS[element])
            fmt = FIXED_WIDTH_FORMATS[element]
            inner += [
                f"{target} = list((_AS_{element}.get({n}) or _array_struct({fmt!r}, {n})).unpack_from(buf, pos))",
                f"pos += {n} * {size}",
            ]
        else:
            items = self.fresh("items")
            item = self.fresh("item")
            inner += [f"{items} = []", f"for _ in range({n}):"]
            if isinstance(element, StructType):
                inner.append(f"    {item}, pos = dec_{element.name}(buf, pos)")
            else:
                inner += ["    " + line for line in self.read_primitive(element, False, item)]
            inner += [f"    {items}.append({item})", f"{target} = {items}"]
        lines += ["    " + line for line in inner]
        return lines

    # -- encoding ---------------------------------------------------------------------------------

    def encoder(self, struct_type: StructType) -> str:
        v = self.version
        body: list[str] = []
        run: list[Field] = []
        tagged: list[Field] = []

        def flush_run() -> None:
            if not run:
                return
            fmt = ">" + "".join(FIXED_WIDTH_FORMATS[f.type] for f in run)  # type: ignore[index]
            packer = self.constant(struct.Struct(fmt))
            values = ", ".join(f"o.{f.name}" for f in run)
            body.append(f"out += {packer}.pack({values})")
            run.clear()

        for f in struct_type.fields:
            if self.flexible and f.tagged_in(v):
                tagged.append(f)
                continue
            if not f.present_in(v):
                if not f.ignorable:
                    flush_run()
                    body.extend(self.check_absent(struct_type, f))
                continue
            if isinstance(f.type, str) and f.type in FIXED_WIDTH_FORMATS:
                run.append(f)
                continue
            flush_run()
            value = self.fresh("v")
            body.append(f"{value} = o.{f.name}")
            body.extend(self.write_value(f, value, "out"))
        flush_run()
        if self.flexible and not tagged:
            body.append("unknown = o.unknown_tagged_fields")
            body.append("if unknown:")
            body.append("    _wtag(out, sorted(unknown, key=lambda item: item[0]))")
            body.append("else:")
            body.append("    out.append(0)")
        elif self.flexible:
            body.append("tags = []")
            for f in tagged:
                value = self.fresh("v")
                default = self.constant(f.default_value())
                buffer = self.fresh("t")
                body.append(f"{value} = o.{f.name}")
                body.append(f"if {value} != {default}:")
                body.append(f"    {buffer} = bytearray()")
                body += ["    " + line for line in self.write_value(f, value, buffer, flexible=True)]
                body.append(f"    tags.append(({f.tag}, {buffer}))")
            body.append("unknown = o.unknown_tagged_fields")
            body.append("if unknown:")
            body.append("    tags.extend(unknown)")
            body.append("    tags.sort(key=lambda item: item[0])")
            body.append("if tags:")
            body.append("    _wtag(out, tags)")
            body.append("else:")
            body.append("    out.append(0)")
        if not body:
            body.append("pass")
        name = f"enc_{struct_type.name}"
        lines = [f"def {name}(out, o):", "    try:"]
        lines += ["        " + line for line in body]
        lines += [
            "    except _EE:",
            "        raise",
            "    except (_struct_error, TypeError, AttributeError, ValueError, OverflowError) as exc:",
            f"        raise _EE(f'{struct_type.name}: {{exc}}') from exc",
        ]
        return "\n".join(lines)

    def check_absent(self, struct_type: StructType, f: Field) -> list[str]:
        default = f.default_value()
        if default is None:
            condition = f"o.{f.name} is not None"
        else:
            condition = f"o.{f.name} != {self.constant(default)}"
        return [
            f"if {condition}:",
            f"    raise _UVE('{struct_type.name}.{f.name} has a non-default value but version "
            f"{self.version} has no such field')",
        ]

    def write_length(self, out: str, expression: str, width: str, flexible: bool) -> list[str]:
        if flexible:
            n = self.fresh("n")
            return [
                f"{n} = {expression} + 1",
                f"if {n} < 128:",
                f"    {out}.append({n})",
                "else:",
                f"    _wuv({out}, {n})",
            ]
        packer = "_I16" if width == "int16" else "_I32"
        return [f"{out} += {packer}.pack({expression})"]

    def write_null(self, out: str, field_type: Any, flexible: bool) -> str:
        if flexible:
            return f"{out}.append(0)"
        if isinstance(field_type, StructType):
            return f"{out} += b'\\xff'"
        if field_type == "string":
            return f"{out} += b'\\xff\\xff'"
        return f"{out} += b'\\xff\\xff\\xff\\xff'"

    def write_value(self, f: Field, value: str, out: str, *, flexible: bool | None = None) -> list[str]:
        flexible = self.flexible if flexible is None else flexible
        nullable = self.version in f.nullable_versions
        field_type = f.type
        lines = [f"if {value} is None:"]
        if nullable:
            if isinstance(field_type, StructType):
                lines.append(f"    {out} += b'\\xff'")
            else:
                lines.append(f"    {self.write_null(out, field_type, flexible)}")
        else:
            lines.append(f"    raise _EE('{f.name} is null but not nullable at version {self.version}')")
        lines.append("else:")
        if isinstance(field_type, ArrayType):
            inner = self.write_length(out, f"len({value})", "int32", flexible)
            element = field_type.element
            if isinstance(element, StructType):
                item = self.fresh("item")
                inner += [f"for {item} in {value}:", f"    enc_{element.name}({out}, {item})"]
            elif element in FIXED_WIDTH_FORMATS:
                fmt = FIXED_WIDTH_FORMATS[element]
                inner.append(
                    f"{out} += (_AS_{element}.get(len({value})) or _array_struct({fmt!r}, len({value}))).pack(*{value})"
                )
            else:
                item = self.fresh("item")
                inner.append(f"for {item} in {value}:")
                inner.append(f"    if {item} is None:")
                inner.append("        raise _EE('null element in an array')")
                inner += ["    " + line for line in self.write_primitive(element, item, out, flexible)]
        elif isinstance(field_type, StructType):
            inner = [f"{out} += b'\\x01'"] if nullable else []
            inner.append(f"enc_{field_type.name}({out}, {value})")
        else:
            inner = self.write_primitive(field_type, value, out, flexible)
        lines += ["    " + line for line in inner]
        return lines

    def write_primitive(self, type_name: str, value: str, out: str, flexible: bool) -> list[str]:
        if type_name in FIXED_WIDTH_FORMATS:
            packer = self.constant(struct.Struct(">" + FIXED_WIDTH_FORMATS[type_name]))
            return [f"{out} += {packer}.pack({value})"]
        if type_name == "uuid":
            return [f"{out} += {value}.bytes"]
        if type_name == "string":
            data = self.fresh("b")
            return [
                f"{data} = {value}.encode('utf-8')",
                *self.write_length(out, f"len({data})", "int16", flexible),
                f"{out} += {data}",
            ]
        if type_name == "records":
            # Large records may be left out of a gathering frame (``protocol.gather``).
            self.writes_records = True
            return [
                *self.write_length(out, f"len({value})", "int32", flexible),
                f"{self.constant(put_records)}({out}, {value})",
            ]
        return [*self.write_length(out, f"len({value})", "int32", flexible), f"{out} += {value}"]


_ARRAY_STRUCT_CACHE_LIMIT = 64
#: format character -> {length: Struct}; the generated code looks lengths up in these dicts
#: directly (no call, no key tuple: an encode of 1000 partitions would otherwise allocate 3000
#: tuples and wake the garbage collector over the whole response).
_ARRAY_STRUCTS: dict[str, dict[int, struct.Struct]] = {fmt: {} for fmt in FIXED_WIDTH_FORMATS.values()}


def array_struct(fmt: str, length: int) -> struct.Struct:
    """A ``struct.Struct`` for ``length`` items of ``fmt``; short arrays (the common case) are cached.

    Longer ones are not cached: their length comes from the peer, and a cache keyed by it would
    grow with whatever lengths an attacker sends.
    """
    cache = _ARRAY_STRUCTS[fmt]
    found = cache.get(length)
    if found is None:
        found = struct.Struct(f">{length}{fmt}")
        if length <= _ARRAY_STRUCT_CACHE_LIMIT:
            cache[length] = found
    return found


def codec_source(message_class: Any, version: int) -> str:
    """The generated source of a codec (both directions), for ``wirekafka codec-source`` and curious readers."""
    return codec(message_class, version).source
