"""The shape of the package: layering of imports and the size of files.

- The log (``covergate.tlog``), the policy engine (``covergate.policy``) and the
  request document (``covergate.document``) are libraries: no domain, web or
  database imports (STYLE.md, "What this means for covergate", 1).
- The document's vocabularies (``covergate.vocabulary``, its enums, which the
  document re-exports) are lighter still: the standard library and
  ``covergate.errors`` only, no pydantic, since the command line imports them on
  every run to build its options.
- No file under ``src/covergate`` is longer than 400 lines (migrations excepted).
- ``covergate.lifecycle`` imports no web code and no domain folder.

Imports are read with :mod:`ast`, not by importing the modules, so an import
inside a function or under ``TYPE_CHECKING`` counts as much as one at the top,
and so does ``importlib.import_module("...")`` with a literal name.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "covergate"
MAX_LINES = 400

# Third-party packages that mean database or web code.
DATABASE_AND_WEB = ("sqlalchemy", "fastapi", "starlette", "uvicorn", "jinja2", "psycopg", "alembic")
# covergate modules any library layer may import.
LIBRARY_ALLOWED = (
    "covergate.errors",
    "covergate.validation",
    "covergate.vocabulary",
    "covergate.textchecks",
    "covergate.document",
)

LIFECYCLE_WEB = (
    "fastapi",
    "starlette",
    "jinja2",
    "uvicorn",
    "covergate.web",
    "covergate.api",
    "covergate.api_deps",
)
LIFECYCLE_DOMAINS = (
    "covergate.requests",
    "covergate.courts",
    "covergate.notices",
    "covergate.retention",
    "covergate.maintenance",
    "covergate.covers",
    "covergate.productions",
    "covergate.audit",
    "covergate.report",
    "covergate.commands",
    "covergate.demo",
)
LIFECYCLE_ALLOWED = (
    "covergate.lifecycle",
    "covergate.users",
    "covergate.agencies",
    "covergate.transparency",
    "covergate.policy",
    "covergate.document",
    "covergate.vocabulary",
    "covergate.textchecks",
    "covergate.db",
    "covergate.context",
    "covergate.crypto",
    "covergate.clock",
    "covergate.errors",
)


@dataclass(frozen=True)
class Import:
    """One imported name, fully qualified (``from a import b`` gives ``a.b``)."""

    path: Path
    line: int
    name: str

    def describe(self, why: str) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: imports {self.name} ({why})"


def module_name(path: Path) -> str:
    """``src/covergate/tlog/keys.py`` -> ``covergate.tlog.keys`` (packages by ``__init__``)."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_in_source(source: str, path: Path, module: str) -> list[Import]:
    """Every import anywhere in ``source`` (functions, classes, ``if`` blocks too)."""
    tree = ast.parse(source, filename=str(path))
    is_package = path.name == "__init__.py"
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(Import(path, node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_from(node, module, is_package)
            for alias in node.names:
                name = base if alias.name == "*" else f"{base}.{alias.name}"
                found.append(Import(path, node.lineno, name))
        elif isinstance(node, ast.Call) and _is_dynamic_import(node):
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append(Import(path, node.lineno, arg.value))
    return found


def _resolve_from(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    # A relative import counts from the module's package, one level up per dot after the first.
    package = module.split(".") if is_package else module.split(".")[:-1]
    if node.level > 1:
        package = package[: -(node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def _is_dynamic_import(node: ast.Call) -> bool:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    return name in {"import_module", "__import__"} and bool(node.args)


def imports_of(path: Path) -> list[Import]:
    return imports_in_source(path.read_text(encoding="utf-8"), path, module_name(path))


def within(name: str, packages: tuple[str, ...]) -> str | None:
    """The first of ``packages`` that ``name`` is, or is inside of; None if none."""
    for package in packages:
        if name == package or name.startswith(package + "."):
            return package
    return None


def python_files(*roots: Path) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        files.extend([root] if root.is_file() else sorted(root.rglob("*.py")))
    return files


def _fail_with(violations: list[str], headline: str) -> None:
    if violations:
        pytest.fail(f"{headline}:\n  " + "\n  ".join(violations), pytrace=False)


# --- (a) the libraries: tlog, policy, document --------------------------------

LIBRARIES = {
    "tlog": (PACKAGE / "tlog", ("covergate.tlog", "covergate.errors", "covergate.validation")),
    "policy": (PACKAGE / "policy", ("covergate.policy", *LIBRARY_ALLOWED)),
    "document": (PACKAGE / "document.py", LIBRARY_ALLOWED),
    "vocabulary": (PACKAGE / "vocabulary.py", ("covergate.vocabulary", "covergate.errors")),
    "textchecks": (PACKAGE / "textchecks.py", ("covergate.textchecks",)),
}


@pytest.mark.parametrize("library", sorted(LIBRARIES))
def test_library_imports_no_domain_web_or_database_code(library: str) -> None:
    root, allowed = LIBRARIES[library]
    files = python_files(root)
    assert files, f"no Python files found at {root}"
    violations = []
    for path in files:
        for imp in imports_of(path):
            if within(imp.name, DATABASE_AND_WEB):
                violations.append(imp.describe("database or web code"))
            elif within(imp.name, ("covergate",)) and not within(imp.name, allowed):
                violations.append(imp.describe(f"{library} may only import {', '.join(allowed)}"))
    _fail_with(violations, f"covergate.{library} is a library and must stay one")


@pytest.mark.parametrize("name", ["vocabulary", "textchecks"])
def test_vocabulary_imports_only_the_standard_library_and_errors(name: str) -> None:
    path = PACKAGE / f"{name}.py"
    violations = [
        imp.describe("not the standard library, not covergate.errors")
        for imp in imports_of(path)
        if imp.name.split(".")[0] not in sys.stdlib_module_names
        and not within(imp.name, ("covergate.errors",))
    ]
    _fail_with(violations, f"covergate.{name} must stay light (the CLI imports it)")


# --- (b) file sizes -------------------------------------------------------------


def _source_files() -> list[Path]:
    files = []
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE).parts
        if not path.is_file() or "__pycache__" in relative:
            continue
        if relative[:2] == ("migrations", "versions"):
            continue  # generated migration scripts are kept as generated
        files.append(path)
    return files


def _line_count(path: Path) -> int | None:
    data = path.read_bytes()
    if b"\0" in data:
        return None  # binary (an image, a compiled file): not source
    return len(data.splitlines())


def test_no_file_is_longer_than_400_lines() -> None:
    files = _source_files()
    assert files, f"no files found under {PACKAGE}"
    sizes = {path: _line_count(path) for path in files}
    offenders = sorted(
        ((count, path) for path, count in sizes.items() if count is not None and count > MAX_LINES),
        reverse=True,
    )
    _fail_with(
        [f"{path.relative_to(ROOT)}: {count} lines" for count, path in offenders],
        f"{len(offenders)} file(s) longer than {MAX_LINES} lines; split them along their concepts",
    )


# --- (c) lifecycle -----------------------------------------------------------------


def _lifecycle_imports() -> list[Import]:
    files = python_files(PACKAGE / "lifecycle")
    assert files, "no Python files found in covergate.lifecycle"
    return [imp for path in files for imp in imports_of(path)]


def test_lifecycle_imports_no_web_code_and_no_domain_folder() -> None:
    violations = []
    for imp in _lifecycle_imports():
        if within(imp.name, LIFECYCLE_WEB) or "routes" in imp.name.split("."):
            violations.append(imp.describe("web code"))
        elif package := within(imp.name, LIFECYCLE_DOMAINS):
            violations.append(imp.describe(f"domain folder {package}"))
    _fail_with(violations, "covergate.lifecycle must not depend on web code or on domains")


def test_lifecycle_imports_only_what_it_may() -> None:
    violations = [
        imp.describe(f"not one of {', '.join(LIFECYCLE_ALLOWED[1:])}")
        for imp in _lifecycle_imports()
        if within(imp.name, ("covergate",)) and not within(imp.name, LIFECYCLE_ALLOWED)
    ]
    _fail_with(violations, "covergate.lifecycle imports a covergate module outside its allow-list")


# --- the checks themselves -----------------------------------------------------------


def test_import_collector_sees_every_kind_of_import() -> None:
    source = """
import sqlalchemy.orm
from covergate import db
from . import hashing
from ..errors import InvalidInput
from .keys import *

def late():
    from fastapi import FastAPI
    import importlib
    return importlib.import_module("covergate.web.routes")
"""
    path = PACKAGE / "tlog" / "example.py"
    names = [imp.name for imp in imports_in_source(source, path, "covergate.tlog.example")]
    assert sorted(names) == [
        "covergate.db",
        "covergate.errors.InvalidInput",
        "covergate.tlog.hashing",
        "covergate.tlog.keys",
        "covergate.web.routes",
        "fastapi.FastAPI",
        "importlib",
        "sqlalchemy.orm",
    ]


def test_relative_imports_resolve_from_a_package_init() -> None:
    path = PACKAGE / "tlog" / "__init__.py"
    names = [
        imp.name for imp in imports_in_source("from .note import Note\n", path, "covergate.tlog")
    ]
    assert names == ["covergate.tlog.note.Note"]


def test_within_matches_whole_module_names_only() -> None:
    assert within("covergate.api.routes", ("covergate.api",)) == "covergate.api"
    assert within("covergate.api_deps", ("covergate.api",)) is None
    assert within("psycopg.rows", DATABASE_AND_WEB) == "psycopg"
