"""Passkeys in a real headless Chromium, with its virtual authenticator (DevTools).

A new approver signs in with a one-time link, enrols a passkey on the account page,
signs out, and signs in again with the password and then the passkey. An approver
without one is refused at the password. The server is reached at
http://localhost:PORT, the relying party its settings name (WebAuthn refuses IP
addresses). Debian's Chromium at /usr/bin/chromium; see tests/web/test_browser.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from covergate.signin import links
from covergate.signin import service as signin
from covergate.users.models import User
from tests.api_server import LiveServer, live_server
from tests.conftest import Database
from tests.web.staff import PASSWORD, TODAY
from tests.web.test_browser import browser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, CDPSession, Page

__all__ = ["browser"]


@pytest.fixture(scope="module")
def server(
    migrated: tuple[str, str, Engine], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A live server whose public address is http://localhost:PORT, passkeys required."""
    _backend, url, _engine = migrated
    with live_server(url, tmp_path_factory.mktemp("passkeys"), today=TODAY) as live:
        port = live.base_url.rsplit(":", 1)[1]
        live.base_url = f"http://localhost:{port}"
        runtime = live.runtime
        runtime.settings = replace(runtime.settings, public_url=live.base_url, require_passkey=True)
        yield live


@pytest.fixture
def site(server: LiveServer, database: Database) -> LiveServer:
    assert database.url == server.runtime.settings.database_url
    server.reseed(TODAY)
    return server


@pytest.fixture
def problems() -> list[str]:
    """The console errors of the test's tab (a test removes those it expects)."""
    return []


@pytest.fixture
def page(browser: Browser, site: LiveServer, problems: list[str]) -> Iterator[Page]:
    """A fresh tab; any console error (a CSP violation is one) fails the test."""
    context = browser.new_context(base_url=site.base_url, viewport={"width": 1000, "height": 900})
    tab = context.new_page()
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    try:
        yield tab
        assert problems == []
    finally:
        context.close()


def _authenticator(page: Page) -> tuple[CDPSession, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added: dict[str, Any] = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def _set_password(site: LiveServer, key: str) -> None:
    with site.runtime.transaction() as session:
        user = session.scalars(select(User).where(User.email == f"{key}@test.example")).one()
        signin.set_password(session=session, clock=site.clock, user=user, password=PASSWORD)


def _password(page: Page, key: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(f"{key}@test.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_enrol_with_a_link_then_sign_in_with_password_and_passkey(
    page: Page, site: LiveServer, tmp_path: Path
) -> None:
    with site.runtime.transaction() as session:
        user = session.scalars(select(User).where(User.email == "chief@test.example")).one()
        url = links.issue_link(session=session, clock=site.clock, user=user, base_url=site.base_url)
    cdp, authenticator = _authenticator(page)

    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/app/account")
    assert "Enrol one below" in page.locator("#passkey-required").inner_text()
    assert page.locator("#no-passkeys").is_visible()
    page.get_by_label("Name").fill("Work laptop")
    page.get_by_role("button", name="Add a passkey").click()
    page.wait_for_selector("#flash")
    assert page.locator("#flash").inner_text() == "Passkey “Work laptop” added."
    assert (
        page.get_by_role("table", name="Enrolled")
        .get_by_role("rowheader", name="Work laptop")
        .is_visible()
    )
    assert page.locator("#passkey-required").count() == 0
    (credential,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
        "credentials"
    ]
    assert credential["rpId"] == "localhost"
    # The same authenticator again: the browser refuses (excludeCredentials), the page
    # says so and the button works again.
    page.get_by_label("Name").fill("Again")
    page.get_by_role("button", name="Add a passkey").click()
    status = page.locator("#passkey-enrol [data-passkey-status]")
    status.filter(has_text="already enrolled").wait_for()
    assert page.get_by_role("button", name="Add a passkey").is_enabled()
    page.set_viewport_size({"width": 390, "height": 900})  # a phone: nothing cut off
    page.screenshot(path=tmp_path / "account.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1000, "height": 900})
    # The session that enrolled reaches the approver's work.
    page.get_by_role("link", name="Go to your work").click()
    page.wait_for_url("**/app/queue")

    # Sign out from the work page itself: every page's forms post with their Origin.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/sign-in\?why="))
    _set_password(site, "chief")
    _password(page, "chief")
    page.wait_for_url("**/sign-in/passkey")
    assert page.get_by_role("heading", level=1).inner_text() == "Use your passkey"
    assert page.locator("#passkey-email").inner_text() == "chief@test.example"
    page.screenshot(path=tmp_path / "passkey.png", full_page=True)
    page.get_by_role("button", name="Use your passkey").click()
    page.wait_for_url("**/app/queue")
    assert "Chief · Approver" in page.locator("#signed-in-as").inner_text()
    (used,) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert used["signCount"] > credential["signCount"]

    # Back on the account page, the passkey shows when it was last used.
    page.goto("/app/account")
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Work laptop"))
    assert "never" not in row.inner_text()


def test_an_approver_without_a_passkey_is_refused_at_the_password(
    page: Page, site: LiveServer, problems: list[str]
) -> None:
    _set_password(site, "hq")
    _password(page, "hq")
    page.wait_for_url("**/sign-in")
    assert page.locator("#sign-in-error").inner_text() == (
        "Approvers must sign in with a passkey and this account has none; "
        "ask an admin for a one-time sign-in link to enrol one."
    )
    problems.remove(
        "Failed to load resource: the server responded with a status of 401 (Unauthorized)"
    )
