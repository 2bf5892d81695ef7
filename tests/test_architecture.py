"""The pure core stays pure (ARCHITECTURE.md principle 1): no trio, no sockets below the shell.

Each pure package is imported in a fresh interpreter and must not pull in trio; the protocol codec
must not import anything else from wirekafka either.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "wirekafka"
PURE = ["wirekafka.protocol", "wirekafka.records", "wirekafka.log", "wirekafka.metadata", "wirekafka.config"]


def _modules(package: str) -> list[str]:
    path = PACKAGE.parent / package.replace(".", "/")
    if path.with_suffix(".py").is_file():
        return [package]
    return [
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in sorted(path.rglob("*.py"))
    ]


@pytest.mark.parametrize("package", PURE)
def test_pure_packages_do_not_import_trio(package: str) -> None:
    modules = _modules(package)
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + (
        "bad = sorted(m for m in sys.modules if m == 'trio' or m.startswith('trio.') or m == 'socket')\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    # socket is imported by the standard library in places (e.g. uuid on some platforms); trio must not be.
    imported = [m for m in result.stdout.strip().split(",") if m and m.startswith("trio")]
    assert imported == [], f"{package} imports {imported}"


def test_protocol_imports_nothing_else_from_wirekafka() -> None:
    offenders = []
    for path in sorted((PACKAGE / "protocol").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("wirekafka."):
                if not node.module.startswith("wirekafka.protocol"):
                    offenders.append(f"{path.relative_to(PACKAGE)}: {node.module}")
            elif isinstance(node, ast.Import):
                offenders += [
                    f"{path.relative_to(PACKAGE)}: {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("wirekafka.") and not alias.name.startswith("wirekafka.protocol")
                ]
    assert offenders == []
