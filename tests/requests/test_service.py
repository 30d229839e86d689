"""The lifecycle through the services, on SQLite and PostgreSQL.

Every enforced rule is tested here; every refusal must leave the database exactly
as it was (no partial write), which :func:`unchanged` checks.
"""

from __future__ import annotations

import json
import re
from contextlib import AbstractContextManager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from covergate.audit.service import list_access
from covergate.covers import service as covers
from covergate.covers.schemas import MailObservation, RecordsItem, RefusalReason
from covergate.document import request_document_from_data
from covergate.errors import (
    CovergateError,
    Forbidden,
    IdempotencyConflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    RuleViolation,
)
from covergate.lifecycle import access, documents, period
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import CloseReason, PersonCloseReason, RequestState
from covergate.policy import load_policy
from covergate.productions import service as productions
from covergate.requests import decisions, service, simulation
from covergate.requests.schemas import DecisionInput, DecisionOutcome
from covergate.transparency.models import LogEntry
from tests.factories import extension_data, mail_cover_data, records_data
from tests.world import FBI, World

START = date(2026, 1, 5)
NS = {
    "purpose__ground": "national_security",
    "purpose__statute": None,
    "purpose__max_imprisonment_months": None,
    "purpose__national_security": {
        "threat": "international_terrorism",
        "foreign_power": "Foreign Power A",
        "approved_by_agency_head": True,
    },
}


def _request_rows(s: Session) -> tuple[Any, ...]:
    return tuple(
        s.execute(select(Request.public_id, Request.refused_observations).order_by(Request.id))
    )


def unchanged(
    world: World, error: type[CovergateError], match: str | None = None
) -> AbstractContextManager[pytest.ExceptionInfo[CovergateError]]:
    """The block must raise ``error`` and leave every table as it was."""
    return world.unchanged(error, match, extra=(_request_rows,))


def decide(world: World, rid: str, who: str, **kw: Any) -> None:
    with world.tx() as s:
        decisions.decide(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, who),
            request=world.request(s, rid),
            decision=DecisionInput(**kw),
        )


def observe(
    world: World, rid: str, item: dict[str, Any], who: str = "observer"
) -> covers.ObservationResult:
    model = RecordsItem if "category" in item else MailObservation
    with world.tx() as s:
        return covers.observe(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, who),
            request=world.request(s, rid),
            item=model.model_validate(item),
        )


def mail(day: date, **changes: Any) -> dict[str, Any]:
    subject = mail_cover_data()["subject"]
    item: dict[str, Any] = {
        "mail_date": day.isoformat(),
        "mail_class": "first_class",
        "sender": {
            "name": "Pat Sender",
            "address": {"line1": "9 Far Road", "city": "Peoria", "state": "IL", "zip": "61602"},
        },
        "addressee": {"name": subject["name"], "address": subject["address"]},
        "postmark": "Peoria IL",
    }
    item.update(changes)
    return item


def state_of(world: World, rid: str) -> RequestState:
    with world.tx() as s:
        return world.request(s, rid).state


# --- the whole flow ---


def test_whole_flow_from_submission_to_acknowledgement(world: World) -> None:
    rid = world.submit()
    assert state_of(world, rid) is RequestState.SUBMITTED
    world.review(rid)
    assert state_of(world, rid) is RequestState.IN_REVIEW
    world.approve(rid)
    assert state_of(world, rid) is RequestState.APPROVED  # before its start date

    world.clock.set_date(START)
    assert state_of(world, rid) is RequestState.ACTIVE
    assert observe(world, rid, mail(START)).accepted
    world.clock.set_date(START + timedelta(days=10))
    assert observe(world, rid, mail(START + timedelta(days=9))).accepted

    world.clock.set_date(START + timedelta(days=30))  # the day after the 30th day
    assert state_of(world, rid) is RequestState.EXPIRED
    with world.tx() as s:
        service.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, rid),
            reason=CloseReason.EXPIRED,
        )
        package = productions.produce(
            session=s, ctx=world.ctx, actor=world.user(s, "reviewer"), request=world.request(s, rid)
        )
    assert package.manifest["items"] == 2
    with world.tx() as s:
        got = productions.read_package(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, rid),
            reason="case file intake",
        )
        productions.acknowledge(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, rid),
            manifest_sha256=got.manifest_sha256,
        )
    assert state_of(world, rid) is RequestState.ACKNOWLEDGED

    with world.tx() as s:
        events = [e.event for e in service.history(session=s, request=world.request(s, rid))]
        log_size = s.scalar(select(func.count()).select_from(LogEntry))
    assert events == [
        "submitted",
        "order_filed",  # the court order, filed with the request
        "order_confirmed",  # by its court (tests.world confirms on submission)
        "reviewed",
        "decided",
        "started",
        "expired",
        "closed",
        "produced",
        "acknowledged",
    ]
    assert log_size == len(events)  # one log entry per state change, nothing else


