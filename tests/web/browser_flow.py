"""Staff users in a real headless Chromium: one browser context per role, each
signed in through the sign-in form, every tab guarded against console errors and
failed requests (a test says which error pages it expects with :meth:`Tab.allow`).

    def test_x(roles: Roles) -> None:
        fbi = roles.open("fbi")              # a password, then the sign-in form
        fbi.page.goto("/app/requests/new")

The server is uvicorn at http://localhost:PORT (tests/api_server.py) on a freshly
emptied database per test (``database`` + ``reseed``), passkeys not required.
Debian's Chromium at /usr/bin/chromium; see tests/web/test_browser.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from covergate.document import request_document_from_data
from covergate.signin import service as signin
from covergate.users.models import User
from covergate.web.request_form import document_fields
from tests.api_server import LiveServer, live_server
from tests.conftest import Database
from tests.web.staff import PASSWORD, TODAY
from tests.web.test_browser import browser

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

__all__ = ["Roles", "Tab", "browser", "fill_request", "roles", "server", "site"]

#: Chromium's console line for a page or resource the server answered with an error.
_CONSOLE = re.compile(r"Failed to load resource: the server responded with a status of (\d{3})")


@dataclass
class Tab:
    """One role's tab and what went wrong in it (checked when the test ends)."""

    key: str
    context: BrowserContext
    page: Page
    problems: list[str] = field(default_factory=list)

    def watch(self) -> None:
        page = self.page
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(str(e)))
        # A request cut short because the tab moved on (or a form's answer became a
        # download) is the browser's doing, not the server's.
        page.on(
            "requestfailed",
            lambda r: (
                None
                if r.failure == "net::ERR_ABORTED"
                else self.problems.append(f"failed: {r.url} ({r.failure})")
            ),
        )
        page.on(
            "response",
            lambda r: self.problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None,
        )

    def allow(self, status: int, path: str) -> None:
        """The test expected the error page ``status`` of ``path``: not a problem."""
        answer = next(
            (p for p in self.problems if p.startswith(f"{status}: ") and p.endswith(path)), None
        )
        assert answer is not None, (status, path, self.problems)
        self.problems.remove(answer)
        console = next(
            (p for p in self.problems if (m := _CONSOLE.match(p)) and m.group(1) == str(status)),
            None,
        )
        if console is not None:
            self.problems.remove(console)

    def flash(self) -> str:
        return self.page.locator("#flash").inner_text()


@dataclass
class Roles:
    """The signed-in tabs of one test, closed (and their problems checked) at its end."""

    browser: Browser
    server: LiveServer
    tabs: list[Tab] = field(default_factory=list)

    def open(self, key: str) -> Tab:
        """A fresh browser context for user ``key`` of tests.world, signed in with the form."""
        set_password(self.server, key)
        context = self.browser.new_context(
            base_url=self.server.base_url,
            viewport={"width": 1100, "height": 900},
            accept_downloads=True,
        )
        tab = Tab(key, context, context.new_page())
        tab.page.set_default_timeout(10_000)
        tab.watch()
        self.tabs.append(tab)
        sign_in(tab.page, key)
        return tab

    def close(self) -> None:
        problems = {t.key: t.problems for t in self.tabs if t.problems}
        for tab in self.tabs:
            tab.context.close()
        assert problems == {}, problems


def set_password(server: LiveServer, key: str) -> None:
    with server.runtime.transaction() as session:
        user = session.scalars(select(User).where(User.email == f"{key}@test.example")).one()
        signin.set_password(session=session, clock=server.clock, user=user, password=PASSWORD)


def sign_in(page: Page, key: str) -> None:
    """The sign-in form, then the role's home page."""
    page.goto("/sign-in")
    page.get_by_label("Email").fill(f"{key}@test.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/app/"))
    assert page.locator("#signed-in-as").inner_text().startswith(key.title())


#: Each named field of a form: its name, tag, type, value and whether it is read-only.
_FIELDS = """form => [...form.elements].filter(e => e.name).map(e => ({
    name: e.name, tag: e.tagName.toLowerCase(), type: e.type || "", value: e.value,
    readonly: e.readOnly === true}))"""


def fill_request(page: Page, data: dict[str, Any]) -> None:
    """Type request document ``data`` into the new request form shown on ``page``:
    every value the document has goes into the field of that name, by its kind."""
    form = page.locator('form[action="/app/requests/new"]')
    shown: dict[str, list[dict[str, Any]]] = {}
    for element in form.evaluate(_FIELDS):
        shown.setdefault(element["name"], []).append(element)
    for name, values in document_fields(request_document_from_data(data)).items():
        elements = shown.get(name)
        if not elements:
            assert values in ([], [""]), f"{name}={values} is not on the form"
            continue
        value = values[0] if values else ""
        first, field = elements[0], form.locator(f'[name="{name}"]')
        if first["tag"] == "select":
            field.select_option(value)
        elif first["type"] in ("checkbox", "radio"):
            offered = {e["value"] for e in elements}
            assert set(values) <= offered, (name, values, offered)
            for element in elements:
                box = form.locator(f'[name="{name}"][value="{element["value"]}"]')
                if element["value"] in values:
                    box.check()
                elif first["type"] == "checkbox":
                    box.uncheck()
        elif first["type"] == "hidden" or first["readonly"]:
            assert first["value"] == value, (name, first["value"], value)
        else:
            field.fill(value)


@pytest.fixture(scope="module")
def server(
    migrated: tuple[str, str, Engine], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    _backend, url, _engine = migrated
    with live_server(
        url,
        tmp_path_factory.mktemp("staff-browser"),
        today=TODAY,
        host_name="localhost",
        require_passkey=False,
    ) as live:
        yield live


@pytest.fixture
def site(server: LiveServer, database: Database) -> LiveServer:
    """The server on an emptied database with the people of tests.world, on TODAY."""
    assert database.url == server.runtime.settings.database_url
    server.reseed(TODAY)
    return server


@pytest.fixture
def roles(browser: Browser, site: LiveServer) -> Iterator[Roles]:
    opened = Roles(browser, site)
    try:
        yield opened
    finally:
        opened.close()
