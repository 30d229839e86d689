"""The compliance audit: the Inspector General's classes of findings, on live data.

:func:`check` reads every case file (``audit.casefiles``), the observations, the
access log and the public log, and reports each class of :class:`FindingClass`
with its rule, its citation and what was found. It changes nothing, reads no
subject data for a person (the one decryption, of observed and covered addresses,
is the software's own comparison, as when the observation was accepted), and so
writes no access record.

The checks run against the policy in force (``ctx.policy``), as the lifecycle's
own checks do. Nothing is fixed here: a finding is for the auditor to follow up.

    report = check(session, ctx, verifier=runtime.log_signer.verifier())
    report.clean, report.counts()
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.audit import casefiles, duties, logcheck, observations
from covergate.audit.casefiles import ENDED_STATES, CaseFiles
from covergate.audit.findings import ComplianceReport, FindingClass, Findings
from covergate.context import ServiceContext
from covergate.errors import Forbidden, InvalidInput
from covergate.lifecycle.access import require_role
from covergate.lifecycle.documents import public_document
from covergate.lifecycle.states import APPROVED_STATES, DecisionOutcome, OrderState, RequestState
from covergate.requests.decisions import check_delegation
from covergate.requests.models import Decision
from covergate.tlog.note import NoteVerifier
from covergate.users.models import User
from covergate.users.schemas import Role
from covergate.vocabulary import ProcessType, RequestKind

__all__ = ["ComplianceReport", "FindingClass", "check", "require_auditor"]

#: Legal process that is a court's order, which a court confirms.
_COURT_PROCESS = frozenset({ProcessType.COURT_ORDER, ProcessType.SEARCH_WARRANT})


def require_auditor(user: User) -> None:
    """The compliance audit is for auditors (Inspector General, Congress) only."""
    require_role(user, Role.AUDITOR, doing="run the compliance audit")


def check(
    session: Session,
    ctx: ServiceContext,
    *,
    verifier: NoteVerifier | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ComplianceReport:
    """Every class of findings on the live data and the public log, as of today.

    ``verifier`` (the log's key) also verifies the signed checkpoint and recomputes
    the whole tree from the entries. ``progress(done, total)`` is called as the log's
    entries are read, batch by batch.
    """
    files = casefiles.load(session)
    found = Findings()
    _approvals(session, ctx, files, found)
    _windows(ctx, files, found)
    _orders(ctx, files, found)
    observations.check(session, ctx, files, found)
    duties.check(session, ctx, files, found)
    checked = logcheck.check(session, ctx, files, found, verifier=verifier, progress=progress)
    return found.report(
        checked_on=ctx.clock.today(), policy=ctx.policy, log_entries_checked=checked
    )


# -- 1. approved without written authority ---------------------------------------------


def _approvals(session: Session, ctx: ServiceContext, files: CaseFiles, found: Findings) -> None:
    cls = FindingClass.APPROVAL_WITHOUT_DELEGATION
    approving = (DecisionOutcome.APPROVE, DecisionOutcome.MODIFY)
    decided: set[int] = set()
    rows = session.scalars(
        select(Decision).where(Decision.outcome.in_(approving)).order_by(Decision.id)
    )
    for decision in rows:
        request = files.requests.get(decision.request_id)
        if request is None:
            continue
        decided.add(request.id)
        approver, pid, day = decision.approver, request.public_id, decision.decided_at.date()
        if approver.role is not Role.APPROVER:
            found.add(
                cls,
                pid,
                f"approved by a user who is {approver.role.value}, not an approver",
                decided_on=day,
            )
        if approver.id == request.submitter_id:
            found.add(cls, pid, "approved by its own submitter", decided_on=day)
        if approver.id == request.reviewer_id:
            found.add(cls, pid, "approved by its own reviewer", decided_on=day)
        try:
            document = public_document(request)
            check_delegation(
                approver,
                document,
                total_days=document.scope.prior_days + request.days_requested,
                policy=ctx.policy,
            )
        except Forbidden as exc:
            found.add(
                cls,
                pid,
                f"the approver's delegation does not allow it: {exc.message}",
                decided_on=day,
            )
        except InvalidInput:
            found.add(
                cls,
                pid,
                "its stored public document is unreadable: the delegation cannot be checked",
                decided_on=day,
            )
    for request in files.requests.values():
        if request.state in APPROVED_STATES and request.id not in decided:
            found.add(
                cls,
                request.public_id,
                f"{request.state.value} with no approval on record",
                ordered_on=request.ordered_on,
            )


# -- 2. ran past its authorised period ----------------------------------------------


def _windows(ctx: ServiceContext, files: CaseFiles, found: Findings) -> None:
    cls = FindingClass.COVER_PAST_WINDOW
    today = ctx.clock.today()
    for request in files.requests.values():
        pid, start, until = request.public_id, request.active_from, request.active_until
        if (
            until is not None
            and request.state in (RequestState.APPROVED, RequestState.ACTIVE)
            and today > until
        ):
            found.add(
                cls,
                pid,
                f"still {request.state.value} after its last authorised day: it should "
                f"have expired on {until + timedelta(days=1)}",
                active_until=until,
                checked_on=today,
            )
        ended = files.ended_on(request)
        if (
            until is not None
            and ended is not None
            and request.state in ENDED_STATES
            and files.started(request)
            and ended > until + timedelta(days=1)
        ):
            found.add(
                cls,
                pid,
                f"ran until {ended}, {(ended - until).days - 1} days past the day it "
                "should have ended",
                active_until=until,
                ended_on=ended,
            )
        days = request.authorised_days
        if days is None:
            continue
        if start is not None and until is not None and (until - start).days + 1 > days:
            found.add(
                cls,
                pid,
                f"its window of {(until - start).days + 1} days is longer than the "
                f"{days} days authorised",
                active_from=start,
                active_until=until,
            )
        most = (request.evaluation or {}).get("max_days")
        if isinstance(most, int) and not isinstance(most, bool) and days > most:
            found.add(
                cls,
                pid,
                f"{days} days authorised, more than the {most} the policy allowed it",
                ordered_on=request.ordered_on,
            )


# -- 4. court order not confirmed in time ------------------------------------------


def _orders(ctx: ServiceContext, files: CaseFiles, found: Findings) -> None:
    cls = FindingClass.ORDER_NOT_CONFIRMED_IN_TIME
    authority = ctx.policy.authority
    today = ctx.clock.today()
    for request in files.requests.values():
        ordered = request.ordered_on
        if ordered is None or request.state not in APPROVED_STATES:
            continue
        pid, order = request.public_id, files.orders.get(request.id)
        emergency = (
            request.order_due is not None
            or (request.public_document or {}).get("emergency") is not None
        )
        confirmed = (
            order.decided_on if order is not None and order.state is OrderState.CONFIRMED else None
        )
        if authority.court_confirmation.required and not emergency:
            if order is None:
                if request.legal_process in _COURT_PROCESS:
                    found.add(cls, pid, "approved with no court order on file", ordered_on=ordered)
            elif order.state is not OrderState.CONFIRMED:
                found.add(
                    cls,
                    pid,
                    f"approved while its court order was {order.state.value}",
                    ordered_on=ordered,
                    filed_on=order.filed_on,
                )
            elif confirmed is None or confirmed > ordered:
                found.add(
                    cls,
                    pid,
                    "approved before its court order was confirmed",
                    ordered_on=ordered,
                    confirmed_on=confirmed,
                )
        due = request.order_due
        owes = (
            order is not None
            or request.legal_process in _COURT_PROCESS
            or request.legal_process is None
            or request.kind is RequestKind.MAIL_COVER
        )
        if due is None and emergency and owes and authority.court_confirmation.required:
            if confirmed is not None and confirmed <= ordered:
                continue  # approved once its order was confirmed: no emergency start
            due = request.received_on + timedelta(days=authority.emergency_order.days or 0)
        if not authority.emergency_order.required or due is None:
            continue
        deadline = due + timedelta(days=1)
        if today <= deadline or (confirmed is not None and confirmed <= due):
            continue
        ended, destroyed = files.ended_on(request), request.destroyed_on
        if (
            ended is not None
            and ended <= deadline
            and destroyed is not None
            and destroyed <= deadline
        ):
            continue
        what = "never confirmed" if confirmed is None else f"confirmed on {confirmed}"
        found.add(
            cls,
            pid,
            f"emergency start: its order was {what}, not by {due}, and the cover was "
            f"not ended and its data destroyed by {deadline}",
            order_due=due,
            confirmed_on=confirmed,
            ended_on=ended,
            destroyed_on=destroyed,
        )
