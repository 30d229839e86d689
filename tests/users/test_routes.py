"""Accounts and tokens over HTTP, against a real uvicorn server, on both backends.

Only admins manage accounts; every change takes effect on the next request.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute

from covergate import api as api_module
from covergate.api_deps import authenticated_token
from covergate.users import service
from covergate.users.gate import GATE_SECONDS
from tests.api_server import LiveServer
from tests.factories import mail_cover_data
from tests.test_api import assert_problem

ADMIN = "/api/v1/admin"


def tokens(api: LiveServer, **params: Any) -> list[dict[str, Any]]:
    response = api.get(f"{ADMIN}/tokens", "admin", params=params)
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()["tokens"]
    return listed


def token_of(api: LiveServer, email: str) -> dict[str, Any]:
    (token,) = tokens(api, user=email)
    return token


def me(api: LiveServer, who: str) -> int:
    return api.get("/api/v1/me", who).status_code


def test_admins_list_tokens_without_their_secrets(api: LiveServer) -> None:
    listed = tokens(api)
    assert {t["user"] for t in listed} == {f"{k}@test.example" for k in api.tokens}
    assert all(t["status"] == "active" and t["revoked"] is None for t in listed)
    assert not any(
        secret in api.get(f"{ADMIN}/tokens", "admin").text for secret in api.tokens.values()
    )


def test_admins_list_users(api: LiveServer) -> None:
    response = api.get(f"{ADMIN}/users", "admin")
    assert response.status_code == 200, response.text
    by_email = {u["email"]: u for u in response.json()["users"]}
    assert by_email["osg@test.example"]["delegation"] == "operations_support_group_manager"
    assert by_email["fbi@test.example"]["agency"] == "Federal Bureau of Investigation"
    assert by_email["fbi@test.example"]["tokens"] == 1
    assert all(u["disabled"] is None for u in by_email.values())


def test_a_revoked_token_is_refused_at_once(api: LiveServer) -> None:
    assert me(api, "fbi") == 200
    tid = token_of(api, "fbi@test.example")["id"]
    response = api.post(f"{ADMIN}/tokens/{tid}/revoke", "admin")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "revoked"
    assert_problem(api.get("/api/v1/me", "fbi"), 401, "unauthenticated", mentions="revoked")
    assert me(api, "fbi2") == 200
    again = api.post(f"{ADMIN}/tokens/{tid}/revoke", "admin")
    assert_problem(again, 409, "conflict", mentions="already revoked")
    assert_problem(api.post(f"{ADMIN}/tokens/00000000ffff/revoke", "admin"), 404, "not-found")


def test_a_disabled_user_is_refused_with_every_token_until_enabled(api: LiveServer) -> None:
    issued = api.post(f"{ADMIN}/tokens", "admin", json={"email": "osg@test.example"})
    assert issued.status_code == 201, issued.text
    api.tokens["osg-spare"] = issued.json()["token"]
    assert me(api, "osg-spare") == 200
    response = api.post(f"{ADMIN}/users/osg@test.example/disable", "admin")
    assert response.status_code == 200, response.text
    assert response.json()["disabled"] is not None
    for who in ("osg", "osg-spare"):
        assert_problem(api.get("/api/v1/me", who), 401, "unauthenticated", mentions="disabled")
    assert me(api, "chief") == 200
    enabled = api.post(f"{ADMIN}/users/osg@test.example/enable", "admin")
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["disabled"] is None
    assert me(api, "osg") == me(api, "osg-spare") == 200
    missing = api.post(f"{ADMIN}/users/nobody@test.example/disable", "admin")
    assert_problem(missing, 404, "not-found", mentions="nobody@test.example")


def test_an_expired_token_is_refused_with_a_message_saying_so(api: LiveServer) -> None:
    issued = api.post(
        f"{ADMIN}/tokens", "admin", json={"email": "reviewer@test.example", "expires": 3}
    )
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert body["expires"] == "2026-01-05T09:00:00+00:00"
    api.tokens["short"] = body["token"]
    assert me(api, "short") == 200  # the server's clock, not the wall clock, decides
    api.clock.advance(timedelta(days=3))
    response = api.get("/api/v1/me", "short")
    assert_problem(response, 401, "unauthenticated", mentions="expired on 2026-01-05 09:00 UTC")
    assert me(api, "reviewer") == 200
    statuses = {t["id"]: t["status"] for t in tokens(api, user="reviewer@test.example")}
    assert statuses[body["id"]] == "expired"


def test_an_expiry_in_the_past_is_refused(api: LiveServer) -> None:
    response = api.post(
        f"{ADMIN}/tokens", "admin", json={"email": "reviewer@test.example", "expires": "2025-12-31"}
    )
    assert_problem(response, 422, "invalid-input", mentions="in the past")


@pytest.mark.parametrize("who", ["fbi", "reviewer", "chief", "observer", "auditor"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/tokens"),
        ("GET", "/users"),
        ("POST", "/users/osg@test.example/disable"),
        ("POST", "/users/osg@test.example/enable"),
        ("POST", "/tokens/00000000ffff/revoke"),
    ],
)
def test_only_admins_manage_accounts(api: LiveServer, who: str, method: str, path: str) -> None:
    response = api.call(method, ADMIN + path, who)
    assert_problem(response, 403, "forbidden", mentions="only an admin may manage accounts")
    assert me(api, "osg") == 200


def test_only_admins_issue_tokens(api: LiveServer) -> None:
    response = api.post(f"{ADMIN}/tokens", "auditor", json={"email": "auditor@test.example"})
    assert_problem(response, 403, "forbidden", mentions="you are an auditor")
    assert len(tokens(api, user="auditor@test.example")) == 1


def test_without_a_token_account_routes_are_401(api: LiveServer) -> None:
    assert_problem(api.get(f"{ADMIN}/users"), 401, "unauthenticated")


def test_a_token_revoked_elsewhere_is_refused_though_the_gate_remembers_it(
    api: LiveServer,
) -> None:
    """The gate (users/gate.py) only answers 401 early; the route's own transaction
    decides. A revocation by another process (here: straight in the database, as
    ``covergate token revoke`` does) does not empty this process's gate."""
    assert me(api, "fbi") == 200
    gate = api.runtime.token_gate
    assert gate.admits(api.tokens["fbi"])
    tid = token_of(api, "fbi@test.example")["id"]
    with api.runtime.transaction() as session:
        service.revoke_token(session=session, clock=api.clock, token_id=tid)
    assert gate.admits(api.tokens["fbi"])
    assert_problem(api.get("/api/v1/me", "fbi"), 401, "unauthenticated", mentions="revoked")
    listed = api.get("/api/v1/requests", "fbi")
    assert_problem(listed, 401, "unauthenticated", mentions="revoked")
    submitted = api.post("/api/v1/requests", "fbi", json=mail_cover_data())
    assert_problem(submitted, 401, "unauthenticated", mentions="revoked")
    # Once its seconds are up, the gate checks again: 401 before the body is read.
    api.clock.advance(timedelta(seconds=GATE_SECONDS))
    malformed = api.post("/api/v1/requests", "fbi", json={"kind": "nonsense"})
    assert_problem(malformed, 401, "unauthenticated", mentions="revoked")