def test_package_manifest_lists_sha256_of_each_file(world: World) -> None:
    import hashlib
    import json

    world.clock.set_date(START)
    rid = world.active_cover()
    assert observe(world, rid, mail(START)).accepted
    with world.tx() as s:
        service.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, rid),
            reason=CloseReason.INDICTMENT,
        )
        package = productions.produce(
            session=s, ctx=world.ctx, actor=world.user(s, "reviewer"), request=world.request(s, rid)
        )
    assert set(package.files) == {"observations.json", "observations.csv", "manifest.json"}
    manifest = json.loads(package.files["manifest.json"])
    for entry in manifest["files"]:
        assert hashlib.sha256(package.files[entry["name"]]).hexdigest() == entry["sha256"]
    assert hashlib.sha256(package.files["manifest.json"]).hexdigest() == package.manifest_sha256
    assert b"Pat Sender" in package.files["observations.csv"]
    with unchanged(world, InvalidInput, "manifest_sha256 does not match"), world.tx() as s:
        productions.acknowledge(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, rid),
            manifest_sha256="0" * 64,
        )


def test_records_request_flow(world: World) -> None:
    world.clock.set_date(START)
    rid = world.submit(records_data())
    world.review(rid)
    world.approve(rid)
    assert state_of(world, rid) is RequestState.ACTIVE
    ok = observe(
        world,
        rid,
        {
            "category": "subscriber",
            "record_date": START.isoformat(),
            "fields": {"account": "opened 2024-03-01"},
        },
    )
    assert ok.accepted
    refused = observe(
        world,
        rid,
        {"category": "payment", "record_date": START.isoformat(), "fields": {"card": "visa"}},
    )
    assert refused.reason is RefusalReason.CATEGORY_NOT_AUTHORISED


# --- who may do what ---


def test_only_a_requester_of_the_named_agency_submits(world: World) -> None:
    doc = request_document_from_data(mail_cover_data())
    with unchanged(world, Forbidden, "only a requester"), world.tx() as s:
        service.submit(session=s, ctx=world.ctx, actor=world.user(s, "reviewer"), document=doc)
    with unchanged(world, Forbidden, "you submit for 'Drug Enforcement"), world.tx() as s:
        service.submit(session=s, ctx=world.ctx, actor=world.user(s, "dea"), document=doc)


def test_agency_cannot_claim_functions_it_is_not_registered_for(world: World) -> None:
    data = mail_cover_data()
    data["agency"]["name"] = "Drug Enforcement Administration"
    data["agency"]["functions"] = ["criminal_investigation", "national_security"]
    with unchanged(world, RuleViolation, "national_security is not a registered function"):
        world.submit(data, who="dea")


def test_agency_sees_only_its_own_requests(world: World) -> None:
    rid = world.submit()
    with world.tx() as s:
        dea = world.user(s, "dea")
        assert access.list_visible(session=s, ctx=world.ctx, actor=dea) == []
        assert [
            r.public_id
            for r in access.list_visible(session=s, ctx=world.ctx, actor=world.user(s, "fbi2"))
        ] == [rid]
        assert access.list_visible(session=s, ctx=world.ctx, actor=world.user(s, "admin")) == []
    with unchanged(world, NotFound, f"no request {rid}"), world.tx() as s:
        access.get_visible(session=s, ctx=world.ctx, actor=world.user(s, "dea"), public_id=rid)


@pytest.mark.parametrize("who", ["fbi", "observer", "auditor", "approver_as_reviewer"])
def test_only_reviewers_review(world: World, who: str) -> None:
    rid = world.submit()
    who = "osg" if who == "approver_as_reviewer" else who
    with unchanged(world, Forbidden, "only a reviewer may review"):
        world.review(rid, who=who)


