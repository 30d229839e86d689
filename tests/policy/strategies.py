"""Hypothesis strategies: valid request documents with drawn values.

Documents start from the factories and draw every field the policies look at:
kinds, grounds, agency functions, dates, nullables, numbers, process and emergency.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from covergate.document import (
    MAIL_COVER_CATEGORIES,
    RECORDS_CATEGORIES,
    AgencyFunction,
    EmergencyKind,
    Ground,
    ProcessStandard,
    ProcessType,
    RequestDocument,
    Threat,
    WarrantType,
    request_document_from_data,
)
from tests.factories import mail_cover_data

STATUTES = [
    None,
    "18 U.S.C. 1341",
    "18 USC § 1343",
    "8 U.S.C. 1325(a)",
    "8 U.S.C. 1326",
    "18 U.S.C. 1701",
    "21 U.S.C. 841(b)(1)(C)",
    "18 U.S.C. 9999",
    "Cal. Penal Code 484",
]
TEXT = st.sampled_from(["Reason given.", "Another reason, longer, with detail."])


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def document_data(draw: st.DrawFn) -> dict[str, Any]:
    start = date(2026, 1, 5) + timedelta(days=draw(st.integers(-400, 400)))
    data = mail_cover_data(start)
    kind = draw(st.sampled_from(["mail_cover", "records"]))
    data["kind"] = kind
    pool = sorted(MAIL_COVER_CATEGORIES if kind == "mail_cover" else RECORDS_CATEGORIES)
    data["scope"]["data_categories"] = [
        c.value for c in draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
    ]
    data["agency"]["functions"] = [
        f.value
        for f in draw(st.lists(st.sampled_from(list(AgencyFunction)), min_size=1, unique=True))
    ]
    received = start - timedelta(days=draw(st.integers(-5, 20)))
    data["received"] = {
        "via": draw(st.sampled_from(["written", "oral"])),
        "date": received.isoformat(),
        "written_confirmation_date": draw(
            _optional(st.integers(-2, 10).map(lambda d: (received + timedelta(d)).isoformat()))
        ),
    }
    purpose = data["purpose"]
    purpose["ground"] = draw(st.sampled_from(list(Ground))).value
    purpose["statute"] = draw(st.sampled_from(STATUTES))
    purpose["max_imprisonment_months"] = draw(
        _optional(st.sampled_from([0, 6, 12, 13, 24, 60, 120, 240, 360, 2400]))
    )
    purpose["fugitive_warrant"] = draw(
        _optional(
            st.builds(
                lambda t, d: {"type": t.value, "issued_by": "A court", "date": d.isoformat()},
                st.sampled_from(list(WarrantType)),
                st.dates(date(2020, 1, 1), date(2027, 1, 1)),
            )
        )
    )
    purpose["national_security"] = draw(
        _optional(
            st.builds(
                lambda t, fp, ok: {
                    "threat": t.value,
                    "foreign_power": fp,
                    "approved_by_agency_head": ok,
                },
                st.sampled_from(list(Threat)),
                _optional(st.just("A foreign power")),
                st.booleans(),
            )
        )
    )
    purpose["indictment_or_information_filed"] = draw(st.booleans())
    purpose["reasonable_grounds"] = draw(TEXT)
    scope = data["scope"]
    scope["include_attorney_mail"] = draw(st.booleans())
    scope["days"] = draw(st.integers(1, 200))
    scope["prior_days"] = draw(st.sampled_from([0, 0, 30, 60, 90, 100, 150]))
    scope["longer_period_justification"] = draw(_optional(TEXT))
    scope["extension_benefit"] = draw(_optional(TEXT))
    scope["chief_inspector_personal_approval"] = draw(st.booleans())
    if draw(st.booleans()):
        data["subject"]["known_attorneys"] = []
    data["legal_process"] = draw(
        _optional(
            st.builds(
                lambda t, s, issued, expires: {
                    "type": t.value,
                    "standard": s.value,
                    "court": None,
                    "docket": "D-1",
                    "judge": None,
                    "issued": (start + timedelta(issued)).isoformat(),
                    "expires": None
                    if expires is None
                    else (start + timedelta(expires)).isoformat(),
                },
                st.sampled_from(list(ProcessType)),
                st.sampled_from(list(ProcessStandard)),
                st.integers(-30, 10),
                _optional(st.integers(-10, 120)),
            )
        )
    )
    data["emergency"] = draw(
        _optional(
            st.builds(
                lambda k, d: {"kind": k.value, "description": d},
                st.sampled_from(list(EmergencyKind)),
                TEXT,
            )
        )
    )
    return data


documents: st.SearchStrategy[RequestDocument] = document_data().map(request_document_from_data)
