"""``covergate produce|package`` write all or nothing; input files are bounded.

Runs the real command (through the zygote, a fresh process per command) on SQLite
and PostgreSQL. A package that cannot be written leaves the database as it was:
the request stays ``closed``, no log entry, no access record, and a retry works.
"""

from __future__ import annotations

import json
import resource
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli_runner import COVERGATE, Cli, Zygote, assert_one_error_line, snapshot
from tests.conftest import cli_on
from tests.factories import mail_cover_data
from tests.world import COURT

FBI = "Federal Bureau of Investigation"
PEOPLE: list[tuple[str, list[str]]] = [
    ("fbi", ["--role", "requester", "--agency", FBI]),
    ("reviewer", ["--role", "reviewer"]),
    ("osg", ["--role", "approver", "--delegation", "operations_support_group_manager"]),
    ("court", ["--role", "court", "--court", COURT]),
]
#: mkdir fails here even for root, although the nearest existing ancestor (/proc)
#: passes ``os.access(W_OK)`` for root: the failure comes only when writing.
UNWRITABLE = Path("/proc/covergate-test-nowhere/package")
LONG_NAME = "p" * 300  # longer than NAME_MAX (255): ENAMETOOLONG


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cli(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, zygote: Zygote
) -> Iterator[Cli]:
    data_dir = tmp_path_factory.mktemp(f"package-{request.param}") / "data"
    with cli_on(request.param, data_dir, zygote) as runner:
        runner.json("init", real=True)
        runner.ok("agency", "add", FBI, "--jurisdiction", "federal",
                  "--function", "criminal_investigation",
                  "--function", "national_security")  # fmt: skip
        runner.ok("court", "add", COURT)
        for key, options in PEOPLE:
            added = runner.json("user", "add", f"{key}@test.example", "--name", key, *options)
            runner.tokens[key] = added["token"]
        yield runner


def _closed_request(cli: Cli, tmp: Path) -> str:
    document = tmp / "request.json"
    document.write_text(json.dumps(mail_cover_data(start=datetime.now(UTC).date())))
    rid = str(cli.json("request", "submit", document, token="fbi")["id"])
    cli.json("review", rid, "--note", "Checked against the policy.", token="reviewer")
    cli.json("court", "confirm", rid, token="court")  # judge first
    cli.json("decide", rid, "--approve", token="osg")
    if cli.json("close", rid, token="fbi")["state"] != "closed":
        raise AssertionError("the request did not close")
    return rid


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _state(cli: Cli, rid: str) -> str:
    return str(cli.json("request", "show", rid, token="reviewer")["state"])


# --- 5. all or nothing ---


def test_produce_that_cannot_write_commits_nothing_and_can_be_retried(
    cli: Cli, tmp_path: Path
) -> None:
    rid = _closed_request(cli, tmp_path)
    before = snapshot(cli.url)
    done = cli.run("produce", rid, UNWRITABLE, token="reviewer")
    assert_one_error_line(done, str(UNWRITABLE))
    assert snapshot(cli.url) == before  # still closed; no log entry, no access record
    assert _state(cli, rid) == "closed"

    outdir = tmp_path / "deep" / "er" / "package"
    produced = cli.json("produce", rid, outdir, token="reviewer")
    assert sorted(p.name for p in outdir.iterdir()) == [
        "manifest.json",
        "observations.csv",
        "observations.json",
    ]
    assert produced["outdir"] == str(outdir)
    assert [p.name for p in outdir.parent.iterdir()] == ["package"]  # no temporary left
    assert _state(cli, rid) == "produced"


def test_package_that_cannot_write_records_no_access_and_leaves_no_file(
    cli: Cli, tmp_path: Path
) -> None:
    rid = _closed_request(cli, tmp_path)
    cli.json("produce", rid, tmp_path / "produced", token="reviewer")
    before = snapshot(cli.url)
    args = ("package", rid, UNWRITABLE, "--reason", "Receiving the production")
    assert_one_error_line(cli.run(*args, token="fbi"), str(UNWRITABLE))
    assert snapshot(cli.url) == before  # no access record of a read nobody got

    received = tmp_path / "received"
    received.mkdir()  # an empty directory is fine
    cli.json("package", rid, received, "--reason", "Receiving the production", token="fbi")
    assert _tree(received) == _tree(tmp_path / "produced")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["produced", "received", "request.json"]


# --- 6. every filesystem error is one line ---


def test_a_name_too_long_is_one_error_line_and_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    rid = _closed_request(cli, tmp_path)
    before = snapshot(cli.url)
    for args, token in (
        (("produce", rid, tmp_path / LONG_NAME), "reviewer"),
        (("produce", rid, tmp_path / LONG_NAME / "package"), "reviewer"),
        (("package", rid, tmp_path / LONG_NAME, "--reason", "Checking"), "fbi"),
        (("request", "submit", tmp_path / LONG_NAME), "fbi"),
    ):
        line = assert_one_error_line(cli.run(*args, token=token), LONG_NAME)
        assert "too long" in line, line
    assert snapshot(cli.url) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["request.json"]


def test_produce_onto_a_file_is_one_error_line(cli: Cli, tmp_path: Path) -> None:
    rid = _closed_request(cli, tmp_path)
    before = snapshot(cli.url)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert_one_error_line(cli.run("produce", rid, blocker, token="reviewer"), "a-file")
    assert snapshot(cli.url) == before
    assert blocker.read_text() == "not a directory"


# --- 9. input files are bounded ---


def _bounded_covergate(cli: Cli, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command with 1 GiB of address space: an unbounded read dies, not the host."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    argv = [str(COVERGATE), "--data", str(cli.data_dir), *args]
    return subprocess.run(
        argv, env=cli.env(), capture_output=True, text=True, timeout=60,
        preexec_fn=limit, check=False,
    )  # fmt: skip


def test_input_files_are_capped_at_one_mebibyte(cli: Cli, tmp_path: Path) -> None:
    before = snapshot(cli.url)
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"padding": "x" * (1 << 20)}))
    for args in (
        ("request", "submit", str(big), "--token", cli.tokens["fbi"]),
        ("request", "submit", "/dev/zero", "--token", cli.tokens["fbi"]),
    ):
        assert_one_error_line(_bounded_covergate(cli, *args), args[2], "1 MiB")
    assert snapshot(cli.url) == before


def test_standard_input_is_capped_too(cli: Cli) -> None:
    done = cli.run("request", "submit", "-", token="fbi", stdin=" " * ((1 << 20) + 10))
    assert_one_error_line(done, "standard input", "1 MiB")