@pytest.mark.parametrize("who", ["fbi", "reviewer", "observer", "auditor", "admin"])
def test_only_approvers_decide(world: World, who: str) -> None:
    rid = world.submit()
    world.review(rid)
    with unchanged(world, Forbidden, "only an approver may decide"):
        decide(world, rid, who, outcome=DecisionOutcome.APPROVE)


def test_national_security_only_by_chief_or_headquarters_designee(world: World) -> None:
    rid = world.submit(mail_cover_data(**NS))
    world.review(rid)
    for who in ("osg", "iic"):
        with unchanged(world, Forbidden, "national security"):
            decide(world, rid, who, outcome=DecisionOutcome.APPROVE)
    decide(world, rid, "hq", outcome=DecisionOutcome.APPROVE)
    assert state_of(world, rid) is RequestState.APPROVED


def test_inspector_in_charge_only_in_emergencies(world: World) -> None:
    rid = world.submit()
    world.review(rid)
    with unchanged(world, Forbidden, "only in an emergency"):
        decide(world, rid, "iic", outcome=DecisionOutcome.APPROVE)
    emergency = world.submit(
        mail_cover_data(
            emergency={"kind": "physical_harm", "description": "Threat letters name a date."}
        )
    )
    world.review(emergency)
    world.approve(emergency, who="iic")
    assert state_of(world, emergency) is RequestState.APPROVED


def test_more_than_120_days_needs_chief_or_headquarters(world: World) -> None:
    data = mail_cover_data(
        **NS,
        scope__days=150,
        scope__longer_period_justification="Long-running network.",
        scope__chief_inspector_personal_approval=True,
    )
    rid = world.submit(data)
    world.review(rid)
    with world.tx() as s:
        evaluation = decisions.stored_evaluation(world.request(s, rid))
    if not evaluation.admissible or (evaluation.max_days or 10**6) < 150:
        pytest.skip("the policy caps this request; the delegation check is covered below")
    world.approve(rid, who="chief")


def test_delegation_check_for_long_covers_directly() -> None:
    from covergate.users.models import User
    from covergate.users.schemas import Delegation, Role

    doc = request_document_from_data(mail_cover_data())
    osg = User(
        email="o@x.example",
        name="O",
        role=Role.APPROVER,
        delegation=Delegation.OPERATIONS_SUPPORT_GROUP_MANAGER,
    )
    chief = User(
        email="c@x.example",
        name="C",
        role=Role.APPROVER,
        delegation=Delegation.CHIEF_POSTAL_INSPECTOR,
    )
    with pytest.raises(Forbidden, match=r"233.3\(g\)\(6\)"):
        decisions.check_delegation(osg, doc, total_days=121, policy=load_policy("safeguards-2026"))
    decisions.check_delegation(osg, doc, total_days=120, policy=load_policy("safeguards-2026"))
    decisions.check_delegation(chief, doc, total_days=240, policy=load_policy("safeguards-2026"))


# --- the policy's findings bind the approver ---


def test_cannot_approve_past_a_fail_finding(world: World) -> None:
    rid = world.submit(mail_cover_data(legal_process=None))  # no court order: judge-first fails
    world.review(rid)
    with unchanged(world, RuleViolation, "cannot approve past failed findings: judge-first"):
        decide(world, rid, "osg", outcome=DecisionOutcome.APPROVE)
    with unchanged(world, RuleViolation, "judge-first"):
        decide(world, rid, "osg", outcome=DecisionOutcome.MODIFY, days=10)
    with unchanged(world, InvalidInput, "a denial must give its reasons"):
        decide(world, rid, "osg", outcome=DecisionOutcome.DENY)
    decide(world, rid, "osg", outcome=DecisionOutcome.DENY, reasons="No court order.")
    assert state_of(world, rid) is RequestState.DENIED


def test_each_review_finding_needs_a_written_justification(world: World) -> None:
    rid = world.submit(records_data())
    world.review(rid)
    with unchanged(world, RuleViolation, "justifications.records-"):
        decide(world, rid, "osg", outcome=DecisionOutcome.APPROVE)
    with unchanged(world, RuleViolation, "at least 10 characters"):
        decide(
            world,
            rid,
            "osg",
            outcome=DecisionOutcome.APPROVE,
            justifications={k: "ok" for k in world.justifications(rid)},
        )
    with unchanged(world, InvalidInput, "no review finding has that rule id"):
        decide(
            world,
            rid,
            "osg",
            outcome=DecisionOutcome.APPROVE,
            justifications={**world.justifications(rid), "made-up": "A justification."},
        )
    world.approve(rid)
    assert state_of(world, rid) is RequestState.APPROVED


