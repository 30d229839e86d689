"""Date arithmetic never overflows: the schema bounds every date, the engine and the
period add days safely, and anything out of range is an InvalidInput naming the field."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covergate.document import (
    MAX_DATE,
    MIN_DATE,
    RequestDocument,
    request_document_from_data,
)
from covergate.errors import InvalidInput
from covergate.lifecycle.period import authorised_window
from covergate.policy import load_policy
from tests.factories import mail_cover_data

POLICIES = [load_policy("safeguards-2026"), load_policy("usps-2017")]
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
IN_RANGE = st.dates(date(1900, 1, 1), date(2200, 12, 31))


def test_the_allowed_range() -> None:
    assert (date(1900, 1, 1), date(2200, 12, 31)) == (MIN_DATE, MAX_DATE)
    for day in (MIN_DATE, MAX_DATE):
        doc = request_document_from_data(mail_cover_data(scope__start=day.isoformat()))
        assert doc.scope.start == day


@FAST
@given(
    start=IN_RANGE,
    received=IN_RANGE,
    confirmed=st.none() | IN_RANGE,
    issued=IN_RANGE,
    expires=st.none() | IN_RANGE,
    days=st.integers(1, 3650),
    prior=st.integers(0, 36500),
    via=st.sampled_from(["written", "oral"]),
    emergency=st.booleans(),
)
def test_any_allowed_date_never_raises_but_invalid_input(
    start: date,
    received: date,
    confirmed: date | None,
    issued: date,
    expires: date | None,
    days: int,
    prior: int,
    via: str,
    emergency: bool,
) -> None:
    data: dict[str, Any] = mail_cover_data(start)
    data["received"] = {
        "via": via,
        "date": received.isoformat(),
        "written_confirmation_date": confirmed and confirmed.isoformat(),
    }
    data["legal_process"]["issued"] = issued.isoformat()
    data["legal_process"]["expires"] = expires and expires.isoformat()
    data["scope"]["days"] = days
    data["scope"]["prior_days"] = prior
    if emergency:
        data["emergency"] = {"kind": "physical_harm", "description": "A threat was made."}
    doc = request_document_from_data(data)
    for policy in POLICIES:
        try:
            result = policy.evaluate(doc)
        except InvalidInput:
            continue
        for ob in result.obligations:
            assert isinstance(ob.due, date)


def far(doc: RequestDocument, day: date) -> RequestDocument:
    """``doc`` with a start the schema would refuse (as a caller skipping it could)."""
    return doc.model_copy(update={"scope": doc.scope.model_copy(update={"start": day})})


def test_an_overflowing_due_date_is_invalid_input_naming_the_field() -> None:
    """safeguards-2026's notice falls due days after the cover's end (its start)."""
    doc = far(request_document_from_data(mail_cover_data()), date(9999, 11, 1))
    with pytest.raises(InvalidInput) as err:
        load_policy("safeguards-2026").evaluate(doc)
    assert err.value.field == "scope.start"
    assert "scope.start" in str(err.value)
    assert "is not a date" in str(err.value)


def test_the_authorised_window_never_overflows() -> None:
    with pytest.raises(InvalidInput) as err:
        authorised_window(asked_start=date(9999, 12, 1), days=60, decided_on=date(2026, 1, 1))
    assert err.value.field == "days"
    window = authorised_window(asked_start=MAX_DATE, days=3650, decided_on=date(2026, 1, 1))
    assert window.end == MAX_DATE + timedelta(days=3649)
