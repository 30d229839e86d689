"""The retention API: a destroyed request's reads answer 410, its record, the schedule."""

from __future__ import annotations

from datetime import date

import pytest

from tests.api_server import LiveServer
from tests.factories import records_data
from tests.test_api import START, approve, assert_problem, detail, review, submit, unchanged

WHY = "The order was signed by an inspector without written authority."
READ = {"X-Access-Reason": "checking the file"}


def produced(api: LiveServer) -> str:
    """A records request that ran, was closed on START and produced, over HTTP."""
    rid = submit(api, records_data())
    review(api, rid)
    approve(api, rid)
    api.clock.set_date(START)
    item = {"category": "subscriber", "record_date": START.isoformat(), "fields": {"a": "b"}}
    assert api.post(f"/api/v1/requests/{rid}/observations", "observer", json=item).is_success
    assert api.post(f"/api/v1/requests/{rid}/close", "fbi", json={}).is_success
    assert api.post(f"/api/v1/requests/{rid}/production", "reviewer").is_success
    return rid


def test_improper_destruction_then_every_read_is_410_and_the_agency_is_told_why(
    api: LiveServer,
) -> None:
    rid = produced(api)
    kept = api.get(f"/api/v1/requests/{rid}/destruction", "fbi")
    assert kept.status_code == 200, kept.text
    assert kept.json()["destroyed"] is False
    assert kept.json()["retain_until"] == date(2034, 1, 5).isoformat()

    size = api.log_size()
    done = api.post(f"/api/v1/requests/{rid}/destroy", "chief", json={"explanation": WHY})
    assert done.status_code == 200, done.text
    assert done.json()["reason"] == "improper"
    assert api.log_size() == size + 1  # produced already: nothing to close

    for path, who in (
        (f"/api/v1/requests/{rid}/document", "fbi"),
        (f"/api/v1/requests/{rid}/document", "auditor"),
        (f"/api/v1/requests/{rid}/notes", "reviewer"),
        (f"/api/v1/requests/{rid}/production", "fbi"),
    ):
        assert_problem(
            api.get(path, who, headers=READ),
            410,
            "gone",
            mentions=f"destroyed on {START.isoformat()} (improper)",
        )
    # The request itself and its history stay, without subject data.
    assert [e["event"] for e in detail(api, rid, "fbi")["history"]][-1] == "data_destroyed"
    told = api.get(f"/api/v1/requests/{rid}/destruction", "fbi")
    assert told.status_code == 200, told.text
    body = told.json()
    assert body["destroyed"] is True
    assert body["explanation"].startswith(WHY)
    assert body["items"]["observations"] == 1
    assert "Jordan" not in told.text
    # Another agency may not know it exists; an admin sees no requests.
    assert_problem(api.get(f"/api/v1/requests/{rid}/destruction", "dea"), 404, "not-found")
    assert_problem(api.get(f"/api/v1/requests/{rid}/destruction", "admin"), 404, "not-found")
    with unchanged(api, rid):
        again = api.post(f"/api/v1/requests/{rid}/destroy", "hq", json={"explanation": WHY})
        assert_problem(again, 409, "conflict", mentions="already destroyed")


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        ("osg", {"explanation": WHY}, 403, "forbidden"),
        ("fbi", {"explanation": WHY}, 403, "forbidden"),
        ("chief", {"explanation": "too short"}, 422, "invalid-input"),
        ("chief", {}, 422, "invalid-input"),
        ("chief", {"explanation": WHY, "also": 1}, 422, "invalid-input"),
    ],
)
def test_refused_destructions_change_nothing(
    api: LiveServer, who: str, body: dict[str, object], status: int, code: str
) -> None:
    rid = produced(api)
    with unchanged(api, rid):
        response = api.post(f"/api/v1/requests/{rid}/destroy", who, json=body)
        assert_problem(response, status, code)


def test_the_schedule_is_run_by_an_admin_and_a_dry_run_writes_nothing(api: LiveServer) -> None:
    rid = produced(api)
    api.clock.set_date(date(2034, 1, 5))
    with unchanged(api, rid):
        for who in ("reviewer", "auditor", "chief"):
            refused = api.post("/api/v1/retention/run", who, json={"dry_run": True})
            assert_problem(refused, 403, "forbidden", mentions="only an admin")
        listed = api.post("/api/v1/retention/run", "admin", json={"dry_run": True})
        assert listed.status_code == 200, listed.text
        assert [r["id"] for r in listed.json()["requests"]] == [rid]
        assert listed.json()["log_index"] is None
        assert_problem(
            api.post("/api/v1/retention/run", "admin", json={"dry_run": "yes"}),
            422,
            "invalid-input",
        )
    size = api.log_size()
    ran = api.post("/api/v1/retention/run", "admin", json={})
    assert ran.status_code == 200, ran.text
    assert ran.json()["count"] == 1
    assert api.log_size() == size + 2  # data_destroyed, then destruction_run
    gone = api.get(f"/api/v1/requests/{rid}/document", "fbi", headers=READ)
    assert_problem(gone, 410, "gone", mentions="(retention ended)")
