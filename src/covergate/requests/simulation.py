"""The stored requests, redacted, as input to ``covergate policy simulate``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from covergate.agencies.models import Agency
from covergate.document import request_document_from_data
from covergate.lifecycle.models import Request
from covergate.lifecycle.states import APPROVED_STATES, RequestState
from covergate.policy.simulate import DecisionOutcome as SimOutcome
from covergate.policy.simulate import StoredRequest

__all__ = ["simulation_rows"]


def simulation_rows(*, session: Session, since: date | None = None) -> Iterator[StoredRequest]:
    """Every stored request, redacted, for ``covergate policy simulate``.

    Reads only the public (redacted) document: simulating a reform reads no subject
    data, so it needs no access-log entries.
    """
    query = (
        select(
            Request.public_id,
            Agency.name,
            Request.kind,
            Request.ground,
            Request.state,
            Request.public_document,
        )
        .join(Agency, Agency.id == Request.agency_id)
        .order_by(Request.id)
    )
    if since is not None:
        query = query.where(Request.received_on >= since)
    for public_id, agency, kind, ground, state, public in session.execute(
        query.execution_options(yield_per=2000)
    ):
        outcome: SimOutcome | None
        if state in APPROVED_STATES:
            outcome = SimOutcome.APPROVED
        elif state is RequestState.DENIED:
            outcome = SimOutcome.DENIED
        else:
            outcome = None
        yield StoredRequest(
            public_id=public_id,
            agency=agency,
            kind=kind,
            ground=ground,
            outcome=outcome,
            document=request_document_from_data(public),
        )
