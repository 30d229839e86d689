"""Start-up of the command line: what building it imports, never how long it takes.

``covergate --help`` and every command import every command module first, so the
command modules import only what their options need (typer, rich, the enums of
``covergate.vocabulary``, no pydantic); services, the database and the web are
imported inside the commands. A command opens a :class:`~covergate.runtime.Runtime`,
which imports only what opening the database needs: the policy engine, the log's
keys and witnesses and the token check are imported by what uses them. And
:func:`covergate.cli.main` gives Typer only the top-level command a command line
names, so the Click tree of the other commands is never built.

Timings are in docs/BENCHMARKS.md ("CLI start-up"); here only the imports are
checked, each in a fresh interpreter, and that a command alone behaves as in the
whole app.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.main import solve_typer_info_defaults
from typer.testing import CliRunner

from covergate.cli import app, app_for

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
print(json.dumps(sorted(sys.modules)))
"""


def _modules(argv: list[str] | None) -> set[str]:
    """Every module imported by ``import covergate.cli`` (then ``main(argv)``)."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(argv)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def _top_level_modules(argv: list[str] | None) -> set[str]:
    """Top-level packages imported by ``import covergate.cli`` (then ``main(argv)``)."""
    return {name.split(".")[0] for name in _modules(argv)}


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


@pytest.mark.parametrize(
    "argv",
    [
        None,
        ["--help"],
        ["agency", "add", "--help"],
        ["decide", "--help"],
        ["user", "add", "--help"],
        ["request", "--help"],
    ],
    ids=["import", "help", "agency-add-help", "decide-help", "user-add-help", "request-help"],
)
def test_building_the_cli_builds_no_request_document(argv: list[str] | None) -> None:
    """The enums that are option types (--jurisdiction, --function, --category) come
    from covergate.vocabulary; the request document's models are not built. (Typer
    itself imports pydantic to convert the values of a command's parameters.)"""
    loaded = _modules(argv)
    assert "covergate.document" not in loaded
    assert "covergate.vocabulary" in loaded


@pytest.mark.parametrize("argv", [None, ["--help"]], ids=["import", "help"])
def test_building_the_cli_and_its_help_imports_no_pydantic(argv: list[str] | None) -> None:
    assert "pydantic" not in _top_level_modules(argv)


#: Imported by what opens a Runtime only when it needs them: the policy engine and
#: its YAML, the service context, the log's keys, witnesses and cosignatures (and with
#: them SQLAlchemy's PostgreSQL dialect), Alembic (the schema is current), httpx.
NOT_FOR_OPENING = (
    "yaml",
    "alembic",
    "httpx",
    "covergate.policy",
    "covergate.context",
    "covergate.transparency.keys",
    "covergate.transparency.cosigned",
    "covergate.transparency.witnessing",
    "sqlalchemy.dialects.postgresql",
)


def test_a_database_command_imports_only_what_opening_the_database_needs(
    tmp_path: Path,
) -> None:
    data = str(tmp_path / "data")
    subprocess.run(
        [sys.executable, "-c", "from covergate.cli import main; main()", "--data", data, "init"],
        capture_output=True,
        check=True,
        cwd=ROOT,
    )
    loaded = _modules(["--data", data, "user", "list"])
    assert "covergate.runtime" in loaded
    assert "sqlalchemy.orm" in loaded  # it did open the database
    assert sorted(name for name in NOT_FOR_OPENING if name in loaded) == []


def _names(app: typer.Typer) -> list[str]:
    return sorted(
        [str(c.name) for c in app.registered_commands]
        + [str(solve_typer_info_defaults(g).name) for g in app.registered_groups]
    )


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--data", "DIR", "user", "list"], ["user"]),
        (["--data=DIR", "report", "--json"], ["report"]),
        (["log", "verify", "--help"], ["log"]),
        (["init"], ["init"]),
    ],
)
def test_a_command_line_runs_with_only_the_command_it_names(
    args: list[str], named: list[str]
) -> None:
    one = app_for(args)
    assert one is not app
    assert _names(one) == named
    assert one.registered_callback is app.registered_callback  # --data, the settings


@pytest.mark.parametrize(
    "args", [[], ["--help"], ["--data"], ["--data", "DIR"], ["usr", "list"], ["--bogus"]]
)
def test_a_command_line_that_names_no_command_runs_with_the_whole_app(args: list[str]) -> None:
    assert app_for(args) is app


def test_every_command_alone_has_the_help_it_has_in_the_whole_app() -> None:
    runner = CliRunner()
    names = _names(app)
    assert len(names) > 20
    for name in names:
        whole = runner.invoke(app, [name, "--help"], prog_name="covergate")
        alone = runner.invoke(app_for([name]), [name, "--help"], prog_name="covergate")
        assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output), name
        assert whole.exit_code == 0, name


_AS_COVERGATE = "import sys; sys.argv[0] = 'covergate'; from covergate.cli import main; main()"


def test_a_usage_error_reads_the_same_through_main() -> None:
    """Errors name the command path as they did: ``covergate user list: ...``."""
    done = subprocess.run(
        [sys.executable, "-c", _AS_COVERGATE, "user", "list", "-z"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "error: covergate user list: No such option: -z"
