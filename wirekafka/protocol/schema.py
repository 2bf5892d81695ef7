"""Declaring Kafka messages as data: one declaration per message, mirroring Kafka's JSON specs.

A message module writes, for example::

    HeartbeatRequest = message(
        "HeartbeatRequest", api_key=12, kind="request", valid="0-4", flexible="4+",
        fields=[
            field("group_id", "string", "0+"),
            field("generation_id", "int32", "0+"),
            field("member_id", "string", "0+"),
            field("group_instance_id", "string", "3+", nullable="3+", default=None),
        ],
    )

and gets back a class: ``HeartbeatRequest(group_id="g", ...)`` builds a value, nested structs are
reachable as attributes (``CreateTopicsRequest.CreatableTopic``), and ``HeartbeatRequest.schema``
is the declaration the compiler (``compiler.py``) and the reference interpreter
(``interpreter.py``) read.

Rules (as in Kafka's generator):
1. A field exists at the versions in ``versions``; a nullable field may be null at ``nullable``.
2. A tagged field (``tag`` + ``tagged``) lives in the tag buffer of flexible versions and is
   written only when it differs from its default.
3. Writing a non-default value into a field absent at the target version raises
   ``UnsupportedVersionError`` unless the field is ``ignorable``.
4. Field names are Kafka's names in snake_case (``ThrottleTimeMs`` -> ``throttle_time_ms``);
   struct names are Kafka's, unchanged.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

from wirekafka.protocol.primitives import ZERO_UUID

PRIMITIVE_TYPES: Final = frozenset(
    {
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint16",
        "uint32",
        "float64",
        "uuid",
        "string",
        "bytes",
        "records",
    }
)
#: Types whose width does not depend on the value: the compiler reads runs of them in one unpack.
FIXED_WIDTH_FORMATS: Final = {
    "bool": "?",
    "int8": "b",
    "int16": "h",
    "int32": "i",
    "int64": "q",
    "uint16": "H",
    "uint32": "I",
    "float64": "d",
}


@dataclass(frozen=True, slots=True)
class Versions:
    """An inclusive version range; ``highest=None`` means open-ended (``"3+"``), ``lowest=None`` none."""

    lowest: int | None
    highest: int | None = None

    @classmethod
    def parse(cls, text: str | None) -> Versions:
        """Parse Kafka's notation: ``"3+"``, ``"0-4"``, ``"5"``, ``"none"``.

        Each text is parsed once (``_PARSED_VERSIONS``): the declarations parse ~3,500 of them,
        a few dozen different ones, at every start.
        """
        if text is None:
            return NO_VERSIONS
        parsed = _PARSED_VERSIONS.get(text)
        if parsed is None:
            parsed = _PARSED_VERSIONS[text] = cls._parse(text)
        return parsed

    @classmethod
    def _parse(cls, text: str) -> Versions:
        if text == "none" or text == "":
            return NO_VERSIONS
        if text.endswith("+"):
            return cls(int(text[:-1]), None)
        if "-" in text:
            low, high = text.split("-", 1)
            return cls(int(low), int(high))
        return cls(int(text), int(text))

    def __contains__(self, version: object) -> bool:
        if self.lowest is None or not isinstance(version, int):
            return False
        return version >= self.lowest and (self.highest is None or version <= self.highest)

    def __str__(self) -> str:
        if self.lowest is None:
            return "none"
        if self.highest is None:
            return f"{self.lowest}+"
        if self.highest == self.lowest:
            return str(self.lowest)
        return f"{self.lowest}-{self.highest}"


NO_VERSIONS: Final = Versions(None, None)
_PARSED_VERSIONS: dict[str, Versions] = {}


class _Missing:
    """Marks "no explicit default": the type's own default applies (0, "", [], ...)."""

    _instance: ClassVar[_Missing | None] = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


