"""The court's pages: its orders, reading the request, deciding, the seal, delaying notice.

The staff site's day is 2026-03-02; the orders here are filed that day (the
requests start on it). The notice tests run the cover of ``tests.notices.helpers``,
which ends on 2026-02-03 and leaves the clock on 2026-02-04.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from covergate.courts import filing
from covergate.lifecycle.models import AccessKind, AccessRecord
from covergate.lifecycle.states import OrderState
from tests.factories import mail_cover_data
from tests.notices import helpers as notices
from tests.web.staff import TODAY, StaffClient, StaffSite, text_of

DOCKET = mail_cover_data()["legal_process"]["docket"]
JUDGE = mail_cover_data()["legal_process"]["judge"]
PDF = b"%PDF-1.4\n% an order of the court\n"


def _filed(staff: StaffSite, case: str = "FBI-2026-0042") -> str:
    """A request whose order (naming the world's COURT) is filed, not yet decided."""
    data = mail_cover_data(start=TODAY, purpose__case_number=case)
    return staff.world.submit(data, confirm=False)


def _access_rows(staff: StaffSite) -> list[tuple[AccessKind, str]]:
    with staff.world.tx() as s:
        return [
            (r.what, r.reason) for r in s.scalars(select(AccessRecord).order_by(AccessRecord.id))
        ]


def _page(client: StaffClient, rid: str) -> str:
    return text_of(client.get(f"/app/court/orders/{rid}").text)


def test_a_court_sees_its_orders_and_another_court_gets_404(staff: StaffSite) -> None:
    rid = _filed(staff)
    court = staff.as_user("court")
    page = court.get("/app/court/orders")
    text = text_of(page.text)
    assert f'href="/app/court/orders/{rid}"' in page.text
    for shown in (DOCKET, JUDGE, TODAY.isoformat(), "Filed", "Not sealed"):
        assert shown in text
    assert "Jordan Example" not in text  # no subject data in the list
    assert rid in court.get("/app/court/orders?state=filed").text
    assert rid not in court.get("/app/court/orders?state=confirmed").text
    bad = court.get("/app/court/orders?state=lost", status=422)
    assert "state must be one of filed, confirmed, refused" in text_of(bad.text)

    other = staff.as_user("court2")
    assert rid not in other.get("/app/court/orders").text
    missing = other.get(f"/app/court/orders/{rid}", status=404)
    assert f"no request {rid}" in text_of(missing.text)
    other.post(f"/app/court/orders/{rid}/confirm", {"sealed_until": ""}, status=404)
    assert staff.world.order_state(rid) is OrderState.FILED
    staff.as_user("fbi").get("/app/court/orders", status=403)


def test_reading_the_request_and_its_document_is_access_logged(staff: StaffSite) -> None:
    rid = _filed(staff)
    with staff.world.tx() as s:
        filing.attach_document(
            session=s,
            ctx=staff.world.ctx,
            actor=staff.world.user(s, "fbi"),
            request=staff.world.request(s, rid),
            data=PDF,
        )
    court = staff.as_user("court")
    assert "Jordan Example" not in _page(court, rid)

    short = court.post(f"/app/court/orders/{rid}/request", {"reason": "x"}, status=422)
    assert 'id="request-reason-error">' in short.text
    assert 'aria-invalid="true"' in short.text
    assert _access_rows(staff) == []

    read = court.post(f"/app/court/orders/{rid}/request", {"reason": "Deciding on it"}, status=200)
    text = text_of(read.text)
    assert "Jordan Example" in text
    assert "12 Elm Street" in text
    assert "Casey Counsel" in text
    assert "Victims report checks mailed" in text

    got = court.post(f"/app/court/orders/{rid}/document", {"reason": "Check the seal"}, status=200)
    assert got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"] == f'attachment; filename="order-{rid}.pdf"'
    assert got.headers["cache-control"] == "no-store"
    assert _access_rows(staff) == [
        (AccessKind.SUBJECT, "Deciding on it"),
        (AccessKind.SUBJECT, "Check the seal"),
    ]


def test_confirm_sealed_then_unseal(staff: StaffSite) -> None:
    rid = _filed(staff)
    court = staff.as_user("court")
    before = staff.world.snapshot()
    past = court.post(
        f"/app/court/orders/{rid}/confirm", {"sealed_until": TODAY.isoformat()}, status=422
    )
    assert 'id="confirm-sealed_until-error">a seal ends after today' in past.text
    assert f'value="{TODAY.isoformat()}"' in past.text
    bad = court.post(f"/app/court/orders/{rid}/confirm", {"sealed_until": "soon"}, status=422)
    assert "must be a date written YYYY-MM-DD" in text_of(bad.text)
    assert staff.world.snapshot() == before

    until = date(2027, 3, 2)
    done = court.post(f"/app/court/orders/{rid}/confirm", {"sealed_until": until.isoformat()})
    text = text_of(court.follow(done).text)
    assert f"Order confirmed, sealed until {until}." in text
    assert f"Sealed until {until}" in text
    assert "Unseal the order now" in text
    assert "Confirm the order" not in text  # the court decides once
    assert staff.world.order_state(rid) is OrderState.CONFIRMED
    court.post(f"/app/court/orders/{rid}/refuse", {"reasons": "Changed our mind."}, status=409)

    unsealed = text_of(court.follow(court.post(f"/app/court/orders/{rid}/unseal")).text)
    assert "Order unsealed" in unsealed
    assert f"Unsealed on {TODAY} (was sealed until {until})" in unsealed
    court.post(f"/app/court/orders/{rid}/unseal", status=409)  # not sealed any more


def test_refuse_needs_reasons(staff: StaffSite) -> None:
    rid = _filed(staff)
    court = staff.as_user("court")
    before = staff.world.snapshot()
    empty = court.post(
        f"/app/court/orders/{rid}/refuse", {"reasons": "", "sealed_until": ""}, status=422
    )
    assert 'id="refuse-reasons-error">required<' in empty.text
    short = court.post(
        f"/app/court/orders/{rid}/refuse", {"reasons": "No.", "sealed_until": ""}, status=422
    )
    assert "a refusal gives reasons of 10 to 10000 characters" in text_of(short.text)
    assert staff.world.snapshot() == before

    reasons = "This court issued no order under that docket."
    done = court.post(f"/app/court/orders/{rid}/refuse", {"reasons": reasons, "sealed_until": ""})
    text = text_of(court.follow(done).text)
    assert "Order refused. Your reasons are sealed." in text
    assert reasons not in text  # sealed, never shown
    assert staff.world.order_state(rid) is OrderState.REFUSED
    assert rid in court.get("/app/court/orders?state=refused").text


def test_delay_notice_90_days_but_not_91(staff: StaffSite) -> None:
    rid = notices.ended_cover(staff.world)
    today = staff.runtime.clock.today()
    court = staff.as_user("court")
    page = _page(court, rid)
    assert "Delay notice" in page
    assert "at most 90 days" in page
    form = {"docket": "26-mc-0007", "reasons": "Notice now would reveal the investigation."}

    before = notices.snapshot(staff.world)
    too_long = (today + timedelta(days=91)).isoformat()
    refused = court.post(
        f"/app/court/orders/{rid}/notice-delay", {**form, "until": too_long}, status=422
    )
    assert 'id="delay-until-error">a delay order may delay notice at most 90 days' in refused.text
    assert "this one asks 91" in text_of(refused.text)
    assert f'value="{too_long}"' in refused.text
    assert notices.snapshot(staff.world) == before

    bad_docket = court.post(
        f"/app/court/orders/{rid}/notice-delay",
        {**form, "docket": "!", "until": (today + timedelta(days=30)).isoformat()},
        status=422,
    )
    assert 'id="delay-docket-error">' in bad_docket.text
    assert notices.snapshot(staff.world) == before

    until = today + timedelta(days=90)
    done = court.post(f"/app/court/orders/{rid}/notice-delay", {**form, "until": until.isoformat()})
    text = text_of(court.follow(done).text)
    assert f"Notice delayed until {until} (90 days)." in text
    assert "26-mc-0007" in text
    notice = notices.notice(staff.world, rid)
    assert notice is not None
    assert notice.delayed_until == until

    staff.as_user("court2").post(
        f"/app/court/orders/{rid}/notice-delay", {**form, "until": until.isoformat()}, status=404
    )


def test_an_order_without_notice_says_so(staff: StaffSite) -> None:
    rid = _filed(staff)
    court = staff.as_user("court")
    assert "No notice is owed yet" in _page(court, rid)
    with staff.world.tx() as s:
        count = s.scalar(select(func.count()).select_from(AccessRecord))
    assert count == 0


def test_the_request_page_leads_the_court_to_its_order(staff: StaffSite) -> None:
    rid = _filed(staff)
    page = staff.as_user("court").get(f"/app/requests/{rid}")
    assert f'href="/app/court/orders/{rid}"' in page.text
    assert "relies on an order naming your court (filed)" in text_of(page.text)
