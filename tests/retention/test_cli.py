"""``covergate retention run|destroy|show``, as a user runs them, on SQLite and PostgreSQL.

The CLI runs on the system clock, so a request's retention is made to end by
moving its ``retain_until`` into the past in the database, as years would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.pool import NullPool

from covergate.db import make_engine
from covergate.lifecycle.models import Request
from tests.cli_runner import Cli, Zygote, assert_one_error_line, snapshot
from tests.conftest import cli_on
from tests.factories import records_data

FBI = "Federal Bureau of Investigation"
PEOPLE: list[tuple[str, list[str]]] = [
    ("fbi", ["--role", "requester", "--agency", FBI]),
    ("reviewer", ["--role", "reviewer"]),
    ("osg", ["--role", "approver", "--delegation", "operations_support_group_manager"]),
    ("chief", ["--role", "approver", "--delegation", "chief_postal_inspector"]),
]
WHY = "The order was signed by an inspector without written authority."


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cli(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, zygote: Zygote
) -> Iterator[Cli]:
    data_dir = tmp_path_factory.mktemp(f"retention-{request.param}") / "data"
    with cli_on(request.param, data_dir, zygote) as runner:
        runner.json("init", real=True)
        runner.ok("agency", "add", FBI, "--jurisdiction", "federal",
                  "--function", "criminal_investigation",
                  "--function", "national_security")  # fmt: skip
        for key, options in PEOPLE:
            added = runner.json("user", "add", f"{key}@test.example", "--name", key, *options)
            runner.tokens[key] = added["token"]
        yield runner


def closed(cli: Cli, tmp: Path) -> str:
    document = tmp / "request.json"
    document.write_text(json.dumps(records_data(start=datetime.now(UTC).date())))
    rid = str(cli.json("request", "submit", document, token="fbi")["id"])
    cli.json("review", rid, "--note", "Checked against the policy.", token="reviewer")
    cli.json("decide", rid, "--approve",
             "--justify", "records-disclosure-basis=The grand jury subpoena is on file.",
             "--justify", "records-first-amendment=Account records only; no speech.",
             token="osg")  # fmt: skip
    assert cli.json("close", rid, token="fbi")["state"] == "closed"
    return rid


def age(cli: Cli, rid: str, until: date) -> None:
    """As if the years had passed: the request's retention ends on ``until``."""
    engine = make_engine(cli.url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(update(Request).where(Request.public_id == rid).values(retain_until=until))
    finally:
        engine.dispose()


def test_dry_run_lists_and_writes_nothing_then_the_run_destroys(cli: Cli, tmp_path: Path) -> None:
    rid = closed(cli, tmp_path)
    kept = closed(cli, tmp_path)
    age(cli, rid, datetime.now(UTC).date() - timedelta(days=1))
    before = snapshot(cli.url)
    listed = cli.json("retention", "run", "--dry-run")
    assert [r["id"] for r in listed["requests"]] == [rid]
    assert listed["dry_run"] is True
    table = cli.ok("retention", "run", "--dry-run")
    assert rid in table
    assert "would be destroyed" in table
    assert "nothing was written" in table
    assert snapshot(cli.url) == before

    ran = cli.ok("retention", "run")
    assert rid in ran
    assert "destroyed" in ran
    assert "destruction_run" in ran
    shown = cli.json("retention", "show", rid, token="fbi")
    assert (shown["destroyed"], shown["reason"]) == (True, "retention_ended")
    assert "kept 8 years" in shown["explanation"]
    assert cli.json("retention", "show", kept, token="fbi")["destroyed"] is False
    again = cli.ok("retention", "run")
    assert "no request's retention has ended" in again
    gone = cli.run("request", "show", rid, "--document", "--reason", "checking", token="fbi")
    assert_one_error_line(gone, "destroyed on", "(retention ended)")


def test_improper_destruction_by_the_chief_and_refusals(cli: Cli, tmp_path: Path) -> None:
    rid = closed(cli, tmp_path)
    before = snapshot(cli.url)
    for args, token, needle in (
        (("--explanation", WHY), "osg", "Chief Postal Inspector or a headquarters designee"),
        (("--explanation", WHY), "fbi", "only an approver may"),
        (("--explanation", "short"), "chief", "at least 20 characters"),
        (("--explanation", WHY), "nonsense-token", ""),
    ):
        assert_one_error_line(cli.run("retention", "destroy", rid, *args, token=token), needle)
    assert snapshot(cli.url) == before
    done = cli.json("retention", "destroy", rid, "--explanation", WHY, token="chief")
    assert (done["reason"], done["destroyed"]) == ("improper", True)
    text = cli.ok("retention", "show", rid, token="fbi")
    assert "improper" in text
    assert WHY in text
    again = cli.run("retention", "destroy", rid, "--explanation", WHY, token="chief")
    assert_one_error_line(again, "already destroyed on")
