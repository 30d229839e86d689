"""The passkey pages through the app, with a software authenticator.

Enrolment on /app/account, the second factor at /sign-in/passkey, removal; what a
failure records; and the CSRF, origin and stage checks of each route.
"""

from __future__ import annotations

import re
from dataclasses import replace

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from covergate.signin.models import Passkey, SignInEvent, WebSession
from covergate.signin.schemas import (
    PRESESSION_COOKIE,
    SECOND_FACTOR_TIMEOUT,
    SESSION_COOKIE,
    SessionStage,
    SignInMethod,
    SignInOutcome,
)
from tests.signin.authenticator import Authenticator
from tests.web.staff import PASSWORD, StaffClient, StaffSite, text_of

ORIGIN = "http://localhost"  # the TestClient's address


@pytest.fixture
def site(staff: StaffSite) -> StaffSite:
    """The staff app as the relying party http://localhost, passkeys required."""
    settings = replace(staff.runtime.settings, public_url=ORIGIN, require_passkey=True)
    staff.runtime.settings = settings
    return staff


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def _enrol(who: StaffClient, label: str = "Blue key") -> Authenticator:
    key = Authenticator(origin=ORIGIN, rp_id="localhost")
    options = who.post("/app/account/passkeys/options", {"label": label}, status=200)
    assert options.headers["content-type"] == "application/json"
    assert options.headers["cache-control"] == "no-store"
    done = who.post(
        "/app/account/passkeys", {"label": label, "credential": key.create(options.text)}
    )
    assert done.headers["location"] == "/app/account"
    assert f"Passkey “{label}” added." in text_of(who.follow(done).text)
    return key


def _password(
    site: StaffSite, email: str, next_path: str = ""
) -> tuple[TestClient, httpx.Response]:
    client = site.anonymous()
    form = client.get("/sign-in")
    presign = client.cookies.get(PRESESSION_COOKIE)
    assert form.status_code == 200
    data = {"email": email, "password": PASSWORD, "presign": presign, "next": next_path}
    return client, client.post("/sign-in", data=data, follow_redirects=False)


def _use(
    client: TestClient, key: Authenticator, page_url: str = "/sign-in/passkey", **lie: object
) -> httpx.Response:
    """The passkey step: the page, its options, the answer (with the page's next)."""
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    csrf = _csrf(page.text)
    next_path = re.search(r'name="next" value="([^"]*)"', page.text)
    options = client.post("/sign-in/passkey/options", data={"csrf": csrf})
    assert options.status_code == 200, options.text
    answer = key.get(options.text, **lie)  # type: ignore[arg-type]
    data = {"csrf": csrf, "credential": answer, "next": next_path.group(1) if next_path else ""}
    response: httpx.Response = client.post("/sign-in/passkey", data=data, follow_redirects=False)
    return response


def test_the_page_first_asked_for_waits_through_the_passkey_step(site: StaffSite) -> None:
    chief = site.as_user("chief", passkey_verified=False)
    key = _enrol(chief)
    site.set_password("chief")
    client, first = _password(site, "chief@test.example", next_path="/app/requests?state=active")
    assert first.headers["location"] == "/sign-in/passkey?next=%2Fapp%2Frequests%3Fstate%3Dactive"
    done = _use(client, key, page_url=first.headers["location"])
    assert done.headers["location"] == "/app/requests?state=active"
    # Never to another site, whatever the form says.
    _c, again = _password(site, "chief@test.example", next_path="https://evil.example/app")
    assert again.headers["location"] == "/sign-in/passkey"


def _events(site: StaffSite) -> list[tuple[SignInMethod, SignInOutcome, str]]:
    with site.runtime.transaction() as session:
        rows = session.scalars(select(SignInEvent).order_by(SignInEvent.id))
        return [(e.method, e.outcome, e.detail) for e in rows]


