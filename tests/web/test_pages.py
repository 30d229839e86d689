"""The public pages through FastAPI's TestClient, on SQLite and PostgreSQL.

The runtime is real (keys, log signer, services); the history comes from
``tests.web.seed``. Pages are parsed with the standard library's HTML parser.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from covergate.api import create_app
from covergate.clock import FixedClock
from covergate.config import Settings
from covergate.runtime import Runtime
from tests.api_server import PROBLEM
from tests.conftest import Database
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
from tests.world import DEA, FBI, World, build_world


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
    clock = FixedClock()
    clock.set_date(TODAY)
    settings = Settings(data_dir=tmp_path, database_url=database.url)
    runtime = Runtime.open(settings, clock=clock, create=True, run_migrations=False)
    try:
        world = build_world(runtime.sessions, start=TODAY)
        with TestClient(create_app(runtime, maintenance_interval=None)) as client:
            yield Site(client, runtime, world)
    finally:
        runtime.close()


@pytest.fixture
def seeded(site: Site) -> Seeded:
    figures = seed(site.world)
    site.publish()
    return figures


def test_report_shows_the_counts(site: Site, seeded: Seeded) -> None:
    page = site.page("/")
    assert page.text("total") == str(seeded.total)
    assert page.text("approval-rate") == "75.0%"  # 3 approved, 1 denied; pending left out
    assert page.rows("outcomes") == {
        "Outcome": ["Requests"],
        "Approved (in whole or in part)": ["3"],
        "Denied": ["1"],
        "Pending": ["1"],
        "Total": ["5"],
    }
    # Agency table: requests, approved, denied, pending; most requests first.
    agencies = page.tables["by-agency"]
    assert agencies[0] == ["Agency", "Requests", "Approved", "Denied", "Pending"]
    assert agencies[1:] == [[FBI, "4", "3", "0", "1"], [DEA, "1", "0", "1", "0"]]
    assert page.rows("by-ground")["Crime"] == ["5", "3", "1", "1"]
    assert page.rows("by-process")["Court order"] == ["4", "2", "1", "1"]
    assert page.rows("by-process")["Subpoena"] == ["1", "1", "0", "0"]
    assert page.rows("by-kind")["Mail cover"] == ["4", "2", "1", "1"]
    assert page.rows("by-kind")["Postal customer records"] == ["1", "1", "0", "0"]
    assert page.rows("refused")["The request was not active"] == ["1"]


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
    page = site.page("/?year=2025")
    assert page.text("total") == str(seeded.total_2025)
    assert page.tables["by-agency"][1:] == [[FBI, "1", "1", "0", "0"]]
    assert "received in 2025" in page.text("main")
    assert 'value="2025"' in site.client.get("/?year=2025").text

    page = site.page("/?year=2026")
    assert page.text("total") == str(seeded.total_2026)
    assert page.text("approval-rate") == "66.7%"
    assert page.tables["by-agency"][1:] == [[FBI, "3", "2", "0", "1"], [DEA, "1", "0", "1", "0"]]

    page = site.page("/?year=2024")
    assert page.text("total") == "0"
    assert page.text("approval-rate") == "n/a"
    assert page.tables["by-agency"][1:] == [["No requests received in 2024."]]

    # The form's empty field means all years.
    assert site.page("/?year=").text("total") == str(seeded.total)
    assert site.page("/?year=%202025%20").text("total") == str(seeded.total_2025)


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
    seed(site.world)
    agency_id = add_agency_with_markup(site.world)
    html = site.client.get("/").text
    assert "Bay &amp; Delta Sheriff&#39;s Office" in html
    assert Tables(html).rows("by-agency")[AMPERSAND] == ["1", "0", "0", "1"]

    rename_agency(site.world, agency_id, HOSTILE)
    response = site.client.get("/")
    assert response.status_code == 200
    assert "<script" not in response.text
    assert "<b>Task Force" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;" in response.text
    # Escaped, not mangled: the parser reads back the exact name.
    assert Tables(response.text).rows("by-agency")[HOSTILE] == ["1", "0", "0", "1"]


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
    page = site.page("/")
    assert page.text("total") == "0"
    assert page.text("approval-rate") == "n/a"
    assert page.tables["refused"][1:] == [["No observation has been refused."]]
    assert page.text("verifier-key") == site.runtime.log_signer.verifier_key()
    assert site.client.get("/verify").status_code == 200


def test_pages_are_plain_and_self_contained(site: Site, seeded: Seeded) -> None:
    _ = seeded
    for path in ("/", "/verify", "/?year=2026"):
        response = site.client.get(path)
        html = response.text
        assert html.startswith("<!DOCTYPE html>")
        assert '<html lang="en">' in html
        assert "<script" not in html
        assert "http://" not in html.replace(str(site.client.base_url), "")
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
