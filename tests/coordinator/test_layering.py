"""Principle 1: the group coordinator's state machines are pure; only the runtime glue imports trio."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import wirekafka.coordinator.group as group_package

GROUP_DIR = Path(group_package.__file__).resolve().parent
#: The trio shell: the runtime's consumer (``coordinator.py``) may await; nothing else may.
SHELL = {"coordinator.py"}
FORBIDDEN = {
    "trio",
    "socket",
    "asyncio",
    "threading",
    "wirekafka.broker",
    "wirekafka.server",
    "wirekafka.replication",
}


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


PURE_MODULES = sorted(p for p in GROUP_DIR.glob("*.py") if p.name not in SHELL)


@pytest.mark.parametrize("path", PURE_MODULES, ids=[p.name for p in PURE_MODULES])
def test_pure_module_does_no_io(path: Path) -> None:
    offending = {
        module
        for module in imported_modules(path)
        if any(module == banned or module.startswith(banned + ".") for banned in FORBIDDEN)
    }
    assert not offending, f"{path.name} imports {sorted(offending)}"


def test_the_shell_is_where_trio_is() -> None:
    assert "trio" in imported_modules(GROUP_DIR / "coordinator.py")
    assert len(PURE_MODULES) >= 10
