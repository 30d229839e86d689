"""Users' emails, names and token labels refuse control characters: API, service, CLI.

A NUL is refused by PostgreSQL (a 500 before), and an escape sequence would be
printed to an admin's terminal by ``covergate user list`` and ``token list``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from covergate.errors import InvalidInput
from covergate.users import service as users
from covergate.users.schemas import Role
from tests.api_server import LiveServer
from tests.cli_runner import Cli, Zygote, assert_one_error_line, snapshot
from tests.conftest import cli_on
from tests.test_api import assert_problem
from tests.world import World

CONTROLS = ["\x00", "\x1b[2J", "\x07", "\x7f", "\u0085", "\n"]


@pytest.mark.parametrize("bad", CONTROLS, ids=repr)
def test_the_api_refuses_a_token_label_with_a_control_character(api: LiveServer, bad: str) -> None:
    response = api.post(
        "/api/v1/admin/tokens", "admin", json={"email": "fbi@test.example", "label": f"ci{bad}"}
    )
    body = assert_problem(response, 422, "invalid-input", mentions="control characters")
    assert body["field"] == "label"


@pytest.mark.parametrize("bad", ["\x00", "\x1b"], ids=repr)
def test_the_api_refuses_a_token_email_with_a_control_character(api: LiveServer, bad: str) -> None:
    response = api.post("/api/v1/admin/tokens", "admin", json={"email": f"fbi{bad}@test.example"})
    body = assert_problem(response, 422, "invalid-input", mentions="control characters")
    assert body["field"] == "email"


def test_a_plain_label_still_issues_a_token(api: LiveServer) -> None:
    response = api.post(
        "/api/v1/admin/tokens", "admin", json={"email": "fbi@test.example", "label": "nightly ci"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["label"] == "nightly ci"


@pytest.mark.parametrize("field", ["email", "name"])
@pytest.mark.parametrize("bad", CONTROLS, ids=repr)
def test_add_user_refuses_control_characters(world: World, field: str, bad: str) -> None:
    email = f"new{bad}@test.example" if field == "email" else "new@test.example"
    name = f"New{bad}Person" if field == "name" else "New Person"
    with world.unchanged(InvalidInput, "control characters") as info, world.tx() as s:
        users.add_user(session=s, clock=world.clock, email=email, name=name, role=Role.AUDITOR)
    assert info.value.field == field


@pytest.mark.parametrize("bad", CONTROLS, ids=repr)
def test_issue_token_refuses_a_label_with_a_control_character(world: World, bad: str) -> None:
    with world.unchanged(InvalidInput, "control characters") as info, world.tx() as s:
        users.issue_token(
            session=s, clock=world.clock, user=world.user(s, "auditor"), label=f"x{bad}"
        )
    assert info.value.field == "label"


def test_issue_token_refuses_a_label_longer_than_its_column(world: World) -> None:
    with world.unchanged(InvalidInput, "at most 100 characters"), world.tx() as s:
        users.issue_token(
            session=s, clock=world.clock, user=world.user(s, "auditor"), label="x" * 101
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def cli(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, zygote: Zygote
) -> Iterator[Cli]:
    data_dir = tmp_path_factory.mktemp(f"controls-{request.param}") / "data"
    with cli_on(request.param, data_dir, zygote) as runner:
        runner.json("init")
        runner.json("user", "add", "admin@test.example", "--name", "Admin", "--role", "admin")
        yield runner


def test_user_add_refuses_an_escape_in_the_name(cli: Cli) -> None:
    before = snapshot(cli.url)
    done = cli.run("user", "add", "x@test.example", "--name", "X\x1b[31m", "--role", "auditor")
    assert_one_error_line(done, "name", "control characters")
    assert snapshot(cli.url) == before


def test_token_create_refuses_an_escape_in_the_label(cli: Cli) -> None:
    before = snapshot(cli.url)
    done = cli.run("token", "create", "admin@test.example", "--label", "ci\x1b]0;owned\x07")
    assert_one_error_line(done, "label", "control characters")
    assert snapshot(cli.url) == before
