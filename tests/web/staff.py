"""The staff web app through FastAPI's TestClient: one signed-in client per user.

    def test_x(staff: StaffSite) -> None:
        fbi = staff.as_user("fbi")           # signed in (a real session row and cookie)
        page = fbi.get("/app/requests")      # 200 or the test fails, with the body
        fbi.post("/app/requests/new", {...}) # the session's CSRF token is added

The runtime is real (keys, log signer, services) and shares its clock and field
cipher with ``staff.world`` (tests.world), so the world's requests are readable by
the pages. Runs on SQLite and PostgreSQL (the ``database`` fixture).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from covergate.api import create_app
from covergate.clock import FixedClock
from covergate.config import Settings
from covergate.runtime import Runtime
from covergate.signin import service as signin
from covergate.signin import sessions
from covergate.signin.schemas import SESSION_COOKIE, SessionStage, SignInMethod
from tests.conftest import Database
from tests.world import World, build_world

TODAY = date(2026, 3, 2)
PASSWORD = "correct horse battery staple"


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def text_of(html: str) -> str:
    """The visible text of a page, whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


@dataclass
class StaffClient:
    """A browser-like client signed in as one user."""

    client: TestClient
    csrf: str
    key: str

    def get(self, path: str, status: int = 200) -> httpx.Response:
        response = self.client.get(path, follow_redirects=False)
        assert response.status_code == status, (path, response.status_code, response.text[:2000])
        return response

    def post(
        self,
        path: str,
        data: dict[str, Any] | list[tuple[str, str]] | None = None,
        status: int = 303,
        *,
        csrf: bool = True,
        files: Any = None,
    ) -> httpx.Response:
        items = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf:
            items.append(("csrf", self.csrf))
        response = self.client.post(path, data=_flatten(items), files=files, follow_redirects=False)
        assert response.status_code == status, (path, response.status_code, response.text[:2000])
        return response

    def follow(self, response: httpx.Response) -> httpx.Response:
        """GET the page a 303 points to (which shows the flash message once)."""
        return self.get(response.headers["location"])


def _flatten(items: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in items:
        if isinstance(value, list):
            out.setdefault(key, []).extend(value)
        elif key in out:
            existing = out[key]
            out[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            out[key] = value
    return out


@dataclass
class StaffSite:
    runtime: Runtime
    world: World
    app: Any
    clients: list[TestClient] = field(default_factory=list)

    def anonymous(self) -> TestClient:
        client = TestClient(self.app, base_url="http://localhost")
        client.__enter__()
        self.clients.append(client)
        return client

    def as_user(self, key: str, *, passkey_verified: bool = True) -> StaffClient:
        """A client with a fresh active session of the world's user ``key``."""
        with self.runtime.transaction() as session:
            user = self.world.user(session, key)
            opened = sessions.open_session(
                session=session,
                clock=self.runtime.clock,
                user=user,
                method=SignInMethod.LINK,
                stage=SessionStage.ACTIVE,
                passkey_verified=passkey_verified,
            )
            csrf = opened.row.csrf
        client = self.anonymous()
        client.cookies.set(SESSION_COOKIE, opened.token)
        return StaffClient(client, csrf, key)

    def set_password(self, key: str, password: str = PASSWORD) -> None:
        with self.runtime.transaction() as session:
            signin.set_password(
                session=session,
                clock=self.runtime.clock,
                user=self.world.user(session, key),
                password=password,
            )


@pytest.fixture
def staff(database: Database, tmp_path: Path) -> Iterator[StaffSite]:
    clock = FixedClock()
    clock.set_date(TODAY)
    settings = Settings(data_dir=tmp_path, database_url=database.url, require_passkey=False)
    runtime = Runtime.open(settings, clock=clock, create=True, run_migrations=False)
    site: StaffSite | None = None
    try:
        world = build_world(runtime.sessions, start=TODAY, clock=clock, cipher=runtime.cipher)
        site = StaffSite(runtime, world, create_app(runtime, maintenance_interval=None))
        yield site
    finally:
        for client in site.clients if site else []:
            client.__exit__(None, None, None)
        runtime.close()
