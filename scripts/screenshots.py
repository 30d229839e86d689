"""Screenshots of covergate's web pages for the documentation.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Starts a real covergate server on 127.0.0.1 (a fresh SQLite database in a
temporary folder), seeds it with a request in every state through the services
(tests/web/pages_by_role.py), signs in one user per role and saves, with Debian's
Chromium (/usr/bin/chromium, never a downloaded browser), at 1280x900:

- ``<role>.png``: each role's main page (the first of its navigation);
- ``sign-in.png`` and ``public-report.png``;
- ``requester-390.png``: the requester's list at 390 px wide, as on a phone.

Everything runs on this machine: no network is needed. It prints each file written.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.api_server import LiveServer, live_server  # noqa: E402
from tests.conftest import _empty_all_tables  # noqa: E402
from tests.web.pages_by_role import (  # noqa: E402
    ROLE_USER,
    TODAY,
    PagesWorld,
    open_session,
    seed_pages_world,
)

from covergate.db import make_engine, migrate  # noqa: E402
from covergate.signin.schemas import SESSION_COOKIE  # noqa: E402
from covergate.users.schemas import Role  # noqa: E402
from covergate.web.staff import home_of  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
#: Names people have, for the pictures (the test world calls its users "Fbi", "Osg"...).
NAMES = {
    "fbi": "Dana Reyes",
    "reviewer": "Sam Okafor",
    "osg": "Lee Park",
    "observer": "Ana Ruiz",
    "auditor": "Kim Ito",
    "admin": "Pat Quinn",
    "court": "Jo Marsh",
}
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def shoot(
    browser: Browser,
    live: LiveServer,
    path: str,
    out: Path,
    *,
    token: str | None = None,
    viewport: dict[str, int] = DESKTOP,
    full_page: bool = False,
) -> Path:
    """One page as a PNG; fails if the page does not answer 200."""
    context = browser.new_context(base_url=live.base_url, viewport=viewport)
    try:
        if token is not None:
            cookie = {"name": SESSION_COOKIE, "value": token, "url": live.base_url}
            context.add_cookies([cookie])
        tab = context.new_page()
        response = tab.goto(path)
        if response is None or response.status != 200:
            raise SystemExit(f"{path}: {response and response.status}, not 200")
        tab.screenshot(path=str(out), full_page=full_page)
    finally:
        context.close()
    print(f"wrote {out} ({path}, {viewport['width']}x{viewport['height']})")
    return out


def rename(live: LiveServer, pages: PagesWorld) -> None:
    with live.runtime.transaction() as session:
        for key, name in NAMES.items():
            pages.world.user(session, key).name = name


def shoot_all(browser: Browser, live: LiveServer, pages: PagesWorld, out: Path) -> list[Path]:
    written = [
        shoot(browser, live, "/sign-in", out / "sign-in.png"),
        shoot(browser, live, "/", out / "public-report.png"),
    ]
    for role, key in ROLE_USER.items():
        token, _csrf = open_session(live.runtime, pages.world, key)
        written.append(shoot(browser, live, home_of(role), out / f"{role.value}.png", token=token))
        if role is Role.REQUESTER:
            written.append(
                shoot(
                    browser,
                    live,
                    home_of(role),
                    out / "requester-390.png",
                    token=token,
                    viewport=PHONE,
                    full_page=True,
                )
            )
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        print(f"no Chromium at {CHROMIUM}: apt-get install -y chromium", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="covergate-shots-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'covergate.db'}"
        engine = make_engine(url)
        migrate(engine)
        with live_server(url, Path(tmp), today=TODAY) as live, sync_playwright() as p:
            _empty_all_tables(engine)  # the server's own people: the world brings its own
            pages = seed_pages_world(live.runtime)
            rename(live, pages)
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                written = shoot_all(browser, live, pages, out)
            finally:
                browser.close()
        engine.dispose()
    print(f"{len(written)} screenshots in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