@dataclass(frozen=True, slots=True, eq=False)
class StructType:
    """A struct: an ordered list of fields; becomes a Python class with the same name."""

    name: str
    fields: tuple[Field, ...]
    python_class: type[Struct] = dataclass_field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "python_class", _make_struct_class(self))

    def nested_structs(self) -> Iterator[StructType]:
        """Every struct reachable from this one (itself excluded), depth first, each once."""
        seen: set[int] = set()
        for f in self.fields:
            element = f.type.element if isinstance(f.type, ArrayType) else f.type
            if isinstance(element, StructType) and id(element) not in seen:
                seen.add(id(element))
                yield element
                for inner in element.nested_structs():
                    if id(inner) not in seen:
                        seen.add(id(inner))
                        yield inner


@dataclass(frozen=True, slots=True)
class ArrayType:
    """An array of a primitive type (``"[]int32"``) or of a struct."""

    element: str | StructType


FieldType = str | ArrayType | StructType


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a struct, with Kafka's spec attributes."""

    name: str
    type: FieldType
    versions: Versions
    nullable_versions: Versions = NO_VERSIONS
    tag: int | None = None
    tagged_versions: Versions = NO_VERSIONS
    explicit_default: Any = MISSING
    ignorable: bool = False
    kafka_name: str = ""

    @property
    def type_name(self) -> str:
        """Kafka's spelling of the type: ``int32``, ``[]int32``, ``[]CreatableTopic``, ``Cursor``."""
        if isinstance(self.type, ArrayType):
            element = self.type.element
            return "[]" + (element.name if isinstance(element, StructType) else element)
        if isinstance(self.type, StructType):
            return self.type.name
        return self.type

    def default_value(self) -> Any:
        """A fresh default value for this field (new list / struct each call, as Java allocates)."""
        if self.explicit_default is not MISSING:
            value = self.explicit_default
            if isinstance(value, list):
                return list(value)
            return value
        return type_default(self.type)

    def present_in(self, version: int) -> bool:
        return version in self.versions

    def tagged_in(self, version: int) -> bool:
        return self.tag is not None and version in self.tagged_versions


def type_default(field_type: FieldType) -> Any:
    """Kafka's default for a type without an explicit ``default``."""
    if isinstance(field_type, ArrayType):
        return []
    if isinstance(field_type, StructType):
        return field_type.python_class()
    return _PRIMITIVE_DEFAULTS[field_type]


_PRIMITIVE_DEFAULTS: Final[dict[str, Any]] = {
    "bool": False,
    "int8": 0,
    "int16": 0,
    "int32": 0,
    "int64": 0,
    "uint16": 0,
    "uint32": 0,
    "float64": 0.0,
    "uuid": ZERO_UUID,
    "string": "",
    "bytes": b"",
    "records": None,
}


@dataclass(frozen=True, slots=True, eq=False)
class MessageSchema:
    """A top-level message (request, response, header or data record) and its root struct."""

    name: str
    kind: Literal["request", "response", "header", "data", "metadata"]
    api_key: int | None
    valid_versions: Versions
    flexible_versions: Versions
    struct: StructType

    def is_flexible(self, version: int) -> bool:
        return version in self.flexible_versions

    @property
    def versions(self) -> range:
        """Every valid version, lowest first."""
        assert self.valid_versions.lowest is not None and self.valid_versions.highest is not None
        return range(self.valid_versions.lowest, self.valid_versions.highest + 1)

    def all_structs(self) -> list[StructType]:
        return [self.struct, *self.struct.nested_structs()]


# -- declaration helpers used by messages/*.py ----------------------------------------------------

_CAMEL_BOUNDARY: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(kafka_name: str) -> str:
    """Kafka's field name in Python's spelling: ``ThrottleTimeMs`` -> ``throttle_time_ms``."""
    return _CAMEL_BOUNDARY.sub("_", kafka_name).lower()