def test_revoking_or_disabling_over_the_api_empties_the_gate(api: LiveServer) -> None:
    assert me(api, "fbi") == me(api, "osg") == 200
    gate = api.runtime.token_gate
    assert gate.admits(api.tokens["fbi"])
    assert gate.admits(api.tokens["osg"])
    tid = token_of(api, "fbi@test.example")["id"]
    assert api.post(f"{ADMIN}/tokens/{tid}/revoke", "admin").status_code == 200
    assert not gate.admits(api.tokens["fbi"])
    assert not gate.admits(api.tokens["osg"])
    assert me(api, "osg") == 200
    assert api.post(f"{ADMIN}/users/osg@test.example/disable", "admin").status_code == 200
    assert not gate.admits(api.tokens["osg"])
    malformed = api.post("/api/v1/requests", "osg", json={"kind": "nonsense"})
    assert_problem(malformed, 401, "unauthenticated", mentions="disabled")


def _gated_routes_without_a_body() -> list[tuple[str, str]]:
    """Every API route behind the token gate that takes no body: (method, path)."""

    def gated(dependant: Any) -> bool:
        return any(d.call is authenticated_token or gated(d) for d in dependant.dependencies)

    routers = [v for k, v in vars(api_module).items() if k.endswith("_router")]
    out = []
    for route in (r for router in routers for r in router.routes):
        if (
            isinstance(route, APIRoute)
            and gated(route.dependant)
            and not route.dependant.body_params
        ):
            path = re.sub(r"\{[^}]+\}", "0", route.path)
            out += [(method, path) for method in sorted(route.methods)]
    return out


GATED = _gated_routes_without_a_body()


def test_the_gate_guards_a_good_share_of_the_api() -> None:
    assert len(GATED) >= 20
    assert ("GET", "/api/v1/requests") in GATED


@pytest.mark.parametrize(("method", "path"), GATED)
def test_every_gated_route_checks_the_token_again_itself(
    api: LiveServer, method: str, path: str
) -> None:
    """A token the gate still remembers, revoked elsewhere, gets 401 from every
    route: each one authenticates in its own transaction (``unit_of_work``)."""
    assert me(api, "auditor") == 200
    tid = token_of(api, "auditor@test.example")["id"]
    with api.runtime.transaction() as session:
        service.revoke_token(session=session, clock=api.clock, token_id=tid)
    assert api.runtime.token_gate.admits(api.tokens["auditor"])
    response = api.call(method, path, "auditor", headers={"X-Access-Reason": "audit"})
    assert_problem(response, 401, "unauthenticated", mentions="revoked")
