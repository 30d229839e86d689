"""The observer's pages: the covers list, what to record, recording and refusals.

The staff site's day is 2026-03-02; the covers here start that day, so a cover
approved at once is ordered and active from today for 30 days.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from covergate.covers.models import Observation, RefusedObservation
from covergate.lifecycle.models import AccessKind, AccessRecord
from tests.factories import mail_cover_data, records_data
from tests.web.staff import TODAY, StaffSite, text_of

SUBJECT = mail_cover_data()["subject"]
ATTORNEY = SUBJECT["known_attorneys"][0]


def _cover(staff: StaffSite, **changes: Any) -> str:
    return staff.world.active_cover(mail_cover_data(start=TODAY, **changes))


def _party(prefix: str, name: str, address: dict[str, str]) -> dict[str, str]:
    return {
        f"{prefix}_name": name,
        f"{prefix}_line1": address["line1"],
        f"{prefix}_line2": address.get("line2") or "",
        f"{prefix}_city": address["city"],
        f"{prefix}_state": address["state"],
        f"{prefix}_zip": address["zip"],
    }


def mail(day: str = TODAY.isoformat(), **changes: str) -> dict[str, str]:
    far = {"line1": "9 Far Road", "city": "Peoria", "state": "IL", "zip": "61602"}
    form = {
        "mail_date": day,
        "mail_class": "first_class",
        **_party("sender", "Pat Sender", far),
        **_party("addressee", SUBJECT["name"], SUBJECT["address"]),
        "postmark": "Peoria IL",
    }
    form.update(changes)
    return form


def _count(staff: StaffSite, model: Any) -> int:
    with staff.world.tx() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _access_rows(staff: StaffSite) -> list[tuple[AccessKind, str]]:
    with staff.world.tx() as s:
        return [
            (r.what, r.reason) for r in s.scalars(select(AccessRecord).order_by(AccessRecord.id))
        ]


def test_the_list_shows_only_covers_an_observer_may_see(staff: StaffSite) -> None:
    active = _cover(staff)
    submitted = staff.world.submit(mail_cover_data(start=TODAY, purpose__case_number="FBI-77"))
    observer = staff.as_user("observer")
    page = observer.get("/app/covers")
    assert "no-store" in page.headers["cache-control"]
    text = text_of(page.text)
    assert f'href="/app/covers/{active}"' in page.text
    assert submitted not in page.text
    assert "Active" in text
    assert TODAY.isoformat() in text
    assert (TODAY + timedelta(days=29)).isoformat() in text
    # No subject data in the list.
    assert SUBJECT["name"] not in text
    assert SUBJECT["address"]["line1"] not in text
    assert "Elm" not in text
    # A submitted request is nowhere for an observer: its page is 404.
    missing = observer.get(f"/app/covers/{submitted}", status=404)
    assert f"no request {submitted}" in text_of(missing.text)


def test_other_roles_cannot_use_the_observer_pages(staff: StaffSite) -> None:
    rid = _cover(staff)
    reviewer = staff.as_user("reviewer")
    assert "only an observer" in text_of(reviewer.get("/app/covers", status=403).text)
    reviewer.get(f"/app/covers/{rid}", status=403)
    reviewer.post(f"/app/covers/{rid}/observations", mail(), status=403)
    assert _count(staff, Observation) == 0


def test_the_reason_step_shows_what_to_record_and_writes_one_access_row(
    staff: StaffSite,
) -> None:
    rid = _cover(staff)
    observer = staff.as_user("observer")
    page = text_of(observer.get(f"/app/covers/{rid}").text)
    assert SUBJECT["address"]["line1"] not in page  # not before a reason
    assert "Show what to record" in page

    short = observer.post(f"/app/covers/{rid}/what-to-record", {"reason": "no"}, status=422)
    assert 'aria-invalid="true"' in short.text
    assert 'aria-describedby="reason-hint reason-error"' in short.text
    assert "at least 5 characters" in text_of(short.text)
    assert _access_rows(staff) == []

    shown = observer.post(
        f"/app/covers/{rid}/what-to-record", {"reason": "Sorting today's mail"}, status=200
    )
    text = text_of(shown.text)
    assert "12 Elm Street" in text
    assert "Springfield, IL 62701" in text
    assert ATTORNEY["address"]["line1"] in text  # an address never to record
    assert ATTORNEY["name"] not in text
    assert SUBJECT["name"] not in text
    assert f"{TODAY.isoformat()} to {(TODAY + timedelta(days=29)).isoformat()}" in text
    assert _access_rows(staff) == [(AccessKind.SUBJECT, "Sorting today's mail")]


def test_recording_a_mail_piece_is_counted(staff: StaffSite) -> None:
    rid = _cover(staff)
    observer = staff.as_user("observer")
    done = observer.post(f"/app/covers/{rid}/observations", mail())
    assert done.headers["location"] == f"/app/covers/{rid}"
    page = observer.follow(done)
    text = text_of(page.text)
    assert "Recorded: observation" in text
    assert 'id="recorded">1<' in page.text
    assert "None refused so far." in text
    assert _count(staff, Observation) == 1
    listed = observer.get("/app/covers").text
    assert '<td class="num">1</td>' in listed


def test_a_refused_observation_shows_why_and_is_counted(staff: StaffSite) -> None:
    rid = _cover(staff)
    observer = staff.as_user("observer")
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    refused = observer.post(f"/app/covers/{rid}/observations", mail(tomorrow), status=422)
    text = text_of(refused.text)
    assert "Refused (outside the window)" in text
    assert f"{tomorrow} is outside the authorised window" in text
    assert "1 refused so far: 1 outside the window." in text
    assert f'value="{tomorrow}"' in refused.text  # what was typed is kept

    attorney = mail(**_party("sender", ATTORNEY["name"], ATTORNEY["address"]))
    again = observer.post(f"/app/covers/{rid}/observations", attorney, status=422)
    assert "Refused (attorney mail)" in text_of(again.text)
    observer.post(f"/app/covers/{rid}/observations", mail(tomorrow), status=422)
    page = text_of(observer.get(f"/app/covers/{rid}").text)
    assert "3 refused so far: 2 outside the window, 1 attorney mail." in page
    assert _count(staff, Observation) == 0
    assert _count(staff, RefusedObservation) == 3


def test_field_errors_show_next_to_their_fields_and_nothing_is_written(
    staff: StaffSite,
) -> None:
    rid = _cover(staff)
    observer = staff.as_user("observer")
    bad = mail("03/02/2026", sender_zip="6160", addressee_name="", mail_class="carrier pigeon")
    page = observer.post(f"/app/covers/{rid}/observations", bad, status=422)
    text = text_of(page.text)
    assert "Nothing was recorded" in text
    assert 'id="mail_date-error">must be a date written YYYY-MM-DD<' in page.text
    assert 'id="sender_zip-error">a ZIP code: 5 digits, or ZIP+4 (12345-6789)<' in page.text
    assert 'id="addressee_name-error">required<' in page.text
    assert 'id="mail_class-error">choose one of the options<' in page.text
    assert 'value="6160"' in page.text
    assert _count(staff, Observation) == 0
    assert _count(staff, RefusedObservation) == 0


def test_a_records_request_records_items_in_its_categories(staff: StaffSite) -> None:
    rid = staff.world.active_cover(records_data(start=TODAY))
    observer = staff.as_user("observer")
    page = observer.get(f"/app/covers/{rid}")
    assert "Record a records item" in text_of(page.text)
    assert '<option value="subscriber"' in page.text
    lines = "name: J. Example\nopened: 2025-11-02"
    item = {"category": "subscriber", "record_date": TODAY.isoformat(), "fields": lines}
    observer.post(f"/app/covers/{rid}/observations", item)
    bad = {**item, "fields": "no colon here"}
    wrong = observer.post(f"/app/covers/{rid}/observations", bad, status=422)
    assert 'id="fields-error">line 1: write it as name: value<' in wrong.text
    refused = observer.post(
        f"/app/covers/{rid}/observations", {**item, "category": "payment"}, status=422
    )
    assert "category payment was not authorised" in text_of(refused.text)
    assert _count(staff, Observation) == 1
    assert _count(staff, RefusedObservation) == 1


def test_the_request_page_leads_an_observer_to_the_recording_page(staff: StaffSite) -> None:
    rid = _cover(staff)
    page = staff.as_user("observer").get(f"/app/requests/{rid}")
    assert f'href="/app/covers/{rid}"' in page.text
    assert "See what to record and record on" in text_of(page.text)


def test_an_ended_cover_refuses_and_counts_without_showing_itself(staff: StaffSite) -> None:
    rid = _cover(staff)
    submitted = staff.world.submit(mail_cover_data(start=TODAY, purpose__case_number="FBI-78"))
    staff.runtime.clock.advance(timedelta(days=31))  # the 30-day window has ended
    observer = staff.as_user("observer")
    observer.get(f"/app/covers/{rid}", status=404)
    assert rid not in observer.get("/app/covers").text
    observer.post(f"/app/covers/{submitted}/observations", mail(), status=404)

    refused = observer.post(f"/app/covers/{rid}/observations", mail())
    assert refused.headers["location"] == "/app/covers"
    text = text_of(observer.follow(refused).text)
    assert "Refused (cover not active): the request is not active (expired)" in text
    assert _count(staff, RefusedObservation) == 1
    assert _count(staff, Observation) == 0
