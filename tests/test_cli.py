"""The ``covergate`` command line as a user runs it, on SQLite and PostgreSQL.

Each backend gets one data directory, set up through the CLI itself (``init``,
``agency add``, ``user add``); PostgreSQL gets a database of its own
(``COVERGATE_DATABASE_URL``), SQLite is the CLI's own file in the data directory.
Commands with bad arguments must exit 2 with one ``error:`` line and change nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from covergate.document import request_document_from_data
from tests.cli_runner import Cli, Zygote, assert_one_error_line, snapshot
from tests.conftest import cli_on
from tests.factories import mail_cover_data
from tests.world import COURT

FBI = "Federal Bureau of Investigation"
DEA = "Drug Enforcement Administration"
SUBJECT_ADDRESS = {"line1": "12 Elm Street", "city": "Springfield", "state": "IL", "zip": "62701"}
PEOPLE: list[tuple[str, list[str]]] = [
    ("fbi", ["--role", "requester", "--agency", FBI]),
    ("dea", ["--role", "requester", "--agency", DEA]),
    ("reviewer", ["--role", "reviewer"]),
    ("osg", ["--role", "approver", "--delegation", "operations_support_group_manager"]),
    ("observer", ["--role", "observer"]),
    ("auditor", ["--role", "auditor"]),
    ("court", ["--role", "court", "--court", COURT]),
]


def today() -> Any:
    """The CLI runs on the system clock (UTC)."""
    return datetime.now(UTC).date()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cli(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, zygote: Zygote
) -> Iterator[Cli]:
    """A data directory set up through the CLI: init, two agencies, one user per role."""
    data_dir = tmp_path_factory.mktemp(f"cli-{request.param}") / "data"
    with cli_on(request.param, data_dir, zygote) as runner:
        init = runner.json("init", real=True)
        assert init["data_dir"] == str(data_dir.resolve())
        assert init["database"].startswith("sqlite" if request.param == "sqlite" else "postgres")
        assert init["log_verifier_key"].startswith("covergate.example/log+")
        out = runner.ok(
            "agency",
            "add",
            FBI,
            "--jurisdiction",
            "federal",
            "--function",
            "criminal_investigation",
            "--function",
            "national_security",
        )
        assert FBI in out
        runner.ok(
            "agency",
            "add",
            DEA,
            "--jurisdiction",
            "federal",
            "--function",
            "criminal_investigation",
        )
        runner.ok("court", "add", COURT)  # the court the factories' orders name
        for key, options in PEOPLE:
            added = runner.json(
                "user", "add", f"{key}@test.example", "--name", key.title(), *options
            )
            assert added["email"] == f"{key}@test.example"
            assert added["token"].startswith("cg_")
            runner.tokens[key] = added["token"]
        yield runner


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value))
    return path


def mail(day: Any, *, sender: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "mail_date": day.isoformat(),
        "mail_class": "first_class",
        "sender": sender
        or {
            "name": "Pat Sender",
            "address": {"line1": "1 Main Street", "city": "Chicago", "state": "IL", "zip": "60601"},
        },
        "addressee": {"name": "Jordan Example", "address": SUBJECT_ADDRESS},
        "postmark": "CHICAGO IL 606",
    }


# --- commands that need no database ---


def test_schema_request(tmp_path: Path) -> None:
    done = Cli(tmp_path / "unused", None).run("schema", "request", real=True)
    assert done.returncode == 0, done.stderr
    schema = json.loads(done.stdout)
    assert schema["$id"] == "covergate/request/v1"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"kind", "agency", "purpose", "subject", "scope"} <= set(schema["required"])
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["request", "list", "--limit", "0"], "--limit"),
        (["close", "0" * 32, "--reason", "bogus"], "--reason"),
        (["close", "0" * 32, "--reason", "improper"], "--reason"),
        (["decide", "0" * 32, "--modify", "--days", "abc"], "--days"),
        (["review", "0" * 32], "--note"),
        (["request", "submit"], "Missing argument"),
        (["request", "list", "--colour", "red"], "--colour"),
    ],
    ids=[
        "limit-0",
        "bad-reason",
        "software-reason",
        "days-not-int",
        "missing-note",
        "missing-file",
        "unknown-opt",
    ],
)
def test_usage_errors_are_one_line(
    tmp_path: Path, zygote: Zygote, args: list[str], needle: str
) -> None:
    done = Cli(tmp_path / "unused", None, zygote=zygote).run(*args, token="cg_x")
    assert_one_error_line(done, needle)


def test_uninitialised_data_dir_is_one_error_line(tmp_path: Path) -> None:
    done = Cli(tmp_path / "empty", None).run("request", "list", token="cg_x", real=True)
    line = assert_one_error_line(done)
    assert "init" in line or "key" in line


def test_unknown_command_is_one_error_line(tmp_path: Path, zygote: Zygote) -> None:
    done = Cli(tmp_path / "unused", None, zygote=zygote).run("frobnicate")
    assert_one_error_line(done, "frobnicate")


def test_bare_group_prints_its_help(tmp_path: Path, zygote: Zygote) -> None:
    done = Cli(tmp_path / "unused", None, zygote=zygote).run("request")
    assert done.returncode in (0, 2), done
    assert "submit" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr


# --- set-up commands ---


def test_init_is_idempotent_and_reads_covergate_data(cli: Cli) -> None:
    before = snapshot(cli.url)
    done = cli.run("init", "--json", data_flag=False)  # COVERGATE_DATA only
    assert done.returncode == 0, done.stderr
    again = json.loads(done.stdout)
    assert again["data_dir"] == str(cli.data_dir.resolve())
    key = cli.run("log", "key")
    assert key.stdout.strip() == again["log_verifier_key"]
    after = snapshot(cli.url)
    assert after["counts"]["users"] == before["counts"]["users"] == len(PEOPLE)
    assert after["requests"] == before["requests"]


# --- the lifecycle ---


def test_whole_flow(cli: Cli, tmp_path: Path) -> None:
    day = today()
    document = write_json(tmp_path / "request.json", mail_cover_data(start=day))

    submitted = cli.json("request", "submit", document, token="fbi", real=True)
    rid = submitted["id"]
    assert submitted["state"] == "submitted"
    assert submitted["admissible"] is True
    assert "Jordan Example" not in json.dumps(submitted)

    listed = cli.json("request", "list", token="fbi")["requests"]
    assert rid in [r["id"] for r in listed]
    assert rid not in [r["id"] for r in cli.json("request", "list", token="dea")["requests"]]
    shown = cli.json("request", "show", rid, token="fbi")
    assert shown["id"] == rid
    assert shown["history"][0]["event"] == "submitted"

    reviewed = cli.json("review", rid, "--note", "Checked against the policy.", token="reviewer")
    assert reviewed["state"] == "in_review"

    findings = cli.json("request", "show", rid, token="osg")["policy"]["findings"]
    justify: list[str] = []
    for finding in findings:
        if finding["outcome"] == "review":
            justify += ["--justify", f"{finding['rule']}=Read the file; the basis holds up."]
    # judge first: the court confirms the order filed with the request
    confirmed = cli.json("court", "confirm", rid, token="court")
    assert confirmed["state"] == "confirmed"
    decided = cli.json("decide", rid, "--approve", *justify, token="osg")
    # the cover starts today, so it is active as soon as it is approved
    assert decided["state"] == "active"
    assert decided["authorised"]["active_from"] == day.isoformat()
    assert decided["authorised"]["days"] == 30

    observations = write_json(tmp_path / "mail.json", [mail(day), mail(day)])
    observed = cli.json("observe", rid, observations, token="observer")
    assert [r["accepted"] for r in observed["results"]] == [True, True]

    attorney = {
        "name": "Casey Counsel",
        "address": {
            "line1": "400 Court Plaza",
            "city": "Springfield",
            "state": "IL",
            "zip": "62702",
        },
    }
    refused_file = write_json(
        tmp_path / "refused.json", [mail(day, sender=attorney), mail(day + timedelta(days=1))]
    )
    refused = cli.run("observe", rid, refused_file, "--json", token="observer")
    assert_one_error_line(refused, "2 of 2 observations refused", "attorney_mail", "outside_window")
    assert [r["reason"] for r in json.loads(refused.stdout)["results"]] == [
        "attorney_mail",
        "outside_window",
    ]
    counted = cli.json("request", "show", rid, token="auditor")
    assert counted["observations"] == 2
    assert counted["refused_observations"] == {"attorney_mail": 1, "outside_window": 1}

    closed = cli.json("close", rid, token="fbi")
    assert closed["state"] == "closed"
    assert closed["closed"]["reason"] == "requested"

    outdir = tmp_path / "produced"
    produced = cli.json("produce", rid, outdir, token="reviewer")
    manifest_bytes = (outdir / "manifest.json").read_bytes()
    assert hashlib.sha256(manifest_bytes).hexdigest() == produced["manifest_sha256"]
    manifest = json.loads(manifest_bytes)
    assert manifest["items"] == 2
    for entry in manifest["files"]:
        assert hashlib.sha256((outdir / entry["name"]).read_bytes()).hexdigest() == entry["sha256"]
    assert sorted(p.name for p in outdir.iterdir()) == [
        "manifest.json",
        "observations.csv",
        "observations.json",
    ]

    received = tmp_path / "received"
    package = cli.json(
        "package", rid, received, "--reason", "Receiving the production", token="fbi"
    )
    assert package["manifest_sha256"] == produced["manifest_sha256"]
    for path in outdir.iterdir():
        assert (received / path.name).read_bytes() == path.read_bytes()

    acked = cli.json(
        "acknowledge", rid, "--manifest-sha256", produced["manifest_sha256"].upper(), token="fbi"
    )
    assert acked["state"] == "acknowledged"
    assert [e["event"] for e in acked["history"]] == [
        "submitted",
        "order_filed",
        "reviewed",
        "order_confirmed",
        "decided",
        "started",
        "closed",
        "produced",
        "acknowledged",
    ]

    # the subject data, read with a reason, and the access log that shows it
    full = cli.json(
        "request", "show", rid, "--document", "--reason", "Preparing the notice", token="fbi"
    )
    expected = request_document_from_data(mail_cover_data(start=day)).model_dump(mode="json")
    assert full["document"] == expected
    access = cli.json("audit", "--request", rid, token="auditor")["access"]
    assert {(a["user"], a["what"], a["via"]) for a in access} == {
        ("reviewer@test.example", "observations", "cli"),
        ("fbi@test.example", "production", "cli"),
        ("fbi@test.example", "subject", "cli"),
    }

    # The published report (from the database): the request is still open, so it
    # counts at the coarse level only (a received federal request), never by agency.
    report = cli.json("report")
    assert report["format"] == "covergate-report/v1"
    headline = {row["label"]: row["value"] for row in report["headline"]}
    assert headline["Requests received"] >= 1
    assert FBI not in json.dumps(report)

    verified = cli.run("log", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "root and signature ok" in verified.stdout
    log_indexes = [e["log_index"] for e in acked["history"]]
    assert len(set(log_indexes)) == len(log_indexes)


# --- bad arguments: one error line, exit 2, nothing changed ---


@pytest.fixture(scope="module")
def submitted(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A submitted FBI request for the error cases."""
    path = write_json(
        tmp_path_factory.mktemp("doc") / "request.json",
        mail_cover_data(start=today() + timedelta(days=7)),
    )
    return str(cli.json("request", "submit", path, token="fbi")["id"])


