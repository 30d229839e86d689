"""The public report page in a real headless Chromium: charts, chooser, downloads, axe.

Same server, browser and seed as tests/web/test_browser.py (Debian's Chromium at
/usr/bin/chromium, a real uvicorn server, the web seed with a signed checkpoint).
axe-core runs as in tests/web/test_accessibility.py, on "/" and on a half-year.

With ``COVERGATE_SCREENSHOTS=1`` the full page is also saved as
docs/screenshots/report.png (for the documentation); otherwise in pytest's tmp.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.api_server import LiveServer
from tests.web.seed import Seeded
from tests.web.test_accessibility import _AXE_RUN, AXE, FAILING_IMPACTS, NARROW
from tests.web.test_browser import browser, page, seeded, server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["browser", "page", "seeded", "server"]

DOCS_SHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "report.png"


def _charted(server: LiveServer, period: str) -> list[str]:
    body = server.client.get("/report.json", params={"period": period}).json()
    return [t["id"] for t in body["tables"] if t["chart"] and t["rows"] and t["id"] != "appendix"]


def test_the_report_page_in_chromium(
    page: Page, server: LiveServer, seeded: Seeded, tmp_path: Path
) -> None:
    _ = seeded
    page.goto("/")
    assert page.title().startswith("Public report")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Postal surveillance requests: all periods"
    )
    report = server.client.get("/report.json").json()
    assert page.locator("#headline-1").inner_text() == f"{report['headline'][0]['value']:,}"
    # Every chart is drawn and visible, as an image named by its title.
    charted = _charted(server, "all")
    charts = page.locator("svg.chart")
    assert charts.count() == len(charted) > 0
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box is not None
        assert box["width"] > 200
        assert box["height"] > 50
    trend = page.get_by_role("img", name="Requests by half-year: trend chart")
    assert trend.count() == 1
    # Tables are found by their caption, as a screen reader announces them.
    assert page.get_by_role("table", name=report["tables"][0]["title"]).count() == 1
    # The appendix is folded until asked for.
    appendix = page.locator("#table-appendix")
    assert not appendix.is_visible()
    page.locator("#report-appendix summary").click()
    assert appendix.is_visible()
    assert page.locator("script").count() == 0

    shot = DOCS_SHOT if os.environ.get("COVERGATE_SCREENSHOTS") else tmp_path / "report.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 20_000


def test_choose_a_period_and_download(page: Page, server: LiveServer, seeded: Seeded) -> None:
    _ = seeded
    page.goto("/")
    page.get_by_label("Period", exact=True).select_option("2026-H1")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"/\?period=2026-H1$"))
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Postal surveillance requests: January to June 2026"
    )
    assert page.locator("svg.chart").count() == len(_charted(server, "2026-H1"))
    # The CSV link downloads the table the page shows, named after it and the period.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV of “Requests by half-year”").click()
    download = download_info.value
    assert download.suggested_filename == "covergate-trend-2026-H1.csv"
    expected = server.client.get("/report/trend.csv?period=2026-H1").text
    assert Path(download.path()).read_bytes().decode("utf-8") == expected
    # The JSON link is the report of the chosen period.
    assert page.locator("#json-link").get_attribute("href") == "/report.json?period=2026-H1"


@pytest.mark.parametrize("path", ["/", "/?period=2026-H1"])
def test_axe_and_the_narrow_screen(
    browser: Browser, server: LiveServer, seeded: Seeded, path: str
) -> None:
    _ = seeded
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}: run `make check-node`")
    # axe needs a script: a context that bypasses the page's CSP (it allows none).
    context = browser.new_context(base_url=server.base_url, bypass_csp=True)
    try:
        tab = context.new_page()
        assert (response := tab.goto(path)) is not None
        assert response.status == 200
        tab.locator("details").evaluate_all("els => els.forEach(d => d.open = true)")
        tab.add_script_tag(path=str(AXE))
        serious = [
            f"{v['id']} ({v['impact']}: {v['help']}) at {n['target']}"
            for v in tab.evaluate(_AXE_RUN)
            if v["impact"] in FAILING_IMPACTS
            for n in v["nodes"]
        ]
        assert serious == [], "\n".join(serious)
    finally:
        context.close()
    # At 390 px the page does not scroll sideways; the charts shrink with it.
    narrow = browser.new_context(
        base_url=server.base_url, viewport={"width": NARROW["width"], "height": NARROW["height"]}
    )
    try:
        tab = narrow.new_page()
        tab.goto(path)
        assert tab.evaluate("document.documentElement.scrollWidth") <= NARROW["width"] + 1
        widths = tab.locator("svg.chart").evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().width)"
        )
        assert widths
        assert max(widths) <= NARROW["width"]
    finally:
        narrow.close()
