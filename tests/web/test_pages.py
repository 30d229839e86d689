"""The public pages through FastAPI's TestClient, on SQLite and PostgreSQL.

The runtime is real (keys, log signer, services); the history comes from
``tests.web.seed``. Pages are parsed with the standard library's HTML parser.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from covergate.api import create_app
from covergate.runtime import Runtime
from tests.api_server import PROBLEM
from tests.conftest import Database, runtime_on
from tests.web.seed import (
    AMPERSAND,
    HOSTILE,
    TODAY,
    Seeded,
    Tables,
    add_agency_with_markup,
    rename_agency,
    seed,
)
from tests.world import World, build_world


@dataclass
class Site:
    client: TestClient
    runtime: Runtime
    world: World

    def page(self, path: str) -> Tables:
        response = self.client.get(path)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        return Tables(response.text)

    def publish(self) -> None:
        """Integrate the log so the pages show a checkpoint with every entry."""
        self.runtime.integrate_log()


@pytest.fixture
def site(database: Database, tmp_path: Path) -> Iterator[Site]:
    with runtime_on(database, tmp_path, TODAY) as runtime:
        world = build_world(runtime.sessions, start=TODAY)
        with TestClient(create_app(runtime, maintenance_interval=None)) as client:
            yield Site(client, runtime, world)


@pytest.fixture
def seeded(site: Site) -> Seeded:
    figures = seed(site.world)
    site.publish()
    return figures


def headline(html: str) -> dict[str, str]:
    """The report's headline figures, {label: text as shown}."""
    return {
        unescape(label): unescape(value)
        for label, value in re.findall(r'<dt>([^<]*)</dt><dd id="headline-\d+">([^<]*)</dd>', html)
    }


def test_report_shows_the_counts(site: Site, seeded: Seeded) -> None:
    """The page of the published report (issue 11): tests/report/test_routes.py checks
    every cell against /report.json; here, the seed's own figures."""
    html = site.client.get("/").text
    figures = headline(html)
    assert figures["Requests received"] == str(seeded.total)
    assert figures["Requests decided"] == str(seeded.approved + seeded.denied)
    assert figures["Approved in full"] == str(seeded.approved)
    assert figures["Denied"] == str(seeded.denied)
    assert figures["Share approved"] == "75.0%"  # 3 approved, 1 denied; pending left out
    page = Tables(html)
    received = page.tables["table-received"]
    assert received[0][0] == "Level"
    assert page.rows("table-received")["Federal"][0] == str(seeded.total)
    assert page.rows("table-trend")["2025-H1"][0] == str(seeded.total_2025)
    assert page.rows("table-trend")["2026-H1"][0] == str(seeded.total_2026)


def test_report_shows_the_log_and_how_to_check_it(site: Site, seeded: Seeded) -> None:
    _ = seeded
    response = site.client.get("/")
    page = Tables(response.text)
    checkpoint = site.client.get("/log/checkpoint").text.split("\n")
    origin, size, root = checkpoint[0], checkpoint[1], checkpoint[2]
    assert origin == site.runtime.settings.log_origin
    assert int(size) > 0
    assert page.text("log-origin") == origin
    assert page.text("verifier-key") == site.runtime.log_signer.verifier_key()
    assert page.text("checkpoint-size") == f"{int(size):,} entries"
    assert page.text("checkpoint-root") == root
    assert len(base64.b64decode(root)) == 32
    for link in ('href="/log/checkpoint"', 'href="/docs"', 'href="/verify"'):
        assert link in response.text
    assert "Verify it yourself" in response.text


def test_year_filter(site: Site, seeded: Seeded) -> None:
    """The older ?year=YYYY still chooses the period YYYY (now ?period=)."""
    html = site.client.get("/?year=2025").text
    assert headline(html)["Requests received"] == str(seeded.total_2025)
    assert "Postal surveillance requests: 2025" in Tables(html).text("main")
    assert '<option value="2025" selected>' in html

    html = site.client.get("/?year=2026").text
    assert headline(html)["Requests received"] == str(seeded.total_2026)
    assert headline(html)["Share approved"] == "66.7%"
    assert headline(html) == headline(site.client.get("/?period=2026").text)

    html = site.client.get("/?year=2024").text
    assert headline(html)["Requests received"] == "0"
    assert headline(html)["Share approved"] == "\u2013"  # nothing decided: no share

    # The form's empty field means all years.
    assert headline(site.client.get("/?year=").text)["Requests received"] == str(seeded.total)
    spaced = site.client.get("/?year=%202025%20").text
    assert headline(spaced)["Requests received"] == str(seeded.total_2025)


