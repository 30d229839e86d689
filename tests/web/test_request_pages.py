"""The list of requests and the request page, with its reads and the requester's actions.

Through the staff app (``staff`` fixture: a real runtime, SQLite and PostgreSQL); the
requests are made with the world's services as the API makes them.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from covergate.context import Via
from covergate.covers import service as covers
from covergate.covers.schemas import MailObservation, RecordsItem
from covergate.lifecycle.models import AccessKind, AccessRecord
from covergate.lifecycle.states import CloseReason, RequestState
from covergate.notices import service as notices
from covergate.productions import service as productions
from covergate.requests import decisions
from covergate.requests import service as requests
from covergate.requests.schemas import DecisionOutcome
from tests.factories import mail_cover_data, records_data
from tests.web.staff import TODAY, StaffSite, text_of
from tests.world import DEA, FBI

DEA_AGENCY = {"name": DEA, "jurisdiction": "federal", "functions": ["criminal_investigation"]}
SUBJECT_NAME = "Jordan Example"
SUBJECT_STREET = "12 Elm Street"


def cover(staff: StaffSite, **changes: Any) -> str:
    return staff.world.submit(mail_cover_data(start=TODAY, **changes))


def active(staff: StaffSite) -> str:
    return staff.world.active_cover(mail_cover_data(start=TODAY))


def access_rows(staff: StaffSite) -> list[tuple[int, AccessKind, str, Via]]:
    with staff.world.tx() as s:
        rows = s.scalars(select(AccessRecord).order_by(AccessRecord.id))
        return [(r.user_id, r.what, r.reason, r.via) for r in rows]


def state_of(staff: StaffSite, rid: str) -> RequestState:
    with staff.world.tx() as s:
        return staff.world.request(s, rid).state


def api(staff: StaffSite, who: str) -> Any:
    client = staff.anonymous()
    client.headers["Authorization"] = f"Bearer {staff.world.tokens[who]}"
    return client


def request_ids(html: str) -> list[str]:
    return re.findall(r'href="/app/requests/([0-9a-f]{32})"', html)


# --- the list ---


def test_a_requester_lists_only_their_agencys_requests(staff: StaffSite) -> None:
    mine = cover(staff)
    theirs = staff.world.submit(mail_cover_data(start=TODAY, agency=DEA_AGENCY), who="dea")
    page = staff.as_user("fbi").get("/app/requests")
    assert request_ids(page.text) == [mine]
    text = text_of(page.text)
    assert "My agency's requests" in text
    assert FBI in text
    assert DEA not in text
    assert SUBJECT_NAME not in text
    assert SUBJECT_STREET not in text
    assert request_ids(staff.as_user("dea").get("/app/requests").text) == [theirs]
    assert request_ids(staff.as_user("reviewer").get("/app/requests").text) == [theirs, mine]
    # Another agency's request does not exist for fbi: the service's 404 page.
    missing = staff.as_user("fbi").get(f"/app/requests/{theirs}", status=404)
    assert f"no request {theirs}" in text_of(missing.text)
    assert DEA not in text_of(missing.text)


def test_the_list_filters_by_state_and_says_when_none_match(staff: StaffSite) -> None:
    submitted = cover(staff)
    reviewed = cover(staff, purpose__case_number="FBI-2026-0100")
    staff.world.review(reviewed)
    running = active(staff)
    fbi = staff.as_user("fbi")
    assert request_ids(fbi.get("/app/requests").text) == [running, reviewed, submitted]
    page = fbi.get("/app/requests?state=in_review")
    assert request_ids(page.text) == [reviewed]
    assert '<option value="in_review" selected>In review</option>' in page.text
    row = text_of(page.text)
    assert "In review" in row
    assert "Asked to start 2026-03-02" in row
    active_page = fbi.get("/app/requests?state=active")
    assert request_ids(active_page.text) == [running]
    ends = (TODAY + timedelta(days=29)).isoformat()
    assert f"Ends {ends}" in text_of(active_page.text)
    none = fbi.get("/app/requests?state=denied")
    assert request_ids(none.text) == []
    assert "No request you may see is denied." in text_of(none.text)
    bad = fbi.get("/app/requests?state=lost", status=422)
    assert 'aria-invalid="true"' in bad.text
    assert "state must be one of submitted" in text_of(bad.text)


def test_the_list_pages_with_next_and_previous_links(staff: StaffSite) -> None:
    made = [cover(staff, purpose__case_number=f"FBI-2026-01{i}") for i in range(3)]
    fbi = staff.as_user("fbi")
    first = fbi.get("/app/requests?limit=2")
    assert request_ids(first.text) == [made[2], made[1]]
    link = re.search(r'href="([^"]+)" id="next-page"', first.text)
    assert link is not None
    second = fbi.get(link.group(1).replace("&amp;", "&"))
    assert request_ids(second.text) == [made[0]]
    assert 'id="next-page"' not in second.text
    assert 'id="previous-page"' in second.text
    assert "limit must be between 1 and 1000" in text_of(
        fbi.get("/app/requests?limit=0", status=422).text
    )


def test_an_overdue_notice_is_said_in_words(staff: StaffSite) -> None:
    rid = active(staff)
    close(staff, rid)
    staff.runtime.clock.advance(timedelta(days=100))
    with staff.world.tx() as s:
        notices.sweep_notices(session=s, ctx=staff.world.ctx)
    page = staff.as_user("fbi").get("/app/requests")
    due = (TODAY + timedelta(days=90)).isoformat()
    assert f'<span class="overdue">Notice due {due}, overdue by 10 days</span>' in page.text
    request_page = staff.as_user("fbi").get(f"/app/requests/{rid}")
    assert "overdue by 10 days" in text_of(request_page.text)


def close(staff: StaffSite, rid: str, who: str = "fbi") -> None:
    with staff.world.tx() as s:
        requests.close(
            session=s,
            ctx=staff.world.ctx,
            actor=staff.world.user(s, who),
            request=staff.world.request(s, rid),
            reason=CloseReason.REQUESTED,
        )


# --- the request page ---


def test_the_page_shows_findings_with_citations_decisions_and_history(staff: StaffSite) -> None:
    rid = active(staff)
    with staff.world.tx() as s:
        evaluation = decisions.stored_evaluation(staff.world.request(s, rid))
    page = staff.as_user("fbi").get(f"/app/requests/{rid}")
    text = text_of(page.text)
    assert evaluation.findings
    for finding in evaluation.findings:
        assert finding.citation in text
        assert finding.message in text
    assert "Operations support group manager" in text  # the decision's delegation
    assert "Approved" in text
    history = re.search(r'<ol class="history" id="history">(.*?)</ol>', page.text, re.S)
    assert history is not None
    events = [text_of(li) for li in re.findall(r"<li>(.*?)</li>", history.group(1), re.S)]
    assert [e.split(" · ")[:3] for e in events] == [
        [TODAY.isoformat(), event, f"request {state}"]
        for event, state in [
            ("Submitted", "submitted"),
            ("Order filed", "submitted"),
            ("Order confirmed", "submitted"),
            ("Reviewed", "in review"),
            ("Decided", "approved"),
            ("Started", "active"),
        ]
    ]
    assert "Court order" in text
    assert "Confirmed" in text
    assert SUBJECT_NAME not in text
    assert SUBJECT_STREET not in text
    # The requester's panels: read subject data, read the decision reasons, close.
    assert 'id="subject-panel"' in page.text
    assert 'id="notes-panel"' in page.text
    assert 'id="close-panel"' in page.text
    assert 'id="package-panel"' not in page.text


def test_reading_subject_data_needs_a_reason_and_writes_one_access_row(
    staff: StaffSite,
) -> None:
    rid = active(staff)
    fbi = staff.as_user("fbi")
    before = access_rows(staff)
    refused = fbi.post(f"/app/requests/{rid}/subject", {"reason": "  "}, status=422)
    text = text_of(refused.text)
    assert "reading subject data needs a reason of at least 5 characters" in text
    assert SUBJECT_NAME not in text
    assert 'aria-invalid="true"' in refused.text
    assert 'aria-describedby="subject-reason-hint subject-reason-error"' in refused.text
    assert access_rows(staff) == before
    shown = fbi.post(
        f"/app/requests/{rid}/subject", {"reason": "Preparing the case file"}, status=200
    )
    text = text_of(shown.text)
    assert SUBJECT_NAME in text
    assert SUBJECT_STREET in text
    assert "This read was recorded in the access log" in text
    assert "no-store" in shown.headers["cache-control"]
    after = access_rows(staff)
    assert len(after) == len(before) + 1
    assert after[-1][1:] == (AccessKind.SUBJECT, "Preparing the case file", Via.WEB)


def test_an_observer_reads_only_where_to_record(staff: StaffSite) -> None:
    rid = active(staff)
    page = staff.as_user("observer").post(
        f"/app/requests/{rid}/subject", {"reason": "Setting up the cover"}, status=200
    )
    text = text_of(page.text)
    assert SUBJECT_STREET in text
    assert "400 Court Plaza" in text
    assert SUBJECT_NAME not in text
    assert "Victims report" not in text


def test_sealed_notes_by_role_after_a_reason(staff: StaffSite) -> None:
    rid = cover(staff)
    staff.world.review(rid)
    staff.world.approve(rid, outcome=DecisionOutcome.DENY, reasons="Grounds not shown.")
    refused = staff.as_user("chief").post(f"/app/requests/{rid}/notes", {}, status=422)
    assert "needs a reason" in text_of(refused.text)
    chief = staff.as_user("chief").post(
        f"/app/requests/{rid}/notes", {"reason": "Second look at the denial"}, status=200
    )
    text = text_of(chief.text)
    assert "Checked against policy." in text
    assert "Grounds not shown." in text
    assert f"Decision 1: Denied on {TODAY.isoformat()}" in text
    fbi = staff.as_user("fbi").post(
        f"/app/requests/{rid}/notes", {"reason": "Why were we denied"}, status=200
    )
    text = text_of(fbi.text)
    assert "Grounds not shown." in text
    assert "Checked against policy." not in text
    assert [r[1] for r in access_rows(staff)[-2:]] == [AccessKind.NOTES, AccessKind.NOTES]


# --- close ---


def test_the_requester_closes_a_running_cover(staff: StaffSite) -> None:
    rid = active(staff)
    fbi = staff.as_user("fbi")
    page = fbi.get(f"/app/requests/{rid}")
    assert 'name="reason" value="requested" checked' in page.text
    refused = fbi.post(f"/app/requests/{rid}/close", {"reason": "expired"}, status=422)
    assert "reason: the request is active, not expired" in text_of(refused.text)
    assert 'id="close-reason-expired" name="reason" value="expired" checked' in refused.text
    assert state_of(staff, rid) is RequestState.ACTIVE
    internal = fbi.post(f"/app/requests/{rid}/close", {"reason": "improper"}, status=422)
    assert "improper is set only by covergate itself" in text_of(internal.text)
    done = fbi.follow(fbi.post(f"/app/requests/{rid}/close", {"reason": "indictment"}))
    assert f"Request {rid} is closed (indictment)." in text_of(done.text)
    assert state_of(staff, rid) is RequestState.CLOSED
    assert 'id="close-panel"' not in done.text


def test_close_is_refused_where_the_api_refuses_it_with_the_same_message(
    staff: StaffSite,
) -> None:
    rid = cover(staff)
    page = staff.as_user("fbi").get(f"/app/requests/{rid}")
    assert 'id="close-panel"' not in page.text  # not offered while submitted
    web = staff.as_user("fbi").post(f"/app/requests/{rid}/close", {"reason": "requested"}, 409)
    answer = api(staff, "fbi").post(f"/api/v1/requests/{rid}/close", json={"reason": "requested"})
    assert answer.status_code == 409
    message = answer.json()["detail"]
    assert message.startswith("a request that is submitted cannot be closed")
    assert message in text_of(web.text)
    assert state_of(staff, rid) is RequestState.SUBMITTED
    auditor = staff.as_user("auditor").post(
        f"/app/requests/{rid}/close", {"reason": "requested"}, 403
    )
    assert (
        "only a requester or a reviewer or an approver may close requests; you are an auditor"
        in text_of(auditor.text)
    )


# --- the package ---


def produced(staff: StaffSite, data: dict[str, Any] | None = None) -> str:
    world = staff.world
    rid = world.active_cover(data or mail_cover_data(start=TODAY))
    with world.tx() as s:
        observer = world.user(s, "observer")
        request = covers.find_for_recording(session=s, ctx=world.ctx, actor=observer, public_id=rid)
        if request.kind.value == "records":
            item: Any = RecordsItem.model_validate(
                {"category": "subscriber", "record_date": TODAY.isoformat(), "fields": {"a": "1"}}
            )
        else:
            item = MailObservation.model_validate(
                {
                    "mail_date": TODAY.isoformat(),
                    "mail_class": "priority",
                    "sender": {
                        "name": "Pat Sender",
                        "address": {
                            "line1": "9 Far Road",
                            "city": "Peoria",
                            "state": "IL",
                            "zip": "61602",
                        },
                    },
                    "addressee": {
                        "name": SUBJECT_NAME,
                        "address": mail_cover_data()["subject"]["address"],
                    },
                    "postmark": "Peoria IL",
                }
            )
        result = covers.observe(
            session=s, ctx=world.ctx, actor=observer, request=request, item=item
        )
        assert result.accepted, result.message
    close(staff, rid)
    with world.tx() as s:
        productions.produce(
            session=s, ctx=world.ctx, actor=world.user(s, "reviewer"), request=world.request(s, rid)
        )
    return rid


def test_the_package_downloads_with_a_reason_and_receipt_is_acknowledged(
    staff: StaffSite,
) -> None:
    rid = produced(staff, records_data(start=TODAY))
    fbi = staff.as_user("fbi")
    page = fbi.get(f"/app/requests/{rid}")
    assert 'id="package-panel"' in page.text
    assert "records.json" in text_of(page.text)
    before = access_rows(staff)
    refused = fbi.post(f"/app/requests/{rid}/package", {"reason": ""}, status=422)
    assert "reading subject data needs a reason" in text_of(refused.text)
    assert 'id="package-reason-error"' in refused.text
    assert access_rows(staff) == before
    download = fbi.post(f"/app/requests/{rid}/package", {"reason": "Case intake"}, status=200)
    assert download.headers["content-type"] == "application/json"
    assert download.headers["content-disposition"] == (
        f'attachment; filename="covergate-package-{rid}.json"'
    )
    assert "no-store" in download.headers["cache-control"]
    from_api = api(staff, "fbi").get(
        f"/api/v1/requests/{rid}/production", headers={"X-Access-Reason": "Case intake"}
    )
    assert from_api.status_code == 200
    assert download.content == from_api.content
    body = json.loads(download.content)
    assert set(body["files"]) == {"records.json", "records.csv", "manifest.json"}
    after = access_rows(staff)
    assert [r[1:] for r in after[len(before) :]] == [
        (AccessKind.PRODUCTION, "Case intake", Via.WEB),
        (AccessKind.PRODUCTION, "Case intake", Via.API),
    ]
    assert 'name="manifest_sha256"' in page.text
    wrong = fbi.post(f"/app/requests/{rid}/acknowledge", {"manifest_sha256": "0" * 64}, 422)
    assert "manifest_sha256 does not match" in text_of(wrong.text)
    assert state_of(staff, rid) is RequestState.PRODUCED
    done = fbi.follow(
        fbi.post(f"/app/requests/{rid}/acknowledge", {"manifest_sha256": body["manifest_sha256"]})
    )
    assert f"Receipt of the package of {rid} is recorded." in text_of(done.text)
    assert f"Receipt acknowledged on {TODAY.isoformat()}" in text_of(done.text)
    assert "Acknowledge receipt of the package" not in done.text
    assert state_of(staff, rid) is RequestState.ACKNOWLEDGED
    again = fbi.post(
        f"/app/requests/{rid}/acknowledge", {"manifest_sha256": body["manifest_sha256"]}, 409
    )
    assert f"request {rid} is already acknowledged" in text_of(again.text)


def test_another_agencys_request_is_not_found_for_every_form(staff: StaffSite) -> None:
    dea = staff.world.submit(mail_cover_data(start=TODAY, agency=DEA_AGENCY), who="dea")
    staff.world.review(dea)
    staff.world.approve(dea)
    fbi = staff.as_user("fbi")
    before = access_rows(staff)
    for action, data in [
        ("subject", {"reason": "Looking at their case"}),
        ("notes", {"reason": "Looking at their case"}),
        ("close", {"reason": "requested"}),
        ("package", {"reason": "Looking at their case"}),
        ("acknowledge", {"manifest_sha256": "0" * 64}),
    ]:
        page = fbi.post(f"/app/requests/{dea}/{action}", data, status=404)
        assert f"no request {dea}" in text_of(page.text)
    assert access_rows(staff) == before
    assert state_of(staff, dea) is RequestState.ACTIVE


def test_a_refused_form_is_summed_up_at_the_top_of_the_page(staff: StaffSite) -> None:
    rid = active(staff)
    page = staff.as_user("fbi").post(f"/app/requests/{rid}/subject", {"reason": "abc"}, 422)
    problem = re.search(
        r'<div class="error" role="alert" id="form-problem">(.*?)</div>', page.text, re.S
    )
    assert problem is not None
    assert "Nothing was done: reading subject data needs a reason" in text_of(problem.group(1))
    assert 'href="#subject-panel"' in problem.group(1)
    assert ">abc</textarea>" in page.text  # what was typed is kept


MY_PANELS = ("subject-panel", "notes-panel", "close-panel", "package-panel")


def test_each_role_gets_the_panels_its_api_allows(staff: StaffSite) -> None:
    rid = active(staff)
    expected = {
        "fbi": {"subject-panel", "notes-panel", "close-panel"},
        "reviewer": {"subject-panel", "notes-panel", "close-panel"},
        "osg": {"subject-panel", "notes-panel", "close-panel"},
        "auditor": {"subject-panel", "notes-panel"},
        "observer": {"subject-panel"},  # the recording view: where to record
        "court": {"subject-panel"},
    }
    for who, panels in expected.items():
        page = staff.as_user(who).get(f"/app/requests/{rid}")
        shown = {p for p in MY_PANELS if f'id="{p}"' in page.text}
        assert shown == panels, who
    for who in ("dea", "admin", "court2"):
        staff.as_user(who).get(f"/app/requests/{rid}", status=404)
