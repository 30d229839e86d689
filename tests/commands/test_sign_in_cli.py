"""``covergate user sign-in-link`` and ``user set-password``, run as a user runs them.

On SQLite and PostgreSQL. The link printed works once in the web app (checked in
tests/web/test_sign_in.py); here: what is printed, what is stored, what is refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from covergate.db import make_engine
from covergate.signin.models import Password, SignInLink
from covergate.signin.service import _password_matches
from tests.cli_runner import Cli, Zygote, assert_one_error_line, snapshot
from tests.conftest import cli_on


@pytest.fixture(params=["sqlite", "postgresql"])
def cli(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, zygote: Zygote
) -> Iterator[Cli]:
    data_dir = tmp_path_factory.mktemp(f"sign-in-{request.param}") / "data"
    with cli_on(request.param, data_dir, zygote) as runner:
        runner.json("init")
        runner.json("user", "add", "admin@test.example", "--name", "Admin", "--role", "admin")
        yield runner


def _rows(cli: Cli, model: type[Any]) -> list[Any]:
    engine = make_engine(cli.url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            rows = list(session.scalars(select(model)))
            session.expunge_all()
    finally:
        engine.dispose()
    return rows


def test_sign_in_link_prints_a_link_and_stores_only_its_digest(cli: Cli) -> None:
    out = cli.ok("user", "sign-in-link", "admin@test.example")
    (url,) = out.split()
    assert url.startswith("http://localhost:8000/sign-in/link/")
    token = url.rsplit("/", 1)[1]
    (row,) = _rows(cli, SignInLink)
    assert token.encode() not in row.digest
    assert (row.expires_at - row.created_at).total_seconds() == 15 * 60
    custom = cli.ok(
        "user", "sign-in-link", "admin@test.example", "--base-url", "https://covergate.example/"
    )
    assert custom.strip().startswith("https://covergate.example/sign-in/link/")


def test_sign_in_link_for_an_unknown_user_is_one_line_and_writes_nothing(cli: Cli) -> None:
    before = snapshot(cli.url)
    done = cli.run("user", "sign-in-link", "nobody@test.example")
    assert_one_error_line(done, "nobody@test.example")
    assert snapshot(cli.url) == before


def test_set_password_from_stdin_stores_an_argon2id_hash(cli: Cli) -> None:
    done = cli.run(
        "user",
        "set-password",
        "admin@test.example",
        "--password-stdin",
        stdin="correct horse battery staple\n",
    )
    assert done.returncode == 0, done.stderr
    assert "password set for admin@test.example" in done.stdout
    (row,) = _rows(cli, Password)
    assert row.hash.startswith("$argon2id$")
    assert _password_matches(row, "correct horse battery staple")
    assert not _password_matches(row, "correct horse battery stapl")


def test_a_short_password_is_refused_in_one_line(cli: Cli) -> None:
    done = cli.run(
        "user", "set-password", "admin@test.example", "--password-stdin", stdin="short\n"
    )
    assert_one_error_line(done, "at least 12 characters")
    assert _rows(cli, Password) == []