def test_a_justified_longer_period_still_needs_its_review_justified(world: World) -> None:
    rid = world.submit(
        mail_cover_data(scope__days=60, scope__longer_period_justification="Monthly cycle.")
    )
    world.review(rid)
    with unchanged(world, RuleViolation, "justifications.thirty-day-limit"):
        decide(world, rid, "osg", outcome=DecisionOutcome.APPROVE)
    world.approve(rid)
    with world.tx() as s:
        assert world.request(s, rid).authorised_days == 60


def test_no_more_days_than_the_policy_allows() -> None:
    from covergate.policy import Evaluation

    doc = request_document_from_data(mail_cover_data(scope__days=60))
    evaluation = Evaluation(
        policy="test",
        policy_version="sha256:00",
        admissible=True,
        findings=(),
        obligations=(),
        max_days=30,
    )
    request = Request(days_requested=60)
    with pytest.raises(RuleViolation, match="allows at most 30 days for this request, not 60"):
        decisions._authorised_scope(
            request, doc, evaluation, DecisionInput(outcome=DecisionOutcome.APPROVE)
        )
    days, _ = decisions._authorised_scope(
        request, doc, evaluation, DecisionInput(outcome=DecisionOutcome.MODIFY, days=30)
    )
    assert days == 30


def test_an_approval_narrows_but_never_widens(world: World) -> None:
    rid = world.submit(records_data(scope__data_categories=["subscriber", "session_ip"]))
    world.review(rid)
    just = world.justifications(rid)
    with unchanged(world, RuleViolation, "never widen: 31 > the 30 days"):
        decide(world, rid, "osg", outcome=DecisionOutcome.MODIFY, days=31, justifications=just)
    with unchanged(world, RuleViolation, "payment was not asked for"):
        decide(
            world,
            rid,
            "osg",
            outcome=DecisionOutcome.MODIFY,
            categories=["subscriber", "payment"],
            justifications=just,
        )
    with unchanged(world, InvalidInput, "modify must narrow"):
        decide(world, rid, "osg", outcome=DecisionOutcome.MODIFY, justifications=just)
    with unchanged(world, InvalidInput, "use modify"):
        decide(world, rid, "osg", outcome=DecisionOutcome.APPROVE, days=10, justifications=just)
    decide(
        world,
        rid,
        "osg",
        outcome=DecisionOutcome.MODIFY,
        days=10,
        categories=["subscriber"],
        justifications=just,
    )
    with world.tx() as s:
        request = world.request(s, rid)
        assert request.authorised_categories == ["subscriber"]
        assert request.authorised_days == 10


def test_decision_before_review_is_an_invalid_transition(world: World) -> None:
    rid = world.submit()
    with unchanged(world, InvalidTransition, "from submitted it can be: review"):
        decide(world, rid, "osg", outcome=DecisionOutcome.APPROVE)
    world.review(rid)
    with unchanged(world, InvalidTransition, "in_review cannot be reviewed"):
        world.review(rid)


# --- the active window is computed and ends by itself ---


def test_window_is_computed_and_the_cover_expires_by_itself(world: World) -> None:
    rid = world.active_cover()
    with world.tx() as s:
        request = world.request(s, rid)
        assert (request.active_from, request.active_until) == (START, START + timedelta(days=29))
    world.clock.set_date(START + timedelta(days=29))
    with world.tx() as s:
        assert period.sweep(session=s, ctx=world.ctx) == 1  # it started
    assert state_of(world, rid) is RequestState.ACTIVE
    world.clock.set_date(START + timedelta(days=30))
    with world.tx() as s:  # nobody reads it: the sweep alone expires it
        assert period.sweep(session=s, ctx=world.ctx) == 1
        assert (
            s.scalar(select(Request.state).where(Request.public_id == rid)) is RequestState.EXPIRED
        )


def test_closing_early_shortens_the_window(world: World) -> None:
    world.clock.set_date(START)
    rid = world.active_cover()
    world.clock.set_date(START + timedelta(days=3))
    with world.tx() as s:
        service.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, rid),
            reason=CloseReason.REQUESTED,
        )
        assert world.request(s, rid).active_until == START + timedelta(days=3)
    result = observe(world, rid, mail(START + timedelta(days=2)))
    assert result.reason is RefusalReason.NOT_ACTIVE