def test_a_new_approver_enrols_then_signs_in_with_password_and_passkey(site: StaffSite) -> None:
    chief = site.as_user("chief", passkey_verified=False)  # as after a one-time link
    account = chief.get("/app/account")
    assert "script-src 'self'" in account.headers["content-security-policy"]
    assert "connect-src 'self'" in account.headers["content-security-policy"]
    text = text_of(account.text)
    assert "Enrol one below to reach your work" in text
    assert "None enrolled." in text
    assert '<script src="/static/passkey.js" defer></script>' in account.text
    assert "needs JavaScript and a browser that supports WebAuthn" in text  # <noscript>
    chief.get("/app/queue", status=403)

    key = _enrol(chief)
    assert _events(site)[-1] == (
        SignInMethod.PASSKEY,
        SignInOutcome.PASSKEY_ADDED,
        "passkey “Blue key” added",
    )
    page = text_of(chief.get("/app/account").text)
    assert "Enrol one below" not in page
    assert "Blue key" in page
    assert "Remove “Blue key”" in page
    chief.get("/app/queue")  # the session that enrolled counts as passkey-verified
    chief.post("/sign-out", {})

    site.set_password("chief")
    client, first = _password(site, "chief@test.example")
    assert first.headers["location"] == "/sign-in/passkey"
    pending = client.cookies.get(SESSION_COOKIE)
    assert client.get("/app/queue", follow_redirects=False).status_code == 303  # not yet
    page_html = client.get("/sign-in/passkey")
    assert "script-src 'self'" in page_html.headers["content-security-policy"]
    assert "no-store" in page_html.headers["cache-control"]
    assert "chief@test.example" in text_of(page_html.text)
    assert "needs JavaScript and a browser that supports WebAuthn" in text_of(page_html.text)

    done = _use(client, key)
    assert done.status_code == 303
    assert done.headers["location"] == "/app/queue"
    assert client.cookies.get(SESSION_COOKIE) != pending  # a new token for the full session
    assert client.get("/app/queue").status_code == 200
    # The retired token opens nothing.
    stale = site.anonymous()
    stale.cookies.set(SESSION_COOKIE, pending or "")
    assert stale.get("/app/queue", follow_redirects=False).status_code == 303
    with site.runtime.transaction() as session:
        (stored,) = session.scalars(select(Passkey))
        assert stored.sign_count == 1
        assert stored.last_used_at is not None
    assert _events(site)[-1] == (
        SignInMethod.PASSKEY,
        SignInOutcome.SUCCEEDED,
        "signed in with a passkey",
    )
    # Once past, the passkey page sends back to the sign-in page.
    assert client.get("/sign-in/passkey", follow_redirects=False).status_code == 303


def test_a_failed_passkey_is_recorded_and_the_page_says_why(site: StaffSite) -> None:
    key = _enrol(site.as_user("auditor"))
    site.set_password("auditor")
    client, _first = _password(site, "auditor@test.example")
    wrong = _use(client, key, origin="https://phish.example")
    assert wrong.status_code == 401
    assert "Unexpected client data origin" in text_of(wrong.text)
    assert "script-src 'self'" in wrong.headers["content-security-policy"]
    method, outcome, detail = _events(site)[-1]
    assert (method, outcome) == (SignInMethod.PASSKEY, SignInOutcome.FAILED)
    assert "phish.example" in detail
    # Without the script, the form posts no answer: the page says what is needed.
    csrf = _csrf(client.get("/sign-in/passkey").text)
    bare = client.post("/sign-in/passkey", data={"csrf": csrf}, follow_redirects=False)
    assert bare.status_code == 401
    assert "needs JavaScript" in text_of(bare.text)
    # The same session can still pass.
    assert _use(client, key).headers["location"] == "/app/audit/compliance"


