"""``covergate user list|disable|enable`` and ``token list|revoke|create --expires``.

Run as a user runs them (tests/cli_runner.py), on SQLite and PostgreSQL. Account
commands are the operator's, like ``user add``: they need the data directory,
not a token. Every change takes effect on the next command that uses a token.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.cli_runner import Cli, Zygote, assert_one_error_line, snapshot
from tests.conftest import cli_on

PEOPLE = [("reviewer", "reviewer"), ("auditor", "auditor"), ("admin", "admin")]


@pytest.fixture(params=["sqlite", "postgresql"])
def cli(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, zygote: Zygote
) -> Iterator[Cli]:
    """A fresh data directory per test: init and three users, each with a token."""
    data_dir = tmp_path_factory.mktemp(f"accounts-{request.param}") / "data"
    with cli_on(request.param, data_dir, zygote) as runner:
        runner.json("init")
        for key, role in PEOPLE:
            added = runner.json("user", "add", f"{key}@test.example", "--name", key, "--role", role)
            runner.tokens[key] = added["token"]
        yield runner


def works(cli: Cli, who: str) -> bool:
    """Whether ``who``'s token is accepted (``request list`` needs any valid token)."""
    done = cli.run("request", "list", "--json", token=who)
    if done.returncode == 0:
        return True
    assert_one_error_line(done, "the token is not valid")
    return False


def test_token_list_shows_ids_and_never_secrets(cli: Cli) -> None:
    listed = cli.json("token", "list")["tokens"]
    assert [t["user"] for t in listed] == [f"{k}@test.example" for k, _ in PEOPLE]
    assert all(t["status"] == "active" for t in listed)
    table = cli.ok("token", "list")
    for token in cli.tokens.values():
        assert token not in table
        assert token[-6:] not in table
    assert all(t["id"] in table for t in listed)


def test_token_revoke_takes_effect_at_once(cli: Cli) -> None:
    assert works(cli, "reviewer")
    (row,) = cli.json("token", "list", "--user", "reviewer@test.example")["tokens"]
    out = cli.ok("token", "revoke", row["id"])
    assert f"token {row['id']} of reviewer@test.example revoked" in out
    assert not works(cli, "reviewer")
    assert works(cli, "auditor")
    assert cli.json("token", "list", "--active")["tokens"] == [
        t for t in cli.json("token", "list")["tokens"] if t["user"] != "reviewer@test.example"
    ]
    before = snapshot(cli.url)
    assert_one_error_line(cli.run("token", "revoke", row["id"]), "already revoked")
    assert_one_error_line(cli.run("token", "revoke", "00000000ffff"), "no token 00000000ffff")
    assert snapshot(cli.url) == before


def test_user_disable_refuses_every_token_until_enabled(cli: Cli) -> None:
    spare = cli.json("token", "create", "auditor@test.example", "--label", "spare")["token"]
    cli.tokens["spare"] = spare
    out = cli.ok("user", "disable", "auditor@test.example")
    assert "user auditor@test.example disabled" in out
    assert not works(cli, "auditor")
    assert not works(cli, "spare")
    assert works(cli, "reviewer")
    users = {u["email"]: u for u in cli.json("user", "list")["users"]}
    assert users["auditor@test.example"]["disabled"] is not None
    assert users["reviewer@test.example"]["disabled"] is None
    assert_one_error_line(cli.run("user", "disable", "auditor@test.example"), "already disabled")
    cli.ok("user", "enable", "auditor@test.example")
    assert works(cli, "auditor")
    assert works(cli, "spare")
    assert_one_error_line(cli.run("user", "enable", "nobody@test.example"), "no user with email")


def test_tokens_are_issued_with_an_expiry(cli: Cli) -> None:
    issued = cli.json("token", "create", "reviewer@test.example", "--expires", "7")
    expires = datetime.fromisoformat(issued["expires"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=5)
    cli.tokens["week"] = issued["token"]
    assert works(cli, "week")
    last = (datetime.now(UTC) + timedelta(days=40)).date()
    added = cli.json(
        "user", "add", "temp@test.example", "--name", "Temp", "--role", "observer",
        "--expires", last.isoformat(),
    )  # fmt: skip
    assert added["expires"] == f"{last + timedelta(days=1)}T00:00:00+00:00"
    shown = {t["user"]: t for t in cli.json("token", "list")["tokens"]}
    assert shown["temp@test.example"]["expires"] == added["expires"]


@pytest.mark.parametrize(
    ("expires", "needle"),
    [("0", "at least 1 day"), ("soon", "days or a date"), ("2020-01-01", "in the past")],
)
def test_a_bad_expiry_is_one_error_line_and_changes_nothing(
    cli: Cli, expires: str, needle: str
) -> None:
    before = snapshot(cli.url)
    done = cli.run("token", "create", "reviewer@test.example", "--expires", expires)
    assert_one_error_line(done, needle)
    assert snapshot(cli.url) == before