def _bad_cases(tmp: Path, rid: str) -> list[tuple[list[str | Path], str | None, tuple[str, ...]]]:
    good = mail_cover_data(start=today() + timedelta(days=7))
    doc = write_json(tmp / "good.json", good)
    missing_kind = {k: v for k, v in good.items() if k != "kind"}
    nonempty = tmp / "nonempty"
    nonempty.mkdir()
    (nonempty / "keep.txt").write_text("already here")
    bad_json = tmp / "bad.json"
    bad_json.write_text('{"kind": "mail_cover",')
    contents = {**mail(today()), "contents": "Dear Jordan"}
    return [
        (["request", "submit", tmp / "missing.json"], "fbi", ("missing.json", "no such file")),
        (["request", "submit", tmp], "fbi", ("is a directory",)),
        (["request", "submit", bad_json], "fbi", ("Invalid JSON",)),
        (
            [
                "request",
                "submit",
                write_json(tmp / "unknown.json", mail_cover_data(purpose__colour="red")),
            ],
            "fbi",
            ("purpose.colour", "unknown field"),
        ),
        (
            ["request", "submit", write_json(tmp / "type.json", mail_cover_data(scope__days="30"))],
            "fbi",
            ("scope.days", "integer"),
        ),
        (
            ["request", "submit", write_json(tmp / "nokind.json", missing_kind)],
            "fbi",
            ("kind", "required field is missing"),
        ),
        (
            [
                "request",
                "submit",
                write_json(tmp / "date.json", mail_cover_data(scope__start="next week")),
            ],
            "fbi",
            ("scope.start", "YYYY-MM-DD"),
        ),
        (["request", "submit", doc], "dea", ("agency.name",)),
        (["request", "submit", doc], "reviewer", ("requester",)),
        (["request", "submit", doc], "cg_not-a-token", ("token is not valid",)),
        (["request", "list"], None, ("token",)),
        (["request", "show", rid], "cg_not-a-token", ("token is not valid",)),
        (["request", "show", rid], "dea", (f"no request {rid}",)),
        (["request", "show", "0" * 32], "fbi", ("no request",)),
        (["request", "show", rid, "--document"], "fbi", ("reason",)),
        (["close", rid], "dea", (f"no request {rid}",)),
        (["review", rid, "--note", "mine"], "fbi", ("reviewer",)),
        (["review", rid, "--note", "mine"], "dea", (f"no request {rid}",)),
        (["review", rid, "--note", "   "], "reviewer", ("--note", "empty")),
        (["decide", rid, "--approve"], "reviewer", ("approver",)),
        (["decide", rid, "--approve", "--deny"], "osg", ("exactly one of",)),
        (["decide", rid], "osg", ("exactly one of",)),
        (["decide", rid, "--approve", "--justify", "no-equals-sign"], "osg", ("RULE=TEXT",)),
        (["decide", rid, "--approve"], "osg", ("submitted",)),
        (["close", rid], "fbi", ("submitted", "cannot be closed")),
        (
            ["observe", rid, write_json(tmp / "contents.json", contents)],
            "observer",
            ("contents", "unknown field"),
        ),
        (["observe", rid, write_json(tmp / "empty.json", [])], "observer", ("empty",)),
        (["observe", rid, write_json(tmp / "obs.json", mail(today()))], "reviewer", ("observer",)),
        (["produce", rid, nonempty], "reviewer", ("nonempty", "new or empty directory")),
        (["package", rid, nonempty, "--reason", "checking"], "fbi", ("new or empty directory",)),
        (["produce", rid, tmp / "fresh-out"], "reviewer", ("cannot be produced",)),
        (["acknowledge", rid, "--manifest-sha256", "a" * 64], "fbi", ("cannot be acknowledged",)),
        (["audit"], "fbi", ("auditor",)),
        (
            ["user", "add", "x@test.example", "--name", "X", "--role", "requester"],
            None,
            ("agency",),
        ),
        (
            [
                "user",
                "add",
                "fbi@test.example",
                "--name",
                "F",
                "--role",
                "requester",
                "--agency",
                FBI,
            ],
            None,
            ("already exists",),
        ),
        (
            [
                "user",
                "add",
                "y@test.example",
                "--name",
                "Y",
                "--role",
                "requester",
                "--agency",
                "Nowhere Police",
            ],
            None,
            ("Nowhere Police",),
        ),
        # Bytes that are not UTF-8 reach Python as lone surrogates: they used to reach
        # the database driver (a traceback). An escape sequence is quoted escaped.
        (["user", "disable", "a\udcffb@test.example"], None, ("argument 5", "not valid UTF-8")),
        (["user", "add", "x@test.example", "--name", "\udcff"], None, ("(--name)", "UTF-8")),
        (["user", "disable", "a\x1b[2J@test.example"], None, ("no user", "a\\x1b[2J")),
    ]


