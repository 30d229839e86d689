"""The report's page, downloads and API agree: /, /report.json, /report/<id>.csv,
/api/v1/statistics (and its JSON Schema), on SQLite and PostgreSQL.

The runtime is real (keys, log signer, services) and the history is the web seed
(tests/web/seed.py: two years, every outcome, one disclosed request), published
with a signed checkpoint. Pages are parsed with the standard library's HTML parser.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from covergate.api import create_app
from covergate.report import export
from covergate.report.json_schema import SCHEMA_ID, report_schema
from covergate.report.routes import period_choices, table_view
from covergate.report.schemas import BAND, Period, Table
from covergate.report.service import published_report
from covergate.runtime import Runtime
from covergate.web.render import templates
from tests.api_server import PROBLEM
from tests.conftest import Database, runtime_on
from tests.web.seed import TODAY, Tables, seed
from tests.world import build_world

HTML = "text/html; charset=utf-8"
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
PERIODS = ("all", "2026", "2026-H1", "2025", "2025-H1", "2025-H2", "2024")


@dataclass
class Site:
    client: TestClient
    runtime: Runtime

    def report(self, period: str = "all") -> dict[str, Any]:
        with self.runtime.transaction() as session:
            return export.report_json(published_report(session, Period.parse(period)))


@pytest.fixture
def site(database: Database, tmp_path: Path) -> Iterator[Site]:
    with runtime_on(database, tmp_path, TODAY) as runtime:
        seed(build_world(runtime.sessions, start=TODAY))
        runtime.integrate_log()
        with TestClient(create_app(runtime, maintenance_interval=None)) as client:
            yield Site(client, runtime)


# ---- the schema, checked with the reference validator --------------------------


def violations(schema: dict[str, Any], value: Any) -> list[str]:
    """Every way ``value`` breaks ``schema`` (draft 2020-12, formats checked)."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return sorted(
        f"$.{'.'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(value)
    )


def test_the_schema_is_valid_and_refuses_what_is_wrong() -> None:
    schema = report_schema()
    Draft202012Validator.check_schema(schema)
    good: dict[str, Any] = {
        "format": export.FORMAT,
        "period": "2026-H1",
        "period_first": "2026-01-01",
        "period_last": "2026-06-30",
        "log_size": 3,
        "headline": [{"label": "Requests received", "value": 3}],
        "tables": [
            {
                "id": "by_level",
                "title": "T",
                "note": "n",
                "columns": ["Level", "Requests"],
                "rows": [["Local", "1-9"], ["State", None], ["Federal", 0.5]],
                "chart": "bar",
                "banded": True,
            }
        ],
    }
    assert violations(schema, good) == []
    bad = {**good, "format": "v0", "period": "2026-H3", "log_size": -1, "extra": 1}
    bad["tables"] = [{**good["tables"][0], "chart": "pie", "rows": [[{"x": 1}]]}]
    assert len(violations(schema, bad)) == 6
    del bad["headline"]
    assert "$.: 'headline' is a required property" in violations(schema, bad)


# ---- the JSON, the API and the schema ------------------------------------------


def test_report_json_is_the_published_report(site: Site) -> None:
    for period in PERIODS:
        response = site.client.get("/report.json", params={"period": period})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.headers["cache-control"] == "public, max-age=60"
        body = response.json()
        assert body == site.report(period)
        assert body["period"] == period
        # No token, no cookie: the statistics API is public and gives the same JSON.
        api = site.client.get("/api/v1/statistics", params={"period": period})
        assert api.status_code == 200
        assert api.json() == body
    assert site.client.get("/report.json").json()["period"] == "all"
    # The figures are those of the signed checkpoint's entries.
    size = int(site.client.get("/log/checkpoint").text.split("\n")[1])
    assert site.client.get("/report.json").json()["log_size"] == size


