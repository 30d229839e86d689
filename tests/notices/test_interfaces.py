"""The notice over HTTP (a live server) and on the command line (a process per command).

The API server runs without its maintenance loop, so the tests run the notice sweep
on the server's runtime, as that loop will. The CLI runs on the system clock: its
requests are closed on the day they start.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from covergate.context import Via
from covergate.notices.service import sweep_notices
from tests.api_server import PROBLEM, LiveServer
from tests.cli_runner import Cli, Zygote, assert_one_error_line, snapshot
from tests.conftest import cli_on
from tests.factories import mail_cover_data
from tests.notices.helpers import TRACKING
from tests.world import COURT, OTHER_COURT

START = date(2026, 1, 5)
LAST_DAY = date(2026, 2, 3)


def _sweep(api: LiveServer) -> None:
    with api.runtime.transaction() as session:
        sweep_notices(session=session, ctx=api.runtime.context(Via.API))


def _ended(api: LiveServer) -> str:
    created = api.post("/api/v1/requests", "fbi", json=mail_cover_data())
    assert created.status_code == 201, created.text
    rid = str(created.json()["id"])
    confirmed = api.post(f"/api/v1/court/orders/{rid}/confirmation", "court", json={})
    assert confirmed.status_code == 200, confirmed.text
    reviewed = api.post(f"/api/v1/requests/{rid}/review", "reviewer", json={"note": "Checked."})
    assert reviewed.status_code == 200, reviewed.text
    findings = reviewed.json()["policy"]["findings"]
    decided = api.post(
        f"/api/v1/requests/{rid}/decision",
        "osg",
        json={
            "outcome": "approve",
            "justifications": {
                f["rule"]: "Read the file; it holds up."
                for f in findings
                if f["outcome"] == "review"
            },
        },
    )
    assert decided.status_code == 200, decided.text
    api.clock.set_date(START)
    assert api.get(f"/api/v1/requests/{rid}", "auditor").json()["state"] == "active"
    api.clock.set_date(LAST_DAY + timedelta(days=1))
    _sweep(api)
    return rid


def _problem(response: Any, status: int, mentions: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert mentions in response.json()["detail"], response.json()


def test_notice_over_http(api: LiveServer, tmp_path: Path) -> None:
    rid = _ended(api)
    shown = api.get(f"/api/v1/requests/{rid}/notice", "fbi")
    assert shown.status_code == 200, shown.text
    assert shown.json()["due_on"] == (LAST_DAY + timedelta(days=90)).isoformat()
    assert "Jordan" not in shown.text
    listed = api.get("/api/v1/notices", "reviewer", params={"state": "pending"})
    assert [n["request"] for n in listed.json()["notices"]] == [rid]
    assert api.get("/api/v1/notices", "court2").json()["notices"] == []
    _problem(api.get("/api/v1/notices", "observer"), 403, "read notices")

    today = api.clock.today()
    size = api.log_size()
    body = {"until": (today + timedelta(days=91)).isoformat(), "docket": "26-mc-9",
            "reasons": "Notice now would warn the other suspects."}  # fmt: skip
    _problem(api.post(f"/api/v1/requests/{rid}/notice/delay", "court", json=body), 422, "91")
    body["until"] = (today + timedelta(days=30)).isoformat()
    _problem(api.post(f"/api/v1/requests/{rid}/notice/delay", "court2", json=body), 404, rid)
    assert api.log_size() == size  # nothing written by the refusals
    delayed = api.post(f"/api/v1/requests/{rid}/notice/delay", "court", json=body)
    assert delayed.status_code == 201, delayed.text
    assert delayed.json()["state"] == "delayed"
    assert api.log_size() == size + 1

    mail_body = {"mailed_on": today.isoformat(), "tracking": TRACKING}
    _problem(api.get(f"/api/v1/requests/{rid}/notice/letter.pdf", "reviewer"), 409, "delayed")
    _problem(
        api.post(f"/api/v1/requests/{rid}/notice/mailed", "reviewer", json=mail_body),
        409,
        "delay order in force",
    )
    api.clock.set_date(today + timedelta(days=31))  # the delay is over
    _sweep(api)
    letter = api.get(f"/api/v1/requests/{rid}/notice/letter.pdf", "reviewer")
    assert letter.status_code == 200, letter.text
    assert letter.headers["content-type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF")
    mail_body["mailed_on"] = api.clock.today().isoformat()
    _problem(api.post(f"/api/v1/requests/{rid}/notice/mailed", "reviewer",
                      json={**mail_body, "tracking": "short"}), 422, "tracking")  # fmt: skip
    mailed = api.post(f"/api/v1/requests/{rid}/notice/mailed", "reviewer", json=mail_body)
    assert mailed.status_code == 200, mailed.text
    assert mailed.json()["state"] == "mailed"

    got = api.get(f"/api/v1/requests/{rid}/notice/bundle.json", "reviewer")
    assert got.status_code == 200, got.text
    assert f"covergate-notice-{rid}.json" in got.headers["content-disposition"]
    _problem(api.get(f"/api/v1/requests/{rid}/notice/bundle.json", "fbi"), 403, "bundle")
    from covergate.notices.verify import verify_bundle

    key = api.runtime.log_signer.verifier_key()
    result = verify_bundle(got.content, key)
    assert [e.event.value for e in result.events][-3:] == [
        "notice_delayed",
        "notice_resumed",
        "notice_served",
    ]


# --- the command line ---

PEOPLE: list[tuple[str, list[str]]] = [
    ("fbi", ["--role", "requester", "--agency", "Federal Bureau of Investigation"]),
    ("reviewer", ["--role", "reviewer"]),
    ("osg", ["--role", "approver", "--delegation", "operations_support_group_manager"]),
    ("court", ["--role", "court", "--court", COURT]),
    ("court2", ["--role", "court", "--court", OTHER_COURT]),
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cli(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, zygote: Zygote
) -> Iterator[Cli]:
    data_dir = tmp_path_factory.mktemp(f"notice-{request.param}") / "data"
    with cli_on(request.param, data_dir, zygote) as runner:
        runner.json("init", real=True)
        runner.ok("agency", "add", "Federal Bureau of Investigation", "--jurisdiction", "federal",
                  "--function", "criminal_investigation",
                  "--function", "national_security")  # fmt: skip
        runner.ok("court", "add", COURT)
        runner.ok("court", "add", OTHER_COURT)
        for key, options in PEOPLE:
            added = runner.json("user", "add", f"{key}@test.example", "--name", key, *options)
            runner.tokens[key] = added["token"]
        yield runner


def _closed(cli: Cli, tmp: Path) -> str:
    document = tmp / "request.json"
    document.write_text(json.dumps(mail_cover_data(start=datetime.now(UTC).date())))
    rid = str(cli.json("request", "submit", document, token="fbi")["id"])
    cli.json("review", rid, "--note", "Checked against the policy.", token="reviewer")
    cli.json("court", "confirm", rid, token="court")
    cli.json("decide", rid, "--approve", token="osg")
    cli.json("close", rid, token="fbi")
    return rid


def test_notice_on_the_command_line(cli: Cli, tmp_path: Path) -> None:
    delayed, served = _closed(cli, tmp_path), _closed(cli, tmp_path)
    assert cli.json("notice", "sweep")["created"] == 2
    today = datetime.now(UTC).date()
    listed = cli.json("notice", "list", token="reviewer")["notices"]
    assert {n["request"] for n in listed} == {delayed, served}

    before = snapshot(cli.url)
    until = (today + timedelta(days=91)).isoformat()
    args = ["--docket", "26-mc-1", "--reasons", "Notice would warn the others."]
    assert_one_error_line(
        cli.run("notice", "delay", delayed, "--until", until, *args, token="court"),
        "at most 90 days",
    )
    until = (today + timedelta(days=30)).isoformat()
    assert_one_error_line(
        cli.run("notice", "delay", delayed, "--until", until, *args, token="court2"), "no request"
    )
    assert snapshot(cli.url) == before
    shown = cli.json("notice", "delay", delayed, "--until", until, *args, token="court")
    assert shown["state"] == "delayed"
    assert shown["delay_orders"][0]["docket"] == "26-mc-1"
    mail = ["--date", today.isoformat(), "--tracking", TRACKING]
    assert_one_error_line(
        cli.run("notice", "mailed", delayed, *mail, token="reviewer"), "delay order in force"
    )

    pdf = tmp_path / "letter.pdf"
    cli.ok("notice", "letter", served, pdf, token="reviewer")
    assert pdf.read_bytes().startswith(b"%PDF")
    cli.ok("notice", "mailed", served, *mail, token="reviewer")
    assert cli.json("notice", "show", served, token="fbi")["state"] == "mailed"
    out = tmp_path / "bundle.json"
    cli.ok("notice", "bundle", served, out, token="reviewer")
    key = cli.ok("log", "key").strip()

    # Verify opens no database: an empty data dir, no database URL.
    empty = Cli(tmp_path / "empty", None, zygote=cli.zygote)
    done = empty.run("notice", "verify", out, "--key", key)
    assert done.returncode == 0, done.stderr
    assert f"request {served}" in done.stdout
    assert "notice_served" in done.stdout
    assert "OK" in done.stdout
    assert not (tmp_path / "empty").exists()
    tampered = tmp_path / "tampered.json"
    tampered.write_text(out.read_text().replace('"days": 30', '"days": 31', 1))
    assert_one_error_line(
        empty.run("notice", "verify", tampered, "--key", key), "facts.decision.days"
    )
    assert not (tmp_path / "empty").exists()