def test_bad_arguments_exit_2_with_one_line_and_change_nothing(
    cli: Cli, submitted: str, tmp_path: Path
) -> None:
    cases = _bad_cases(tmp_path, submitted)
    before = snapshot(cli.url)
    assert (submitted, "submitted") in [(r[0], r[1].value) for r in before["requests"]]

    def run(case: tuple[list[str | Path], str | None, tuple[str, ...]]) -> str | None:
        args, token, needles = case
        done = cli.run(*args, token=token)
        try:
            assert_one_error_line(done, *needles)
            assert "\x1b" not in done.stderr  # nothing the terminal would obey
        except AssertionError as exc:
            return f"{args}: {exc}"
        return None

    failures = [f for f in map(run, cases) if f]
    assert not failures, "\n".join(failures)
    assert snapshot(cli.url) == before
    assert not (tmp_path / "fresh-out").exists()


def test_produce_into_an_uncreatable_directory_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    document = write_json(tmp_path / "request.json", mail_cover_data(start=today()))
    rid = cli.json("request", "submit", document, token="fbi")["id"]
    cli.json("review", rid, "--note", "Checked against the policy.", token="reviewer")
    cli.json("court", "confirm", rid, token="court")
    cli.json("decide", rid, "--approve", token="osg")
    assert cli.json("close", rid, token="fbi")["state"] == "closed"
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    before = snapshot(cli.url)
    done = cli.run("produce", rid, blocker / "package", token="reviewer")
    assert_one_error_line(done, "a-file")
    assert snapshot(cli.url) == before