def test_close_needs_a_closable_state_and_an_honest_reason(world: World) -> None:
    rid = world.submit()
    with unchanged(world, InvalidTransition, "submitted cannot be closed"), world.tx() as s:
        service.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, rid),
            reason=CloseReason.REQUESTED,
        )
    world.review(rid)
    world.approve(rid)
    with unchanged(world, InvalidInput, "not expired"), world.tx() as s:
        service.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            request=world.request(s, rid),
            reason=CloseReason.EXPIRED,
        )
    with unchanged(world, Forbidden, "may close"), world.tx() as s:
        service.close(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "observer"),
            request=world.request(s, rid),
            reason=CloseReason.REQUESTED,
        )


@pytest.mark.parametrize(
    "reason", [CloseReason.NO_TIMELY_ORDER, CloseReason.ORDER_REFUSED, CloseReason.IMPROPER]
)
def test_a_person_cannot_close_for_a_reason_only_covergate_sets(
    world: World, reason: CloseReason
) -> None:
    world.clock.set_date(START)
    rid = world.active_cover()
    for who in ("fbi", "chief"):
        refused = f"reason: {reason.value} is set only by covergate"
        with unchanged(world, InvalidInput, refused), world.tx() as s:
            service.close(
                session=s,
                ctx=world.ctx,
                actor=world.user(s, who),
                request=world.request(s, rid),
                reason=reason,
            )
    with world.tx() as s:
        request = world.request(s, rid)
        assert (request.state, request.close_reason) == (RequestState.ACTIVE, None)


def test_the_close_input_and_the_cli_offer_only_a_persons_reasons() -> None:
    from pydantic import ValidationError

    from covergate.requests.schemas import CloseInput

    assert {r.value for r in PersonCloseReason} == {"requested", "indictment", "expired"}
    assert {r.value for r in PersonCloseReason} < {r.value for r in CloseReason}
    schema = CloseInput.model_json_schema()
    assert schema["$defs"]["PersonCloseReason"]["enum"] == ["requested", "indictment", "expired"]
    with pytest.raises(ValidationError):
        CloseInput.model_validate({"reason": "improper"})


# --- extensions ---


def test_extension_is_a_new_request_continuous_with_the_cover(world: World) -> None:
    world.clock.set_date(START)
    rid = world.active_cover()
    ext = world.extend(rid, extension_data()).request.public_id
    assert ext != rid
    with world.tx() as s:
        child = world.request(s, ext)
        assert child.parent is not None
        assert child.parent.public_id == rid
        assert child.state is RequestState.SUBMITTED
        events = [e.event for e in service.history(session=s, request=child)]
    assert events == ["extended", "order_filed", "order_confirmed"]  # its own order
    world.review(ext)
    world.approve(ext)
    world.clock.set_date(START + timedelta(days=31))
    assert state_of(world, rid) is RequestState.EXPIRED
    assert state_of(world, ext) is RequestState.ACTIVE
    assert observe(world, ext, mail(START + timedelta(days=31))).accepted


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"scope__days": 31}, RuleViolation, r"at most 30 days, 39 CFR 233.3\(g\)\(5\)"),
        (
            {"scope__start": (START + timedelta(days=40)).isoformat()},
            InvalidInput,
            "starts the day after the cover ends, 2026-02-04",
        ),
        ({"scope__prior_days": 0}, InvalidInput, "has run 30 days so far"),
        # a different subject.address is no error: the extension carries the cover's
        # subject (tests/requests/test_extensions.py)
        ({"purpose__ground": "fugitive"}, InvalidInput, "keeps the cover's ground"),
    ],
)
def test_extension_rules(
    world: World, changes: dict[str, Any], error: type[CovergateError], match: str
) -> None:
    world.clock.set_date(START)
    rid = world.active_cover()
    with unchanged(world, error, match):
        world.extend(rid, extension_data(**changes))


def test_an_expired_cover_cannot_be_extended(world: World) -> None:
    rid = world.active_cover()
    world.clock.set_date(START + timedelta(days=40))
    with unchanged(world, RuleViolation, "this one is expired"):
        world.extend(rid, extension_data())


# --- observations ---


