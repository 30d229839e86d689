"""The report's charts as server-rendered SVG: no script, no fonts, no external files.

The public page inlines each chart next to the table it draws, so the numbers are
always there as text too. Each SVG is an image with a text alternative
(``role="img"``, ``<title>``, ``<desc>`` saying the numbers in words), scales with
its ``viewBox``, uses colours of at least 3:1 contrast against white, and never
relies on colour alone: bars carry their value as a direct label, banded cells
("1-9") are hatched, and each line of a trend has its own dash pattern and marker
shape, repeated in the legend. Every label is XML-escaped, and characters XML
cannot hold are dropped, so any :class:`Table` renders well-formed XML.

>>> from covergate.report.schemas import Table
>>> svg = bar_chart(Table("t", "By level", "n", ("level", "requests"), (("Local", 3),)))
>>> svg.startswith("<svg") and "Local: 3" in svg
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from covergate.report.schemas import BAND, Cell, Table

__all__ = ["BAND_VALUE", "COLOURS", "bar_chart", "chart", "format_cell", "trend_chart"]

#: Where a banded cell's bar ends: the middle of 1..9, drawn hatched.
BAND_VALUE = 5
#: Contrast against white: 7.0, 5.9, 5.1, 8.6, 5.6, 9.0 (WCAG non-text needs 3:1).
COLOURS = ("#1d4f91", "#a14a00", "#2b6e2f", "#5b2a86", "#b3261e", "#37474f")
_DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
_MARKERS = ("circle", "square", "triangle", "diamond", "cross", "bar")
_INK = "#1a1a1a"
_GRID = "#c8c8c8"
_WIDTH = 640
_LABEL_WIDTH = 270
_ROW = 26
_MAX_LABEL = 34
# XML 1.0 forbids these characters even escaped (control characters, surrogates, FFFE/F).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SLUG = re.compile(r"[^a-z0-9-]+")


def _text(value: object) -> str:
    return escape(_NOT_XML.sub("", str(value)))


def _attr(value: object) -> str:
    return quoteattr(_NOT_XML.sub("", str(value)))


def _number(cell: Cell) -> float | None:
    """A cell's drawable value: a finite number, or BAND_VALUE for a band."""
    if cell == BAND:
        return float(BAND_VALUE)
    if isinstance(cell, bool) or not isinstance(cell, int | float):
        return None
    value = float(cell)
    return value if math.isfinite(value) else None


def format_cell(cell: Cell) -> str:
    """How a cell reads on the page and in a chart: ``1,234``, ``0.75``, ``1-9``, ``-``."""
    if cell is None:
        return "\u2013"
    if isinstance(cell, bool):
        return str(cell).lower()
    if isinstance(cell, int):
        return f"{cell:,}"
    if isinstance(cell, float):
        return repr(cell) if math.isfinite(cell) else "\u2013"
    return str(cell)


def _spoken(cell: Cell) -> str:
    """A cell in the text alternative: bands in words, absent cells as 'no figure'."""
    if cell == BAND:
        return "between 1 and 9"
    if _number(cell) is None and not isinstance(cell, str):
        return "no figure"
    return format_cell(cell)


def _short(label: str) -> str:
    return label if len(label) <= _MAX_LABEL else label[: _MAX_LABEL - 1] + "\u2026"


def _slug(table: Table) -> str:
    return _SLUG.sub("-", table.id.lower()).strip("-") or "table"


def _numeric_columns(table: Table) -> list[int]:
    """The columns after the first with at least one drawable cell."""
    return [
        i
        for i in range(1, len(table.columns))
        if any(i < len(row) and _number(row[i]) is not None for row in table.rows)
    ]


def _cell(row: Sequence[Cell], i: int) -> Cell:
    return row[i] if i < len(row) else None


def _label(row: Sequence[Cell]) -> str:
    return "" if not row or row[0] is None else str(row[0])


def _nice_max(top: float) -> tuple[float, float]:
    """(axis maximum, tick step): a 1-2-5 step giving at most five ticks."""
    if top <= 0:
        return 1.0, 1.0
    step = 10.0 ** math.floor(math.log10(top / 5)) if top >= 5 else 1.0
    for factor in (1, 2, 5, 10):  # top / (10 * step) < 1: the loop always breaks
        if top / (step * factor) <= 5:
            step *= factor
            break
    axis = math.ceil(top / step) * step
    if not math.isfinite(axis):  # a figure near the largest float: no rounding up
        return top, top
    return axis, step