def test_ids_are_shown_whole_and_a_unique_prefix_is_taken(cli: Cli, tmp_path: Path) -> None:
    doc = write_json(tmp_path / "r.json", mail_cover_data(start=today() + timedelta(days=3)))
    rid = cli.json("request", "submit", doc, token="fbi")["id"]
    env = cli.env() | {"COLUMNS": "80"}  # a narrow terminal: the id column must not be cut
    argv = ["--data", str(cli.data_dir), "request", "list", "--token", cli.tokens["fbi"]]
    listed = cli.zygote.run(argv, env, None) if cli.zygote else cli.run(*argv[2:])
    assert listed.returncode == 0, listed.stderr
    assert rid in listed.stdout  # whole, not "af6fec55…"
    # Too wide for 80 columns: one record per request, every name and value whole
    # (not "ackn owle dged", "Fede…"), as psql's expanded display.
    assert "…" not in listed.stdout
    for whole in ("days_requested", "received", FBI, "mail_cover", "submitted"):
        assert whole in listed.stdout, whole
    assert all(len(line) <= 80 for line in listed.stdout.splitlines())
    shown = cli.json("request", "show", rid[:8], token="fbi")
    assert shown["id"] == rid
    # a prefix matches only what the user may see: the DEA requester learns nothing
    assert_one_error_line(cli.run("request", "show", rid[:8], token="dea"), "no request")
    assert_one_error_line(
        cli.run("request", "show", rid[:4], token="fbi"), "prefix of one of 6 or more"
    )
    assert_one_error_line(cli.run("request", "show", "zzzzzzzz", token="fbi"), "request id")


def test_cli_inputs_get_the_apis_checks(cli: Cli, tmp_path: Path) -> None:
    doc = write_json(tmp_path / "r.json", mail_cover_data(start=today() + timedelta(days=3)))
    rid = cli.json("request", "submit", doc, token="fbi")["id"]
    before = snapshot(cli.url)
    assert_one_error_line(
        cli.run("review", rid, "--note", "Checked\x00 it", token="reviewer"), "--note"
    )
    repeated = tmp_path / "obs.json"
    repeated.write_text('{"mail_date": "2026-01-05", "mail_date": "2026-01-06"}')
    assert_one_error_line(cli.run("observe", rid, repeated, token="observer"), "mail_date", "twice")
    assert snapshot(cli.url) == before
