"""``covergate court ...`` and ``covergate request order-document`` as a user runs them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli_runner import Cli, Zygote, assert_one_error_line, snapshot
from tests.conftest import cli_on
from tests.factories import mail_cover_data
from tests.world import COURT, FBI, OTHER_COURT

PEOPLE: list[tuple[str, list[str]]] = [
    ("fbi", ["--role", "requester", "--agency", FBI]),
    ("reviewer", ["--role", "reviewer"]),
    ("osg", ["--role", "approver", "--delegation", "operations_support_group_manager"]),
    ("court", ["--role", "court", "--court", COURT.upper()]),  # any case names the court
    ("court2", ["--role", "court", "--court", OTHER_COURT]),
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cli(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, zygote: Zygote
) -> Iterator[Cli]:
    data_dir = tmp_path_factory.mktemp(f"courts-{request.param}") / "data"
    with cli_on(request.param, data_dir, zygote) as runner:
        runner.json("init", real=True)
        runner.ok("agency", "add", FBI, "--jurisdiction", "federal",
                  "--function", "criminal_investigation",
                  "--function", "national_security")  # fmt: skip
        assert runner.json("court", "add", f"  {COURT}  ")["name"] == COURT
        assert "registered" in runner.ok("court", "add", OTHER_COURT)
        for key, options in PEOPLE:
            added = runner.json("user", "add", f"{key}@test.example", "--name", key, *options)
            runner.tokens[key] = added["token"]
        yield runner


def submitted(cli: Cli, tmp: Path) -> str:
    document = tmp / "request.json"
    document.write_text(json.dumps(mail_cover_data(start=datetime.now(UTC).date())))
    return str(cli.json("request", "submit", document, token="fbi")["id"])


def test_user_list_shows_each_court_users_court(cli: Cli) -> None:
    shown = {u["email"]: u["court"] for u in cli.json("user", "list")["users"]}
    assert shown["court@test.example"] == COURT
    assert shown["court2@test.example"] == OTHER_COURT
    assert shown["fbi@test.example"] is None


def test_courts_are_listed_and_registered_once(cli: Cli) -> None:
    listed = cli.json("court", "list")["courts"]
    assert [c["name"] for c in listed] == [COURT, OTHER_COURT]
    assert COURT in cli.ok("court", "list")
    before = snapshot(cli.url)
    for args, needle in (
        (["court", "add", COURT.lower()], "already registered"),
        (["court", "add", "9th Circuit"], "start with a letter"),
        (["user", "add", "x@test.example", "--name", "X", "--role", "court"], "--court"),
        (
            ["user", "add", "y@test.example", "--name", "Y", "--role", "court", "--court", "Nope"],
            "no court named 'Nope'",
        ),
    ):
        assert_one_error_line(cli.run(*args), needle)
    assert snapshot(cli.url) == before


def test_the_court_confirms_and_the_request_is_then_approved(cli: Cli, tmp_path: Path) -> None:
    rid = submitted(cli, tmp_path)
    cli.json("review", rid, "--note", "Checked against the policy.", token="reviewer")
    pdf = tmp_path / "order.pdf"
    pdf.write_bytes(b"%PDF-1.7 the order")
    uploaded = cli.json("request", "order-document", rid, pdf, token="fbi")
    assert uploaded["document_sha256"] is not None

    filed = cli.json("court", "orders", "--state", "filed", token="court")["orders"]
    assert rid in [o["request"] for o in filed]
    assert rid not in [o["request"] for o in cli.json("court", "orders", token="court2")["orders"]]
    shown = cli.json("court", "show", rid, "--reason", "deciding the order", token="court")
    assert shown["document"]["subject"]["name"] == "Jordan Example"
    out = tmp_path / "copy.pdf"
    cli.ok("court", "document", rid, out, "--reason", "reading the order", token="court")
    assert out.read_bytes() == b"%PDF-1.7 the order"

    before = snapshot(cli.url)
    assert_one_error_line(cli.run("decide", rid, "--approve", token="osg"), "it is filed")
    assert_one_error_line(cli.run("court", "confirm", rid, token="court2"), "no request")
    assert_one_error_line(
        cli.run("court", "confirm", rid, "--sealed-until", "someday", token="court"),
        "--sealed-until",
    )
    assert_one_error_line(
        cli.run("court", "refuse", rid, "--reasons", "short", token="court"), "reasons"
    )
    assert snapshot(cli.url) == before

    confirmed = cli.json("court", "confirm", rid, "--sealed-until", "2030-01-01", token="court")
    assert (confirmed["state"], confirmed["sealed"]) == ("confirmed", True)
    assert_one_error_line(cli.run("court", "confirm", rid, token="court"), "decides once")
    assert cli.json("decide", rid, "--approve", token="osg")["state"] in {"approved", "active"}
    order = cli.json("request", "show", rid, token="fbi")["court_order"]
    assert order == {
        "court": COURT,
        "state": "confirmed",
        "sealed_until": "2030-01-01",
        "unsealed_on": None,
    }
    text = " ".join(cli.ok("request", "show", rid, token="fbi").split())  # lines may wrap
    assert f"court order confirmed ({COURT}), sealed until 2030-01-01" in text
    unsealed = cli.json("court", "unseal", rid, token="court")
    assert unsealed["sealed"] is False


def test_a_refused_order_blocks_the_approval(cli: Cli, tmp_path: Path) -> None:
    rid = submitted(cli, tmp_path)
    cli.json("review", rid, "--note", "Checked against the policy.", token="reviewer")
    refused = cli.json(
        "court", "refuse", rid, "--reasons", "No such order was issued here.", token="court"
    )
    assert refused["state"] == "refused"
    assert_one_error_line(cli.run("decide", rid, "--approve", token="osg"), "refused")
