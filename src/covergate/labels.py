"""The words people read for the program's enum values: one set for every page and table.

The staff pages (:mod:`covergate.web`) and the public report's tables and charts
(:mod:`covergate.report.tables`) both take their words from here, so a request's kind,
ground and legal process read the same to a reviewer, a court and the press. Pure: no
web, database or model imports.

>>> label("records"), label("fugitive"), label("usc_title_18"), label(None)
('Postal customer records', 'Locating a fugitive', '18 U.S.C.', 'Not stated')
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["GROUND", "KIND", "PROCESS", "label"]

#: covergate.document.RequestKind
KIND: Mapping[str, str] = {"mail_cover": "Mail cover", "records": "Postal customer records"}
#: covergate.document.Ground
GROUND: Mapping[str, str] = {
    "national_security": "National security",
    "fugitive": "Locating a fugitive",
    "crime": "Crime",
    "postal_statute": "Postal statute",
    "forfeiture": "Forfeiture",
    "civil_enforcement": "Civil enforcement",
}
#: covergate.document.ProcessType
PROCESS: Mapping[str, str] = {
    "written_request": "Written request",
    "head_of_agency_request": "Request by the head of the agency",
    "subpoena": "Subpoena",
    "court_order": "Court order",
    "search_warrant": "Search warrant",
}
#: Words for the values of every field.
_WORDS: Mapping[str, str] = {
    **KIND,
    **PROCESS,
    **GROUND,
    "approved": "Approved in full",
    "modified": "Narrowed",
    "denied": "Denied",
    "none": "None stated",
    "other_law": "Other law",
}
_USC = re.compile(r"usc_title_(\d{1,2})")


def label(value: str | None) -> str:
    """Human words for an enum value: ``mail_cover`` -> ``Mail cover``.

    Values without words of their own read as their words: ``other_thing`` -> ``Other thing``.
    """
    if value is None:
        return "Not stated"
    if value in _WORDS:
        return _WORDS[value]
    match = _USC.fullmatch(value)
    if match:
        return f"{int(match.group(1))} U.S.C."
    return value.replace("_", " ").capitalize()