def field(
    name: str,
    type: FieldType,
    versions: str = "0+",
    *,
    nullable: str | None = None,
    tag: int | None = None,
    tagged: str | None = None,
    default: Any = MISSING,
    ignorable: bool = False,
    kafka_name: str | None = None,
) -> Field:
    """Declare a field. ``type`` is a primitive name, ``"[]<primitive>"``, a struct or an array."""
    if isinstance(type, str) and type.startswith("[]"):
        element = type[2:]
        if element not in PRIMITIVE_TYPES:
            raise ValueError(f"{name}: unknown element type {element!r}")
        type = ArrayType(element)
    elif isinstance(type, str) and type not in PRIMITIVE_TYPES:
        raise ValueError(f"{name}: unknown type {type!r}")
    if (tag is None) != (tagged is None):
        raise ValueError(f"{name}: tag and tagged go together")
    return Field(
        name=name,
        type=type,
        versions=Versions.parse(versions),
        nullable_versions=Versions.parse(nullable),
        tag=tag,
        tagged_versions=Versions.parse(tagged),
        explicit_default=default,
        ignorable=ignorable,
        kafka_name=kafka_name or _camel_case(name),
    )


def _camel_case(snake: str) -> str:
    """Kafka's spelling of a field name; computed once per name (``error_code`` is declared ~170
    times)."""
    camel = _CAMEL_CASED.get(snake)
    if camel is None:
        camel = _CAMEL_CASED[snake] = "".join(part[:1].upper() + part[1:] for part in snake.split("_"))
    return camel


_CAMEL_CASED: dict[str, str] = {}


def struct(name: str, fields: Sequence[Field]) -> StructType:
    """Declare a struct type (Kafka's ``"type": "[]Name"`` with ``fields``, or a common struct)."""
    return StructType(name, tuple(fields))


def array(element: str | StructType) -> ArrayType:
    """An array type: ``array(struct(...))`` or ``array("int32")``."""
    return ArrayType(element)


def message(
    name: str,
    *,
    kind: Literal["request", "response", "header", "data", "metadata"],
    valid: str,
    flexible: str,
    fields: Sequence[Field],
    api_key: int | None = None,
) -> Any:
    """Declare a message; returns its class (typed ``Any``: fields are known only at run time)."""
    root = StructType(name, tuple(fields))
    schema = MessageSchema(
        name=name,
        kind=kind,
        api_key=api_key,
        valid_versions=Versions.parse(valid),
        flexible_versions=Versions.parse(flexible),
        struct=root,
    )
    cls = root.python_class
    cls.schema = schema
    for nested in root.nested_structs():
        setattr(cls, nested.name, nested.python_class)
    return cls


# -- the Python classes behind structs ------------------------------------------------------------


class Struct:
    """Base of every generated message and struct class: slotted, compared field by field.

    ``unknown_tagged_fields`` keeps tagged fields this version of wirekafka does not know, so a
    decoded message re-encodes to the same bytes (Kafka's generator does the same).
    """

    __slots__ = ("unknown_tagged_fields",)
    unknown_tagged_fields: Sequence[tuple[int, bytes]]
    struct_type: ClassVar[StructType]
    schema: ClassVar[MessageSchema]
    field_names: ClassVar[tuple[str, ...]]

    if TYPE_CHECKING:

        def __init__(self, **values: Any) -> None: ...

        def __getattr__(self, name: str) -> Any: ...

    # Each struct class compares field by field (``_generate_eq``) and is unhashable: values are
    # mutable, like Kafka's generated data classes.
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.field_names)
        return f"{type(self).__name__}({inner})"

    def to_dict(self) -> dict[str, Any]:
        """A plain-data view (nested structs and lists converted), for logs, JSON and tests."""
        return {n: _plain(getattr(self, n)) for n in self.field_names}


