"""Translate Apache Kafka's JSON message specs into wirekafka's Python declarations.

A starting point for declaring a new message or version: run it, read the output, paste what is
needed into ``wirekafka/protocol/messages/<family>.py`` and review it there. The declarations in
the package are maintained by hand from then on; ``tests/protocol/test_spec_crosscheck.py``
compares them with the specs at every version.

    python tools/import_spec.py ../shared/kafka-protocol/message FetchRequest FetchResponse
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from wirekafka.protocol.schema import snake_case

PRIMITIVES = {
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


def load_spec(path: Path) -> tuple[dict[str, Any], list[str]]:
    """The spec as JSON, plus its leading comment lines (Kafka's per-version notes)."""
    text = path.read_text()
    comments = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("//"):
            comments.append(stripped[2:].strip())
    comments = _drop_license(comments)
    return json.loads(re.sub(r"^\s*//.*$", "", text, flags=re.M)), comments


def _drop_license(comments: list[str]) -> list[str]:
    # The Apache header comes first in every file; keep only the notes after it.
    for i, line in enumerate(comments):
        if "limitations under the License" in line:
            return comments[i + 1 :]
    return comments


class Translator:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.common = {s["name"]: s for s in spec.get("commonStructs", [])}
        self.inline: dict[str, dict[str, Any]] = {}
        self.refs: Counter[str] = Counter()
        self._scan(spec["fields"])
        for s in self.common.values():
            self._scan(s["fields"])
        self.hoisted = {n for n, c in self.refs.items() if c > 1 or n in self.common}
        self.var_prefix = "_" + snake_case(spec["name"])

    def _scan(self, fields: list[dict[str, Any]]) -> None:
        for f in fields:
            name = f["type"][2:] if f["type"].startswith("[]") else f["type"]
            if name in PRIMITIVES:
                continue
            self.refs[name] += 1
            if "fields" in f:
                self.inline[name] = f
                self._scan(f["fields"])

    def struct_fields(self, name: str) -> list[dict[str, Any]]:
        if name in self.inline:
            return self.inline[name]["fields"]
        return self.common[name]["fields"]

    def var(self, name: str) -> str:
        return f"{self.var_prefix}_{snake_case(name)}"

    def emit(self, comments: list[str]) -> str:
        out: list[str] = []
        out += [f"# {c}".rstrip() for c in comments]
        # hoisted structs in dependency order
        done: set[str] = set()

        def hoist(name: str) -> None:
            if name in done:
                return
            for f in self.struct_fields(name):
                inner = f["type"][2:] if f["type"].startswith("[]") else f["type"]
                if inner in self.hoisted and inner != name:
                    hoist(inner)
            done.add(name)
            out.append(f"{self.var(name)} = struct(\n    {name!r},\n    [")
            out.extend(self.fields(self.struct_fields(name), 2))
            out.append("    ],\n)")

        for name in sorted(self.hoisted):
            hoist(name)
        spec = self.spec
        kind = spec["type"]
        args = [f"    {spec['name']!r},", f"    kind={kind!r},"]
        if "apiKey" in spec:
            args.append(f"    api_key={spec['apiKey']},")
        args.append(f"    valid={spec['validVersions']!r},")
        args.append(f"    flexible={spec['flexibleVersions']!r},")
        out.append(f"{spec['name']} = message(")
        out.extend(args)
        out.append("    fields=[")
        out.extend(self.fields(spec["fields"], 2))
        out.append("    ],\n)")
        return "\n".join(out) + "\n"

    def type_expr(self, f: dict[str, Any], indent: int) -> tuple[str, list[str]]:
        t = f["type"]
        is_array = t.startswith("[]")
        name = t[2:] if is_array else t
        if name in PRIMITIVES:
            return repr(t), []
        if name in self.hoisted:
            expr = self.var(name)
            return (f"array({expr})" if is_array else expr), []
        pad = "    " * indent
        head = f"array(struct({name!r}, [" if is_array else f"struct({name!r}, ["
        lines = self.fields(f["fields"], indent + 1)
        tail = f"{pad}]))" if is_array else f"{pad}])"
        return head, [*lines, tail]

    def fields(self, fields: list[dict[str, Any]], indent: int) -> list[str]:
        pad = "    " * indent
        lines: list[str] = []
        for f in fields:
            expr, body = self.type_expr(f, indent)
            extras = self.extras(f)
            py_name = snake_case(f["name"])
            kafka = "" if _camel(py_name) == f["name"] else f", kafka_name={f['name']!r}"
            if body:
                lines.append(f"{pad}field({py_name!r}, {expr}")
                lines.extend(body)
                lines[-1] += f", {f['versions']!r}{extras}{kafka}),"
            else:
                lines.append(f"{pad}field({py_name!r}, {expr}, {f['versions']!r}{extras}{kafka}),")
        return lines

    def extras(self, f: dict[str, Any]) -> str:
        parts = []
        if "nullableVersions" in f:
            parts.append(f"nullable={f['nullableVersions']!r}")
        if "tag" in f:
            parts.append(f"tag={f['tag']}, tagged={f['taggedVersions']!r}")
        if "default" in f:
            parts.append(f"default={convert_default(f['type'], f['default'])!r}")
        if f.get("ignorable"):
            parts.append("ignorable=True")
        return "".join(", " + p for p in parts)


def _camel(snake: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in snake.split("_"))


def convert_default(type_name: str, value: Any) -> Any:
    """Kafka's default text as the Python value the declaration holds."""
    if value == "null":
        return None
    if type_name in ("int8", "int16", "int32", "int64", "uint16", "uint32"):
        return int(value, 0) if isinstance(value, str) else int(value)
    if type_name == "float64":
        return float(value)
    if type_name == "bool":
        return value if isinstance(value, bool) else value == "true"
    return value


def main() -> None:
    folder = Path(sys.argv[1])
    for name in sys.argv[2:]:
        spec, comments = load_spec(folder / f"{name}.json")
        print(Translator(spec).emit(comments))


if __name__ == "__main__":
    main()