@pytest.mark.parametrize(
    "year", ["abc", "20261", "202", "0999", "-2026", "2026.0", "٢٠٢٦", "x" * 41]
)
def test_bad_year_is_an_error_page_naming_the_field(site: Site, year: str) -> None:
    response = site.client.get("/", params={"year": year})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Invalid input</h1>" in response.text
    assert "year must be" in response.text
    assert "<code>year</code>" in response.text
    assert "Traceback" not in response.text


def test_an_unknown_page_is_an_html_404(site: Site) -> None:
    response = site.client.get("/verify/nothing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "no such page" in response.text


def test_agency_names_are_escaped(site: Site) -> None:
    """Agency names reach the page only through disclosed requests' tables; whatever
    is stored, the page renders and never carries it as markup (the tables and
    charts themselves are checked with hostile labels in tests/report)."""
    seed(site.world)
    agency_id = add_agency_with_markup(site.world)
    site.publish()
    response = site.client.get("/")
    assert response.status_code == 200
    assert AMPERSAND not in response.text  # "&" unescaped: never

    rename_agency(site.world, agency_id, HOSTILE)
    response = site.client.get("/")
    assert response.status_code == 200
    assert "<script" not in response.text
    assert "<b>Task Force" not in response.text


def test_verify_page(site: Site, seeded: Seeded) -> None:
    _ = seeded
    response = site.client.get("/verify")
    assert response.status_code == 200
    page = Tables(response.text)
    key = site.runtime.log_signer.verifier_key()
    origin = site.runtime.settings.log_origin
    base = str(site.client.base_url)
    assert page.text("verifier-key") == key
    assert page.text("log-origin") == origin
    assert page.text("cmd-verify") == f"covergate verify --key '{key}' entry.bin proof.txt"
    assert page.text("cmd-log-verify") == f"covergate log verify --from {base}/log --key '{key}'"
    assert page.text("cmd-log-monitor") == f"covergate log monitor {base}/log --key '{key}'"
    assert page.text("checkpoint-note") == " ".join(site.client.get("/log/checkpoint").text.split())
    assert key.startswith(origin + "+")


def test_empty_site(site: Site) -> None:
    html = site.client.get("/").text
    assert headline(html)["Requests received"] == "0"
    assert headline(html)["Share approved"] == "\u2013"
    page = Tables(html)
    assert page.tables["table-appendix"][1:] == [["No figures for all periods."]]
    assert page.text("verifier-key") == site.runtime.log_signer.verifier_key()
    assert site.client.get("/verify").status_code == 200


def test_pages_are_plain_and_self_contained(site: Site, seeded: Seeded) -> None:
    _ = seeded
    for path in ("/", "/verify", "/?year=2026", "/?period=2026-H1"):
        response = site.client.get(path)
        html = response.text
        assert html.startswith("<!DOCTYPE html>")
        assert '<html lang="en">' in html
        assert "<script" not in html
        # The charts' SVG namespace is a name, not a link.
        own = html.replace(str(site.client.base_url), "").replace(
            'xmlns="http://www.w3.org/2000/svg"', ""
        )
        assert "http://" not in own
        assert 'href="/static/style.css"' in html
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp
        assert "style-src 'self'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        # Every table has a caption.
        assert html.count("<table") == html.count("<caption")
    # The pages are not API operations.
    assert "/verify" not in site.client.get("/openapi.json").json()["paths"]


def test_stylesheet(site: Site) -> None:
    response = site.client.get("/static/style.css")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert "font-family" in response.text
    assert "url(" not in response.text  # no external (or any) assets
    for path in ("/static/favicon.svg", "/favicon.ico"):
        icon = site.client.get(path)
        assert icon.status_code == 200
        assert icon.headers["content-type"] == "image/svg+xml"
    for name in ("other.css", "..%2Froutes.py", "%2E%2E%2F__init__.py"):
        missing = site.client.get(f"/static/{name}")
        assert missing.status_code == 404, name
        assert missing.headers["content-type"].startswith(PROBLEM)
    missing = site.client.get("/static/other.css")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(PROBLEM)