def test_the_passkey_step_checks_its_session_token_and_origin(site: StaffSite) -> None:
    key = _enrol(site.as_user("admin"))
    site.set_password("admin")
    client, _first = _password(site, "admin@test.example")
    csrf = _csrf(client.get("/sign-in/passkey").text)
    refused = client.post("/sign-in/passkey/options", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert refused.json()["error"].startswith("the page is stale")
    options = client.post("/sign-in/passkey/options", data={"csrf": csrf}).text
    forged = client.post(
        "/sign-in/passkey", data={"csrf": "forged", "credential": key.get(options)}
    )
    assert forged.status_code == 403
    elsewhere = client.post(
        "/sign-in/passkey",
        data={"csrf": csrf, "credential": key.get(options)},
        headers={"Origin": "https://evil.example"},
    )
    assert elsewhere.status_code == 403
    assert "another site" in text_of(elsewhere.text)
    # Without a pending session: back to the password.
    nobody = site.anonymous()
    gone = nobody.get("/sign-in/passkey", follow_redirects=False)
    assert gone.status_code == 303
    assert gone.headers["location"] == "/sign-in?why=passkey-first"
    assert nobody.post("/sign-in/passkey/options", data={"csrf": csrf}).status_code == 401
    # The step must follow the password within SECOND_FACTOR_TIMEOUT.
    site.runtime.clock.advance(SECOND_FACTOR_TIMEOUT)  # type: ignore[attr-defined]
    late = client.post("/sign-in/passkey", data={"csrf": csrf, "credential": key.get(options)})
    assert late.status_code == 200  # redirected to the sign-in page
    assert "Staff sign-in" in text_of(late.text)
    with site.runtime.transaction() as session:
        stages = {row.stage for row in session.scalars(select(WebSession))}
        assert SessionStage.SECOND_FACTOR in stages


def test_enrolment_errors_show_next_to_the_form(site: StaffSite) -> None:
    fbi = site.as_user("fbi")
    _enrol(fbi, "Blue key")
    taken = fbi.post("/app/account/passkeys/options", {"label": "blue key"}, status=422)
    assert taken.json() == {
        "error": "you already have a passkey named “blue key”",
        "field": "label",
    }
    options = fbi.post("/app/account/passkeys/options", {"label": "Green key"}, status=200).text
    other = Authenticator(origin="http://localhost:9999", rp_id="localhost")
    refused = fbi.post(
        "/app/account/passkeys",
        {"label": "Green key", "credential": other.create(options)},
        status=422,
    )
    text = text_of(refused.text)
    assert "The passkey was not accepted: Unexpected client data origin" in text
    assert 'value="Green key"' in refused.text  # what the user typed is kept
    no_script = fbi.post("/app/account/passkeys", {"label": "Green key"}, status=422)
    assert "needs JavaScript and a browser that supports WebAuthn" in text_of(no_script.text)
    bad_label = fbi.post("/app/account/passkeys", {"label": "", "credential": "{}"}, status=422)
    assert 'aria-invalid="true" aria-describedby="passkey-label-error"' in bad_label.text
    # The options need the session's CSRF token like any form (403 without it).
    fbi.post("/app/account/passkeys/options", {"label": "x"}, status=403, csrf=False)


def test_removal_keeps_the_last_passkey_an_approver_must_have(site: StaffSite) -> None:
    osg = site.as_user("osg")
    _enrol(osg, "Blue key")
    with site.runtime.transaction() as session:
        (blue,) = session.scalars(select(Passkey.id))
    refused = osg.post(f"/app/account/passkeys/{blue}/remove", {}, status=422)
    assert "Approvers must have a passkey: add another one before removing “Blue key”" in text_of(
        refused.text
    )
    assert 'aria-describedby="remove-error"' in refused.text
    _enrol(osg, "Green key")
    done = osg.post(f"/app/account/passkeys/{blue}/remove", {})
    page = text_of(osg.follow(done).text)
    assert "Passkey “Blue key” removed." in page
    assert "Remove “Blue key”" not in page
    assert "Remove “Green key”" in page
    # Another user's passkey is not theirs to remove.
    site.as_user("chief").post(f"/app/account/passkeys/{blue + 1}/remove", {}, status=404)
