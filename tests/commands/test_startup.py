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
import os
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
    out = io.TextIOWrapper(io.BytesIO())  # with a .buffer: ``log proof`` writes bytes
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
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
#: them SQLAlchemy's PostgreSQL dialect), Alembic (the schema is current), httpx; the
#: log's integration and formats (covergate.tlog) and the field cipher (cryptography),
#: since a command that only reads neither integrates nor decrypts; and pydantic,
#: neither for the request document nor for Typer's conversion of option values
#: (commands/coercion.py).
NOT_FOR_OPENING = (
    "yaml",
    "alembic",
    "httpx",
    "pydantic",
    "typer._adapters",
    "cryptography",
    "covergate.document",
    "covergate.policy",
    "covergate.context",
    "covergate.tlog",
    "covergate.transparency.integration",
    "covergate.transparency.sequencing",
    "covergate.transparency.keys",
    "covergate.transparency.cosigned",
    "covergate.transparency.witnessing",
    "sqlalchemy.dialects.postgresql",
)


def _run(*argv: str) -> str:
    return _covergate(list(argv), check=True).stdout


def _covergate(
    argv: list[str], *, check: bool, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``covergate ARGV`` in a fresh interpreter, from the repository's root."""
    return subprocess.run(
        [sys.executable, "-c", "from covergate.cli import main; main()", *argv],
        capture_output=True,
        text=True,
        check=check,
        cwd=ROOT,
        env=env,
    )


def test_a_database_command_imports_only_what_opening_the_database_needs(
    tmp_path: Path,
) -> None:
    data = str(tmp_path / "data")
    _run("--data", data, "init")
    loaded = _modules(["--data", data, "user", "list"])
    assert "covergate.runtime" in loaded
    assert "sqlalchemy.orm" in loaded  # it did open the database
    assert sorted(name for name in NOT_FOR_OPENING if name in loaded) == []


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A data directory with an agency, a court, a requester, an auditor and one
    request (a log of 4 entries), as bench/bench_cli.py makes it."""
    data = str(tmp_path_factory.mktemp("startup") / "data")
    document = json.loads(EXAMPLE.read_text())
    agency = document["agency"]
    db = ["--data", data]
    _run(*db, "init")
    functions = [arg for function in agency["functions"] for arg in ("--function", function)]
    _run(*db, "agency", "add", agency["name"], "--jurisdiction", agency["jurisdiction"], *functions)
    _run(*db, "court", "add", document["legal_process"]["court"])
    tokens = {}
    for role, email, extra in (
        ("requester", document["requester"]["email"], ["--agency", agency["name"]]),
        ("auditor", "auditor@oig.example", []),
    ):
        added = _run(*db, "user", "add", email, "--name", role, "--role", role, *extra, "--json")
        tokens[role] = json.loads(added)["token"]
    submitted = _run(*db, "request", "submit", str(EXAMPLE), "--token", tokens["requester"])
    del submitted
    listed = json.loads(_run(*db, "request", "list", "--token", tokens["requester"], "--json"))
    return {"data": data, **tokens, "request": listed["requests"][0]["id"]}


#: Commands that act with a token import the service context (``Via``); reading
#: requests appends nothing to the log and decrypts nothing, so they import neither
#: the log's machinery nor a cipher.
NOT_FOR_READING_REQUESTS = tuple(m for m in NOT_FOR_OPENING if m != "covergate.context")
#: What every command that reads the log does not import.
NOT_FOR_READING_THE_LOG = (
    "yaml",
    "httpx",
    "pydantic",
    "typer._adapters",
    "covergate.document",
    "covergate.policy",
    "sqlalchemy.dialects.postgresql",
)

#: The published report counts from the database and the served checkpoint: it
#: discloses nothing, so neither the disclosure sweep nor the notices' service (and
#: their lifecycle machinery) is imported for ``statute_class``.
NOT_FOR_REPORTING = (
    "covergate.report.disclosure",
    "covergate.notices.service",
    "covergate.notices.addressee",
    "covergate.lifecycle.advance",
)
#: The maintenance sweep with nothing due (the world's one request is submitted,
#: not decided): each step finds no row, so no rule of the policy is read and
#: neither the policy, its YAML, the request document's models (pydantic) nor the
#: court's approval gate is imported; the retention results are plain dataclasses.
NOT_FOR_AN_IDLE_SWEEP = (
    "httpx",
    "typer._adapters",
    "sqlalchemy.dialects.postgresql",
    "yaml",
    "pydantic",
    "covergate.document",
    "covergate.policy",
    "covergate.courts.gate",
    "covergate.retention.inputs",
    # Nothing due (covergate.due.anything_due): no step runs, none is imported, and
    # with nothing pending the log is not integrated again (no signing, no keys).
    "covergate.lifecycle.period",
    "covergate.retention.emergencies",
    "covergate.courts.service",
    "covergate.notices.service",
    "covergate.report.disclosure",
    "covergate.retention.schedule",
    "covergate.transparency.integration",
    "covergate.transparency.keys",
)

#: What each command that reads the database does not import (beside what every
#: command imports): the request document and policy only where they are the work.
NOT_FOR_READING = {
    "token list": NOT_FOR_OPENING,
    "log key": ("sqlalchemy", "yaml", "httpx", "pydantic", "typer._adapters", "covergate.policy"),
    "request list": NOT_FOR_READING_REQUESTS,
    "request show": NOT_FOR_READING_REQUESTS,
    "audit": NOT_FOR_READING_REQUESTS,
    "log verify": NOT_FOR_READING_THE_LOG,
    "log proof": NOT_FOR_READING_THE_LOG,
    "report": (*NOT_FOR_READING_THE_LOG, *NOT_FOR_REPORTING),
    "maintain": NOT_FOR_AN_IDLE_SWEEP,
}  # fmt: skip


def _command_line(name: str, world: dict[str, str]) -> list[str]:
    args = {
        "request list": ["request", "list", "--token", world["requester"]],
        "request show": ["request", "show", world["request"], "--token", world["requester"]],
        "audit": ["audit", "--token", world["auditor"]],
        "log proof": ["log", "proof", "0"],
    }.get(name, name.split())
    return ["--data", world["data"], *args]


@pytest.mark.parametrize("name", sorted(NOT_FOR_READING))
def test_a_command_that_reads_imports_none_of_what_it_does_not_use(
    name: str, world: dict[str, str]
) -> None:
    loaded = _modules(_command_line(name, world))
    assert ("sqlalchemy.orm" in loaded) is (name != "log key")  # it opened the database
    assert sorted(m for m in NOT_FOR_READING[name] if m in loaded) == []


@pytest.mark.parametrize(
    "argv",
    [["policy", "check", str(EXAMPLE)], ["schema", "request"], ["--help"], ["user", "--help"]],
    ids=["policy-check", "schema-request", "help", "user-help"],
)
def test_no_command_converts_its_options_with_pydantic(argv: list[str]) -> None:
    """Typer's pydantic adapters (typer._adapters) are not needed for plain values."""
    assert "typer._adapters" not in _modules(argv)


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


@pytest.mark.parametrize("name", ["request list", "maintain"])
def test_a_command_acting_with_a_token_still_refuses_an_unknown_policy(
    name: str, world: dict[str, str]
) -> None:
    """The policy is loaded only by what evaluates it, but a COVERGATE_POLICY that
    names no bundled policy still fails every command that acts with a token, as it
    did when the service context loaded the policy first; so does the maintenance
    sweep, even with nothing due (when it reads no rule of the policy)."""
    argv = _command_line(name, world)
    done = _covergate(argv, check=False, env={**os.environ, "COVERGATE_POLICY": "bogus"})
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: unknown policy 'bogus'; available: safeguards-2026, usps-2017"
    )