def test_the_json_follows_its_schema(site: Site) -> None:
    response = site.client.get("/api/v1/statistics/schema.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema == report_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    for period in PERIODS:
        body = site.client.get("/api/v1/statistics", params={"period": period}).json()
        assert violations(schema, body) == [], period
        assert body["tables"], period


def test_the_api_is_documented_with_its_schema(site: Site) -> None:
    paths = site.client.get("/openapi.json").json()["paths"]
    statistics = paths["/api/v1/statistics"]["get"]
    assert "security" not in statistics
    documented = statistics["responses"]["200"]["content"]["application/json"]["schema"]
    expected = report_schema()
    del expected["$schema"], expected["$id"]
    assert documented == expected
    assert [p["name"] for p in statistics["parameters"]] == ["period"]
    assert "422" in statistics["responses"]
    assert "/api/v1/statistics/schema.json" in paths
    # The downloads are files of the page, not API operations.
    assert "/report.json" not in paths
    assert "/report/{table}.csv" not in paths


# ---- the CSV downloads ---------------------------------------------------------


def test_every_table_downloads_as_csv(site: Site) -> None:
    for period in ("all", "2026-H1"):
        report = site.report(period)
        for table in report["tables"]:
            response = site.client.get(f"/report/{table['id']}.csv", params={"period": period})
            assert response.status_code == 200, response.text
            assert response.headers["content-type"] == "text/csv; charset=utf-8"
            assert response.headers["content-disposition"] == (
                f'attachment; filename="covergate-{table["id"]}-{period}.csv"'
            )
            lines = list(csv.reader(io.StringIO(response.text)))
            assert lines[0] == table["columns"]
            assert lines[1:] == [
                ["" if cell is None else str(cell) for cell in row] for row in table["rows"]
            ]
    assert (
        site.client.get("/report/trend.csv")
        .headers["content-disposition"]
        .endswith('filename="covergate-trend-all.csv"')
    )


@pytest.mark.parametrize("path", ["/report.json", "/report/trend.csv", "/api/v1/statistics"])
@pytest.mark.parametrize("period", ["2026-H3", "soon", "26", "", "x" * 300, "2026-h1"])
def test_a_bad_period_is_a_422_naming_it(site: Site, path: str, period: str) -> None:
    response = site.client.get(path, params={"period": period})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["field"] == "period"
    assert "is not 'all', a year (2026) or a half-year (2026-H1)" in problem["detail"]


def test_an_unknown_table_is_a_404_naming_it(site: Site) -> None:
    response = site.client.get("/report/nothing.csv")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["detail"].startswith("no table 'nothing' in the report")
    assert "trend" in response.json()["detail"]  # it lists the tables there are
    assert site.client.get("/report/trend.txt").status_code == 404


def test_a_browser_gets_the_html_error_page(site: Site) -> None:
    for path, status, words in (
        ("/report/nothing.csv", 404, "no table &#39;nothing&#39;"),
        ("/report.json?period=2026-H3", 422, "is not &#39;all&#39;"),
        ("/report/trend.csv?period=soon", 422, "is not &#39;all&#39;"),
        ("/?period=2026-H3", 422, "is not &#39;all&#39;"),
        ("/?year=soon", 422, "year must be"),
    ):
        response = site.client.get(path, headers=BROWSER)
        assert response.status_code == status, path
        assert response.headers["content-type"] == HTML, path
        assert words in response.text, path
        assert "Traceback" not in response.text
    # "/" is a page whatever the client asks for.
    assert site.client.get("/?period=2026-H3").headers["content-type"] == HTML


# ---- the page shows what the JSON says -----------------------------------------


def _shown(cell: Any, column: str = "") -> str:
    """A JSON cell as the page must show it (under a share's column, a percentage)."""
    if cell is None:
        return "\u2013"
    if isinstance(cell, int):
        return f"{cell:,}"
    if isinstance(cell, float) and "share" in column.lower():
        return f"{cell * 100:.1f}%"
    return repr(cell) if isinstance(cell, float) else str(cell)


@pytest.mark.parametrize("period", ["all", "2026-H1", "2025"])
def test_the_page_shows_the_json_cell_by_cell(site: Site, period: str) -> None:
    response = site.client.get("/", params={"period": period})
    assert response.status_code == 200
    page = Tables(response.text)
    report = site.client.get("/report.json", params={"period": period}).json()
    # The headline, figure by figure (a share as a percentage).
    assert len(report["headline"]) >= 5
    for n, item in enumerate(report["headline"], start=1):
        value = item["value"]
        assert page.text(f"headline-{n}") == _shown(value, item["label"]), item
    assert f">{report['headline'][0]['label']}</dt>" in response.text
    # Every table, cell by cell: the header, then each row.
    for table in report["tables"]:
        shown = page.tables[f"table-{table['id']}"]
        assert shown[0] == table["columns"], table["id"]
        if table["rows"]:
            expected = [
                [_shown(row[0]), *(map(_shown, row[1:], table["columns"][1:]))]
                for row in table["rows"]
            ]
            assert shown[1:] == expected, table["id"]
        else:
            assert len(shown) == 2, table["id"]  # the "No figures" row
        assert f'href="/report/{table["id"]}.csv?period={period}"' in response.text
    assert len(page.tables) == len(report["tables"])
    assert page.text("report-log-size") == f"{report['log_size']:,}"


def test_the_page_draws_a_chart_per_charted_table(site: Site) -> None:
    html = site.client.get("/").text
    report = site.report()
    # A table with no rows has nothing to draw: its "No figures" row says so.
    charted = [t for t in report["tables"] if t["chart"] and t["rows"] and t["id"] != "appendix"]
    assert charted
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') == (
        len(charted)
    )
    for table in charted:
        slug = table["id"].replace("_", "-")
        assert f'aria-labelledby="{slug}-chart-title"' in html
    # The appendix is long: it is folded away, with its CSV link.
    appendix = html[html.index('id="report-appendix"') :]
    assert appendix.index("<details>") < appendix.index('id="table-appendix"')
    assert 'href="/report/appendix.csv?period=all"' in appendix


