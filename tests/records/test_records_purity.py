"""The records package is sans-IO and a leaf: it imports no I/O module and nothing else of ours."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import wirekafka.records

PACKAGE_DIRECTORY = Path(wirekafka.records.__file__).parent
ALLOWED_THIRD_PARTY = {"crc32c", "cramjam"}
FORBIDDEN_STANDARD = {"socket", "asyncio", "selectors", "ssl", "threading", "subprocess", "os", "io", "time"}


def _imported_modules(path: Path) -> list[tuple[str, int]]:
    """(module, relative level) for every import statement in a source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.extend((alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.append((node.module or "", node.level))
    return modules


def test_package_has_modules() -> None:
    assert len(list(PACKAGE_DIRECTORY.glob("*.py"))) >= 8


def test_imports_only_the_standard_library_its_codecs_and_itself() -> None:
    offenders = []
    for path in sorted(PACKAGE_DIRECTORY.glob("*.py")):
        for module, level in _imported_modules(path):
            if level == 1:
                continue  # from .sibling import ...
            top = module.split(".")[0]
            if level > 1 or top == "wirekafka":
                offenders.append(f"{path.name}: imports {'.' * level}{module} outside wirekafka.records")
            elif top in FORBIDDEN_STANDARD or top == "trio":
                offenders.append(f"{path.name}: imports I/O module {module}")
            elif top not in sys.stdlib_module_names and top not in ALLOWED_THIRD_PARTY:
                offenders.append(f"{path.name}: imports third-party {module}")
    assert offenders == []
