"""The reviewer's and the approver's pages: the queue, review, decision, production.

Through the staff app (TestClient) on SQLite and PostgreSQL; each action calls the
service the API calls, so the state and the log are checked in the database.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from covergate.lifecycle.events import EventType
from covergate.lifecycle.models import Request, RequestEvent
from covergate.lifecycle.states import PersonCloseReason, RequestState
from covergate.productions.models import Production
from covergate.requests import service as requests
from covergate.requests.decisions import stored_evaluation
from covergate.transparency.models import LogEntry
from tests.factories import mail_cover_data, records_data
from tests.web.staff import TODAY, StaffClient, StaffSite, text_of
from tests.world import DEA

#: A cover asking for unsealed contents too: one finding to review (unsealed-contents).
TWO_CATEGORIES = ["mail_exterior", "unsealed_contents"]
JUSTIFIED = "The order covers unsealed contents; checked with the court's clerk."


def _cover(**changes: Any) -> dict[str, Any]:
    return mail_cover_data(start=TODAY, **changes)


def _state(staff: StaffSite, rid: str) -> RequestState:
    with staff.world.tx() as s:
        return staff.world.request(s, rid).state


def _log_size(staff: StaffSite) -> int:
    with staff.world.tx() as s:
        return s.scalar(select(func.count()).select_from(LogEntry)) or 0


def _reviewed(staff: StaffSite, *, confirm: bool = True, **changes: Any) -> str:
    rid = staff.world.submit(_cover(**changes), confirm=confirm)
    staff.world.review(rid)
    return rid


def _queue_ids(html: str) -> list[str]:
    return re.findall(r'href="/app/requests/([^"/]+)"', html.split('id="queue"', 1)[-1])


# --- the queue ------------------------------------------------------------------


def test_reviewer_queue_lists_submitted_requests_oldest_first(staff: StaffSite) -> None:
    world = staff.world
    first = world.submit(_cover(purpose__case_number="FBI-1"))
    staff.runtime.clock.advance(timedelta(days=2))
    dea = {"name": DEA, "jurisdiction": "federal", "functions": ["criminal_investigation"]}
    second = world.submit(_cover(agency=dea), who="dea")
    staff.runtime.clock.advance(timedelta(days=1))
    reviewed = world.submit(_cover(purpose__case_number="FBI-3"))
    world.review(reviewed)
    active = world.active_cover(_cover(purpose__case_number="FBI-4"))

    page = staff.as_user("reviewer").get("/app/queue")
    assert _queue_ids(page.text) == [first, second]
    text = text_of(page.text)
    assert "Submitted: awaiting review (2)" in text
    assert "Drug Enforcement Administration" in text
    assert "Admissible: every finding passes" in text
    # Ages in days since submission, on the clock's day.
    rows = page.text.split('id="queue"', 1)[1].split("<tr>")[2:]
    assert '<td class="num">3</td>' in rows[0]
    assert '<td class="num">1</td>' in rows[1]
    # No subject data in the list.
    assert "Jordan Example" not in page.text
    assert "Elm Street" not in page.text

    other = staff.as_user("reviewer").get("/app/queue?state=in_review")
    assert _queue_ids(other.text) == [reviewed]
    assert active not in other.text
    assert _queue_ids(staff.as_user("reviewer").get("/app/queue?state=active").text) == [active]


def test_reviewer_queue_empty_and_unknown_state(staff: StaffSite) -> None:
    reviewer = staff.as_user("reviewer")
    assert "No request is waiting for review." in text_of(reviewer.get("/app/queue").text)
    bad = reviewer.get("/app/queue?state=lost", status=422)
    assert 'aria-invalid="true"' in bad.text
    assert "there is no state 'lost'" in text_of(bad.text)


def test_queue_is_for_reviewers_and_approvers_only(staff: StaffSite) -> None:
    staff.as_user("fbi").get("/app/queue", status=403)
    staff.as_user("observer").get("/app/queue", status=403)


def test_approver_queue_lists_reviewed_requests_with_the_delegation(staff: StaffSite) -> None:
    world = staff.world
    waiting = world.submit(_cover())
    older = _reviewed(staff, purpose__case_number="FBI-8")
    staff.runtime.clock.advance(timedelta(days=4))
    newer = _reviewed(staff, purpose__case_number="FBI-9")

    osg = staff.as_user("osg").get("/app/queue")
    assert _queue_ids(osg.text) == [older, newer]
    assert waiting not in osg.text
    text = text_of(osg.text)
    assert "Reviewed: awaiting a decision (2)" in text
    assert "Allows deciding it" in text
    assert "Refuses it" not in text
    assert "Confirmed" in text  # the court order's state
    # An approver's queue ignores the state filter: decisions only.
    assert _queue_ids(staff.as_user("osg").get("/app/queue?state=submitted").text) == [
        older,
        newer,
    ]

    iic = text_of(staff.as_user("iic").get("/app/queue").text)
    assert "Refuses it" in iic
    assert "may order a cover only in an emergency" in iic


def test_approver_queue_empty(staff: StaffSite) -> None:
    staff.world.submit(_cover())
    page = staff.as_user("chief").get("/app/queue")
    assert "No reviewed request is waiting for a decision." in text_of(page.text)


# --- review ---------------------------------------------------------------------


def test_annotate_moves_the_request_to_review_and_logs_it(staff: StaffSite) -> None:
    rid = staff.world.submit(_cover())
    reviewer = staff.as_user("reviewer")
    page = reviewer.get(f"/app/requests/{rid}")
    assert 'id="annotate-panel"' in page.text
    assert f'action="/app/requests/{rid}/review"' in page.text
    before = _log_size(staff)

    done = reviewer.post(f"/app/requests/{rid}/review", {"note": "Grounds check out."})
    assert done.headers["location"] == "/app/queue"
    assert "is reviewed: it now awaits a decision" in text_of(reviewer.follow(done).text)
    assert _state(staff, rid) is RequestState.IN_REVIEW
    assert _log_size(staff) == before + 1
    with staff.world.tx() as s:
        request = staff.world.request(s, rid)
        assert request.reviewer_id == staff.world.people["reviewer"].id
        assert request.review_note_ct is not None  # sealed, never in clear
        events = list(
            s.scalars(select(RequestEvent.event).where(RequestEvent.request_id == request.id))
        )
    assert events[-1] is EventType.REVIEWED
    # Reviewed: no more annotate panel.
    assert 'id="annotate-panel"' not in reviewer.get(f"/app/requests/{rid}").text


def test_a_blank_note_shows_the_form_again(staff: StaffSite) -> None:
    rid = staff.world.submit(_cover())
    reviewer = staff.as_user("reviewer")
    before = staff.world.snapshot()
    page = reviewer.post(f"/app/requests/{rid}/review", {"note": "  "}, status=422)
    assert 'aria-invalid="true"' in page.text
    assert "must not be blank" in text_of(page.text)
    assert staff.world.snapshot() == before


def test_a_requester_cannot_review(staff: StaffSite) -> None:
    rid = staff.world.submit(_cover())
    fbi = staff.as_user("fbi")
    before = staff.world.snapshot()
    page = fbi.post(f"/app/requests/{rid}/review", {"note": "Fine."}, status=403)
    assert "only a reviewer may review requests" in text_of(page.text)
    assert staff.world.snapshot() == before
    assert _state(staff, rid) is RequestState.SUBMITTED


# --- the decision ---------------------------------------------------------------


def _decide(client: StaffClient, rid: str, status: int = 303, **data: Any) -> Any:
    return client.post(f"/app/requests/{rid}/decision", data, status=status)


def test_decision_page_shows_findings_delegation_and_court_order(staff: StaffSite) -> None:
    rid = _reviewed(staff, confirm=False, scope__data_categories=TWO_CATEGORIES)
    panel = staff.as_user("osg").get(f"/app/requests/{rid}")
    assert 'id="decide-panel"' in panel.text
    assert f'href="/app/requests/{rid}/decide"' in panel.text

    page = staff.as_user("osg").get(f"/app/requests/{rid}/decide")
    text = text_of(page.text)
    with staff.world.tx() as s:
        findings = stored_evaluation(staff.world.request(s, rid)).findings
    for finding in findings:  # every finding, with its citation
        assert finding.rule in text
        assert finding.citation in text
    assert 'name="justifications.unsealed-contents"' in page.text
    assert "Operations support group manager" in text
    assert "Yes : Order mail covers and records requests" in text
    assert "No : Decide national security requests" in text
    assert "the court has not acted yet" in text
    assert "An approval is refused now: approval needs the court order confirmed" in text
    for outcome in ("approve", "modify", "deny"):
        assert f'name="outcome" value="{outcome}"' in page.text

    staff.world.confirm(rid)
    text = text_of(staff.as_user("osg").get(f"/app/requests/{rid}/decide").text)
    assert "Confirmed by U.S. District Court, C.D. Ill." in text
    assert "an approval may go ahead" in text


def test_approve_with_justifications_makes_the_cover_active(staff: StaffSite) -> None:
    rid = _reviewed(staff, confirm=False, scope__data_categories=TWO_CATEGORIES)
    # Before the court confirms the order, the service refuses; nothing is written.
    form = {"outcome": "approve", "categories": TWO_CATEGORIES}
    form["justifications.unsealed-contents"] = JUSTIFIED
    osg = staff.as_user("osg")
    before = staff.world.snapshot()
    refused = _decide(osg, rid, status=422, **form)
    assert "approval needs the court order confirmed" in text_of(refused.text)
    assert JUSTIFIED in text_of(refused.text)  # what was typed is kept
    assert staff.world.snapshot() == before

    staff.world.confirm(rid)
    log = _log_size(staff)
    done = _decide(osg, rid, **form)
    assert done.headers["location"] == "/app/queue"
    assert f"Request {rid} is approved: 30 days from {TODAY}" in text_of(osg.follow(done).text)
    assert _state(staff, rid) is RequestState.ACTIVE
    assert _log_size(staff) > log
    with staff.world.tx() as s:
        request = staff.world.request(s, rid)
        assert request.authorised_categories == TWO_CATEGORIES
        assert request.authorised_days == 30


def test_a_missing_justification_is_named_next_to_its_field(staff: StaffSite) -> None:
    rid = _reviewed(staff, scope__data_categories=TWO_CATEGORIES)
    osg = staff.as_user("osg")
    before = staff.world.snapshot()
    page = _decide(osg, rid, status=422, outcome="approve", categories=TWO_CATEGORIES)
    assert 'id="justification-1-error"' in page.text
    assert "needs a written justification of at least 10 characters" in text_of(page.text)
    assert staff.world.snapshot() == before


def test_modify_narrows_days_and_categories(staff: StaffSite) -> None:
    rid = _reviewed(staff, scope__data_categories=TWO_CATEGORIES)
    data = {"outcome": "modify", "days": "10", "categories": ["mail_exterior"]}
    data["justifications.unsealed-contents"] = JUSTIFIED
    _decide(staff.as_user("osg"), rid, **data)
    with staff.world.tx() as s:
        request = staff.world.request(s, rid)
        assert (request.authorised_days, request.authorised_categories) == (10, ["mail_exterior"])
        assert request.state is RequestState.ACTIVE


def test_widening_or_a_bad_number_is_refused_next_to_the_field(staff: StaffSite) -> None:
    rid = _reviewed(staff)
    osg = staff.as_user("osg")
    before = staff.world.snapshot()
    narrow = {"outcome": "modify", "categories": "mail_exterior"}
    wider = _decide(osg, rid, status=422, days="40", **narrow)
    assert 'id="decision-days-error"' in wider.text
    assert "can narrow but never widen" in text_of(wider.text)
    typo = _decide(osg, rid, status=422, days="ten", **narrow)
    assert 'id="decision-days-error"' in typo.text
    assert 'value="ten"' in typo.text
    none = _decide(osg, rid, status=422)
    assert 'id="decision-outcome-error"' in none.text
    assert staff.world.snapshot() == before


def test_approving_beyond_the_delegation_is_refused(staff: StaffSite) -> None:
    rid = _reviewed(staff)
    iic = staff.as_user("iic")
    page = text_of(iic.get(f"/app/requests/{rid}/decide").text)
    assert "No : Order without an emergency" in page
    assert "will be refused : an Inspector in Charge may order a cover only in an emergency" in page
    before = staff.world.snapshot()
    refused = _decide(iic, rid, status=403, outcome="approve", categories="mail_exterior")
    text = text_of(refused.text)
    assert "The decision was not recorded." in text
    assert "an Inspector in Charge may order a cover only in an emergency" in text
    assert staff.world.snapshot() == before
    assert _state(staff, rid) is RequestState.IN_REVIEW


def test_deny_needs_reasons_and_then_works(staff: StaffSite) -> None:
    rid = _reviewed(staff)
    chief = staff.as_user("chief")
    before = staff.world.snapshot()
    page = _decide(chief, rid, status=422, outcome="deny", categories="mail_exterior")
    assert 'id="decision-reasons-error"' in page.text
    assert "a denial must give its reasons" in text_of(page.text)
    assert staff.world.snapshot() == before

    done = _decide(
        chief,
        rid,
        outcome="deny",
        categories="mail_exterior",
        reasons="The facts do not show a crime.",
    )
    assert f"Request {rid} is denied." in text_of(chief.follow(done).text)
    assert _state(staff, rid) is RequestState.DENIED
    decided = chief.get(f"/app/requests/{rid}/decide")
    assert 'id="not-decidable"' in decided.text
    assert f'action="/app/requests/{rid}/decision"' not in decided.text
    assert 'id="decide-panel"' not in chief.get(f"/app/requests/{rid}").text


def test_only_approvers_decide(staff: StaffSite) -> None:
    rid = _reviewed(staff)
    staff.as_user("reviewer").get(f"/app/requests/{rid}/decide", status=403)
    page = _decide(staff.as_user("reviewer"), rid, status=403, outcome="approve")
    assert "only an approver may decide requests" in text_of(page.text)
    staff.as_user("dea").get(f"/app/requests/{rid}/decide", status=404)


# --- production -----------------------------------------------------------------


def test_produce_the_package_of_a_closed_records_request(staff: StaffSite) -> None:
    world = staff.world
    rid = world.submit(records_data(start=TODAY))
    world.review(rid)
    world.approve(rid)
    assert _state(staff, rid) is RequestState.ACTIVE
    reviewer = staff.as_user("reviewer")
    assert 'id="produce-panel"' not in reviewer.get(f"/app/requests/{rid}").text
    with world.tx() as s:
        requests.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, rid),
            reason=PersonCloseReason.REQUESTED,
        )
    page = reviewer.get(f"/app/requests/{rid}")
    assert 'id="produce-panel"' in page.text
    assert f'action="/app/requests/{rid}/produce"' in page.text
    assert _queue_ids(reviewer.get("/app/queue?state=closed").text) == [rid]

    done = reviewer.post(f"/app/requests/{rid}/produce", {})
    assert done.headers["location"] == f"/app/requests/{rid}"
    assert "Package produced for Federal Bureau of Investigation: 0 items" in text_of(
        reviewer.follow(done).text
    )
    assert _state(staff, rid) is RequestState.PRODUCED
    with world.tx() as s:
        request = s.scalar(select(Request).where(Request.public_id == rid))
        assert request is not None
        assert s.scalar(select(Production).where(Production.request_id == request.id))
    # Produced once: again is refused by the state machine.
    staff.as_user("reviewer").post(f"/app/requests/{rid}/produce", {}, status=409)
    staff.as_user("fbi").post(f"/app/requests/{rid}/produce", {}, status=403)


def test_modify_to_no_category_is_refused(staff: StaffSite) -> None:
    rid = _reviewed(staff, scope__data_categories=TWO_CATEGORIES)
    osg = staff.as_user("osg")
    before = staff.world.snapshot()
    page = _decide(osg, rid, status=422, outcome="modify", days="10")
    assert 'id="decision-categories-error"' in page.text
    assert "tick at least one category to authorise" in text_of(page.text)
    assert 'value="10"' in page.text
    assert staff.world.snapshot() == before
