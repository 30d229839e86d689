"""The HTTP API against a real uvicorn server, on SQLite and PostgreSQL.

Every error case checks the RFC 9457 problem+json shape and that nothing changed:
the request's detail (state, history, decisions, authorised window, observations)
and the public log's size are the same before and after.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from covergate.document import request_document_from_data
from tests.api_server import PROBLEM, LiveServer
from tests.factories import mail_cover_data, records_data
from tests.world import COURT, OTHER_COURT

TODAY = date(2026, 1, 2)
START = date(2026, 1, 5)  # the factories' default start
LAST_DAY = START + timedelta(days=29)  # 30 days authorised
SUBJECT_ADDRESS = {"line1": "12 Elm Street", "city": "Springfield", "state": "IL", "zip": "62701"}
ATTORNEY = {
    "name": "Casey Counsel",
    "address": {"line1": "400 Court Plaza", "city": "Springfield", "state": "IL", "zip": "62702"},
}


# --- helpers ---


def assert_problem(
    response: httpx.Response, status: int, code: str, *, mentions: str | None = None
) -> dict[str, Any]:
    """An RFC 9457 problem with this status and type; ``mentions`` is in its detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body = response.json()
    assert body["type"] == f"https://covergate.example/problems/{code}", body
    assert isinstance(body["title"], str)
    assert body["title"]
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert body["detail"]
    if mentions is not None:
        assert mentions in body["detail"], body
    assert "Traceback" not in response.text
    return body


