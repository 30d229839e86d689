"""Signing in with a password, with a one-time link, and out; sessions and lockout."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from covergate.signin import links
from covergate.signin.models import SignInEvent, WebSession
from covergate.signin.schemas import (
    IDLE_TIMEOUT,
    LINK_LIFETIME,
    LOCKOUT_FAILURES,
    PRESESSION_COOKIE,
    SESSION_COOKIE,
    SignInOutcome,
)
from tests.web.staff import PASSWORD, StaffSite, text_of


def _presign(html: str) -> str:
    match = re.search(r'name="presign" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _sign_in(staff: StaffSite, email: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    client = staff.anonymous()
    form = client.get("/sign-in")
    assert form.status_code == 200
    data = {"email": email, "password": password, "presign": _presign(form.text), **extra}
    return client, client.post("/sign-in", data=data, follow_redirects=False)


def _events(staff: StaffSite) -> list[SignInEvent]:
    with staff.runtime.transaction() as session:
        rows = list(session.scalars(select(SignInEvent).order_by(SignInEvent.id)))
        session.expunge_all()
    return rows


def test_password_sign_in_opens_a_session_and_lands_on_the_role_home(staff: StaffSite) -> None:
    staff.set_password("fbi")
    client, response = _sign_in(staff, "FBI@test.example", PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/app/requests"
    cookie = response.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert _events(staff)[-1].outcome is SignInOutcome.SUCCEEDED
    assert client.get("/app", follow_redirects=False).headers["location"] == "/app/requests"
    account = client.get("/app/account")
    assert account.status_code == 200
    assert "no-store" in account.headers["cache-control"]
    assert "Fbi · Requester · Federal Bureau of Investigation" in text_of(account.text)


def test_wrong_password_and_unknown_account_get_the_same_answer(staff: StaffSite) -> None:
    staff.set_password("fbi")
    _c, wrong = _sign_in(staff, "fbi@test.example", "not the password at all")
    _c, unknown = _sign_in(staff, "nobody@test.example", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "The email or the password is wrong." in text_of(wrong.text)
    assert "The email or the password is wrong." in text_of(unknown.text)
    assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")
    outcomes = [(e.email, e.outcome) for e in _events(staff)]
    assert outcomes == [
        ("fbi@test.example", SignInOutcome.FAILED),
        ("nobody@test.example", SignInOutcome.FAILED),
    ]


def test_the_account_locks_after_repeated_failures_even_for_the_right_password(
    staff: StaffSite,
) -> None:
    staff.set_password("fbi")
    for _ in range(LOCKOUT_FAILURES):
        _sign_in(staff, "fbi@test.example", "wrong password!!")
    _c, locked = _sign_in(staff, "fbi@test.example", PASSWORD)
    assert locked.status_code == 429
    assert "locked" in text_of(locked.text)
    assert _events(staff)[-1].outcome is SignInOutcome.LOCKED
    staff.runtime.clock.advance(timedelta(minutes=16))  # type: ignore[attr-defined]
    _c, later = _sign_in(staff, "fbi@test.example", PASSWORD)
    assert later.status_code == 303


def test_a_sign_in_form_from_another_site_is_refused(staff: StaffSite) -> None:
    staff.set_password("fbi")
    client = staff.anonymous()
    response = client.post(
        "/sign-in",
        data={"email": "fbi@test.example", "password": PASSWORD, "presign": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert PRESESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_next_returns_to_the_page_asked_for_but_never_to_another_site(staff: StaffSite) -> None:
    staff.set_password("fbi")
    _c, ok = _sign_in(staff, "fbi@test.example", PASSWORD, next="/app/requests/new")
    assert ok.headers["location"] == "/app/requests/new"
    _c, evil = _sign_in(staff, "fbi@test.example", PASSWORD, next="//evil.example/app")
    assert evil.headers["location"] == "/app/requests"


def test_a_staff_page_without_a_session_sends_to_sign_in(staff: StaffSite) -> None:
    client = staff.anonymous()
    response = client.get("/app/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=%2Fapp%2Faccount")


def test_a_one_time_link_works_once_and_not_after_15_minutes(staff: StaffSite) -> None:
    with staff.runtime.transaction() as session:
        user = staff.world.user(session, "reviewer")
        url = links.issue_link(
            session=session, clock=staff.runtime.clock, user=user, base_url="http://localhost"
        )
        late = links.issue_link(
            session=session, clock=staff.runtime.clock, user=user, base_url="http://localhost"
        )
    path = url.removeprefix("http://localhost")
    client = staff.anonymous()
    confirm = client.get(path)
    assert confirm.status_code == 200
    assert "Sign in" in confirm.text
    used = client.post(path, follow_redirects=False)
    assert used.status_code == 303
    assert used.headers["location"] == "/app/queue"
    again = staff.anonymous().post(path, follow_redirects=False)
    assert again.status_code == 401
    assert "already used" in text_of(again.text)
    staff.runtime.clock.advance(LINK_LIFETIME)  # type: ignore[attr-defined]
    expired = staff.anonymous().post(late.removeprefix("http://localhost"), follow_redirects=False)
    assert expired.status_code == 401
    assert "expired" in text_of(expired.text)


def test_a_session_expires_when_idle(staff: StaffSite) -> None:
    fbi = staff.as_user("fbi")
    fbi.get("/app/account")
    staff.runtime.clock.advance(IDLE_TIMEOUT)  # type: ignore[attr-defined]
    response = fbi.get("/app/account", status=303)
    assert "expired" in response.headers["location"]


def test_sign_out_ends_the_session_and_needs_the_csrf_token(staff: StaffSite) -> None:
    fbi = staff.as_user("fbi")
    refused = fbi.post("/sign-out", {}, status=403, csrf=False)
    assert "security token is missing or stale" in text_of(refused.text)
    assert refused.headers["content-type"].startswith("text/html")
    fbi.post("/sign-out", {})
    with staff.runtime.transaction() as session:
        row = session.scalars(select(WebSession)).one()
        assert row.revoked_at is not None
    fbi.get("/app/account", status=303)


def test_a_form_from_another_origin_is_refused(staff: StaffSite) -> None:
    fbi = staff.as_user("fbi")
    response = fbi.client.post(
        "/app/account/password",
        data={"csrf": fbi.csrf, "password": "x" * 20, "again": "x" * 20},
        headers={"Origin": "http://evil.example"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "another site" in text_of(response.text)


def test_change_password_then_sign_in_with_it(staff: StaffSite) -> None:
    fbi = staff.as_user("fbi")
    short = fbi.post("/app/account/password", {"password": "short", "again": "short"}, status=422)
    assert "at least 12 characters" in text_of(short.text)
    done = fbi.post("/app/account/password", {"password": PASSWORD, "again": PASSWORD})
    assert "Your password is changed." in text_of(fbi.follow(done).text)
    _c, ok = _sign_in(staff, "fbi@test.example", PASSWORD)
    assert ok.status_code == 303
