"""The report's SVG charts (report.charts): well-formed, accessible, escaped, exact.

Pure: tables are built by hand. The property tests throw any Table at the charts
(any labels, any cells) and parse the result with xml.etree.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from covergate.report.charts import (
    BAND_VALUE,
    COLOURS,
    bar_chart,
    chart,
    format_cell,
    trend_chart,
)
from covergate.report.schemas import BAND, Cell, Table

SVG = "{http://www.w3.org/2000/svg}"

LEVELS = Table(
    "by-level",
    "Requests by level",
    "Counted by the month of submission; cells under 10 are shown as 1-9.",
    ("Level", "Requests", "Approved"),
    (("Federal", 12, 10), ("State", BAND, BAND), ("Local", 0, 0)),
    chart="bar",
    banded=True,
)
TREND = Table(
    "trend",
    "Requests by half-year",
    "Counted by the month of each event.",
    ("Half-year", "Received", "Approved", "Denied"),
    (("2025-H2", 3, 2, 1), ("2026-H1", 12, 8, None)),
    chart="trend",
)


def _parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 (our own output, parsed to check it)
    assert root.tag == f"{SVG}svg"
    return root


def _alt(root: ET.Element) -> tuple[str, str]:
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    return title.text or "", desc.text or ""


def _bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("stroke") == COLOURS[0]]


def test_bar_chart_draws_the_first_numeric_column() -> None:
    root = _parse(bar_chart(LEVELS))
    assert root.get("role") == "img"
    assert root.get("viewBox", "").startswith("0 0 640 ")
    assert root.get("width") is None  # it scales: the size is the viewBox's
    title, desc = _alt(root)
    assert title == "Requests by level: bar chart"
    assert desc == (
        "Requests by level, Requests by Level: Federal: 12; State: between 1 and 9; Local: 0."
    )
    federal, state, local = _bars(root)
    # Federal is the longest bar; the band is a hatched bar at 5 of the same scale.
    assert float(federal.get("width", 0)) > float(state.get("width", 0)) > 0
    # The axis runs to 15 (a 1-2-5 step of 5): the band is 5/12 of the 12 bar.
    ratio = float(state.get("width", 0)) / float(federal.get("width", 0))
    assert abs(ratio - BAND_VALUE / 12) < 0.01
    assert state.get("fill") == "url(#by-level-band)"
    assert federal.get("fill") == COLOURS[0]
    assert float(local.get("width", 1)) == 0
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Federal", "State", "Local", "12", BAND, "0"} <= set(texts)
    # The hatch pattern is defined in the same SVG, with an id unique to the table.
    assert [p.get("id") for p in root.iter(f"{SVG}pattern")] == ["by-level-band"]
    assert root.get("aria-labelledby") == "by-level-chart-title"
    assert root.get("aria-describedby") == "by-level-chart-desc"


def test_bar_lengths_are_proportional() -> None:
    table = Table("t", "T", "n", ("Reason", "Refused"), (("a", 40), ("b", 10), ("c", 20)))
    widths = [float(b.get("width", 0)) for b in _bars(_parse(bar_chart(table)))]
    assert widths[0] == 4 * widths[1] == 2 * widths[2]


def test_trend_chart_has_a_line_and_a_legend_entry_per_column() -> None:
    root = _parse(trend_chart(TREND))
    title, desc = _alt(root)
    assert title == "Requests by half-year: trend chart"
    assert desc == (
        "Requests by half-year, by Half-year: Received: 2025-H2 3, 2026-H1 12. "
        "Approved: 2025-H2 2, 2026-H1 8. Denied: 2025-H2 1, 2026-H1 no figure."
    )
    lines = list(root.iter(f"{SVG}polyline"))
    # Denied has one point only (2026-H1 has no figure): markers, no line.
    assert len(lines) == 2
    # Told apart without colour: each series has its own dash pattern.
    assert len({line.get("stroke-dasharray") for line in lines}) == 2
    assert len({line.get("stroke") for line in lines}) == 2
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Received", "Approved", "Denied", "2025-H2", "2026-H1"} <= set(texts)


def test_chart_follows_the_table() -> None:
    assert chart(LEVELS) == bar_chart(LEVELS)
    assert chart(TREND) == trend_chart(TREND)
    assert chart(Table("x", "X", "n", ("a", "b"), (("r", 1),))) is None


def test_nothing_to_draw_is_still_an_image_with_a_text() -> None:
    for table in (
        Table("e", "Empty", "n", ("Level", "Requests"), ()),
        Table("w", "Words", "n", ("Request", "Agency"), (("r1", "FBI"),)),
    ):
        for draw in (bar_chart, trend_chart):
            root = _parse(draw(table))
            assert root.get("role") == "img"
            assert _alt(root)[1] == f"{table.title}: no figures."


def test_labels_are_escaped() -> None:
    hostile = '<script>alert("x")</script> & <b>'
    table = Table("by-agency", hostile, hostile, ("Agency", hostile), ((hostile, 3),), chart="bar")
    for svg in (bar_chart(table), trend_chart(table)):
        assert "<script" not in svg
        assert "<b>" not in svg
        root = _parse(svg)
        assert hostile[:27] in "".join(t.text or "" for t in root.iter(f"{SVG}text"))
        assert _alt(root)[0].startswith(hostile)


def test_colours_contrast_with_white() -> None:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in COLOURS:
        assert 1.05 / (luminance(colour) + 0.05) >= 4.5, colour  # well above 3:1


def test_format_cell() -> None:
    assert [format_cell(c) for c in (1234, 0.75, BAND, None, "Local", 30.5)] == [
        "1,234",
        "0.75",
        BAND,
        "\u2013",
        "Local",
        "30.5",
    ]


_CELLS: st.SearchStrategy[Cell] = st.one_of(
    st.none(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just(BAND),
    st.text(max_size=30),
)
_TEXT = st.text(max_size=60)


@st.composite
def _tables(draw: st.DrawFn) -> Table:
    width = draw(st.integers(min_value=1, max_value=6))
    columns = tuple(draw(st.lists(_TEXT, min_size=width, max_size=width)))
    rows = draw(
        st.lists(
            st.tuples(_TEXT, *[_CELLS] * (width - 1)).map(tuple),
            max_size=12,
        )
    )
    return Table(
        id=draw(st.text(max_size=20)),
        title=draw(_TEXT),
        note=draw(_TEXT),
        columns=columns,
        rows=tuple(rows),
        chart=draw(st.sampled_from(["bar", "trend", None])),
        banded=draw(st.booleans()),
    )


_ID = re.compile(r"[a-z0-9-]+")


def _surrogate(ch: str) -> bool:
    return "\ud800" <= ch <= "\udfff"


@settings(max_examples=150, deadline=None)
@given(_tables())
def test_any_table_renders_well_formed_accessible_svg(table: Table) -> None:
    for svg in (bar_chart(table), trend_chart(table)):
        root = _parse(svg)  # raises on anything that is not well-formed XML
        assert root.get("role") == "img"
        title, desc = _alt(root)
        assert title
        assert desc
        for element in root.iter():
            ident = element.get("id")
            if ident is not None:
                assert _ID.fullmatch(ident), ident
        for attr in ("x", "y", "width", "height", "x1", "x2", "y1", "y2", "cx", "cy"):
            for element in root.iter():
                value = element.get(attr)
                if value is not None:
                    number = float(value)
                    assert abs(number) < 1e7, (attr, value)  # finite, and not NaN
        assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox", ""))


@settings(max_examples=100, deadline=None)
@given(_tables())
def test_every_row_is_in_the_text_alternative(table: Table) -> None:
    """The <desc> names each row's label (as XML can hold it) when anything is drawn."""
    root = _parse(bar_chart(table))
    desc = _alt(root)[1]
    if desc.endswith("no figures."):
        return
    for row in table.rows:
        label = "".join(
            ch
            for ch in str(row[0])
            if ch in "\t\n\r" or (ch >= " " and ch not in "\ufffe\uffff" and not _surrogate(ch))
        )
        label = label.replace("\r\n", "\n").replace("\r", "\n")  # as XML parsers read it
        assert label in desc