def test_the_page_says_how_to_recount(site: Site) -> None:
    response = site.client.get("/", params={"period": "2026-H1"})
    page = Tables(response.text)
    key = site.runtime.log_signer.verifier_key()
    base = str(site.client.base_url)
    assert page.text("cmd-report") == (
        f"covergate report --from {base}/log --key '{key}' --period 2026-H1 "
        f"--compare '{base}/report.json?period=2026-H1'"
    )
    size = site.client.get("/report.json?period=2026-H1").json()["log_size"]
    assert f"computed from the first {size:,} entries of the log" in page.text("log-basis")
    assert "1-9" in page.text("band-note")
    assert 'href="/report.json?period=2026-H1"' in response.text
    assert "<script" not in response.text


def test_the_period_chooser(site: Site) -> None:
    html = site.client.get("/").text
    options = re.findall(r'<option value="([^"]+)"( selected)?>', html)
    # The seed has requests in 2025-H1 and 2026-H1 (the clock's today: 2 January 2026).
    assert [value for value, _ in options] == [
        "all",
        "2026",
        "2026-H1",
        "2025",
        "2025-H2",
        "2025-H1",
    ]
    assert [value for value, selected in options if selected] == ["all"]
    assert '<form class="year period" method="get" action="/"' in html
    assert "<h1>Postal surveillance requests: all periods</h1>" in html

    chosen = site.client.get("/", params={"period": "2025-H1"}).text
    assert '<option value="2025-H1" selected>' in chosen
    assert "<h1>Postal surveillance requests: January to June 2025</h1>" in chosen
    # The older ?year= still works; ?period= wins when both are given.
    by_year = site.client.get("/", params={"year": "2025"}).text
    assert '<option value="2025" selected>' in by_year
    assert "<h1>Postal surveillance requests: 2025</h1>" in by_year
    both = site.client.get("/", params={"year": "2025", "period": "2026"}).text
    assert "<h1>Postal surveillance requests: 2026</h1>" in both
    # A period with nothing in it is still offered while it is shown.
    empty = site.client.get("/", params={"period": "2019-H2"}).text
    assert '<option value="2019-H2" selected>' in empty


def test_period_choices() -> None:
    choices = [
        p.label for p in period_choices(date(2025, 8, 1), date(2026, 2, 1), Period.parse("all"))
    ]
    assert choices == ["all", "2026", "2026-H1", "2025", "2025-H2"]
    assert [p.label for p in period_choices(None, None, Period.parse("2024"))] == ["all", "2024"]


def test_table_labels_are_escaped_on_the_page() -> None:
    """Whatever a label holds (an agency name in the appendix), the page shows it as
    text: the table's template and its inline chart escape it."""
    hostile = '<script>alert("x")</script> & <b>Task Force</b>'
    table = Table(
        "by_agency",
        "Disclosed requests, by agency",
        "n",
        ("Agency", "Requests"),
        ((hostile, BAND), ("Bay & Delta Sheriff's Office", 12)),
        chart="bar",
        banded=True,
    )
    period = Period.parse("2026-H1")
    html = (
        templates()
        .get_template("report_table.html")
        .render(view=table_view(table, period), band=BAND, period_words="January to June 2026")
    )
    assert "<script" not in html
    assert "<b>Task Force" not in html
    assert html.count("&lt;script&gt;") == 3  # the table, the chart's label and its <desc>
    rows = Tables(html).rows("table-by_agency")
    assert rows[hostile] == [BAND]
    assert rows["Bay & Delta Sheriff's Office"] == ["12"]
    assert 'href="/report/by_agency.csv?period=2026-H1"' in html


def test_the_page_shows_the_first_rows_of_a_long_appendix_and_says_so() -> None:
    from covergate.report.routes import PAGE_APPENDIX_ROWS

    rows = tuple((f"{i:032x}", "FBI") for i in range(PAGE_APPENDIX_ROWS + 7))
    table = Table("appendix", "Every request", "one row each", ("Request", "Agency"), rows)
    long = table_view(table, Period.parse("all"))
    assert (len(long.rows), long.total_rows, long.cut) == (PAGE_APPENDIX_ROWS, len(rows), True)
    html = (
        templates()
        .get_template("report_table.html")
        .render(view=long, band=BAND, period_words="all periods")
    )
    assert f"the first {PAGE_APPENDIX_ROWS} of {len(rows)} rows" in html
    assert "the CSV below has all" in html
    short = table_view(Table("by_kind", "K", "n", ("Kind", "N"), rows), Period.parse("all"))
    assert (len(short.rows), short.cut) == (len(rows), False)


def test_the_statistics_need_no_token(site: Site) -> None:
    """Public by design: no Authorization header, and a bad one is not even looked at."""
    for headers in ({}, {"Authorization": "Bearer cg_not-a-real-token"}):
        response = site.client.get("/api/v1/statistics", headers=headers)
        assert response.status_code == 200
        assert response.json()["format"] == "covergate-report/v1"