def test_observations_are_accepted_only_while_active_and_refusals_are_counted(
    world: World,
) -> None:
    rid = world.active_cover()  # approved, starts 2026-01-05, today 2026-01-02
    refusals: list[RefusalReason | None] = []
    refusals.append(observe(world, rid, mail(date(2026, 1, 2))).reason)  # not started
    world.clock.set_date(START + timedelta(days=5))
    refusals.append(observe(world, rid, mail(START - timedelta(days=1))).reason)  # before window
    refusals.append(observe(world, rid, mail(START + timedelta(days=6))).reason)  # in the future
    other = {
        "name": "Someone",
        "address": {"line1": "1 Other St", "city": "Peoria", "state": "IL", "zip": "61602"},
    }
    refusals.append(observe(world, rid, mail(START, addressee=other)).reason)
    attorney = mail_cover_data()["subject"]["known_attorneys"][0]
    refusals.append(observe(world, rid, mail(START, sender=attorney)).reason)
    by_name = {"name": "CASEY  COUNSEL", "address": other["address"]}
    refusals.append(observe(world, rid, mail(START, sender=by_name)).reason)
    assert refusals == [
        RefusalReason.NOT_ACTIVE,
        RefusalReason.OUTSIDE_WINDOW,
        RefusalReason.OUTSIDE_WINDOW,
        RefusalReason.WRONG_ADDRESS,
        RefusalReason.ATTORNEY_MAIL,
        RefusalReason.ATTORNEY_MAIL,
    ]
    # Same address written differently is still the covered address.
    subject = mail_cover_data()["subject"]
    loose = {
        "name": subject["name"],
        "address": {
            "line1": "12 ELM STREET",
            "city": "springfield",
            "state": "il",
            "zip": "62701-1234",
        },
    }
    assert observe(world, rid, mail(START, addressee=loose)).accepted
    world.clock.set_date(START + timedelta(days=30))
    assert observe(world, rid, mail(START + timedelta(days=29))).reason is RefusalReason.NOT_ACTIVE
    with world.tx() as s:
        request = world.request(s, rid)
        assert request.refused_observations == 7
        counts = covers.refusal_counts(session=s, request=request)
        assert counts == {
            "not_active": 2,
            "outside_window": 2,
            "wrong_address": 1,
            "attorney_mail": 2,
        }
        assert covers.observation_count(session=s, request=request) == 1


@pytest.mark.parametrize("who", ["fbi", "reviewer", "osg", "auditor"])
def test_only_observers_record(world: World, who: str) -> None:
    world.clock.set_date(START)
    rid = world.active_cover()
    with unchanged(world, Forbidden, "only an observer"):
        observe(world, rid, mail(START), who=who)


def test_observation_has_no_field_for_contents() -> None:
    with pytest.raises(ValueError, match="contents"):
        MailObservation.model_validate({**mail(START), "contents": "Dear ..."})


# --- privacy: encrypted at rest, reads logged ---


def test_subject_data_is_encrypted_and_reads_are_logged(world: World) -> None:
    rid = world.submit()
    with world.tx() as s:
        request = world.request(s, rid)
        assert b"Jordan Example" not in request.private_ct
        assert "Jordan Example" not in str(request.public_document)
        assert "Victims report" not in str(request.public_document)
    with unchanged(world, InvalidInput, "needs a reason"), world.tx() as s:
        documents.full_document(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "reviewer"),
            request=world.request(s, rid),
            reason="",
        )
    with world.tx() as s:
        doc = documents.full_document(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "reviewer"),
            request=world.request(s, rid),
            reason="legal review of grounds",
        )
        assert doc.subject.name == "Jordan Example"
    with world.tx() as s:
        rows = list_access(session=s)
        assert [(r.user_id, r.reason, r.what.value) for r in rows] == [
            (world.people["reviewer"].id, "legal review of grounds", "subject")
        ]
    with unchanged(world, NotFound), world.tx() as s:
        documents.full_document(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "dea"),
            request=world.request(s, rid),
            reason="curious about it",
        )
    with unchanged(world, NotFound), world.tx() as s:  # admins manage users, see no requests
        documents.full_document(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "admin"),
            request=world.request(s, rid),
            reason="curious about it",
        )


