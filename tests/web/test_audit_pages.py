"""The auditors' pages: compliance, the access log and its CSV, sign-ins (both backends)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from covergate.audit import service as audit
from covergate.context import Via
from covergate.lifecycle import documents
from covergate.lifecycle.models import AccessKind, AccessRecord
from covergate.lifecycle.states import NoticeState
from covergate.notices.models import Notice
from tests.web.staff import StaffSite, text_of

FORMULA = '=HYPERLINK("http://evil.example/","Click me")'


def read(staff: StaffSite, who: str, public_id: str, reason: str) -> None:
    """A person's read of subject data, with its reason (written to the access log)."""
    world = staff.world
    with world.tx() as s:
        documents.full_document(
            session=s,
            ctx=world.ctx,
            actor=world.user(s, who),
            request=world.request(s, public_id),
            reason=reason,
        )


def api_rows(staff: StaffSite) -> list[dict[str, object]]:
    """The access log as the API gives it (``GET /api/v1/audit/access-log``), newest first."""
    with staff.runtime.transaction() as session:
        return [audit.as_dict(r) for r in audit.list_access(session=session)]


def cells(row: dict[str, object]) -> list[str]:
    return [str(row[k]) for k in ("at", "user", "role", "request", "what", "reason", "via")]


@pytest.fixture
def reads(staff: StaffSite) -> tuple[str, str]:
    """Two covers; reads on three days by a reviewer and the agency, one formula-like."""
    first, second = staff.world.active_cover(), staff.world.active_cover()
    read(staff, "reviewer", first, "Checking the grounds before approval")
    staff.runtime.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    read(staff, "fbi", first, FORMULA)
    read(staff, "reviewer", second, "Preparing the production package")
    staff.runtime.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    read(staff, "fbi", second, "-1+1 looks like a formula too")
    return first, second


def test_an_auditor_sees_the_access_log_with_who_what_and_why(
    staff: StaffSite, reads: tuple[str, str]
) -> None:
    first, second = reads
    auditor = staff.as_user("auditor")
    page = auditor.get("/app/audit/access")
    text = text_of(page.text)
    assert "no-store" in page.headers["cache-control"]
    assert "Checking the grounds before approval" in text
    assert "fbi@test.example Requester" in text
    assert "Preparing the production package" in text
    assert FORMULA in text  # shown as typed (escaped), never as markup
    assert 'href="http://evil.example/"' not in page.text
    assert f'href="/app/requests/{first}"' in page.text
    assert text.index("-1+1 looks like") < text.index("Checking the grounds")  # newest first

    only_fbi = text_of(auditor.get("/app/audit/access?user=FBI@test.example").text)
    assert "Checking the grounds" not in only_fbi
    assert "-1+1 looks like" in only_fbi
    one_request = text_of(auditor.get(f"/app/audit/access?request={second}").text)
    assert "Preparing the production package" in one_request
    assert "Checking the grounds" not in one_request
    today = staff.runtime.clock.today()
    day_before = (today - timedelta(days=1)).isoformat()
    that_day = text_of(auditor.get(f"/app/audit/access?from={day_before}&to={day_before}").text)
    assert "Preparing the production package" in that_day
    assert "-1+1" not in that_day
    assert "Checking the grounds" not in that_day


def test_the_csv_is_the_filtered_rows_with_formulas_neutralised(
    staff: StaffSite, reads: tuple[str, str]
) -> None:
    auditor = staff.as_user("auditor")
    page = auditor.get("/app/audit/access?user=fbi@test.example")
    link = re.search(r'id="csv" href="([^"]+)"', page.text)
    assert link, page.text
    response = auditor.get(link.group(1).replace("&amp;", "&"))
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert ".csv" in disposition
    header, *rows = list(csv.reader(io.StringIO(response.text)))
    assert header == ["at", "user", "role", "request", "what", "reason", "via"]
    expected = [cells(r) for r in api_rows(staff) if r["user"] == "fbi@test.example"]
    assert len(expected) == 2
    for row in expected:
        row[5] = "'" + row[5]  # both reasons start with = or -: neutralised
    assert rows == expected
    assert rows[1][5] == "'" + FORMULA

    everything = auditor.get("/app/audit/access.csv")
    _header, *all_rows = list(csv.reader(io.StringIO(everything.text)))
    assert [r[5].removeprefix("'") for r in all_rows] == [str(r["reason"]) for r in api_rows(staff)]
    assert all(not r[5].startswith(("=", "+", "-", "@")) for r in all_rows)


