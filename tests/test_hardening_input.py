"""Hostile input at every interface: bounds, far dates, control characters, blank
text, duplicate JSON keys, and no bound parameters in database errors.

Each test failed before its fix (API over a real uvicorn server and the CLI, both
on SQLite and PostgreSQL; the pure parts without storage).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from covergate import validation
from covergate.covers.schemas import MailObservation, RecordsItem
from covergate.document import parse_request_document, request_document_from_data
from covergate.errors import InvalidInput
from covergate.lifecycle import access
from covergate.requests.schemas import DecisionInput, ReviewInput
from tests.api_server import PROBLEM, LiveServer
from tests.cli_runner import Cli, assert_one_error_line
from tests.conftest import Database
from tests.factories import mail_cover_data
from tests.test_api import START, active_cover, assert_problem, mail, submit, unchanged
from tests.test_cli import cli  # the CLI fixture (both backends); zygote is in conftest
from tests.world import World

_ = cli

SECRET = "Jordan Example lives at 12 Elm Street"


def raw_post(api: LiveServer, path: str, who: str, body: str) -> Any:
    headers = {**api.auth(who), "Content-Type": "application/json"}
    return api.client.post(path, content=body.encode(), headers=headers)


# --- 1. list bounds ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"offset": "9223372036854775808"}, "offset"),
        ({"offset": "10000001"}, "offset"),
        ({"offset": "-1"}, "offset"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "99999999999999999999999"}, "limit"),
    ],
)
def test_list_bounds_are_problems(api: LiveServer, params: dict[str, str], field: str) -> None:
    response = api.get("/api/v1/requests", "auditor", params=params)
    body = assert_problem(response, 422, "invalid-input", mentions=field)
    assert body["field"] == field


def test_list_at_the_largest_offset(api: LiveServer) -> None:
    response = api.get("/api/v1/requests", "auditor", params={"offset": 10_000_000})
    assert response.status_code == 200, response.text
    assert response.json()["requests"] == []


@pytest.mark.parametrize(
    ("kw", "field"),
    [({"offset": 2**63}, "offset"), ({"offset": 10_000_001}, "offset"), ({"limit": 0}, "limit")],
)
def test_list_visible_bounds(world: World, kw: dict[str, Any], field: str) -> None:
    with world.tx() as s, pytest.raises(InvalidInput) as err:
        access.list_visible(session=s, ctx=world.ctx, actor=world.user(s, "auditor"), **kw)
    assert err.value.field == field


# --- 2. dates far away --------------------------------------------------------------


DATE_FIELDS = [
    ("scope__start", "scope.start"),
    ("received__date", "received.date"),
    ("legal_process__issued", "legal_process.issued"),
]


@pytest.mark.parametrize("day", ["9999-11-01", "2201-01-01", "1899-12-31", "0001-01-01"])
@pytest.mark.parametrize(("key", "path"), DATE_FIELDS)
def test_far_dates_are_refused_at_the_schema(day: str, key: str, path: str) -> None:
    changes: dict[str, Any] = {key: day}
    with pytest.raises(InvalidInput) as err:
        request_document_from_data(mail_cover_data(**changes))
    assert err.value.field == path
    assert "1900" in str(err.value)


def test_far_start_is_a_problem_over_http(api: LiveServer) -> None:
    with unchanged(api, None):
        response = api.post(
            "/api/v1/requests", "fbi", json=mail_cover_data(scope__start="9999-11-01")
        )
        body = assert_problem(response, 422, "invalid-input", mentions="scope.start")
    assert body["field"] == "scope.start"


def test_far_start_in_policy_check_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "far.json"
    path.write_text(json.dumps(mail_cover_data(scope__start="9999-11-01")))
    done = Cli(tmp_path / "data", None).run("policy", "check", path, real=True)
    assert_one_error_line(done, "scope.start")


def test_far_start_in_request_submit_is_one_error_line(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "far.json"
    path.write_text(json.dumps(mail_cover_data(scope__start="9999-11-01")))
    done = cli.run("request", "submit", path, token="fbi")
    assert_one_error_line(done, "scope.start")


# --- 3 and 7. control characters and blank text -------------------------------------


BAD_TEXT = ["a\x00b", "bell\x07", "esc\x1b[2J", "del\x7f", "c1\x85", "lone\ud800"]


@pytest.mark.parametrize("value", BAD_TEXT)
@pytest.mark.parametrize(
    "key",
    [
        "subject__name",
        "purpose__case_number",
        "purpose__reasonable_grounds",
        "requester__email",
        "subject__address__state",
        "agency__name",
    ],
)
def test_document_text_refuses_control_characters(key: str, value: str) -> None:
    if key == "requester__email":
        value = f"x{value}@example.org"
    changes: dict[str, Any] = {key: value}
    with pytest.raises(InvalidInput) as err:
        request_document_from_data(mail_cover_data(**changes))
    assert err.value.field == key.replace("__", ".")


def test_long_text_keeps_newlines_and_tabs_short_text_does_not() -> None:
    doc = request_document_from_data(
        mail_cover_data(purpose__reasonable_grounds="Line one.\n\tLine two.\r\n")
    )
    assert "\t" in doc.purpose.reasonable_grounds
    with pytest.raises(InvalidInput) as err:
        request_document_from_data(mail_cover_data(subject__name="Jordan\nExample"))
    assert err.value.field == "subject.name"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"note": "ok\x00"}, "note"),
        ({"note": "   "}, "note"),
        ({"note": "\n\t "}, "note"),
    ],
)
def test_review_input(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        ReviewInput.model_validate(data)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"outcome": "deny", "reasons": "no\x00"}, "reasons"),
        ({"outcome": "deny", "reasons": "  \n "}, "reasons"),
        ({"outcome": "approve", "justifications": {"rule": "  "}}, "justifications"),
        ({"outcome": "approve", "justifications": {"rule": "x\x00y"}}, "justifications"),
        ({"outcome": "approve", "justifications": {"ru\x00le": "fine"}}, "justifications"),
    ],
)
def test_decision_input(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        DecisionInput.model_validate(data)


def test_observation_fields_refuse_control_characters() -> None:
    good = mail(START)
    with pytest.raises(ValueError, match="postmark"):
        MailObservation.model_validate({**good, "postmark": "CHICAGO\x00"})
    with pytest.raises(ValueError, match="sender"):
        MailObservation.model_validate(
            {**good, "sender": {**good["sender"], "name": "Pat\x00Sender"}}
        )
    item = {"category": "tracking", "record_date": START.isoformat(), "fields": {"scan": "x"}}
    for fields in ({"scan": "a\x00"}, {"sc\x00an": "a"}):
        with pytest.raises(ValueError, match="fields"):
            RecordsItem.model_validate({**item, "fields": fields})


def test_nul_in_a_note_or_reasons_is_a_problem(api: LiveServer) -> None:
    rid = submit(api)
    with unchanged(api, rid):
        for body in ({"note": f"{SECRET}\x00"}, {"note": "   "}):
            response = api.post(f"/api/v1/requests/{rid}/review", "reviewer", json=body)
            assert assert_problem(response, 422, "invalid-input")["field"] == "note"
    ok = api.post(f"/api/v1/requests/{rid}/review", "reviewer", json={"note": "Looked at it."})
    assert ok.status_code == 200, ok.text
    with unchanged(api, rid):
        for reasons in (f"{SECRET}\x00", " \n\t "):
            response = api.post(
                f"/api/v1/requests/{rid}/decision",
                "osg",
                json={"outcome": "deny", "reasons": reasons},
            )
            assert assert_problem(response, 422, "invalid-input")["field"] == "reasons"


def test_nul_in_the_document_or_an_observation_is_a_problem(api: LiveServer) -> None:
    with unchanged(api, None):
        response = api.post(
            "/api/v1/requests", "fbi", json=mail_cover_data(subject__name="Jordan\x00")
        )
        assert assert_problem(response, 422, "invalid-input")["field"] == "subject.name"
    rid = active_cover(api)
    with unchanged(api, rid):
        response = api.post(
            f"/api/v1/requests/{rid}/observations",
            "observer",
            json={**mail(START), "postmark": "CHICAGO\x00"},
        )
        assert assert_problem(response, 422, "invalid-input")["field"] == "postmark"


# --- 4. no bound parameters in database errors ---------------------------------------


def test_database_errors_hide_their_parameters(database: Database) -> None:
    assert database.engine.hide_parameters
    with pytest.raises(DBAPIError) as err, database.engine.connect() as conn:
        conn.execute(text("INSERT INTO no_such_table (note) VALUES (:note)"), {"note": SECRET})
    assert SECRET not in str(err.value)
    assert "Jordan" not in str(err.value)


# --- 8. duplicate JSON keys -------------------------------------------------------------


def duplicated(data: dict[str, Any], key: str, first: Any) -> str:
    """``data`` as JSON text with ``key`` given twice at the top, ``first`` first."""
    rest = json.dumps(data)[1:]
    return "{" + json.dumps(key) + ": " + json.dumps(first) + ", " + rest


def test_load_json_strict_names_the_key_and_where() -> None:
    with pytest.raises(InvalidInput) as err:
        validation.load_json_strict(b'{"a": {"b": [{"c": 1, "c": 2}]}}', "observations")
    assert err.value.field == "a.b[0].c"
    assert "'c'" in str(err.value)
    assert validation.load_json_strict(b'[{"c": 1}]', "x") == [{"c": 1}]
    with pytest.raises(InvalidInput, match="not valid JSON"):
        validation.load_json_strict(b"{nope", "x")


def test_request_document_refuses_duplicate_keys() -> None:
    raw = duplicated(mail_cover_data(), "kind", "records")
    with pytest.raises(InvalidInput) as err:
        parse_request_document(raw)
    assert err.value.field == "kind"
    assert "twice" in str(err.value)
    nested = json.dumps(mail_cover_data()).replace(
        '"scope": {', '"scope": {"start": "2026-01-01", ', 1
    )
    assert '"start": "2026-01-01"' in nested
    with pytest.raises(InvalidInput) as err:
        parse_request_document(nested)
    assert err.value.field == "scope.start"


def test_duplicate_keys_are_problems_over_http(api: LiveServer) -> None:
    with unchanged(api, None):
        response = raw_post(
            api, "/api/v1/requests", "fbi", duplicated(mail_cover_data(), "kind", "records")
        )
        body = assert_problem(response, 422, "invalid-input", mentions="kind")
    assert body["field"] == "kind"
    rid = submit(api)
    with unchanged(api, rid):
        response = raw_post(
            api, f"/api/v1/requests/{rid}/review", "reviewer", '{"note": "a b", "note": "c d"}'
        )
        assert assert_problem(response, 422, "invalid-input", mentions="note")["field"] == "note"


def test_openapi_still_documents_the_bodies(api: LiveServer) -> None:
    spec = api.get("/openapi.json").json()
    post = spec["paths"]["/api/v1/requests"]["post"]
    assert "RequestDocument" in json.dumps(post["requestBody"])
    review = spec["paths"]["/api/v1/requests/{request_id}/review"]["post"]
    assert "ReviewInput" in json.dumps(review["requestBody"])


def test_policy_check_refuses_duplicate_keys(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text(duplicated(mail_cover_data(), "kind", "records"))
    done = Cli(tmp_path / "data", None).run("policy", "check", path, real=True)
    assert_one_error_line(done, "kind", "twice")


# --- 3b. control characters in paths and query strings -------------------------------

#: Who calls: each role reaches different steps past the access check.
PARAM_ROLES = ["admin", "auditor", "fbi", "reviewer", "court"]


def _operations(api: LiveServer) -> list[tuple[str, str, dict[str, Any]]]:
    schema = api.get("/openapi.json").json()
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


@pytest.mark.parametrize("bad", ["a\x00b", "esc\x1b[2J"], ids=["NUL", "ESC"])
def test_control_characters_in_paths_and_queries_are_problems(api: LiveServer, bad: str) -> None:
    # Found by a longer schemathesis run (FUZZ_EXAMPLES=60): GET /api/v1/admin/tokens
    # ?user=...%00... was a 500 on PostgreSQL (its text cannot hold NUL). Every path
    # parameter and every string query parameter of every operation, as each role.
    rid = submit(api)
    failures = []
    for method, path, operation in _operations(api):
        params = operation.get("parameters", [])
        url = path
        for p in params:
            if p["in"] == "path":
                url = url.replace("{" + p["name"] + "}", quote(bad, safe=""))
        query = {
            p["name"]: bad
            for p in params
            if p["in"] == "query" and p.get("schema", {}).get("type") == "string"
        }
        if url == path and not query:
            continue  # nothing here takes text from the URL
        for who in PARAM_ROLES:
            headers = {"X-Access-Reason": "audit", "Idempotency-Key": "k"}
            try:
                response = api.call(method, url, who, params=query, json={}, headers=headers)
            except httpx.TransportError as exc:  # the server dropped the connection
                failures.append(f"{who} {method} {url} {query}: {exc!r}")
                continue
            if response.status_code >= 500 or not response.headers.get(
                "content-type", ""
            ).startswith(PROBLEM):
                failures.append(f"{who} {method} {url} {query}: {response.status_code}")
    assert not failures, "\n".join(failures)
    assert api.get(f"/api/v1/requests/{rid}", "fbi").status_code == 200
    body = assert_problem(api.get(f"/api/v1/requests/{quote(bad)}", "fbi"), 422, "invalid-input")
    assert body["field"] == "request_id"
    assert "control characters (U+00" in body["detail"]
    # The pages answer with an HTML error page, before any sign-in redirect.
    for page in (f"/app/requests/{quote(bad)}/extend", f"/?period={quote(bad)}"):
        response = api.get(page)
        assert response.status_code == 422, (page, response.status_code)
        assert response.headers["content-type"].startswith("text/html"), page
        assert "control characters" in response.text


def test_control_characters_in_a_form_are_an_html_error_page(api: LiveServer) -> None:
    # The sign-in form's email reached the account lookup: a 500 on PostgreSQL.
    page = api.client.get("/sign-in")
    found = re.search(r'name="presign" value="([^"]+)"', page.text)
    assert found is not None
    form = {"presign": found.group(1), "password": "wrong"}
    response = api.client.post("/sign-in", data={**form, "email": "a\x00b@test.example"})
    assert response.status_code == 422, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert "form field" in response.text
    assert "U+0000" in response.text
    # Layout is free text's own: a tab or a line break is the sign-in's to judge (401).
    response = api.client.post("/sign-in", data={**form, "email": "a\tb@test.example"})
    assert response.status_code == 401, response.text[:300]