def test_no_subject_data_reaches_the_log(world: World) -> None:
    world.clock.set_date(START)
    rid = world.active_cover()
    assert observe(world, rid, mail(START)).accepted
    secrets = [
        b"Jordan",
        b"Elm Street",
        b"Casey",
        b"Counsel",
        b"62701",
        b"Victims",
        b"1341",
        b"FBI-2026-0042",
        b"Pat Sender",
        b"dreyes",
    ]
    with world.tx() as s:
        entries = list(s.scalars(select(LogEntry.data)))
    assert entries
    for entry in entries:
        text = _without_random_values(entry)
        for secret in secrets:
            assert secret not in text, (secret, entry)


_HEX = re.compile(r"[0-9a-f]{32,}")
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")


def _without_random_values(entry: bytes) -> bytes:
    """The entry with its hashes, public ids and ciphertext blanked, each checked to be
    only that: a commitment's hex can hold "1341" by chance, a name it cannot."""
    fields = json.loads(entry)
    for name, value in fields.items():
        if name == "sealed":
            assert isinstance(value, str), name
            assert _BASE64.fullmatch(value), name
            fields[name] = ""
        elif isinstance(value, str) and _HEX.fullmatch(value):
            fields[name] = ""
    return json.dumps(fields, sort_keys=True).encode()


# --- idempotency ---


def test_idempotency_key_replays_and_conflicts(world: World) -> None:
    doc = request_document_from_data(mail_cover_data())
    with world.tx() as s:
        first = service.submit(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            document=doc,
            idempotency_key="k-1",
        )
    with world.tx() as s:
        again = service.submit(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi2"),
            document=doc,
            idempotency_key="k-1",
        )
    assert first.created
    assert not again.created
    assert again.request.public_id == first.request.public_id
    other = request_document_from_data(mail_cover_data(scope__days=20))
    with unchanged(world, IdempotencyConflict, "different request"), world.tx() as s:
        service.submit(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            document=other,
            idempotency_key="k-1",
        )
    with unchanged(world, InvalidInput, "Idempotency-Key must be"), world.tx() as s:
        service.submit(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, "fbi"),
            document=other,
            idempotency_key="  ",
        )


def test_split_and_merge_round_trip() -> None:
    doc = request_document_from_data(
        mail_cover_data(emergency={"kind": "physical_harm", "description": "Threat letters."})
    )
    public, private = documents.split_private(doc)
    assert set(private) == {"subject", "purpose.reasonable_grounds", "emergency.description"}
    assert documents.merge_private(public, private) == doc


def test_every_field_redaction_hides_is_kept_encrypted() -> None:
    """PRIVATE_PATHS and policy.redaction name the same fields: whatever redact()
    replaces must come back from the encrypted part, or it would be lost."""
    data = mail_cover_data(
        emergency={"kind": "physical_harm", "description": "Threat letters."},
        scope__longer_period_justification="Monthly cycle.",
        scope__extension_benefit="Found the supplier's drop box.",
    )
    data["subject"]["address"]["line2"] = "Apt 4"
    doc = request_document_from_data(data)
    public, private = documents.split_private(doc)
    assert set(private) == {".".join(p) for p in documents.PRIVATE_PATHS}
    assert documents.merge_private(public, private) == doc
    assert "Threat" not in str(public)
    assert "Apt 4" not in str(public)


def test_simulation_rows_read_only_redacted_documents(world: World) -> None:
    rid = world.submit()
    world.review(rid)
    world.approve(rid)
    denied = world.submit(mail_cover_data(legal_process=None))
    world.review(denied)
    decide(world, denied, "osg", outcome=DecisionOutcome.DENY, reasons="No order.")
    with world.tx() as s:
        rows = {r.public_id: r for r in simulation.simulation_rows(session=s)}
        assert list_access(session=s) == []
    assert rows[rid].outcome is not None
    assert rows[rid].outcome.value == "approved"
    assert rows[denied].outcome is not None
    assert rows[denied].outcome.value == "denied"
    assert rows[rid].agency == FBI
    assert "Jordan" not in rows[rid].document.model_dump_json()


@pytest.mark.parametrize("name", ["<b>Task Force</b>", "1st Precinct", "x" * 81, ""])
def test_agency_names_must_be_publishable(world: World, name: str) -> None:
    from covergate.agencies import service as agencies
    from covergate.document import AgencyFunction, Jurisdiction

    with unchanged(world, InvalidInput, "agency name must start with a letter"), world.tx() as s:
        agencies.register(
            session=s,
            clock=world.clock,
            name=name,
            jurisdiction=Jurisdiction.LOCAL,
            functions=[AgencyFunction.CRIMINAL_INVESTIGATION],
        )
