"""Single sign-on with OpenID Connect: the checks of oidc.py, then the real flow.

The flow runs against a real provider (tests/web/node/provider.mjs, oidc-provider 8
in Node.js) and a real covergate server, over HTTP and in Debian's Chromium; on
SQLite and PostgreSQL. Without Node.js, the package or Chromium, those tests are
skipped (and fail when CI=true).
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey
from sqlalchemy import func, select

from covergate.api import create_app
from covergate.clock import FixedClock
from covergate.config import OidcSettings, Settings
from covergate.crypto import FieldCipher
from covergate.runtime import Runtime
from covergate.signin import oidc, oidc_flow
from covergate.signin.models import Passkey, SignInEvent, WebSession
from covergate.signin.schemas import SessionStage, SignInMethod, SignInOutcome
from covergate.users import service as users
from tests.conftest import Database
from tests.web.oidc_provider import (
    SsoSite,
    browser_tab,
    chromium,
    refresh_target,
    sign_in_over_http,
    sso,
    sso_server_once,
    through_the_provider,
)
from tests.web.staff import StaffSite, text_of

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

__all__ = ["chromium", "sso", "sso_server_once"]

ISSUER = "https://id.agency.example"
CLIENT = "covergate"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# ---- oidc.py on its own: a locally generated key, tokens signed with joserfc ----

KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
PUBLIC = KeySet.import_key_set({"keys": [KEY.as_dict(private=False)]})


def _token(key: Any = KEY, alg: str = "RS256", **changes: Any) -> str:
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "u1",
        "nonce": "n-1",
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(minutes=5)).timestamp()),
        "email": "FBI@test.example",
        "email_verified": True,
    }
    claims.update(changes)
    return jwt.encode(
        {"alg": alg, "kid": "k1"}, {k: v for k, v in claims.items() if v is not None}, key
    )


def _validate(token: str, *, now: datetime = NOW, nonce: str = "n-1") -> dict[str, Any]:
    return oidc.validate_id_token(
        token,
        keys=PUBLIC,
        algorithms=("HS256", "RS256", "none"),  # as offered: only RS256 is accepted
        issuer=ISSUER,
        client_id=CLIENT,
        nonce=nonce,
        now=now,
    )


def test_a_good_id_token_gives_its_claims() -> None:
    claims = _validate(_token())
    assert (claims["sub"], claims["email"]) == ("u1", "FBI@test.example")
    # Within the leeway of a minute, a token just expired still passes.
    assert _validate(_token(), now=NOW + timedelta(minutes=5, seconds=30))["sub"] == "u1"
    # Several audiences are fine when the token was issued to covergate (azp).
    assert _validate(_token(aud=["other", CLIENT], azp=CLIENT))["sub"] == "u1"


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (_token(nonce="n-2"), "it was made for another sign-in attempt"),
        (_token(nonce=None), "it was made for another sign-in attempt"),
        (_token(aud="someone-else"), "it is meant for another application"),
        (_token(aud=["someone-else", "another"]), "it is meant for another application"),
        (_token(aud=[CLIENT, "another"]), "it was issued to another application"),
        (_token(aud=CLIENT, azp="another"), "it was issued to another application"),
        (_token(iss="https://evil.example"), "it comes from another issuer"),
        (_token(exp=int((NOW - timedelta(minutes=2)).timestamp())), "it has expired"),
        (_token(exp=None), "its expiry is missing or wrong"),
        (_token(iat=int((NOW + timedelta(minutes=5)).timestamp())), "in the future"),
        (_token(sub=None), "it names nobody"),
        (_token(key=RSAKey.generate_key(2048, parameters={"kid": "k1"})), "signature"),
        # A shared-secret signature is never accepted, whatever the secret.
        (_token(key=OctKey.generate_key(256), alg="HS256"), "signature"),
    ],
)
def test_a_bad_id_token_is_refused_with_the_reason(token: str, why: str) -> None:
    with pytest.raises(
        oidc_flow.SsoFailed, match="could not trust the answer of your agency's sign-in service: "
    ) as info:
        _validate(token)
    assert why in info.value.message


def test_an_unsigned_id_token_is_refused() -> None:
    header, body, _sig = _token().split(".")
    none = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
    for token in (f"{header}.{body}.", f"{none}.{body}.", f"{none}.{body}", "junk"):
        with pytest.raises(oidc_flow.SsoFailed, match="signature"):
            _validate(token)


def test_pkce_challenge_is_rfc_7636_s256() -> None:
    # RFC 7636, appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert oidc_flow.code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    flow = oidc_flow.new_flow(clock=FixedClock(NOW), next_path="")
    assert 43 <= len(flow.verifier) <= 128
    assert flow.state != flow.nonce


def test_the_flow_cookie_is_sealed_and_expires() -> None:
    clock = FixedClock(NOW)
    cipher = FieldCipher(os.urandom(32))
    flow = oidc_flow.new_flow(clock=clock, next_path="/app/queue")
    sealed = oidc_flow.seal_flow(cipher, flow)
    assert flow.verifier not in sealed
    assert flow.state not in sealed
    assert oidc_flow.open_flow(cipher, sealed, clock=clock) == flow
    flipped = sealed[:10] + ("A" if sealed[10] != "A" else "B") + sealed[11:]
    for bad in (
        None,
        "",
        "not base64 !",
        flipped,
        oidc_flow.seal_flow(FieldCipher(os.urandom(32)), flow),
    ):
        with pytest.raises(oidc_flow.SsoFailed, match="expired or was started in another browser"):
            oidc_flow.open_flow(cipher, bad, clock=clock)
    clock.advance(oidc_flow.FLOW_LIFETIME + timedelta(seconds=1))
    with pytest.raises(oidc_flow.SsoFailed, match="expired"):
        oidc_flow.open_flow(cipher, sealed, clock=clock)


def test_the_providers_answer_must_carry_the_flows_state() -> None:
    flow = oidc_flow.new_flow(clock=FixedClock(NOW), next_path="")
    good = {"state": flow.state, "code": "c1", "iss": ISSUER}
    assert oidc.check_answer(flow, ISSUER, good) == "c1"
    cases = [
        ({**good, "state": flow.state + "x"}, "wrong state"),
        ({"code": "c1"}, "wrong state"),
        ({**good, "iss": "https://evil.example"}, "another sign-in service"),
        ({"state": flow.state, "error": "access_denied"}, "cancelled or refused"),
        ({"state": flow.state, "error": "server_error"}, "(server_error)"),
        ({"state": flow.state}, "has no code"),
    ]
    for query, why in cases:
        with pytest.raises(oidc_flow.SsoFailed, match=re.escape(why)):
            oidc.check_answer(flow, ISSUER, query)


def test_the_email_comes_from_the_id_token_when_it_has_one() -> None:
    info = oidc.ProviderInfo(ISSUER, f"{ISSUER}/a", f"{ISSUER}/t", f"{ISSUER}/k", None, ("RS256",))
    with httpx.Client() as client:  # never used: nothing is fetched
        who = oidc.identity_of(client, info, _validate(_token()), None)
        assert who == oidc.Identity(subject="u1", email="FBI@test.example", email_verified=True)
        claims = {"sub": "u1", "email": "a@agency.example"}
        assert oidc.identity_of(
            client, info, {**claims, "email_verified": "true"}, None
        ).email_verified
        assert not oidc.identity_of(client, info, claims, None).email_verified
        assert not oidc.identity_of(
            client, info, {**claims, "email_verified": 1}, None
        ).email_verified
        with pytest.raises(oidc_flow.SsoFailed, match="did not give your email address"):
            oidc.identity_of(client, info, {"sub": "u1"}, None)


def test_discovery_must_name_the_configured_issuer(sso: SsoSite) -> None:
    with httpx.Client() as client:
        found = oidc.discover(client, OidcSettings(sso.issuer + "/", CLIENT, "s"))
        assert found.issuer == sso.issuer
        assert found.authorization_endpoint == f"{sso.issuer}/auth"
        assert found.algorithms == ("RS256",)
        # The same provider under another name says it is another issuer.
        elsewhere = sso.issuer.replace("127.0.0.1", "localhost")
        with pytest.raises(oidc_flow.SsoFailed, match="names another issuer than configured"):
            oidc.discover(client, OidcSettings(elsewhere, CLIENT, "s"))


# ---- the routes, with no provider reachable ----


@pytest.fixture
def offline(database: Database, tmp_path: Path) -> Iterator[TestClient]:
    """covergate set up for a provider that does not answer (nothing on port 9)."""
    settings = Settings(
        data_dir=tmp_path,
        database_url=database.url,
        oidc=OidcSettings(issuer="http://127.0.0.1:9", client_id=CLIENT, client_secret="s"),
    )
    runtime = Runtime.open(settings, clock=FixedClock(NOW), create=True, run_migrations=False)
    try:
        with TestClient(
            create_app(runtime, maintenance_interval=None), base_url="http://localhost"
        ) as c:
            yield c
    finally:
        runtime.close()


def _events(database: Database) -> list[tuple[str, SignInMethod, SignInOutcome, str]]:
    with database.sessions() as session:
        rows = session.scalars(select(SignInEvent).order_by(SignInEvent.id))
        return [(e.email, e.method, e.outcome, e.detail) for e in rows]


def test_an_unreachable_provider_and_a_callback_without_a_flow_are_refused(
    offline: TestClient, database: Database
) -> None:
    form = offline.get("/sign-in")
    assert "Sign in with your agency's account" in text_of(form.text)
    presign = re.search(r'name="presign" value="([^"]+)"', form.text)
    assert presign
    stale = offline.post("/sign-in/oidc", data={"presign": "other"}, follow_redirects=False)
    assert stale.status_code == 403
    down = offline.post("/sign-in/oidc", data={"presign": presign.group(1)}, follow_redirects=False)
    assert down.status_code == 401
    assert "could not be used (discovery); try again" in text_of(down.text)
    lost = offline.get("/sign-in/oidc/callback?code=c&state=s", follow_redirects=False)
    assert lost.status_code == 401
    assert "has expired or was started in another browser" in text_of(lost.text)
    events = _events(database)
    assert [(e[1], e[2]) for e in events] == [(SignInMethod.OIDC, SignInOutcome.FAILED)] * 2
    assert "could not be used (discovery)" in events[0][3]


def test_without_settings_there_is_no_single_sign_on(staff: StaffSite) -> None:
    client = staff.anonymous()
    assert "agency's account" not in text_of(client.get("/sign-in").text)
    assert client.post("/sign-in/oidc", data={"presign": "x"}).status_code == 404
    assert client.get("/sign-in/oidc/callback?code=c&state=s").status_code == 404


# ---- the real flow over HTTP (no browser) ----


def test_sso_keeps_the_page_to_return_to_and_its_answer_works_once(sso: SsoSite) -> None:
    client, answer = sign_in_over_http(sso, "fbi", next="/app/requests/new")
    assert answer.status_code == 200
    assert refresh_target(answer) == "/app/requests/new"
    assert client.get(f"{sso.base_url}/app/requests/new").status_code == 200
    event = sso.last_event()
    assert (event.email, event.method, event.outcome) == (
        "fbi@test.example",
        SignInMethod.OIDC,
        SignInOutcome.SUCCEEDED,
    )
    # The same answer again: the flow's cookie is gone, so it is refused.
    again = client.get(str(answer.url))
    assert again.status_code == 401
    assert "expired or was started in another browser" in text_of(again.text)


def test_sso_refuses_a_disabled_account_and_a_cancelled_sign_in(sso: SsoSite) -> None:
    assert sso.world is not None
    with sso.runtime.transaction() as session:
        observer = sso.world.user(session, "observer")
        users.disable_user(session=session, clock=sso.clock, user=observer)
    _client, disabled = sign_in_over_http(sso, "observer")
    assert disabled.status_code == 401
    assert "The account observer@test.example is disabled." in text_of(disabled.text)
    assert (sso.last_event().method, sso.last_event().outcome) == (
        SignInMethod.OIDC,
        SignInOutcome.FAILED,
    )
    _client, cancelled = sign_in_over_http(sso, "fbi", allow=False)
    assert cancelled.status_code == 401
    assert "The sign-in was cancelled or refused at your agency's account." in text_of(
        cancelled.text
    )


def test_sso_is_a_first_factor_only(sso: SsoSite) -> None:
    assert sso.world is not None
    # An approver must have a passkey: without one, single sign-on alone is refused.
    _client, chief = sign_in_over_http(sso, "chief")
    assert chief.status_code == 401
    assert "approvers must sign in with a passkey" in text_of(chief.text).lower()
    # A user with a passkey still owes it after single sign-on.
    with sso.runtime.transaction() as session:
        reviewer = sso.world.user(session, "reviewer")
        session.add(
            Passkey(
                user_id=reviewer.id,
                credential_id=os.urandom(16),
                public_key=b"\x01",
                sign_count=0,
                label="desk key",
                created_at=sso.clock.now(),
                last_used_at=None,
            )
        )
    _client, owed = sign_in_over_http(sso, "reviewer")
    assert owed.status_code == 200
    assert refresh_target(owed) == "/sign-in/passkey"
    with sso.runtime.sessions() as session:
        row = session.scalars(select(WebSession).order_by(WebSession.id.desc())).first()
        assert row is not None
        assert (row.user_id, row.stage, row.method) == (
            reviewer.id,
            SessionStage.SECOND_FACTOR,
            SignInMethod.OIDC,
        )


# ---- the real flow in Chromium ----


def test_browser_signs_in_with_the_agency_account(chromium: Browser, sso: SsoSite) -> None:
    tab, console, answers = browser_tab(chromium, sso)
    through_the_provider(tab, sso, "fbi")  # the provider says FBI@Test.Example
    tab.wait_for_url(f"{sso.base_url}/app/requests")
    assert tab.locator("#signed-in-as").inner_text() == (
        "Fbi · Requester · Federal Bureau of Investigation"
    )
    assert tab.get_by_role("heading", level=1).count() == 1
    assert [c["name"] for c in tab.context.cookies(sso.base_url)].count("covergate_oidc") == 0
    assert console == []
    assert all(status < 400 for status, _url in answers), answers
    event = sso.last_event()
    assert (event.method, event.outcome) == (SignInMethod.OIDC, SignInOutcome.SUCCEEDED)
    tab.context.close()


def _refused(tab: Page, sso: SsoSite, answers: list[tuple[int, str]]) -> str:
    tab.wait_for_url(f"{sso.base_url}/sign-in/oidc/callback?*")
    callbacks = [status for status, url in answers if "/sign-in/oidc/callback?" in url]
    assert callbacks == [401], answers
    return tab.locator("#sign-in-error").inner_text()


def test_browser_refuses_unknown_and_unverified_emails(chromium: Browser, sso: SsoSite) -> None:
    before = sso.user_count()
    tab, _console, answers = browser_tab(chromium, sso)
    through_the_provider(tab, sso, "stranger")
    assert _refused(tab, sso, answers) == (
        "Covergate has no account with the email address stranger@test.example; ask an admin "
        "to add you, or sign in another way."
    )
    tab.context.close()
    assert sso.user_count() == before  # never created
    assert (sso.last_event().email, sso.last_event().outcome) == (
        "stranger@test.example",
        SignInOutcome.FAILED,
    )
    tab, _console, answers = browser_tab(chromium, sso)
    through_the_provider(tab, sso, "dea")
    assert _refused(tab, sso, answers) == (
        "Your agency's account has not verified the email address dea@test.example, so "
        "covergate cannot sign you in with it."
    )
    tab.context.close()
    event = sso.last_event()
    assert (event.email, event.method, event.outcome) == (
        "dea@test.example",
        SignInMethod.OIDC,
        SignInOutcome.FAILED,
    )


def test_browser_refuses_a_tampered_state(chromium: Browser, sso: SsoSite) -> None:
    tab, _console, answers = browser_tab(chromium, sso)

    def tamper(route: Route) -> None:
        route.continue_(url=re.sub(r"([?&]state=)", r"\1x", route.request.url))

    tab.route(re.compile(re.escape(sso.issuer) + r"/auth\?"), tamper)
    through_the_provider(tab, sso, "fbi")
    assert "does not match the sign-in this browser started (wrong state)" in _refused(
        tab, sso, answers
    )
    assert sso.last_event().outcome is SignInOutcome.FAILED
    with sso.runtime.sessions() as session:
        assert session.scalar(select(func.count(WebSession.id))) == 0
    # From the refusal, the button starts over (the provider remembers the login).
    tab.unroute_all()
    tab.get_by_role("button", name="Sign in with your agency's account").click()
    tab.wait_for_url(f"{sso.base_url}/app/requests")
    assert tab.locator("#signed-in-as").inner_text().startswith("Fbi · Requester")
    tab.context.close()
