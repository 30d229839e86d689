"""The public pages in a real headless Chromium against a real uvicorn server.

The browser is Debian's Chromium at /usr/bin/chromium, driven by Playwright's
sync API; no browser is ever downloaded. Without it these tests are skipped, and
fail when CI=true. Install it with:

    apt-get install -y chromium chromium-driver      # Debian/Ubuntu, as root
    .venv/bin/pip install -e '.[test]'               # playwright, without `playwright install`

Runs on SQLite and PostgreSQL, one server and one browser per backend.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import Engine

from tests.api_server import LiveServer, live_server
from tests.conftest import IN_CI, Database
from tests.web.seed import TODAY, Seeded, seed
from tests.world import build_world

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOW_TO_INSTALL = (
    "install Debian's Chromium (as root: apt-get update && apt-get install -y chromium "
    "chromium-driver) and the Python package (.venv/bin/pip install -e '.[test]'); "
    "never `playwright install`"
)


def _missing(what: str) -> None:
    message = f"browser tests need {what}: {HOW_TO_INSTALL}"
    if IN_CI:
        pytest.fail(message + " (CI=true: a missing browser is a failure)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _missing(f"Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the Python package playwright")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def server(
    migrated: tuple[str, str, Engine], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    _backend, url, _engine = migrated
    with live_server(url, tmp_path_factory.mktemp("web"), today=TODAY) as live:
        yield live


@pytest.fixture
def seeded(server: LiveServer, database: Database) -> Seeded:
    """The server on a fresh database (``database`` emptied it), with the seed
    history made through the services and a signed checkpoint over all of it."""
    assert database.url == server.runtime.settings.database_url
    server.clock.set_date(TODAY)
    figures = seed(build_world(server.runtime.sessions, start=TODAY))
    server.runtime.integrate_log()
    return figures


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    """A fresh page that fails the test on any console error or failed request
    (a Content-Security-Policy violation is a console error)."""
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1100, "height": 900})
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    # A request cut short because the test moved on to the next page (the favicon of
    # the page just left, say) is the browser's doing, not the server's.
    tab.on(
        "requestfailed",
        lambda r: (
            None
            if r.failure == "net::ERR_ABORTED"
            else problems.append(f"failed: {r.url} ({r.failure})")
        ),
    )
    tab.on(
        "response",
        lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None,
    )
    try:
        yield tab
        assert problems == []
    finally:
        context.close()


def cells(page: Page, table: str, row: str) -> list[str]:
    """The data cells of the row whose header is ``row`` in table ``#table``."""
    header = page.get_by_role("rowheader", name=row, exact=True)
    line = page.locator(f"#{table} tr").filter(has=header)
    return [t.strip() for t in line.locator("td").all_inner_texts()]