def mail(
    day: date, *, sender: dict[str, Any] | None = None, addressee: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One mail exterior addressed to the subject."""
    return {
        "mail_date": day.isoformat(),
        "mail_class": "first_class",
        "sender": sender
        or {
            "name": "Pat Sender",
            "address": {"line1": "1 Main Street", "city": "Chicago", "state": "IL", "zip": "60601"},
        },
        "addressee": addressee or {"name": "Jordan Example", "address": SUBJECT_ADDRESS},
        "postmark": "CHICAGO IL 606",
    }


def submit(
    api: LiveServer, data: dict[str, Any] | None = None, who: str = "fbi", *, confirm: bool = True
) -> str:
    """Submit as ``who``; ``confirm``: the court then confirms the order filed with it
    (through the API, as its user; not an emergency's, whose order follows)."""
    data = data or mail_cover_data()
    response = api.post("/api/v1/requests", who, json=data)
    assert response.status_code == 201, response.text
    rid = str(response.json()["id"])
    if confirm:
        confirm_filed(api, rid)
    return rid


def confirm_filed(api: LiveServer, rid: str) -> None:
    """Confirm the request's court order if one is filed and the request no emergency."""
    order = api.get(f"/api/v1/requests/{rid}/order", "auditor")
    if order.status_code == 404 or order.json()["state"] != "filed" or order.json()["emergency"]:
        return
    who = "court" if order.json()["court"] == COURT else "court2"
    response = api.post(f"/api/v1/court/orders/{rid}/confirmation", who, json={})
    assert response.status_code == 200, response.text


def detail(api: LiveServer, rid: str, who: str = "auditor") -> dict[str, Any]:
    response = api.get(f"/api/v1/requests/{rid}", who)
    assert response.status_code == 200, response.text
    return dict(response.json())


def review(api: LiveServer, rid: str) -> dict[str, Any]:
    response = api.post(
        f"/api/v1/requests/{rid}/review", "reviewer", json={"note": "Checked against the policy."}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def justifications(body: dict[str, Any]) -> dict[str, str]:
    return {
        f["rule"]: "Read the file; the basis holds up."
        for f in body["policy"]["findings"]
        if f["outcome"] == "review"
    }


def approve(api: LiveServer, rid: str, who: str = "osg") -> dict[str, Any]:
    """Approve as ``who``, once the court has confirmed a filed order (judge first)."""
    confirm_filed(api, rid)
    body = detail(api, rid)
    response = api.post(
        f"/api/v1/requests/{rid}/decision",
        who,
        json={"outcome": "approve", "justifications": justifications(body)},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def active_cover(api: LiveServer, data: dict[str, Any] | None = None) -> str:
    """A mail cover approved and active from START, with the clock on START + 2."""
    rid = submit(api, data)
    review(api, rid)
    approve(api, rid)
    api.clock.set_date(START + timedelta(days=2))
    assert detail(api, rid)["state"] == "active"
    return rid


def snapshot(api: LiveServer, rid: str | None) -> dict[str, Any]:
    """What must not change when a call fails."""
    out: dict[str, Any] = {"log_size": api.log_size()}
    if rid is not None:
        out["request"] = detail(api, rid)
    listed = api.get("/api/v1/requests", "auditor", params={"limit": 1000})
    assert listed.status_code == 200
    out["requests"] = listed.json()["requests"]
    return out


@contextmanager
def unchanged(api: LiveServer, rid: str | None) -> Iterator[None]:
    before = snapshot(api, rid)
    yield
    assert snapshot(api, rid) == before


# --- service endpoints ---


def test_health_docs_and_openapi(api: LiveServer) -> None:
    assert api.get("/healthz").json()["status"] == "ok"
    docs = api.get("/docs")
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]
    spec = api.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    for path in (
        "/api/v1/requests",
        "/api/v1/requests/{request_id}/decision",
        "/api/v1/requests/{request_id}/observations",
        "/api/v1/me",
        "/api/v1/audit/access-log",
        "/log/checkpoint",
    ):
        assert path in paths


def test_unknown_route_is_a_problem(api: LiveServer) -> None:
    assert_problem(api.get("/api/v1/nothing-here", "fbi"), 404, "not-found")


def test_schema_endpoint(api: LiveServer) -> None:
    schema = api.get("/api/v1/schema/request").json()
    assert schema["$id"] == "covergate/request/v1"


@pytest.mark.parametrize(
    ("who", "role", "agency", "delegation", "court"),
    [
        ("fbi", "requester", "Federal Bureau of Investigation", None, None),
        ("dea", "requester", "Drug Enforcement Administration", None, None),
        ("reviewer", "reviewer", None, None, None),
        ("osg", "approver", None, "operations_support_group_manager", None),
        ("observer", "observer", None, None, None),
        ("auditor", "auditor", None, None, None),
        ("court", "court", None, None, COURT),
        ("court2", "court", None, None, OTHER_COURT),
    ],
)
def test_me(
    api: LiveServer,
    who: str,
    role: str,
    agency: str | None,
    delegation: str | None,
    court: str | None,
) -> None:
    body = api.get("/api/v1/me", who).json()
    assert body == {
        "email": f"{who}@test.example",
        "name": who.title(),
        "role": role,
        "delegation": delegation,
        "agency": agency,
        "court": court,
    }


# --- the whole flow ---


def test_whole_flow_over_http(api: LiveServer) -> None:
    sizes = [api.log_size()]

    def grew() -> None:
        sizes.append(api.log_size())
        assert sizes[-1] > sizes[-2], sizes

    created = api.post("/api/v1/requests", "fbi", json=mail_cover_data())
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    assert created.headers["location"] == f"/api/v1/requests/{rid}"
    assert created.json()["state"] == "submitted"
    assert created.json()["admissible"] is True
    # no subject data in the public detail
    assert "Jordan Example" not in created.text
    assert "12 Elm Street" not in created.text
    grew()

    listed = api.get("/api/v1/requests", "fbi").json()["requests"]
    assert [r["id"] for r in listed] == [rid]

    reviewed = review(api, rid)
    assert reviewed["state"] == "in_review"
    assert reviewed["review"]["reviewer"] == "reviewer@test.example"
    grew()

    decided = approve(api, rid)
    assert decided["state"] == "approved"
    assert decided["authorised"] == {
        "days": 30,
        "categories": ["mail_exterior"],
        "ordered_on": api.clock.today().isoformat(),
        "active_from": START.isoformat(),
        "active_until": LAST_DAY.isoformat(),
    }
    assert decided["decisions"][0]["outcome"] == "approve"
    assert decided["decisions"][0]["approver"] == "osg@test.example"
    grew()

    # Before the start date nothing may be recorded (and the refusal is counted).
    early = api.post(f"/api/v1/requests/{rid}/observations", "observer", json=mail(TODAY))
    assert_problem(early, 422, "rule-violation", mentions="not_active")

    api.clock.set_date(START + timedelta(days=2))
    assert detail(api, rid, "fbi")["state"] == "active"
    grew()
    for day in (START, START + timedelta(days=1)):
        recorded = api.post(f"/api/v1/requests/{rid}/observations", "observer", json=mail(day))
        assert recorded.status_code == 201, recorded.text
        assert recorded.json()["status"] == "recorded"
    body = detail(api, rid)
    assert body["observations"] == 2
    assert body["refused_observations"] == {"not_active": 1}

    api.clock.set_date(LAST_DAY + timedelta(days=1))
    assert detail(api, rid, "fbi")["state"] == "expired"
    grew()

    closed = api.post(f"/api/v1/requests/{rid}/close", "fbi", json={"reason": "expired"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "closed"
    assert closed.json()["closed"] == {
        "on": (LAST_DAY + timedelta(days=1)).isoformat(),
        "reason": "expired",
    }
    grew()

    produced = api.post(f"/api/v1/requests/{rid}/production", "reviewer")
    assert produced.status_code == 201, produced.text
    manifest_sha = produced.json()["manifest_sha256"]
    assert produced.json()["manifest"]["items"] == 2
    grew()

    no_reason = api.get(f"/api/v1/requests/{rid}/production", "fbi")
    assert_problem(no_reason, 422, "invalid-input", mentions="reason")
    download = api.get(
        f"/api/v1/requests/{rid}/production",
        "fbi",
        headers={"X-Access-Reason": "Receiving the production for case 42"},
    )
    assert download.status_code == 200, download.text
    package = download.json()
    files = {name: base64.b64decode(data) for name, data in package["files"].items()}
    assert set(files) == {"manifest.json", "observations.json", "observations.csv"}
    assert hashlib.sha256(files["manifest.json"]).hexdigest() == manifest_sha
    manifest = json.loads(files["manifest.json"])
    assert manifest == package["manifest"]
    assert {f["name"] for f in manifest["files"]} == {"observations.json", "observations.csv"}
    for entry in manifest["files"]:
        assert hashlib.sha256(files[entry["name"]]).hexdigest() == entry["sha256"]
        assert len(files[entry["name"]]) == entry["bytes"]
    items = json.loads(files["observations.json"])
    assert [i["date"] for i in items] == [
        START.isoformat(),
        (START + timedelta(days=1)).isoformat(),
    ]
    assert items[0]["data"]["addressee"]["address"] == {**SUBJECT_ADDRESS, "line2": None}

    wrong = api.post(
        f"/api/v1/requests/{rid}/production/acknowledge", "fbi", json={"manifest_sha256": "0" * 64}
    )
    assert_problem(wrong, 422, "invalid-input", mentions="manifest_sha256")
    acked = api.post(
        f"/api/v1/requests/{rid}/production/acknowledge",
        "fbi",
        json={"manifest_sha256": manifest_sha},
    )
    assert acked.status_code == 200, acked.text
    assert acked.json()["state"] == "acknowledged"
    grew()
    again = api.post(
        f"/api/v1/requests/{rid}/production/acknowledge",
        "fbi",
        json={"manifest_sha256": manifest_sha},
    )
    assert_problem(again, 409, "conflict")

    final = detail(api, rid)
    assert [e["event"] for e in final["history"]] == [
        "submitted",
        "order_filed",
        "reviewed",
        "order_confirmed",  # the court confirms the order before the approval
        "decided",
        "started",
        "expired",
        "closed",
        "produced",
        "acknowledged",
    ]
    indexes = [e["log_index"] for e in final["history"]]
    assert indexes == sorted(indexes)
    assert len(set(indexes)) == len(indexes)
    assert max(indexes) < api.log_size()

    access = api.get("/api/v1/audit/access-log", "auditor", params={"request": rid}).json()
    kinds = [(a["user"], a["what"]) for a in access["access"]]
    assert ("fbi@test.example", "production") in kinds
    assert ("reviewer@test.example", "observations") in kinds


def test_records_request_flow(api: LiveServer) -> None:
    rid = submit(api, records_data())
    review(api, rid)
    approve(api, rid)
    api.clock.set_date(START)
    item = {
        "category": "subscriber",
        "record_date": START.isoformat(),
        "fields": {"account": "jexample", "opened": "2019-03-01"},
    }
    recorded = api.post(f"/api/v1/requests/{rid}/observations", "observer", json=item)
    assert recorded.status_code == 201, recorded.text
    refused = api.post(
        f"/api/v1/requests/{rid}/observations", "observer", json={**item, "category": "payment"}
    )
    assert_problem(refused, 422, "rule-violation", mentions="category_not_authorised")
    # a mail exterior is not a records item
    with unchanged(api, rid):
        wrong_kind = api.post(f"/api/v1/requests/{rid}/observations", "observer", json=mail(START))
        assert_problem(wrong_kind, 422, "invalid-input", mentions="mail cover")
    closed = api.post(f"/api/v1/requests/{rid}/close", "fbi", json={})
    assert closed.json()["state"] == "closed"
    assert closed.json()["closed"]["reason"] == "requested"
    produced = api.post(f"/api/v1/requests/{rid}/production", "reviewer")
    assert produced.status_code == 201, produced.text
    names = {f["name"] for f in produced.json()["manifest"]["files"]}
    assert names == {"records.json", "records.csv"}
    events = [e["event"] for e in detail(api, rid)["history"]]
    assert events[-1] == "records_disclosed"


# --- idempotency ---


def test_idempotency_key_replay_and_conflict(api: LiveServer) -> None:
    data = mail_cover_data()
    key = {"Idempotency-Key": "fbi-2026-0042-a"}
    first = api.post("/api/v1/requests", "fbi", json=data, headers=key)
    assert first.status_code == 201, first.text
    rid = first.json()["id"]
    with unchanged(api, rid):
        replay = api.post("/api/v1/requests", "fbi", json=data, headers=key)
        assert replay.status_code == 200, replay.text
        assert replay.json()["id"] == rid
        assert replay.headers["location"] == f"/api/v1/requests/{rid}"
        # another requester of the same agency replays the same key
        same_agency = api.post("/api/v1/requests", "fbi2", json=data, headers=key)
        assert same_agency.status_code == 200
        assert same_agency.json()["id"] == rid
        other = mail_cover_data(scope__days=20)
        conflict = api.post("/api/v1/requests", "fbi", json=other, headers=key)
        assert_problem(conflict, 409, "idempotency-conflict", mentions="fbi-2026-0042-a")
        long_key = {"Idempotency-Key": "k" * 201}
        too_long = api.post("/api/v1/requests", "fbi", json=data, headers=long_key)
        assert_problem(too_long, 422, "invalid-input", mentions="Idempotency-Key")
    # without a key, the same body is a second request
    assert submit(api, data) != rid


# --- bad input at every endpoint ---


def _without(data: dict[str, Any], *path: str) -> dict[str, Any]:
    node = data
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return data


BAD_DOCUMENTS = [
    pytest.param(
        mail_cover_data(purpose__colour="red"),
        "purpose.colour",
        "unknown field",
        id="unknown-field",
    ),
    pytest.param(
        mail_cover_data(scope__days="30"), "scope.days", "valid integer", id="days-as-string"
    ),
    pytest.param(
        mail_cover_data(purpose__indictment_or_information_filed="no"),
        "purpose.indictment_or_information_filed",
        "boolean",
        id="bool-as-string",
    ),
    pytest.param(
        _without(mail_cover_data(), "kind"), "kind", "required field is missing", id="missing-kind"
    ),
    pytest.param(
        _without(mail_cover_data(), "subject", "address", "zip"),
        "subject.address.zip",
        "required field is missing",
        id="missing-nested",
    ),
    pytest.param(
        mail_cover_data(scope__start="05/01/2026"), "scope.start", "YYYY-MM-DD", id="bad-date"
    ),
    pytest.param(
        mail_cover_data(received__date="2026-1-2"),
        "received.date",
        "YYYY-MM-DD",
        id="bad-date-short",
    ),
    pytest.param(mail_cover_data(kind="wiretap"), "kind", "mail_cover", id="bad-enum"),
    pytest.param(mail_cover_data(scope__days=0), "scope.days", "greater than", id="zero-days"),
    pytest.param(
        mail_cover_data(requester__email="not-an-email"),
        "requester.email",
        "pattern",
        id="bad-email",
    ),
]


@pytest.mark.parametrize(("data", "field", "message"), BAD_DOCUMENTS)
def test_submit_rejects_bad_documents(
    api: LiveServer, data: dict[str, Any], field: str, message: str
) -> None:
    with unchanged(api, None):
        body = assert_problem(
            api.post("/api/v1/requests", "fbi", json=data),
            422,
            "invalid-input",
            mentions=f"body: {field}: ",
        )
        assert message in body["detail"]
        assert body["field"] == field


def test_submit_rejects_non_json_and_non_objects(api: LiveServer) -> None:
    with unchanged(api, None):
        raw = api.post(
            "/api/v1/requests",
            "fbi",
            content=b"{not json",
            headers={"Content-Type": "application/json"},
        )
        assert_problem(raw, 422, "invalid-input")
        listed = api.post("/api/v1/requests", "fbi", json=[1, 2])
        assert_problem(listed, 422, "invalid-input")
        empty = api.post("/api/v1/requests", "fbi")
        assert_problem(empty, 422, "invalid-input", mentions="body")


def test_submit_category_for_wrong_kind_names_the_field(api: LiveServer) -> None:
    data = mail_cover_data(scope__data_categories=["subscriber"])
    body = assert_problem(
        api.post("/api/v1/requests", "fbi", json=data),
        422,
        "invalid-input",
        mentions="scope.data_categories[0]",
    )
    assert body["field"] == "scope.data_categories[0]"
    assert "body: body" not in body["detail"]


def test_submit_rejects_wrong_agency_and_functions(api: LiveServer) -> None:
    with unchanged(api, None):
        other = mail_cover_data(agency__name="Drug Enforcement Administration")
        assert_problem(
            api.post("/api/v1/requests", "fbi", json=other),
            403,
            "forbidden",
            mentions="agency.name",
        )
        functions = mail_cover_data(agency__functions=["civil_enforcement"])
        body = assert_problem(
            api.post("/api/v1/requests", "fbi", json=functions),
            422,
            "rule-violation",
            mentions="agency.functions",
        )
        assert body["field"] == "agency.functions"
        local = mail_cover_data(agency__jurisdiction="local")
        assert_problem(
            api.post("/api/v1/requests", "fbi", json=local),
            422,
            "rule-violation",
            mentions="agency.jurisdiction",
        )
        for who in ("reviewer", "osg", "observer", "auditor", "admin"):
            assert_problem(
                api.post("/api/v1/requests", who, json=mail_cover_data()),
                403,
                "forbidden",
                mentions="requester",
            )


BAD_STEP_BODIES = [
    pytest.param(
        "review",
        {"note": "ok", "verdict": "fine"},
        "verdict",
        "unknown field",
        id="review-unknown-field",
    ),
    pytest.param("review", {}, "note", "required field is missing", id="review-missing"),
    pytest.param("review", {"note": 7}, "note", "valid string", id="review-wrong-type"),
    pytest.param("review", {"note": ""}, "note", "at least 1", id="review-empty"),
    pytest.param(
        "decision",
        {"outcome": "approve", "days": "30"},
        "days",
        "valid integer",
        id="decision-days-string",
    ),
    pytest.param(
        "decision", {"outcome": "rubber-stamp"}, "outcome", "approve", id="decision-bad-outcome"
    ),
    pytest.param(
        "decision",
        {"outcome": "approve", "override": True},
        "override",
        "unknown field",
        id="decision-unknown-field",
    ),
    pytest.param(
        "decision",
        {"days": 10},
        "outcome",
        "required field is missing",
        id="decision-missing-outcome",
    ),
    pytest.param(
        "decision",
        {"outcome": "modify", "categories": ["x-ray"]},
        "categories[0]",
        "mail_exterior",
        id="decision-bad-category",
    ),
    pytest.param(
        "decision",
        {"outcome": "approve", "justifications": {"r": 5}},
        "justifications.r",
        "valid string",
        id="decision-justification-type",
    ),
    pytest.param("close", {"reason": "bored"}, "reason", "requested", id="close-bad-reason"),
    pytest.param(
        "close", {"reason": "no_timely_order"}, "reason", "expired", id="close-software-reason"
    ),
    pytest.param("close", {"why": "done"}, "why", "unknown field", id="close-unknown-field"),
    pytest.param(
        "observations",
        {**mail(START), "contents": "a letter"},
        "contents",
        "unknown field",
        id="observation-contents",
    ),
    pytest.param(
        "observations",
        {**mail(START), "mail_date": "Jan 5"},
        "mail_date",
        "YYYY-MM-DD",
        id="observation-bad-date",
    ),
    pytest.param(
        "observations",
        _without(mail(START), "sender"),
        "sender",
        "required field is missing",
        id="observation-missing-sender",
    ),
    pytest.param(
        "production/acknowledge",
        {"manifest_sha256": "abc"},
        "manifest_sha256",
        "pattern",
        id="ack-bad-digest",
    ),
    pytest.param(
        "production/acknowledge",
        {},
        "manifest_sha256",
        "required field is missing",
        id="ack-missing",
    ),
    pytest.param(
        "extensions",
        mail_cover_data(scope__days="30"),
        "scope.days",
        "valid integer",
        id="extension-days-string",
    ),
]


@pytest.mark.parametrize(("step", "body", "field", "message"), BAD_STEP_BODIES)
def test_steps_reject_bad_bodies(
    api: LiveServer, step: str, body: dict[str, Any], field: str, message: str
) -> None:
    rid = submit(api)
    who = {
        "review": "reviewer",
        "decision": "osg",
        "close": "fbi",
        "observations": "observer",
        "production/acknowledge": "fbi",
        "extensions": "fbi",
    }[step]
    with unchanged(api, rid):
        problem = assert_problem(
            api.post(f"/api/v1/requests/{rid}/{step}", who, json=body),
            422,
            "invalid-input",
            mentions=f"body: {field}: ",
        )
        assert message in problem["detail"]
        assert problem["field"] == field


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "abc"}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": 5000}, "limit"),
        ({"offset": -1}, "offset"),
        ({"state": "pending"}, "state"),
    ],
)
def test_list_rejects_bad_query(api: LiveServer, params: dict[str, Any], field: str) -> None:
    body = assert_problem(
        api.get("/api/v1/requests", "auditor", params=params),
        422,
        "invalid-input",
        mentions=f"query: {field}: ",
    )
    assert body["field"] == field


def test_access_log_rejects_bad_query(api: LiveServer) -> None:
    assert_problem(
        api.get("/api/v1/audit/access-log", "auditor", params={"limit": "x"}),
        422,
        "invalid-input",
        mentions="query: limit",
    )
    assert_problem(
        api.get("/api/v1/audit/access-log", "auditor", params={"request": "nope"}), 404, "not-found"
    )


# --- authentication ---


ENDPOINTS = [
    ("GET", "/api/v1/me", None),
    ("GET", "/api/v1/requests", None),
    ("POST", "/api/v1/requests", "document"),
    ("GET", "/api/v1/requests/{rid}", None),
    ("GET", "/api/v1/requests/{rid}/document", None),
    ("POST", "/api/v1/requests/{rid}/review", {"note": "Looks fine."}),
    ("POST", "/api/v1/requests/{rid}/decision", {"outcome": "approve"}),
    ("POST", "/api/v1/requests/{rid}/extensions", "document"),
    ("POST", "/api/v1/requests/{rid}/observations", mail(START)),
    ("POST", "/api/v1/requests/{rid}/close", {"reason": "requested"}),
    ("POST", "/api/v1/requests/{rid}/production", None),
    ("GET", "/api/v1/requests/{rid}/production", None),
    ("POST", "/api/v1/requests/{rid}/production/acknowledge", {"manifest_sha256": "a" * 64}),
    ("GET", "/api/v1/requests/{rid}/notes", None),
    ("GET", "/api/v1/audit/access-log", None),
    ("GET", "/api/v1/audit/compliance", None),
    # users and tokens (admins)
    ("GET", "/api/v1/admin/users", None),
    ("POST", "/api/v1/admin/users/{email}/disable", None),
    ("POST", "/api/v1/admin/users/{email}/enable", None),
    ("GET", "/api/v1/admin/tokens", None),
    ("POST", "/api/v1/admin/tokens", {"email": "fbi@test.example", "label": "x"}),
    ("POST", "/api/v1/admin/tokens/{token_id}/revoke", None),
    # courts and court orders
    ("GET", "/api/v1/courts", None),
    ("POST", "/api/v1/admin/courts", {"name": "Superior Court of Marin"}),
    ("GET", "/api/v1/court/orders", None),
    ("GET", "/api/v1/court/orders/{rid}", None),
    ("GET", "/api/v1/court/orders/{rid}/document", None),
    ("POST", "/api/v1/court/orders/{rid}/confirmation", {}),
    ("POST", "/api/v1/court/orders/{rid}/refusal", {"reasons": "No probable cause shown."}),
    ("POST", "/api/v1/court/orders/{rid}/unsealing", None),
    ("GET", "/api/v1/requests/{rid}/order", None),
    ("POST", "/api/v1/requests/{rid}/order", mail_cover_data()["legal_process"]),
    ("PUT", "/api/v1/requests/{rid}/order/document", None),
    # notice to the subject
    ("GET", "/api/v1/notices", None),
    ("GET", "/api/v1/requests/{rid}/notice", None),
    (
        "POST",
        "/api/v1/requests/{rid}/notice/delay",
        {"until": "2026-06-01", "docket": "26-mj-0042", "reasons": "The case is still open."},
    ),
    (
        "POST",
        "/api/v1/requests/{rid}/notice/mailed",
        {"mailed_on": "2026-06-01", "tracking": "9400111899223100001234"},
    ),
    ("GET", "/api/v1/requests/{rid}/notice/letter.pdf", None),
    ("GET", "/api/v1/requests/{rid}/notice/bundle.json", None),
    # retention and destruction
    ("GET", "/api/v1/requests/{rid}/destruction", None),
    ("POST", "/api/v1/requests/{rid}/destroy", {"explanation": "The order was improper."}),
    ("POST", "/api/v1/retention/run", {"dry_run": True}),
]
#: The only routes under /api/v1 that need no token.
PUBLIC_API = {
    ("GET", "/api/v1/schema/request"),
    # The transparency report: public by design, like the page and the log.
    ("GET", "/api/v1/statistics"),
    ("GET", "/api/v1/statistics/schema.json"),
}


def _fill(path: str, rid: str) -> str:
    return path.format(rid=rid, email="fbi@test.example", token_id="0" * 32)


def test_endpoints_lists_every_authenticated_route(api: LiveServer) -> None:
    spec = api.get("/openapi.json").json()["paths"]
    routes = {
        (method.upper(), path.replace("{request_id}", "{rid}"))
        for path, methods in spec.items()
        if path.startswith("/api/v1/")
        for method in methods
    }
    listed = {(method, path) for method, path, _body in ENDPOINTS}
    assert len(listed) == len(ENDPOINTS)
    assert routes - PUBLIC_API == listed


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer cg_not-a-real-token", "Bearer", "Basic dXNlcjpwYXNz", "cg_token-only"],
    ids=["none", "bad-token", "empty-bearer", "basic", "no-scheme"],
)
def test_every_endpoint_needs_a_valid_token(api: LiveServer, authorization: str | None) -> None:
    rid = submit(api)
    with unchanged(api, rid):
        for method, path, body in ENDPOINTS:
            payload = mail_cover_data() if body == "document" else body
            headers = {"X-Access-Reason": "checking authentication"}
            if authorization is not None:
                headers["Authorization"] = authorization
            response = api.client.request(method, _fill(path, rid), json=payload, headers=headers)
            assert_problem(response, 401, "unauthenticated")
            assert response.headers["www-authenticate"] == "Bearer", (method, path)


def test_revoked_user_is_not_authenticated_by_anothers_token(api: LiveServer) -> None:
    # each token is its own user's
    assert api.get("/api/v1/me", "fbi").json()["email"] == "fbi@test.example"
    assert api.get("/api/v1/me", "fbi2").json()["email"] == "fbi2@test.example"


# --- roles and visibility ---


def test_wrong_roles_are_forbidden_and_change_nothing(api: LiveServer) -> None:
    rid = submit(api)
    with unchanged(api, rid):
        assert_problem(
            api.post(f"/api/v1/requests/{rid}/review", "fbi", json={"note": "mine"}),
            403,
            "forbidden",
            mentions="reviewer",
        )
        # observers do not even see a request before it is ordered
        assert_problem(
            api.post(f"/api/v1/requests/{rid}/review", "observer", json={"note": "hmm"}),
            404,
            "not-found",
        )
    review(api, rid)
    with unchanged(api, rid):
        for who in ("fbi", "reviewer", "auditor"):
            response = api.post(
                f"/api/v1/requests/{rid}/decision", who, json={"outcome": "approve"}
            )
            assert_problem(response, 403, "forbidden", mentions="approver")
        assert_problem(
            api.post(f"/api/v1/requests/{rid}/decision", "observer", json={"outcome": "approve"}),
            404,
            "not-found",
        )
        # an Inspector in Charge decides only in an emergency, 39 CFR 233.3(d)(3)
        assert_problem(
            api.post(f"/api/v1/requests/{rid}/decision", "iic", json={"outcome": "approve"}),
            403,
            "forbidden",
            mentions="emergency",
        )
    approve(api, rid)
    api.clock.set_date(START)
    assert detail(api, rid)["state"] == "active"
    with unchanged(api, rid):
        for who in ("reviewer", "fbi", "osg", "auditor"):
            assert_problem(
                api.post(f"/api/v1/requests/{rid}/observations", who, json=mail(START)),
                403,
                "forbidden",
                mentions="observer",
            )
        for who in ("observer", "auditor"):
            assert_problem(
                api.post(f"/api/v1/requests/{rid}/close", who, json={}), 403, "forbidden"
            )
    assert detail(api, rid)["refused_observations"] == {}
    closed = api.post(f"/api/v1/requests/{rid}/close", "osg", json={})
    assert closed.status_code == 200, closed.text
    with unchanged(api, rid):
        for who in ("fbi", "osg", "auditor"):
            assert_problem(
                api.post(f"/api/v1/requests/{rid}/production", who),
                403,
                "forbidden",
                mentions="reviewer",
            )
        # a closed cover is out of an observer's sight
        assert_problem(api.post(f"/api/v1/requests/{rid}/production", "observer"), 404, "not-found")
    produced = api.post(f"/api/v1/requests/{rid}/production", "reviewer").json()
    with unchanged(api, rid):
        for who in ("reviewer", "auditor", "osg"):
            response = api.post(
                f"/api/v1/requests/{rid}/production/acknowledge",
                who,
                json={"manifest_sha256": produced["manifest_sha256"]},
            )
            assert_problem(response, 403, "forbidden", mentions="agency")
        for who, status, code in (("osg", 403, "forbidden"), ("observer", 404, "not-found")):
            response = api.get(
                f"/api/v1/requests/{rid}/production",
                who,
                headers={"X-Access-Reason": "curious about it"},
            )
            assert_problem(response, status, code)


def test_other_agency_sees_nothing(api: LiveServer) -> None:
    rid = submit(api)
    dea_rid = submit(
        api,
        mail_cover_data(
            agency__name="Drug Enforcement Administration",
            agency__functions=["criminal_investigation"],
        ),
        who="dea",
    )
    reason = {"X-Access-Reason": "looking at the case"}
    with unchanged(api, rid):
        for method, path, body in ENDPOINTS:
            if "{rid}" not in path:
                continue
            payload = mail_cover_data() if body == "document" else body
            response = api.call(method, path.format(rid=rid), "dea", json=payload, headers=reason)
            if response.status_code == 403 and (method != "GET" or "/court/" in path):
                # a role check that comes before the lookup (a write; the court users'
                # routes) is fine only if it says nothing about the request
                assert rid not in response.text
                continue
            body_ = assert_problem(response, 404, "not-found")
            assert rid in body_["detail"]
        # the same answer as for an id that does not exist
        missing = api.get(f"/api/v1/requests/{'0' * 32}", "dea")
        assert_problem(missing, 404, "not-found")
    assert [r["id"] for r in api.get("/api/v1/requests", "dea").json()["requests"]] == [dea_rid]
    assert [r["id"] for r in api.get("/api/v1/requests", "fbi").json()["requests"]] == [rid]
    assert {r["id"] for r in api.get("/api/v1/requests", "reviewer").json()["requests"]} == {
        rid,
        dea_rid,
    }
    # an admin manages users; it sees no requests
    assert api.get("/api/v1/requests", "admin").json()["requests"] == []
    assert_problem(api.get(f"/api/v1/requests/{rid}", "admin"), 404, "not-found")


# --- enforced rules ---


def test_cannot_approve_past_a_fail_finding(api: LiveServer) -> None:
    rid = submit(api, mail_cover_data(legal_process=None))
    body = detail(api, rid)
    assert body["admissible"] is False
    failing = [f["rule"] for f in body["policy"]["findings"] if f["outcome"] == "fail"]
    assert failing
    review(api, rid)
    with unchanged(api, rid):
        for decision in ({"outcome": "approve"}, {"outcome": "modify", "days": 10}):
            problem = assert_problem(
                api.post(f"/api/v1/requests/{rid}/decision", "osg", json=decision),
                422,
                "rule-violation",
                mentions=failing[0],
            )
            assert "failed findings" in problem["detail"]
    denied = api.post(
        f"/api/v1/requests/{rid}/decision",
        "osg",
        json={"outcome": "deny", "reasons": "No court order under safeguards-2026."},
    )
    assert denied.status_code == 200, denied.text
    assert denied.json()["state"] == "denied"
    with unchanged(api, rid):
        assert_problem(
            api.post(
                f"/api/v1/requests/{rid}/decision",
                "chief",
                json={"outcome": "deny", "reasons": "again"},
            ),
            409,
            "invalid-transition",
            mentions="denied",
        )


def test_review_finding_needs_a_justification(api: LiveServer) -> None:
    rid = submit(api, records_data())
    body = review(api, rid)
    rules = sorted(justifications(body))
    assert rules
    url = f"/api/v1/requests/{rid}/decision"
    with unchanged(api, rid):
        missing = assert_problem(
            api.post(url, "osg", json={"outcome": "approve"}),
            422,
            "rule-violation",
            mentions="justification",
        )
        assert missing["field"].startswith("justifications.")
        assert missing["field"].removeprefix("justifications.") in rules
        short = {rule: "ok" for rule in rules}
        assert_problem(
            api.post(url, "osg", json={"outcome": "approve", "justifications": short}),
            422,
            "rule-violation",
            mentions="at least 10",
        )
        stray = {**justifications(body), "no-such-rule": "A justification for nothing."}
        problem = assert_problem(
            api.post(url, "osg", json={"outcome": "approve", "justifications": stray}),
            422,
            "invalid-input",
            mentions="no-such-rule",
        )
        assert problem["field"] == "justifications.no-such-rule"
        # a denial needs reasons
        assert_problem(
            api.post(url, "osg", json={"outcome": "deny"}), 422, "invalid-input", mentions="reasons"
        )
    assert approve(api, rid)["state"] == "approved"


def test_decision_may_narrow_but_never_widen(api: LiveServer) -> None:
    rid = submit(api, mail_cover_data(scope__data_categories=["mail_exterior"]))
    review(api, rid)
    url = f"/api/v1/requests/{rid}/decision"
    with unchanged(api, rid):
        wide = assert_problem(
            api.post(url, "osg", json={"outcome": "modify", "days": 40}),
            422,
            "rule-violation",
            mentions="widen",
        )
        assert wide["field"] == "days"
        more = assert_problem(
            api.post(
                url,
                "osg",
                json={"outcome": "modify", "categories": ["mail_exterior", "sealed_contents"]},
            ),
            422,
            "rule-violation",
            mentions="sealed_contents",
        )
        assert more["field"] == "categories"
        assert_problem(
            api.post(url, "osg", json={"outcome": "modify", "days": 30}),
            422,
            "invalid-input",
            mentions="narrow",
        )
        assert_problem(
            api.post(url, "osg", json={"outcome": "approve", "days": 10}),
            422,
            "invalid-input",
            mentions="modify",
        )
        assert_problem(
            api.post(url, "osg", json={"outcome": "deny", "reasons": "no", "days": 3}),
            422,
            "invalid-input",
        )
    modified = api.post(url, "osg", json={"outcome": "modify", "days": 10})
    assert modified.status_code == 200, modified.text
    assert modified.json()["authorised"]["days"] == 10
    assert modified.json()["authorised"]["active_until"] == (START + timedelta(days=9)).isoformat()


def test_invalid_transitions(api: LiveServer) -> None:
    rid = submit(api)
    with unchanged(api, rid):
        closing = assert_problem(
            api.post(f"/api/v1/requests/{rid}/close", "fbi", json={}),
            409,
            "invalid-transition",
            mentions="submitted",
        )
        assert "review" in closing["detail"]
        assert_problem(
            api.post(f"/api/v1/requests/{rid}/decision", "osg", json={"outcome": "approve"}),
            409,
            "invalid-transition",
        )
        assert_problem(
            api.post(f"/api/v1/requests/{rid}/production", "reviewer"), 409, "invalid-transition"
        )
        assert_problem(
            api.post(
                f"/api/v1/requests/{rid}/production/acknowledge",
                "fbi",
                json={"manifest_sha256": "a" * 64},
            ),
            409,
            "invalid-transition",
        )
        assert_problem(
            api.get(
                f"/api/v1/requests/{rid}/production",
                "fbi",
                headers={"X-Access-Reason": "where is it?"},
            ),
            404,
            "not-found",
        )
    review(api, rid)
    with unchanged(api, rid):
        assert_problem(
            api.post(f"/api/v1/requests/{rid}/review", "reviewer", json={"note": "twice"}),
            409,
            "invalid-transition",
        )
    approve(api, rid)
    with unchanged(api, rid):
        assert_problem(
            api.post(f"/api/v1/requests/{rid}/close", "fbi", json={"reason": "expired"}),
            422,
            "invalid-input",
            mentions="not expired",
        )


def test_extension_rules(api: LiveServer) -> None:
    rid = active_cover(api)
    url = f"/api/v1/requests/{rid}/extensions"
    good = mail_cover_data(
        start=LAST_DAY + timedelta(days=1),
        scope__days=30,
        scope__prior_days=30,
        scope__extension_benefit="Two letters from the suspected victims.",
    )
    with unchanged(api, rid):
        too_long = {**good, "scope": {**good["scope"], "days": 31}}
        assert_problem(
            api.post(url, "fbi", json=too_long), 422, "rule-violation", mentions="30 days"
        )
        gap = {
            **good,
            "scope": {**good["scope"], "start": (LAST_DAY + timedelta(days=3)).isoformat()},
        }
        assert_problem(api.post(url, "fbi", json=gap), 422, "invalid-input", mentions="scope.start")
        prior = {**good, "scope": {**good["scope"], "prior_days": 0}}
        assert_problem(
            api.post(url, "fbi", json=prior), 422, "invalid-input", mentions="scope.prior_days"
        )
        # a different subject.address is no error any more: the extension carries the
        # cover's subject (tests/test_api_law.py)
        assert_problem(api.post(url, "reviewer", json=good), 403, "forbidden")
    extension = api.post(url, "fbi", json=good)
    assert extension.status_code == 201, extension.text
    assert extension.json()["extends"] == rid
    assert extension.json()["history"][0]["event"] == "extended"


# --- observations: refusals are counted, nothing else changes ---


def _refused(api: LiveServer, rid: str, body: dict[str, Any], reason: str) -> None:
    before = snapshot(api, rid)
    response = api.post(f"/api/v1/requests/{rid}/observations", "observer", json=body)
    problem = assert_problem(response, 422, "rule-violation", mentions=reason)
    assert problem["field"] == reason
    after = snapshot(api, rid)
    counts_before = before["request"].pop("refused_observations")
    counts_after = after["request"].pop("refused_observations")
    assert after == before
    expected = dict(counts_before)
    expected[reason] = expected.get(reason, 0) + 1
    assert counts_after == expected


def test_observation_refusals_are_counted(api: LiveServer) -> None:
    rid = active_cover(api)  # today is START + 2
    _refused(api, rid, mail(START - timedelta(days=1)), "outside_window")
    _refused(api, rid, mail(START + timedelta(days=3)), "outside_window")  # in the future
    _refused(api, rid, mail(START, sender=ATTORNEY), "attorney_mail")
    _refused(
        api,
        rid,
        mail(
            START,
            sender={
                "name": "casey  counsel",
                "address": {
                    "line1": "9 Other Road",
                    "city": "Peoria",
                    "state": "IL",
                    "zip": "61602",
                },
            },
        ),
        "attorney_mail",
    )
    _refused(
        api,
        rid,
        mail(
            START,
            addressee={
                "name": "Jordan Example",
                "address": {**SUBJECT_ADDRESS, "line1": "14 Elm Street"},
            },
        ),
        "wrong_address",
    )
    # the same address written differently is the covered address
    variant = {"line1": "12 ELM STREET.", "city": "springfield", "state": "il", "zip": "62701-1234"}
    ok = api.post(
        f"/api/v1/requests/{rid}/observations",
        "observer",
        json=mail(START, addressee={"name": "J. Example", "address": variant}),
    )
    assert ok.status_code == 201, ok.text
    body = detail(api, rid)
    assert body["observations"] == 1
    assert body["refused_observations"] == {
        "outside_window": 2,
        "attorney_mail": 2,
        "wrong_address": 1,
    }
    # and the public report counts them
    api.clock.set_date(LAST_DAY + timedelta(days=1))
    assert detail(api, rid)["state"] == "expired"
    _refused(api, rid, mail(LAST_DAY), "not_active")
    assert detail(api, rid)["refused_observations"]["not_active"] == 1


def test_closed_early_cover_refuses_later_mail(api: LiveServer) -> None:
    rid = active_cover(api)
    closed = api.post(f"/api/v1/requests/{rid}/close", "fbi", json={"reason": "indictment"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["authorised"]["active_until"] == (START + timedelta(days=2)).isoformat()
    _refused(api, rid, mail(START), "not_active")


# --- subject data and the access log ---


def test_document_needs_a_reason_and_is_access_logged(api: LiveServer) -> None:
    rid = submit(api)
    url = f"/api/v1/requests/{rid}/document"
    empty_log = api.get("/api/v1/audit/access-log", "auditor").json()["access"]
    assert empty_log == []
    with unchanged(api, rid):
        assert_problem(api.get(url, "fbi"), 422, "invalid-input", mentions="reason")
        assert_problem(
            api.get(url, "fbi", headers={"X-Access-Reason": "a  b"}),
            422,
            "invalid-input",
            mentions="reason",
        )
        assert_problem(
            api.get(url, "fbi", headers={"X-Access-Reason": "why"}),
            422,
            "invalid-input",
            mentions="at least",
        )
        assert_problem(
            api.get(url, "dea", headers={"X-Access-Reason": "just looking"}), 404, "not-found"
        )
        assert_problem(
            api.get(url, "admin", headers={"X-Access-Reason": "just looking"}), 404, "not-found"
        )
    assert api.get("/api/v1/audit/access-log", "auditor").json()["access"] == []

    response = api.get(url, "fbi", headers={"X-Access-Reason": "Preparing the affidavit"})
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["subject"]["name"] == "Jordan Example"
    assert document == request_document_from_data(mail_cover_data()).model_dump(mode="json")
    reviewer = api.get(url, "reviewer", headers={"X-Access-Reason": "Legal review of grounds"})
    assert reviewer.status_code == 200

    access = api.get("/api/v1/audit/access-log", "auditor").json()["access"]
    assert [
        (a["user"], a["role"], a["request"], a["what"], a["via"], a["reason"]) for a in access
    ] == [
        ("reviewer@test.example", "reviewer", rid, "subject", "api", "Legal review of grounds"),
        ("fbi@test.example", "requester", rid, "subject", "api", "Preparing the affidavit"),
    ]
    only = api.get("/api/v1/audit/access-log", "auditor", params={"request": rid, "limit": 1})
    assert len(only.json()["access"]) == 1
    for who in ("fbi", "reviewer", "osg", "observer", "admin"):
        assert_problem(
            api.get("/api/v1/audit/access-log", who), 403, "forbidden", mentions="auditor"
        )


# --- the public log ---


def test_log_checkpoint_is_text_and_grows(api: LiveServer) -> None:
    before = api.log_size()
    rid = submit(api)
    response = api.get("/log/checkpoint")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.split("\n")
    assert lines[0] == "covergate.example/log"
    # submitted, order_filed, order_confirmed (by the court, in submit)
    assert int(lines[1]) == before + 3
    assert detail(api, rid)["history"][0]["log_index"] == before
    review(api, rid)
    assert api.log_size() == before + 4
    # reads do not grow it
    detail(api, rid)
    api.get(
        f"/api/v1/requests/{rid}/document", "fbi", headers={"X-Access-Reason": "reading it once"}
    )
    assert api.log_size() == before + 4
    assert_problem(api.get("/log/tile/not/a/tile"), 404, "not-found")


# --- more of the problem+json contract ---


def test_method_not_allowed_is_a_problem(api: LiveServer) -> None:
    assert_problem(api.call("DELETE", "/api/v1/requests", "fbi"), 405, "method-not-allowed")


def test_no_token_is_401_even_with_a_bad_body(api: LiveServer) -> None:
    response = api.post("/api/v1/requests", None, json={"kind": "mail_cover"})
    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"] == "Bearer"


def test_invalid_json_problem_does_not_invent_a_field(api: LiveServer) -> None:
    response = api.post(
        "/api/v1/requests", "fbi", content=b"{bad", headers={"Content-Type": "application/json"}
    )
    body = assert_problem(response, 422, "invalid-input", mentions="JSON")
    assert body.get("field") in (None, "body")
    assert "[1]" not in body["detail"]


def test_records_item_with_unknown_field_names_it(api: LiveServer) -> None:
    rid = submit(api, records_data())
    item = {
        "category": "subscriber",
        "record_date": START.isoformat(),
        "fields": {"account": "x"},
        "contents": "nope",
    }
    body = assert_problem(
        api.post(f"/api/v1/requests/{rid}/observations", "observer", json=item),
        422,
        "invalid-input",
        mentions="contents",
    )
    assert body["field"] == "contents"


def test_role_messages_read_correctly(api: LiveServer) -> None:
    rid = submit(api)
    review(api, rid)
    body = assert_problem(
        api.post(f"/api/v1/requests/{rid}/decision", "fbi", json={"outcome": "approve"}),
        403,
        "forbidden",
    )
    assert "only an approver may decide" in body["detail"]
    body = assert_problem(
        api.post(f"/api/v1/requests/{rid}/close", "auditor", json={}), 403, "forbidden"
    )
    assert "you are an auditor" in body["detail"]


# --- concurrency: the real server runs handlers in a thread pool ---


def test_concurrent_submissions(api: LiveServer) -> None:
    before = api.log_size()
    headers = {"Authorization": f"Bearer {api.tokens['fbi']}"}

    def post(key: str | None) -> httpx.Response:
        with httpx.Client(base_url=api.base_url, timeout=60) as client:
            extra = {"Idempotency-Key": key} if key else {}
            return client.post(
                "/api/v1/requests", json=mail_cover_data(), headers={**headers, **extra}
            )

    with ThreadPoolExecutor(8) as pool:
        distinct = list(pool.map(post, [None] * 8))
    assert [r.status_code for r in distinct] == [201] * 8
    assert api.log_size() == before + 2 * 8  # each submitted, with its order filed

    with ThreadPoolExecutor(8) as pool:
        same = list(pool.map(post, ["one-key"] * 8))
    created = [r for r in same if r.status_code == 201]
    assert len(created) == 1
    rid = created[0].json()["id"]
    for response in same:
        if response.status_code == 200:
            assert response.json()["id"] == rid
        elif response is not created[0]:
            # a replay racing the first submission may be told to retry
            assert_problem(response, 409, "idempotency-conflict")
    assert api.log_size() == before + 2 * 9
    listed = api.get("/api/v1/requests", "fbi", params={"limit": 1000}).json()["requests"]
    assert len(listed) == 9
    # each submission's two entries (submitted, order_filed) are one transaction's
    indexes = [detail(api, r["id"])["history"][0]["log_index"] for r in listed]
    assert sorted(indexes) == list(range(before, before + 2 * 9, 2))
