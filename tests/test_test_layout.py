"""The layout of the test suite: test modules share helpers through tests/factories/ and fixtures
through tests/conftest.py, never by importing one another."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def all_test_modules() -> set[str]:
    return {p.stem for p in TESTS.glob("test_*.py")}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module an `import` or `from ... import` in the file names (at any depth, relative ones
    resolved against the tests package), with the line it is on; `from X import name` also counts
    X.name, since `name` may be a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: `from .test_x import y`, `from . import test_x`
                base = ".".join(["tests", *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            found.append((node.lineno, base))
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def cross_imports(path: Path, modules: set[str]) -> list[str]:
    """One entry per import statement of `path` that reaches another test module of `modules`."""
    out = {}
    for line, name in imported_modules(path):
        parts = name.split(".")
        # tests.test_x, tests.test_x.y, or a bare test_x (rootdir on sys.path)
        target = parts[1] if parts[0] == "tests" and len(parts) > 1 else parts[0]
        if target in modules and target != path.stem:
            out.setdefault(line, f"{path.name}:{line} imports {'.'.join(parts[:2])}")
    return list(out.values())


def test_no_test_module_imports_another():
    modules = all_test_modules()
    found = [v for stem in sorted(modules) for v in cross_imports(TESTS / f"{stem}.py", modules)]
    hint = "move the shared helpers to tests/factories/ or tests/conftest.py"
    assert found == [], hint + ":\n" + "\n".join(found)


def test_the_check_catches_every_form_of_import(tmp_path):
    modules = {"test_a", "test_b"}
    sample = tmp_path / "test_a.py"
    sample.write_text(
        "import tests.test_b\n"
        "from tests.test_b import helper\n"
        "from tests import test_b\n"
        "from .test_b import helper\n"
        "from . import test_b\n"
        "import test_b\n"
        "def f():\n"
        "    from tests.test_b import helper\n"
        "from tests.factories import make_user\n"
        "from tests.test_a import itself\n",
        encoding="utf-8",
    )
    assert [v.split(" imports ")[0] for v in cross_imports(sample, modules)] == [
        "test_a.py:1",
        "test_a.py:2",
        "test_a.py:3",
        "test_a.py:4",
        "test_a.py:5",
        "test_a.py:6",
        "test_a.py:8",
    ]


def test_transactional_tests_restore_the_database_they_found():
    """A transactional test without serialized rollback re-creates the content types when it is
    flushed, and every browser test after it then fails to restore its snapshot (PostgreSQL)."""
    import re
    from pathlib import Path

    offenders = [
        f"{path.name}:{n}"
        for path in sorted(Path(__file__).parent.glob("test_*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"django_db\(.*transaction=True", line) and "serialized_rollback=True" not in line
    ]
    assert offenders == []
