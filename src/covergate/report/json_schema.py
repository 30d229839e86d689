"""The JSON Schema (draft 2020-12) of the report JSON (``covergate-report/v1``).

Served at ``/api/v1/statistics/schema.json`` and embedded in the OpenAPI document
of ``/api/v1/statistics``, so whoever reuses the figures can check what they got
without reading our code. It describes exactly what ``export.report_json``
writes. It has no ``$ref``: the OpenAPI document embeds it as is, and a
reference inside it would resolve against that document, not this schema.
"""

from __future__ import annotations

import copy
from typing import Any

from covergate.report.export import FORMAT

__all__ = ["SCHEMA_ID", "report_schema"]

SCHEMA_ID = "https://covergate.example/schemas/covergate-report-v1.json"

_CELL: dict[str, Any] = {
    "description": "A count (integer), a figure such as a median or a share (number), "
    'a band "1-9" for a count from 1 to 9 in a banded table, a label (string), '
    "or null (no figure).",
    "type": ["integer", "number", "string", "null"],
}
_DAY: dict[str, Any] = {"type": ["string", "null"], "format": "date"}

_TABLE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "title", "note", "columns", "rows", "chart", "banded"],
    "properties": {
        "id": {
            "description": "Stable slug; the table downloads at /report/<id>.csv.",
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9_-]*$",
        },
        "title": {"type": "string"},
        "note": {"description": "How the table is counted, in one line.", "type": "string"},
        "columns": {
            "description": "columns[0] names the rows; each other column is a figure.",
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
        },
        "rows": {
            "description": "Each row: its label, then one cell per other column.",
            "type": "array",
            "items": {"type": "array", "items": _CELL},
        },
        "chart": {
            "description": "How the page draws the table: bar, trend, or not at all.",
            "type": ["string", "null"],
            "enum": ["bar", "trend", None],
        },
        "banded": {
            "description": 'Whether counts from 1 to 9 are shown as "1-9".',
            "type": "boolean",
        },
    },
}

_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "covergate public transparency report",
    "description": "The figures of the public report for one period, computed from the "
    "first log_size entries of the public transparency log. Anyone can recount them "
    "with `covergate report --from <url>/log --key <verifier key> --compare "
    "<url>/report.json?period=P`.",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "format",
        "period",
        "period_first",
        "period_last",
        "log_size",
        "headline",
        "tables",
    ],
    "properties": {
        "format": {"const": FORMAT},
        "period": {
            "description": "all, a year (2026) or a half-year (2026-H1).",
            "type": "string",
            "pattern": "^(all|[0-9]{4}(-H[12])?)$",
        },
        "period_first": {**_DAY, "description": "First day of the period; null for all."},
        "period_last": {**_DAY, "description": "Last day of the period; null for all."},
        "log_size": {
            "description": "The figures count the log's entries 0 to log_size - 1.",
            "type": "integer",
            "minimum": 0,
        },
        "headline": {
            "description": "National totals for the period, exact (never banded).",
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["label", "value"],
                "properties": {"label": {"type": "string"}, "value": _CELL},
            },
        },
        "tables": {"type": "array", "items": _TABLE},
    },
}


def report_schema() -> dict[str, Any]:
    """A fresh copy of the schema (callers may add to it, e.g. OpenAPI)."""
    return copy.deepcopy(_SCHEMA)
