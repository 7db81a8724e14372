"""Fail when a module uses another module's private names (`from x import _y`, `x._y`).

A leading underscore says "only for this module": reaching across it couples modules by
their internals. Run by `make lint`; `python scripts/check_private_imports.py` lists offences.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "wangge"


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    module_aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("wangge"):
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: imports {node.module}.{alias.name}")
                elif not (alias.asname or alias.name)[0].isupper():
                    # `from wangge.x import services` binds a module (or a function: harmless here)
                    module_aliases.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("wangge"):
                    module_aliases.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in module_aliases
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: uses {node.value.id}.{node.attr}")
    return found


def main() -> int:
    found = [
        line
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts
        for line in offences(path)
    ]
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} use(s) of another module's private names", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
