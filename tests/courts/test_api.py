"""The courts workflow over HTTP, against the live server (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
from typing import Any

from covergate.transparency.service import read_entry
from tests.api_server import LiveServer
from tests.courts.test_orders import opens
from tests.factories import mail_cover_data
from tests.log_entries import entry_fields
from tests.test_api import assert_problem, detail, justifications, review, submit
from tests.world import COURT, OTHER_COURT

ORDERS = "/api/v1/court/orders"
REASON = {"X-Access-Reason": "deciding on the order"}


def entry(api: LiveServer, index: int) -> dict[str, Any]:
    """A log entry as published (read from the server's database)."""
    with api.runtime.transaction() as session:
        return entry_fields(session, read_entry(session=session, index=index))


def test_courts_are_registered_by_admins_only(api: LiveServer) -> None:
    added = api.post("/api/v1/admin/courts", "admin", json={"name": "Superior Court of Marin"})
    assert added.status_code == 201, added.text
    assert added.json()["name"] == "Superior Court of Marin"
    names = [c["name"] for c in api.get("/api/v1/courts", "fbi").json()["courts"]]
    assert names == sorted([COURT, OTHER_COURT, "Superior Court of Marin"])
    assert_problem(
        api.post("/api/v1/admin/courts", "court", json={"name": "Court of Claims"}),
        403,
        "forbidden",
        mentions="only an admin may register courts",
    )
    assert_problem(
        api.post("/api/v1/admin/courts", "admin", json={"name": COURT.lower()}), 409, "conflict"
    )


def test_the_court_lists_shows_confirms_and_the_approval_follows(api: LiveServer) -> None:
    rid = submit(api, confirm=False)
    review(api, rid)
    listed = api.get(ORDERS, "court", params={"state": "filed"}).json()["orders"]
    assert [o["request"] for o in listed] == [rid]
    assert api.get(ORDERS, "court2").json()["orders"] == []
    assert listed[0]["docket"] == "26-mj-0042"

    shown = api.get(f"{ORDERS}/{rid}", "court", headers=REASON)
    assert shown.status_code == 200, shown.text
    assert shown.json()["document"]["subject"]["name"] == "Jordan Example"
    assert shown.json()["order"]["state"] == "filed"

    decide = {"outcome": "approve", "justifications": justifications(detail(api, rid))}
    before = api.log_size()
    blocked = api.post(f"/api/v1/requests/{rid}/decision", "osg", json=decide)
    assert_problem(blocked, 422, "rule-violation", mentions="it is filed")
    assert api.log_size() == before

    pdf = b"%PDF-1.7 order of the court"
    put = api.call(
        "PUT", f"/api/v1/requests/{rid}/order/document", "fbi", content=pdf,
        headers={"Content-Type": "application/pdf"},
    )  # fmt: skip
    assert put.status_code == 200, put.text
    assert put.json()["document_sha256"] == hashlib.sha256(pdf).hexdigest()
    got = api.get(f"{ORDERS}/{rid}/document", "court", headers=REASON)
    assert got.status_code == 200
    assert got.content == pdf
    assert got.headers["content-type"] == "application/pdf"

    confirmed = api.post(f"{ORDERS}/{rid}/confirmation", "court", json={})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "confirmed"
    history = detail(api, rid)["history"]
    index = next(e["log_index"] for e in history if e["event"] == "order_confirmed")
    public = entry(api, index)
    assert public["docket"] == "26-mj-0042"
    assert public["document_sha256"] == hashlib.sha256(pdf).hexdigest()
    assert opens(public)

    approved = api.post(f"/api/v1/requests/{rid}/decision", "osg", json=decide)
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    again = api.post(f"{ORDERS}/{rid}/refusal", "court", json={"reasons": "Changed our mind."})
    assert_problem(again, 409, "invalid-transition", mentions="decides once")


def test_a_refusal_over_http_and_the_errors(api: LiveServer) -> None:
    rid = submit(api, confirm=False)
    other = submit(api, mail_cover_data(legal_process__court=OTHER_COURT), confirm=False)
    assert_problem(
        api.post(f"{ORDERS}/{other}/refusal", "court", json={"reasons": "Not one of ours."}),
        404,
        "not-found",
    )
    assert_problem(
        api.post(f"{ORDERS}/{rid}/refusal", "court", json={"reasons": "short"}),
        422,
        "invalid-input",
        mentions="reasons",
    )
    assert_problem(
        api.post(f"{ORDERS}/{rid}/confirmation", "court", json={"sealed_until": "2026-01-01"}),
        422,
        "invalid-input",
        mentions="sealed_until",
    )
    assert_problem(api.get(ORDERS, "osg"), 403, "forbidden", mentions="only a court may")
    before = api.log_size()
    refused = api.post(
        f"{ORDERS}/{rid}/refusal",
        "court",
        json={"reasons": "This court issued no such order.", "sealed_until": "2026-06-30"},
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["state"] == "refused"
    assert refused.json()["sealed"] is True
    assert api.log_size() == before + 1
    seen = api.get(f"/api/v1/requests/{rid}/order", "fbi").json()
    assert seen["state"] == "refused"
    unsealed = api.post(f"{ORDERS}/{rid}/unsealing", "court")
    assert unsealed.status_code == 200, unsealed.text
    assert unsealed.json()["sealed"] is False


def test_an_upload_too_big_is_refused(api: LiveServer) -> None:
    rid = submit(api, confirm=False)
    big = b"x" * (10 * 1024 * 1024 + 1)
    put = api.call("PUT", f"/api/v1/requests/{rid}/order/document", "fbi", content=big)
    assert_problem(put, 422, "invalid-input", mentions="larger than 10 MiB")
    assert api.get(f"/api/v1/requests/{rid}/order", "fbi").json()["document_sha256"] is None


def test_an_emergency_files_its_order_late_over_http(api: LiveServer) -> None:
    emergency = {"kind": "physical_harm", "description": "A threat was mailed to a witness."}
    rid = submit(api, mail_cover_data(emergency=emergency, legal_process=None))
    assert api.get(f"/api/v1/requests/{rid}/order", "fbi").status_code == 404
    process = mail_cover_data()["legal_process"]
    filed = api.post(f"/api/v1/requests/{rid}/order", "fbi", json=process)
    assert filed.status_code == 201, filed.text
    assert (filed.json()["state"], filed.json()["emergency"]) == ("filed", True)
    assert_problem(api.post(f"/api/v1/requests/{rid}/order", "fbi", json=process), 409, "conflict")
    assert [o["request"] for o in api.get(ORDERS, "court").json()["orders"]] == [rid]