def _ticks(top: float, step: float) -> list[float]:
    return [n * step for n in range(round(top / step) + 1)]


def _tick(value: float) -> str:
    return f"{int(value):,}" if value == int(value) else f"{value:g}"


@dataclass(frozen=True)
class _Frame:
    """The opening of an SVG: its ids, its size and its text alternative."""

    slug: str
    width: int
    height: int
    title: str
    desc: str

    def open(self) -> str:
        title_id, desc_id = f"{self.slug}-chart-title", f"{self.slug}-chart-desc"
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'viewBox="0 0 {self.width} {self.height}" '
            f'aria-labelledby="{title_id}" aria-describedby="{desc_id}" '
            f'font-family="system-ui, sans-serif" font-size="13">'
            f'<title id="{title_id}">{_text(self.title)}</title>'
            f'<desc id="{desc_id}">{_text(self.desc)}</desc>'
        )


def _empty(frame: _Frame) -> str:
    return (
        frame.open() + f'<text x="{frame.width // 2}" y="{frame.height // 2}" '
        f'text-anchor="middle" fill="{_INK}">No figures to draw.</text></svg>'
    )


def _hatch(pattern_id: str, colour: str) -> str:
    return (
        f'<pattern id="{pattern_id}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<rect width="3" height="6" fill="{colour}"/></pattern>'
    )


def bar_chart(table: Table) -> str:
    """Horizontal bars of the first numeric column, one per row, each labelled.

    A banded cell ("1-9") is a hatched bar to BAND_VALUE labelled "1-9"; a cell
    with no figure has no bar and reads "no figure".
    """
    slug = _slug(table)
    columns = _numeric_columns(table)
    title = f"{table.title}: bar chart"
    height = 40 + _ROW * max(len(table.rows), 1) + 30
    if not columns or not table.rows:
        return _empty(_Frame(slug, _WIDTH, 80, title, f"{table.title}: no figures."))
    col = columns[0]
    measure = table.columns[col]
    values = [_number(_cell(row, col)) for row in table.rows]
    top, step = _nice_max(max([*(v for v in values if v is not None), 0.0]))
    desc = f"{table.title}, {measure} by {table.columns[0]}: " + "; ".join(
        f"{_label(row)}: {_spoken(_cell(row, col))}" for row in table.rows
    )
    frame = _Frame(slug, _WIDTH, height, title, desc + ".")
    plot = _WIDTH - _LABEL_WIDTH - 70  # room on the right for the value labels
    hatch = f"{slug}-band"
    parts = [frame.open(), f"<defs>{_hatch(hatch, COLOURS[0])}</defs>"]
    parts.append(
        f'<text x="{_LABEL_WIDTH}" y="20" fill="{_INK}" font-weight="bold">{_text(measure)}</text>'
    )
    base = 32
    bottom = base + _ROW * len(table.rows)
    for tick in _ticks(top, step):
        x = _LABEL_WIDTH + plot * (tick / top)
        parts.append(
            f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{bottom}" stroke="{_GRID}"/>'
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" fill="{_INK}" '
            f'font-size="11">{_tick(tick)}</text>'
        )
    for n, (row, value) in enumerate(zip(table.rows, values, strict=True)):
        y = base + _ROW * n
        cell = _cell(row, col)
        parts.append(
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end" fill="{_INK}">'
            f"{_text(_short(_label(row)))}</text>"
        )
        width = 0.0 if value is None else plot * (max(value, 0.0) / top)
        fill = f"url(#{hatch})" if cell == BAND else COLOURS[0]
        if value is not None:
            parts.append(
                f'<rect x="{_LABEL_WIDTH}" y="{y + 4}" width="{width:.1f}" height="{_ROW - 8}" '
                f'fill="{fill}" stroke="{COLOURS[0]}"/>'
            )
        shown = "no figure" if value is None else format_cell(cell)
        parts.append(
            f'<text x="{_LABEL_WIDTH + width + 6:.1f}" y="{y + 17}" fill="{_INK}">'
            f"{_text(shown)}</text>"
        )
    parts.append(
        f'<line x1="{_LABEL_WIDTH}" y1="{base}" x2="{_LABEL_WIDTH}" y2="{bottom}" '
        f'stroke="{_INK}"/></svg>'
    )
    return "".join(parts)