def test_bad_filters_are_named_next_to_their_field(
    staff: StaffSite, reads: tuple[str, str]
) -> None:
    auditor = staff.as_user("auditor")
    bad = auditor.get("/app/audit/access?from=2026-13-01&user=nobody@test.example", status=422)
    assert 'id="f-from" name="from" type="date" value="2026-13-01" aria-invalid="true"' in bad.text
    assert "not a date: '2026-13-01'" in text_of(bad.text)
    assert "no user with email nobody@test.example" in text_of(bad.text)
    assert 'id="access"' not in bad.text  # no rows on a bad filter
    backwards = auditor.get("/app/audit/access?from=2026-03-05&to=2026-03-01", status=422)
    assert "is before the first" in text_of(backwards.text)
    unknown = auditor.get("/app/audit/access?request=0123456789abcdef", status=422)
    assert "no request 0123456789abcdef" in text_of(unknown.text)
    csv_bad = auditor.get("/app/audit/access.csv?to=yesterday", status=422)
    assert "not a date: 'yesterday'" in text_of(csv_bad.text)
    assert "Field: to" in text_of(csv_bad.text)
    auditor.get("/app/audit/access?page=0", status=422)


def test_the_access_log_pages_through_its_rows(staff: StaffSite) -> None:
    rid = staff.world.active_cover()
    with staff.runtime.transaction() as session:  # 60 reads, planted as the log writes them
        user_id = staff.world.people["reviewer"].id
        request_id = staff.world.request(session, rid).id
        now = staff.runtime.clock.now()
        for n in range(60):
            session.add(
                AccessRecord(
                    user_id=user_id,
                    request_id=request_id,
                    what=AccessKind.SUBJECT,
                    reason=f"Read number {n:02d} of the pile",
                    via=Via.WEB,
                    at=now + timedelta(seconds=n),
                )
            )
    auditor = staff.as_user("auditor")
    first = text_of(auditor.get("/app/audit/access").text)
    assert "Read number 59" in first
    assert "Read number 10" in first
    assert "Read number 09" not in first
    assert "reads 1 to 50" in first
    second = auditor.get(f"/app/audit/access?request={rid}&page=2")
    assert "Read number 09" in text_of(second.text)
    assert "Read number 10" not in text_of(second.text)
    assert f"/app/audit/access?request={rid}&amp;page=1" in second.text
    assert "Older reads" not in second.text


@pytest.mark.parametrize("who", ["fbi", "reviewer", "osg", "observer", "admin", "court"])
def test_everyone_but_auditors_gets_403(staff: StaffSite, who: str) -> None:
    client = staff.as_user(who)
    for path in (
        "/app/audit/access",
        "/app/audit/access.csv",
        "/app/audit/sign-ins",
        "/app/audit/compliance",
    ):
        page = client.get(path, status=403)
        assert "only an auditor may" in text_of(page.text)


def test_sign_ins_lists_a_failed_attempt_and_filters_by_outcome_and_user(
    staff: StaffSite,
) -> None:
    staff.set_password("fbi")
    client = staff.anonymous()
    form = client.get("/sign-in")
    presign = re.search(r'name="presign" value="([^"]+)"', form.text)
    assert presign
    data = {"email": "fbi@test.example", "password": "not the password", "presign": presign[1]}
    assert client.post("/sign-in", data=data, follow_redirects=False).status_code == 401
    auditor = staff.as_user("auditor")
    page = text_of(auditor.get("/app/audit/sign-ins").text)
    assert "fbi@test.example Password Failed testclient" in page
    failed = text_of(auditor.get("/app/audit/sign-ins?outcome=failed").text)
    assert "fbi@test.example" in failed
    assert "Succeeded" not in failed.split("Detail", 1)[1]
    other = text_of(auditor.get("/app/audit/sign-ins?user=dea@test.example").text)
    assert "No sign-in events match these filters." in other
    bad = auditor.get("/app/audit/sign-ins?outcome=maybe", status=422)
    assert "not an outcome: 'maybe'" in text_of(bad.text)
    assert 'aria-describedby="f-outcome-error"' in bad.text


def test_the_compliance_page_shows_an_overdue_notice(staff: StaffSite) -> None:
    world = staff.world
    rid = world.active_cover()
    auditor = staff.as_user("auditor")
    clean = text_of(auditor.get("/app/audit/compliance").text)
    assert "Clean: no class has a finding" in clean
    assert "Notice to the subject overdue" in clean
    today = staff.runtime.clock.today()
    with world.tx() as s:  # a notice owed and past its due day, as a defect would leave it
        s.add(
            Notice(
                request_id=world.request(s, rid).id,
                created_at=world.clock.now(),
                state=NoticeState.PENDING,
                owed_from=today - timedelta(days=40),
                due_on=today - timedelta(days=1),
            )
        )
    page = auditor.get("/app/audit/compliance")
    text = text_of(page.text)
    assert "1 finding(s) to follow up" in text
    assert f'href="/app/requests/{rid}"' in page.text
    assert "overdue" in text.lower()
    only = auditor.get("/app/audit/compliance?class=notice_overdue")
    assert "Findings: Notice to the subject overdue" in text_of(only.text)
    assert f"/app/requests/{rid}" in only.text
    other = auditor.get("/app/audit/compliance?class=retention_overdue")
    assert "No findings of this class." in text_of(other.text)
    bad = auditor.get("/app/audit/compliance?class=everything", status=422)
    assert "not a class of findings: 'everything'" in text_of(bad.text)
