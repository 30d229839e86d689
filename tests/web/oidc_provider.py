"""A real OpenID Connect provider and a covergate server that signs in with it.

``tests/web/node/provider.mjs`` (oidc-provider 8, from ``make check-node``) runs
in Node.js at ``http://127.0.0.1:PORT``; covergate runs in uvicorn, in this
process, at ``http://localhost:PORT`` with ``OidcSettings`` for that provider and
its callback on ``public_url``. The two hosts differ on purpose: the provider is
another *site*, as an agency's is, so the browser applies its cross-site rules
(SameSite cookies, the sign-in form's ``form-action``) exactly as in production.

``tests/api_server.py`` cannot be used: its settings carry no ``OidcSettings``
and its ``public_url`` is not the port it listens on. Without Node.js or the
package, these tests are skipped (and fail when CI=true).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import select as io_select
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from covergate.api import create_app
from covergate.clock import FixedClock
from covergate.config import OidcSettings, Settings
from covergate.runtime import Runtime
from covergate.signin.models import SignInEvent
from covergate.users.models import User
from tests.conftest import IN_CI, Database
from tests.world import World, build_world

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

NODE_DIR = Path(__file__).parent / "node"
PROVIDER = NODE_DIR / "provider.mjs"
PACKAGE = NODE_DIR / "node_modules" / "oidc-provider" / "package.json"
#: The password of every account of provider.mjs.
PASSWORD = "provider password 1"
CLIENT_ID = "covergate"


def missing(what: str) -> None:
    message = f"single sign-on tests need {what}: install Node.js 20 and run `make check-node`"
    if IN_CI:
        pytest.fail(message + " (CI=true: a missing provider is a failure)")
    pytest.skip(message)


def _node() -> str:
    node = shutil.which("node") or "/usr/bin/node"
    if not os.access(node, os.X_OK):
        missing("Node.js (node)")
    if not PACKAGE.is_file():
        missing(f"the npm package oidc-provider in {PACKAGE.parent.parent}")
    return node


@contextmanager
def oidc_provider(redirect_uri: str, client_secret: str) -> Iterator[str]:
    """Run provider.mjs until the block ends; yields its issuer."""
    process = subprocess.Popen(
        # --name=value: a secret may begin with "-", which Node's parseArgs would
        # otherwise take for an option (a token_urlsafe secret does, 1 time in 64).
        [
            _node(),
            str(PROVIDER),
            f"--redirect-uri={redirect_uri}",
            f"--client-secret={client_secret}",
        ],
        cwd=NODE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stderr is not None
        ready, _, _ = io_select.select([process.stdout], [], [], 30)
        line = process.stdout.readline() if ready else ""
        if not line:
            process.kill()
            raise RuntimeError(f"provider.mjs did not start: {process.stderr.read()[-2000:]}")
        yield str(json.loads(line)["issuer"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class SsoSite:
    """covergate (``base_url``) set up for single sign-on with ``issuer``."""

    base_url: str
    issuer: str
    runtime: Runtime
    clock: FixedClock
    world: World | None = None

    def reseed(self) -> World:
        """The people of tests.world on the (emptied) database; the clock at the real
        time, which the provider's tokens carry."""
        self.world = build_world(
            self.runtime.sessions,
            start=datetime.now(UTC).date(),
            clock=self.clock,
            cipher=self.runtime.cipher,
        )
        self.clock.current = datetime.now(UTC)
        return self.world

    def user_count(self) -> int:
        with self.runtime.sessions() as session:
            return session.scalar(select(func.count(User.id))) or 0

    def last_event(self) -> SignInEvent:
        with self.runtime.sessions() as session:
            event = session.scalars(select(SignInEvent).order_by(SignInEvent.id.desc())).first()
            assert event is not None
            session.expunge(event)
            return event


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@contextmanager
def sso_server(database_url: str, data_dir: Path) -> Iterator[SsoSite]:
    """The provider, and a covergate server with its settings, on a migrated database."""
    sock = _listening_socket()
    public_url = f"http://localhost:{sock.getsockname()[1]}"
    secret = secrets.token_urlsafe(24)
    try:
        with oidc_provider(f"{public_url}/sign-in/oidc/callback", secret) as issuer:
            clock = FixedClock(current=datetime.now(UTC))
            settings = Settings(
                data_dir=data_dir,
                database_url=database_url,
                public_url=public_url,
                oidc=OidcSettings(issuer=issuer, client_id=CLIENT_ID, client_secret=secret),
            )
            runtime = Runtime.open(settings, clock=clock, create=True, run_migrations=False)
            try:
                yield from _serve(runtime, clock, sock, public_url, issuer)
            finally:
                runtime.close()
    finally:
        sock.close()