def _polygon(points: Sequence[tuple[float, float]], colour: str) -> str:
    text = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return f'<polygon points="{text}" fill="{colour}"/>'


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    """A series' marker: its shape tells it apart without its colour."""
    r = 4.5
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}"/>'
    if shape == "square":
        return _polygon(((x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)), colour)
    if shape == "triangle":
        return _polygon(((x, y - r - 1), (x - r - 1, y + r), (x + r + 1, y + r)), colour)
    if shape == "diamond":
        d = r + 1
        return _polygon(((x, y - d), (x + d, y), (x, y + d), (x - d, y)), colour)
    if shape == "cross":
        return (
            f'<path d="M{x - r:.1f} {y - r:.1f}L{x + r:.1f} {y + r:.1f}M{x - r:.1f} {y + r:.1f}'
            f'L{x + r:.1f} {y - r:.1f}" stroke="{colour}" stroke-width="2.5"/>'
        )
    return _polygon(
        ((x - 1.5, y - r - 1), (x + 1.5, y - r - 1), (x + 1.5, y + r + 1), (x - 1.5, y + r + 1)),
        colour,
    )


def trend_chart(table: Table) -> str:
    """One line per numeric column across the rows (half-years), with a legend.

    Series differ by colour, dash pattern and marker shape, and the legend shows
    all three; a single half-year is drawn as markers alone.
    """
    slug = _slug(table)
    columns = _numeric_columns(table)
    title = f"{table.title}: trend chart"
    if not columns or not table.rows:
        return _empty(_Frame(slug, _WIDTH, 80, title, f"{table.title}: no figures."))
    legend_rows = math.ceil(len(columns) / 3)
    plot_top, plot_height, left = 20 + 22 * legend_rows, 200, 56
    width = max(_WIDTH, left + 30 + 56 * len(table.rows))
    height = plot_top + plot_height + 46
    points = [[_number(_cell(row, c)) for row in table.rows] for c in columns]
    drawn = [v for series in points for v in series if v is not None]
    top, step = _nice_max(max([*drawn, 0.0]))
    desc = f"{table.title}, by {table.columns[0]}: " + ". ".join(
        f"{table.columns[c]}: "
        + ", ".join(f"{_label(row)} {_spoken(_cell(row, c))}" for row in table.rows)
        for c in columns
    )
    frame = _Frame(slug, width, height, title, desc + ".")
    parts = [frame.open()]
    plot_width = width - left - 30
    gap = plot_width / max(len(table.rows), 1)
    bottom = plot_top + plot_height

    def x_of(n: int) -> float:
        return left + gap * (n + 0.5)

    def y_of(value: float) -> float:
        return bottom - plot_height * (max(value, 0.0) / top)

    for tick in _ticks(top, step):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" '
            f'stroke="{_GRID}"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'fill="{_INK}" font-size="11">{_tick(tick)}</text>'
        )
    for n, row in enumerate(table.rows):
        parts.append(
            f'<text x="{x_of(n):.1f}" y="{bottom + 18}" text-anchor="middle" fill="{_INK}" '
            f'font-size="11">{_text(_short(_label(row)))}</text>'
        )
    for k, (c, series) in enumerate(zip(columns, points, strict=True)):
        colour, dash, shape = (
            COLOURS[k % len(COLOURS)],
            _DASHES[k % len(_DASHES)],
            _MARKERS[k % len(_MARKERS)],
        )
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        segment: list[str] = []
        for n, value in enumerate([*series, None]):
            if value is not None:
                segment.append(f"{x_of(n):.1f},{y_of(value):.1f}")
                continue
            if len(segment) > 1:
                parts.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.5"{dashed}/>'
                )
            segment = []
        for n, value in enumerate(series):
            if value is not None:
                parts.append(_marker(shape, x_of(n), y_of(value), colour))
        lx, ly = left + 200 * (k % 3), 16 + 22 * (k // 3)
        parts.append(
            f'<line x1="{lx}" y1="{ly}" x2="{lx + 30}" y2="{ly}" stroke="{colour}" '
            f'stroke-width="2.5"{dashed}/>{_marker(shape, lx + 15, ly, colour)}'
            f'<text x="{lx + 38}" y="{ly + 4}" fill="{_INK}">'
            f"{_text(_short(table.columns[c]))}</text>"
        )
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{left + plot_width}" y2="{bottom}" '
        f'stroke="{_INK}"/></svg>'
    )
    return "".join(parts)


def chart(table: Table) -> str | None:
    """The chart the table asks for (``table.chart``), or None."""
    if table.chart == "bar":
        return bar_chart(table)
    if table.chart == "trend":
        return trend_chart(table)
    return None