def test_report_shows_the_numbers(
    page: Page, server: LiveServer, seeded: Seeded, tmp_path: Path
) -> None:
    """The published report (issue 11); tests/web/test_report_page.py checks its
    charts, downloads and axe-core, tests/report/test_routes.py every cell."""
    page.goto("/")
    assert page.title().startswith("Public report")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Postal surveillance requests: all periods"
    )
    assert page.locator("#headline-1").inner_text() == str(seeded.total)
    # Tables are found by their caption, as a screen reader announces them.
    received = page.get_by_role("table", name="Requests received, by level")
    assert received.locator("tbody th").all_inner_texts() == ["Federal", "State", "Local"]
    assert cells(page, "table-received", "Federal")[0] == str(seeded.total)
    assert cells(page, "table-trend", "2026-H1")[0] == str(seeded.total_2026)

    # The checkpoint on the page is the one the log serves.
    note = server.client.get("/log/checkpoint").text.split("\n")
    assert page.locator("#checkpoint-size").inner_text() == f"{int(note[1]):,} entries"
    assert page.locator("#checkpoint-root").inner_text() == note[2]
    assert page.locator("#verifier-key").inner_text() == server.runtime.log_signer.verifier_key()

    # The stylesheet is loaded and applied (no external assets, no script).
    assert (
        page.locator("table#table-received").evaluate("t => getComputedStyle(t).borderCollapse")
        == "collapse"
    )
    assert page.locator("script").count() == 0

    page.screenshot(path=tmp_path / "report.png", full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000

    # The links of "Verify it yourself" lead to the log and the API documentation.
    verify = page.get_by_role("region", name="Verify it yourself")
    verify.get_by_role("link", name="The current signed checkpoint").click()
    page.wait_for_url("**/log/checkpoint")
    assert page.locator("body").inner_text().startswith(server.runtime.settings.log_origin)
    page.go_back()
    # Swagger UI is served by covergate itself (tests/web/test_docs_offline.py).
    docs = page.get_by_role("region", name="Verify it yourself").get_by_role(
        "link", name="The API documentation"
    )
    assert docs.get_attribute("href") == "/docs"
    docs.click()
    page.wait_for_url("**/docs")
    page.get_by_text("/api/v1/requests", exact=True).first.wait_for()


def test_period_form(page: Page, seeded: Seeded, tmp_path: Path) -> None:
    page.goto("/")
    chooser = page.get_by_label("Period", exact=True)
    chooser.select_option("2025")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"/\?period=2025$"))
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Postal surveillance requests: 2025"
    )
    assert page.locator("#headline-1").inner_text() == str(seeded.total_2025)
    assert page.get_by_label("Period", exact=True).input_value() == "2025"
    page.screenshot(path=tmp_path / "report-2025.png", full_page=True)

    page.get_by_label("Period", exact=True).select_option("2026")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"/\?period=2026$"))
    assert page.locator("#headline-1").inner_text() == str(seeded.total_2026)

    page.get_by_label("Period", exact=True).select_option("all")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"/\?period=all$"))
    assert page.locator("#headline-1").inner_text() == str(seeded.total)


def test_verify_page(page: Page, server: LiveServer, seeded: Seeded, tmp_path: Path) -> None:
    _ = seeded
    page.goto("/")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="How to verify").click()
    page.wait_for_url("**/verify")
    key = server.runtime.log_signer.verifier_key()
    assert page.locator("#verifier-key").inner_text() == key
    assert page.locator("#log-origin").inner_text() == server.runtime.settings.log_origin
    assert page.locator("#cmd-verify").inner_text() == (
        f"covergate verify --key '{key}' entry.bin proof.txt"
    )
    log_url = f"{server.base_url}/log"
    assert page.locator("#cmd-log-verify").inner_text() == (
        f"covergate log verify --from {log_url} --key '{key}'"
    )
    assert page.locator("#cmd-log-monitor").inner_text() == (
        f"covergate log monitor {log_url} --key '{key}'"
    )
    # The commands on the page work as printed, on a machine with no covergate data.
    size = int(server.client.get("/log/checkpoint").text.split("\n")[1])
    for command in ("#cmd-log-verify", "#cmd-log-monitor"):
        argv = shlex.split(page.locator(command).inner_text())
        if argv[:3] == ["covergate", "log", "monitor"]:
            argv += ["--once", "--state", str(tmp_path / "monitor.checkpoint")]
        done = subprocess.run(
            [str(Path(sys.executable).with_name("covergate")), *argv[1:]],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=tmp_path,
            env={**os.environ, "COVERGATE_DATA": str(tmp_path / "no-data")},
        )
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        if command == "#cmd-log-verify":
            assert f"tree size {size}," in done.stdout, done.stdout
        else:  # one JSON line per entry
            assert len(done.stdout.splitlines()) == size, done.stdout

    current = page.get_by_role("link", name="How to verify")
    assert current.get_attribute("aria-current") == "page"
    page.screenshot(path=tmp_path / "verify.png", full_page=True)


def test_bad_period_in_the_browser(page: Page, server: LiveServer) -> None:
    for query in ({"year": "soon"}, {"period": "soon"}, {"period": "2026-H3"}):
        response = server.client.get("/", params=query)
        assert response.status_code == 422, query
        assert response.headers["content-type"] == "text/html; charset=utf-8"
    # The form itself only offers periods the server takes (a select, no free text).
    page.goto("/")
    chooser = page.get_by_label("Period", exact=True)
    assert chooser.evaluate("s => s.tagName") == "SELECT"
    values = chooser.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert values[0] == "all"
    for value in values:
        assert server.client.get("/", params={"period": value}).status_code == 200, value