def _serve(
    runtime: Runtime, clock: FixedClock, sock: socket.socket, public_url: str, issuer: str
) -> Iterator[SsoSite]:
    app = create_app(runtime, maintenance_interval=None)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="covergate-sso-server", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{public_url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the covergate test server did not start")
            time.sleep(0.02)
        yield SsoSite(public_url, issuer, runtime, clock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def sso_server_once(
    migrated: tuple[str, str, Engine], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SsoSite]:
    _backend, url, _engine = migrated
    with sso_server(url, tmp_path_factory.mktemp("sso")) as site:
        yield site


@pytest.fixture
def sso(sso_server_once: SsoSite, database: Database) -> SsoSite:
    """The provider and covergate on a fresh database (``database`` emptied it)."""
    assert database.url == sso_server_once.runtime.settings.database_url
    sso_server_once.reseed()
    return sso_server_once


def refresh_target(response: httpx.Response) -> str:
    """Where a covergate page that moves on by itself (a Refresh header) goes."""
    match = re.fullmatch(r"0; url=(.+)", response.headers.get("refresh", ""))
    assert match, (response.status_code, response.headers, response.text[:2000])
    return match.group(1)


def _form_action(html: str, button: str) -> str:
    """The action of the provider page's form whose button says ``button``."""
    for form in re.findall(r"<form .*?</form>", html, re.S):
        if f">{button}</button>" in form:
            action = re.search(r'action="([^"]+)"', form)
            assert action, form
            return action.group(1)
    raise AssertionError(f"no {button!r} form in {html[:2000]}")


def sign_in_over_http(
    site: SsoSite, login: str, *, password: str = PASSWORD, allow: bool = True, next: str = ""
) -> tuple[httpx.Client, httpx.Response]:
    """The whole flow without a browser: covergate's sign-in page, its SSO button,
    the provider's login and consent pages; returns covergate's answer to the
    callback (and the client, which holds covergate's cookies)."""
    client = httpx.Client(timeout=30)
    page = client.get(f"{site.base_url}/sign-in")
    presign = re.search(r'name="presign" value="([^"]+)"', page.text)
    assert presign, page.text
    started = client.post(
        f"{site.base_url}/sign-in/oidc", data={"presign": presign.group(1), "next": next}
    )
    assert started.status_code == 200, started.text
    login_page = client.get(refresh_target(started), follow_redirects=True)
    assert login_page.status_code == 200, login_page.text
    consent = client.post(
        site.issuer + _form_action(login_page.text, "Sign in"),
        data={"login": login, "password": password},
        follow_redirects=True,
    )
    assert consent.status_code == 200, consent.text
    button = "Allow" if allow else "Cancel"
    answer = client.post(site.issuer + _form_action(consent.text, button), follow_redirects=True)
    return client, answer


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, as tests/web/test_browser.py launches it (never downloaded)."""
    from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, HOW_TO_INSTALL

    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _no_browser(f"Chromium at {CHROMIUM}", HOW_TO_INSTALL)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("the Python package playwright", HOW_TO_INSTALL)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _no_browser(what: str, how: str) -> None:
    message = f"browser tests need {what}: {how}"
    if IN_CI:
        pytest.fail(message + " (CI=true: a missing browser is a failure)")
    pytest.skip(message)


def browser_tab(chromium: Browser, sso: SsoSite) -> tuple[Page, list[str], list[tuple[int, str]]]:
    """A fresh browser (no cookies), its console errors and covergate's answers."""
    tab = chromium.new_context(base_url=sso.base_url).new_page()
    console: list[str] = []
    answers: list[tuple[int, str]] = []
    tab.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    tab.on(
        "response",
        lambda r: answers.append((r.status, r.url)) if r.url.startswith(sso.base_url) else None,
    )
    return tab, console, answers


def through_the_provider(tab: Page, sso: SsoSite, login: str) -> None:
    """From covergate's sign-in page, through the provider's login and consent."""
    tab.goto("/sign-in")
    tab.get_by_role("button", name="Sign in with your agency's account").click()
    tab.wait_for_url(f"{sso.issuer}/interaction/*")
    tab.get_by_label("Username").fill(login)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in", exact=True).click()
    tab.get_by_role("button", name="Allow").click()
