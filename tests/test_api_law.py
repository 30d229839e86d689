"""The law over HTTP, against a real uvicorn server, on SQLite and PostgreSQL.

- 39 CFR 233.3(c)(9): a national security request with a threat of another kind, or
  naming no foreign power, is stored as inadmissible and cannot be approved;
- an extension carries its cover's subject: a wrong and a right address get the same
  answer, each use of the cover's subject is access-logged, replays still work.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest

from tests.api_server import LiveServer
from tests.factories import mail_cover_data, records_data
from tests.test_api import (
    LAST_DAY,
    SUBJECT_ADDRESS,
    active_cover,
    assert_problem,
    detail,
    justifications,
    review,
    submit,
    unchanged,
)

NS: dict[str, Any] = {
    "purpose__ground": "national_security",
    "purpose__statute": None,
    "purpose__max_imprisonment_months": None,
    "purpose__national_security": {
        "threat": "international_terrorism",
        "foreign_power": "Foreign Power A",
        "approved_by_agency_head": True,
    },
}
WRONG_SUBJECT = {
    "name": "Someone Else",
    "address": {"line1": "14 Elm Street", "city": "Springfield", "state": "IL", "zip": "62701"},
    "known_attorneys": [],
}


def approve_body(api: LiveServer, rid: str) -> dict[str, Any]:
    return {"outcome": "approve", "justifications": justifications(detail(api, rid))}


# --- 39 CFR 233.3(c)(9) ---


@pytest.mark.parametrize("factory", [mail_cover_data, records_data], ids=["mail", "records"])
@pytest.mark.parametrize(
    "threat",
    [
        {"threat": "other", "foreign_power": "Foreign Power A"},
        {"threat": "international_terrorism", "foreign_power": None},
    ],
    ids=["threat-other", "no-foreign-power"],
)
def test_national_security_without_a_foreign_power_is_refused(
    api: LiveServer, factory: Any, threat: dict[str, Any]
) -> None:
    ns = {**NS, "purpose__national_security": {**NS["purpose__national_security"], **threat}}
    rid = submit(api, factory(**ns))
    body = detail(api, rid)
    assert body["admissible"] is False
    failed = [f for f in body["policy"]["findings"] if f["outcome"] == "fail"]
    assert [(f["rule"], f["citation"]) for f in failed] == [
        ("national-security-definition", "39 CFR 233.3(c)(9)")
    ]
    assert "foreign power" in failed[0]["message"]
    review(api, rid)
    url = f"/api/v1/requests/{rid}/decision"
    with unchanged(api, rid):
        refused = api.post(url, "chief", json=approve_body(api, rid))
        assert_problem(refused, 422, "rule-violation", mentions="39 CFR 233.3(c)(9)")


def test_national_security_with_a_foreign_power_is_approved(api: LiveServer) -> None:
    rid = submit(api, mail_cover_data(**NS))
    assert detail(api, rid)["admissible"] is True
    review(api, rid)
    response = api.post(f"/api/v1/requests/{rid}/decision", "chief", json=approve_body(api, rid))
    assert response.status_code == 200, response.text


# --- an extension cannot probe the covered address ---


def extension(subject: dict[str, Any] | None = None) -> dict[str, Any]:
    data = mail_cover_data(
        start=LAST_DAY + timedelta(days=1),
        scope__days=30,
        scope__prior_days=30,
        scope__extension_benefit="Two letters from the suspected victims.",
    )
    if subject is not None:
        data["subject"] = copy.deepcopy(subject)
    return data


def subject_reads(api: LiveServer) -> list[tuple[str, str, str, str]]:
    access = api.get("/api/v1/audit/access-log", "auditor", params={"limit": 1000})
    assert access.status_code == 200, access.text
    return [(a["user"], a["request"], a["what"], a["reason"]) for a in access.json()["access"]]


def covered_address(api: LiveServer, rid: str) -> dict[str, Any]:
    response = api.get(
        f"/api/v1/requests/{rid}/document", "fbi", headers={"X-Access-Reason": "Checking the test"}
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["subject"]["address"])


@pytest.mark.parametrize("subject", [None, WRONG_SUBJECT], ids=["right", "wrong"])
def test_extension_answer_does_not_depend_on_the_address(
    api: LiveServer, subject: dict[str, Any] | None
) -> None:
    rid = active_cover(api)
    assert subject_reads(api) == []
    response = api.post(f"/api/v1/requests/{rid}/extensions", "fbi", json=extension(subject))
    assert response.status_code == 201, response.text
    child = response.json()
    assert child["extends"] == rid
    assert child["admissible"] is True
    assert subject_reads(api) == [
        ("fbi@test.example", rid, "subject", f"extension carries the subject of cover {rid}")
    ]
    assert covered_address(api, child["id"]) == {**SUBJECT_ADDRESS, "line2": None}


def test_extension_replay_ignores_the_guess(api: LiveServer) -> None:
    rid = active_cover(api)
    url = f"/api/v1/requests/{rid}/extensions"
    key = {"Idempotency-Key": "fbi-ext-1"}
    first = api.post(url, "fbi", json=extension(WRONG_SUBJECT), headers=key)
    assert first.status_code == 201, first.text
    replay = api.post(url, "fbi", json=extension(), headers=key)
    assert replay.status_code == 200, replay.text
    assert replay.json()["id"] == first.json()["id"]
    conflict = api.post(
        url, "fbi", json={**extension(), "scope": {**extension()["scope"], "days": 20}}, headers=key
    )
    assert_problem(conflict, 409, "idempotency-conflict", mentions="fbi-ext-1")


def test_openapi_documents_the_extension_subject(api: LiveServer) -> None:
    spec = api.get("/openapi.json").json()
    route = spec["paths"]["/api/v1/requests/{request_id}/extensions"]["post"]
    assert "subject" in route["description"]
    assert "access log" in route["description"]
