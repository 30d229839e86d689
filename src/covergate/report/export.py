"""The report as JSON (``/report.json``, ``covergate report --json``) and as CSV tables.

The JSON is the comparison format: ``covergate report --compare URL`` recounts
from the log, renders the same JSON and lists every difference
(:func:`differences`). Its shape (``format`` ``covergate-report/v1``)::

    {"format": "covergate-report/v1", "period": "2026-H1",
     "period_first": "2026-01-01", "period_last": "2026-06-30", "log_size": 1234,
     "headline": [{"label": "Requests received", "value": 412}, ...],
     "tables": [{"id": "outcomes", "title": ..., "note": ..., "columns": [...],
                 "rows": [[...], ...], "chart": "bar", "banded": false}, ...]}

>>> from covergate.report.schemas import Period, Report, Table
>>> t = Table("t", "T", "counted so", ("level", "requests"), (("local", 3),))
>>> print(table_csv(t), end="")
level,requests
local,3
"""

from __future__ import annotations

import csv
import io
from typing import Any

from covergate.report.schemas import Report, Table

__all__ = ["FORMAT", "differences", "report_json", "table_csv", "table_json"]

FORMAT = "covergate-report/v1"


def table_json(table: Table) -> dict[str, Any]:
    return {
        "id": table.id,
        "title": table.title,
        "note": table.note,
        "columns": list(table.columns),
        "rows": [list(row) for row in table.rows],
        "chart": table.chart,
        "banded": table.banded,
    }


def report_json(report: Report) -> dict[str, Any]:
    first, last = report.period.first, report.period.last
    return {
        "format": FORMAT,
        "period": report.period.label,
        "period_first": first.isoformat() if first else None,
        "period_last": last.isoformat() if last else None,
        "log_size": report.log_size,
        "headline": [{"label": label, "value": value} for label, value in report.headline],
        "tables": [table_json(table) for table in report.tables],
    }


def table_csv(table: Table) -> str:
    """RFC 4180 CSV (header row, then one line per row; an empty cell for None)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    return out.getvalue()


def differences(published: Any, recounted: Any, where: str = "report") -> list[str]:
    """Every place two report JSONs differ, as ``where: published X, recounted Y`` lines."""
    if isinstance(published, dict) and isinstance(recounted, dict):
        found: list[str] = []
        for key in sorted(set(published) | set(recounted)):
            if key not in recounted:
                found.append(f"{where}.{key}: published, not in the recount")
            elif key not in published:
                found.append(f"{where}.{key}: in the recount, not published")
            else:
                found += differences(published[key], recounted[key], f"{where}.{key}")
        return found
    if isinstance(published, list) and isinstance(recounted, list):
        found = []
        if len(published) != len(recounted):
            found.append(f"{where}: {len(published)} published, {len(recounted)} recounted")
        for i, (a, b) in enumerate(zip(published, recounted, strict=False)):
            label = a.get("id") if isinstance(a, dict) and "id" in a else i
            found += differences(a, b, f"{where}[{label}]")
        return found
    if published != recounted or type(published) is not type(recounted):
        return [f"{where}: published {published!r}, recounted {recounted!r}"]
    return []
