"""The legal defects of issue 8, over HTTP against a real uvicorn server, both backends.

Each test here failed on the code before the fix (commit 56cacdd): they use only
endpoints and fields that existed then, except ``/notes``, which is the fix.
"""

from __future__ import annotations

from datetime import date

from tests.api_server import LiveServer
from tests.factories import mail_cover_data
from tests.test_api import (  # the fixtures and helpers of the API tests
    active_cover,
    approve,
    assert_problem,
    detail,
    mail,
    review,
    submit,
)

REASON = {"X-Access-Reason": "checking the case file"}


def access_log(api: LiveServer, rid: str) -> list[tuple[str, str]]:
    rows = api.get("/api/v1/audit/access-log", "auditor", params={"request": rid}).json()
    return [(r["user"], r["what"]) for r in rows["access"]]


# --- 1. retroactive authorisation, 39 CFR 233.3(d), (g) ---


def test_a_late_approval_authorises_nothing_before_the_decision(api: LiveServer) -> None:
    rid = submit(api, mail_cover_data(start=date(2026, 1, 5)))
    api.clock.set_date(date(2026, 2, 1))
    review(api, rid)
    decided = approve(api, rid)
    assert decided["authorised"]["active_from"] == "2026-02-01"
    assert decided["authorised"]["active_until"] == "2026-03-02"
    assert decided["state"] == "active"
    refused = api.post(
        f"/api/v1/requests/{rid}/observations", "observer", json=mail(date(2026, 1, 20))
    )
    problem = assert_problem(
        refused, 422, "rule-violation", mentions="before the cover was ordered"
    )
    assert "2026-01-20" in problem["detail"]
    assert detail(api, rid)["refused_observations"] == {"before_order": 1}
    recorded = api.post(
        f"/api/v1/requests/{rid}/observations", "observer", json=mail(date(2026, 2, 1))
    )
    assert recorded.status_code == 201, recorded.text


# --- 3. observers see only running covers, and only what recording needs ---


def test_observers_do_not_see_requests_before_they_run(api: LiveServer) -> None:
    pending = submit(api)
    for path in ("", "/document"):
        response = api.get(f"/api/v1/requests/{pending}{path}", "observer", headers=REASON)
        assert_problem(response, 404, "not-found")
    listed = api.get("/api/v1/requests", "observer").json()["requests"]
    assert listed == []
    assert access_log(api, pending) == []


def test_observers_read_the_recording_view_of_a_running_cover(api: LiveServer) -> None:
    rid = active_cover(api)
    other = submit(api)
    listed = api.get("/api/v1/requests", "observer").json()["requests"]
    assert [r["id"] for r in listed] == [rid]
    assert other not in {r["id"] for r in listed}
    response = api.get(f"/api/v1/requests/{rid}/document", "observer", headers=REASON)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["covered_address"]["line1"] == "12 Elm Street"
    assert body["attorney_addresses"][0]["line1"] == "400 Court Plaza"
    assert body["categories"] == ["mail_exterior"]
    for secret in ("Jordan Example", "Casey Counsel", "Victims", "FBI-2026-0042"):
        assert secret not in response.text
    assert access_log(api, rid) == [("observer@test.example", "subject")]


# --- 4. notes and reasons: sealed, by role, read-logged ---


def test_notes_are_shown_only_at_notes_by_role_and_logged(api: LiveServer) -> None:
    rid = submit(api)
    note = "Jordan Example's landlord confirms the checks."
    reviewed = api.post(f"/api/v1/requests/{rid}/review", "reviewer", json={"note": note})
    assert reviewed.status_code == 200, reviewed.text
    denied = api.post(
        f"/api/v1/requests/{rid}/decision",
        "osg",
        json={"outcome": "deny", "reasons": "Jordan Example is not shown to be involved."},
    )
    assert denied.status_code == 200, denied.text
    for who in ("fbi", "reviewer", "osg", "auditor"):
        shown = api.get(f"/api/v1/requests/{rid}", who)
        assert shown.status_code == 200, shown.text
        assert "Jordan" not in shown.text
        assert "landlord" not in shown.text
    staff = api.get(f"/api/v1/requests/{rid}/notes", "reviewer", headers=REASON)
    assert staff.status_code == 200, staff.text
    assert staff.json()["review_note"] == note
    agency = api.get(f"/api/v1/requests/{rid}/notes", "fbi", headers=REASON).json()
    assert agency == {
        "review_note": None,
        "decisions": [
            {"reasons": "Jordan Example is not shown to be involved.", "justifications": {}}
        ],
    }
    for who in ("observer", "admin", "dea"):
        response = api.get(f"/api/v1/requests/{rid}/notes", who, headers=REASON)
        assert_problem(response, 404, "not-found")
    no_reason = api.get(f"/api/v1/requests/{rid}/notes", "auditor")
    assert_problem(no_reason, 422, "invalid-input", mentions="reason")
    assert access_log(api, rid) == [
        ("fbi@test.example", "notes"),
        ("reviewer@test.example", "notes"),
    ]