def _plain(value: Any) -> Any:
    if isinstance(value, Struct):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _make_struct_class(struct_type: StructType) -> type[Struct]:
    """Build the slotted class of a struct.

    Its ``__init__`` and ``__eq__`` are generated from the fields on first use, not here: importing
    ~600 struct classes must stay cheap (``wirekafka serve`` should answer within a blink), and most
    structs are never built by a given process.
    """
    names = tuple(f.name for f in struct_type.fields)
    if len(set(names)) != len(names):
        raise ValueError(f"{struct_type.name}: duplicate field names")

    def __init__(self: Struct, **values: Any) -> None:
        cls = type(self)
        cls.__init__ = _generate_init(cls.struct_type)  # type: ignore[method-assign]
        cls.__init__(self, **values)

    def __eq__(self: Struct, other: object) -> bool:
        cls = type(self)
        cls.__eq__ = _generate_eq(cls.struct_type)  # type: ignore[method-assign]
        return cls.__eq__(self, other)

    namespace: dict[str, Any] = {
        "__slots__": names,
        "struct_type": struct_type,
        "field_names": names,
        "__init__": __init__,
        "__eq__": __eq__,
    }
    return type(struct_type.name, (Struct,), namespace)


def _generate_init(struct_type: StructType) -> Any:
    """The ``__init__`` of a struct class: every field a keyword with its default.

    Mutable defaults (lists, nested structs) are created per instance, as Kafka's Java classes do.
    """
    params = []
    body = []
    env: dict[str, Any] = {"_MISSING": MISSING}

    def constant(value: Any) -> str:
        name = f"_c{len(env)}"
        env[name] = value
        return name

    for f in struct_type.fields:
        expression = default_source(f, constant)
        if is_literal_default(f):
            params.append(f"{f.name}={expression}")
            body.append(f"    self.{f.name} = {f.name}")
        else:
            params.append(f"{f.name}=_MISSING")
            body.append(f"    self.{f.name} = {expression} if {f.name} is _MISSING else {f.name}")
    body.append("    self.unknown_tagged_fields = ()")
    signature = ", ".join(["self", "*", *params]) if params else "self"
    source = f"def __init__({signature}):\n" + "\n".join(body) + "\n"
    exec(compile(source, f"<struct:{struct_type.name}.__init__>", "exec"), env)
    return env["__init__"]


def _generate_eq(struct_type: StructType) -> Any:
    """The ``__eq__`` of a struct class: field by field, then the unknown tagged fields.

    Generated, like ``__init__``, because encoders compare tagged struct fields with their
    default on every response (Kafka writes a tagged field only when it differs): a loop over
    ``getattr`` cost several microseconds per Fetch partition.
    """
    compared = [f"self.{f.name} == other.{f.name}" for f in struct_type.fields]
    compared.append(
        "(not self.unknown_tagged_fields and not other.unknown_tagged_fields"
        " or list(self.unknown_tagged_fields) == list(other.unknown_tagged_fields))"
    )
    source = (
        "def __eq__(self, other):\n"
        "    if type(other) is not type(self):\n"
        "        return NotImplemented\n"
        f"    return {' and '.join(compared)}\n"
    )
    env: dict[str, Any] = {}
    exec(compile(source, f"<struct:{struct_type.name}.__eq__>", "exec"), env)
    return env["__eq__"]


def is_literal_default(f: Field) -> bool:
    """Whether ``f``'s default is an immutable value written as a literal (shared safely)."""
    return _is_literal(f.default_value())


def _is_literal(value: Any) -> bool:
    return value is None or isinstance(value, bool | int | float | str | bytes)


def default_source(f: Field, constant: Callable[[Any], str]) -> str:
    """Python source of an expression that makes ``f``'s default, for generated code.

    Literals for immutable values; a new list or a new nested struct per evaluation for mutable
    ones, so two values never share a default list (Java allocates per instance too).
    ``constant(value)`` names a value the generated code can reach.
    """
    default = f.default_value()
    if _is_literal(default):
        return repr(default)
    if isinstance(default, list):
        return f"list({constant(tuple(default))})" if default else "[]"
    if isinstance(default, Struct):
        return f"{constant(type(default))}()"
    if isinstance(default, uuid.UUID):
        return constant(default)  # immutable: one shared instance
    return f"{constant(f)}.default_value()"
