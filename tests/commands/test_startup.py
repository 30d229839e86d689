"""Start-up of the command line: what building it imports, never how long it takes.

``covergate --help`` and every command build the whole Typer tree first, so the
command modules import only what their options need (typer, rich, the light
enums); services, the database and the web are imported inside the commands.
Timings are in docs/BENCHMARKS.md ("CLI start-up"); here only the imports are
checked, each in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "mail-cover.json"

#: Database, web and network packages: none is needed to build the CLI or show help.
HEAVY = ("sqlalchemy", "alembic", "psycopg", "fastapi", "starlette", "uvicorn", "jinja2", "httpx")

_PROBE = """
import contextlib, io, json, sys
from covergate.cli import main
argv = json.loads(sys.argv[1])
if argv is not None:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
        main(argv)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _top_level_modules(argv: list[str] | None) -> set[str]:
    """Top-level packages imported by ``import covergate.cli`` (then ``main(argv)``)."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(argv)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize(
    "argv",
    [None, ["--help"], ["policy", "--help"], ["log", "--help"], ["request", "--help"]],
    ids=["import", "help", "policy-help", "log-help", "request-help"],
)
def test_building_the_cli_imports_no_database_or_web_code(argv: list[str] | None) -> None:
    loaded = _top_level_modules(argv)
    assert sorted(loaded & set(HEAVY)) == []


def test_building_the_cli_reads_no_policy_and_no_log_crypto() -> None:
    loaded = _top_level_modules(["--help"])
    assert "yaml" not in loaded
    assert "cryptography" not in loaded


@pytest.mark.parametrize(
    "argv",
    [["policy", "check", str(EXAMPLE)], ["schema", "request"]],
    ids=["policy-check", "schema-request"],
)
def test_commands_without_a_database_import_none(argv: list[str]) -> None:
    loaded = _top_level_modules(argv)
    assert sorted(loaded & set(HEAVY)) == []
