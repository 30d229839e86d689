"""simulate(): counts of admissions, refusals and changed outcomes, by rule, agency, ground."""

from __future__ import annotations

from typing import Any

from covergate.document import request_document_from_data
from covergate.policy import (
    DecisionOutcome,
    StoredRequest,
    load_policy,
    redact,
    simulate,
)
from tests.factories import mail_cover_data, records_data

ADMIN = {"type": "administrative_immigration", "issued_by": "ICE", "date": "2025-12-01"}


def stored(
    public_id: str, agency: str, outcome: DecisionOutcome | None, data: dict[str, Any]
) -> StoredRequest:
    document = redact(request_document_from_data(data))
    return StoredRequest(
        public_id=public_id,
        agency=agency,
        kind=document.kind,
        ground=document.purpose.ground,
        outcome=outcome,
        document=document,
    )


APPROVED, DENIED = DecisionOutcome.APPROVED, DecisionOutcome.DENIED
ROWS = [
    # approved under 2017 without any court order: a judge-first rule stops it
    stored("r1", "DHS", APPROVED, mail_cover_data(legal_process=None)),
    # approved, with an order: still admissible
    stored("r2", "FBI", APPROVED, mail_cover_data()),
    # approved immigration "fugitive" records request: refused under criminal-purpose-only
    stored(
        "r3",
        "DHS",
        APPROVED,
        records_data(purpose__ground="fugitive", purpose__fugitive_warrant=ADMIN),
    ),
    # denied, but admissible under both
    stored("r4", "IRS", DENIED, mail_cover_data()),
    # denied and refused
    stored("r5", "IRS", DENIED, mail_cover_data(purpose__ground="civil_enforcement")),
    # undecided
    stored("r6", "FBI", None, mail_cover_data()),
    stored("r7", "FBI", DecisionOutcome.PENDING, mail_cover_data(legal_process=None)),
]


def test_judge_first_counts() -> None:
    seen: list[int] = []
    report = simulate(ROWS, load_policy("safeguards-2026"), progress=seen.append)
    assert seen[-1] == len(ROWS)
    assert (report.total, report.would_admit, report.would_refuse) == (7, 3, 4)
    assert report.overall.approved == 3
    assert report.approved_would_refuse == 2
    assert report.denied_would_admit == 1
    assert report.changed == 3
    assert report.by_rule["judge-first"] == 2  # r1, r7
    assert report.stopped_by_rule == {"judge-first": 1, "criminal-purpose-only": 1}
    assert report.by_agency["DHS"].approved_would_refuse == 2
    assert report.by_agency["IRS"].denied_would_admit == 1
    assert sum(t.total for t in report.by_ground.values()) == 7


def test_usps_2017_counts() -> None:
    report = simulate(ROWS, load_policy("usps-2017"))
    assert (report.would_admit, report.would_refuse) == (6, 1)
    assert report.approved_would_refuse == 0
    assert report.by_rule == {"ground-permitted": 1}


def test_json_and_csv() -> None:
    report = simulate(ROWS, load_policy("safeguards-2026"))
    data = report.to_json()
    assert data["total"] == 7
    assert data["changed"] == 3
    assert data["by_ground"]["crime"]["total"] == 5  # type: ignore[index]
    rows = report.to_csv_rows()
    assert rows[0][:3] == ["section", "key", "total"]
    assert rows[1][:5] == ["all", "all", "7", "3", "4"]
    assert rows[-2][:2] == ["rule", "judge-first"] or any(r[1] == "judge-first" for r in rows)
    assert len({len(r) for r in rows}) == 1


def test_empty() -> None:
    report = simulate([], load_policy("usps-2017"))
    assert report.total == 0
    assert report.to_csv_rows()[1][2] == "0"
