"""Factories for valid request documents; tests change only what they test."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any


def mail_cover_data(start: date = date(2026, 1, 5), **changes: Any) -> dict[str, Any]:
    """A realistic, admissible mail cover request (crime ground, court order)."""
    data: dict[str, Any] = {
        "kind": "mail_cover",
        "agency": {
            "name": "Federal Bureau of Investigation",
            "jurisdiction": "federal",
            "functions": ["criminal_investigation", "national_security"],
        },
        "requester": {
            "name": "Dana Reyes",
            "title": "Special Agent",
            "email": "dreyes@fbi.example",
        },
        "received": {
            "via": "written",
            "date": (start - timedelta(days=3)).isoformat(),
            "written_confirmation_date": None,
        },
        "purpose": {
            "ground": "crime",
            "statute": "18 U.S.C. 1341",
            "max_imprisonment_months": 240,
            "case_number": "FBI-2026-0042",
            "reasonable_grounds": "Victims report checks mailed to the subject's address.",
            "fugitive_warrant": None,
            "national_security": None,
            "indictment_or_information_filed": False,
        },
        "subject": {
            "name": "Jordan Example",
            "address": {
                "line1": "12 Elm Street",
                "city": "Springfield",
                "state": "IL",
                "zip": "62701",
            },
            "known_attorneys": [
                {
                    "name": "Casey Counsel",
                    "address": {
                        "line1": "400 Court Plaza",
                        "city": "Springfield",
                        "state": "IL",
                        "zip": "62702",
                    },
                }
            ],
        },
        "scope": {
            "data_categories": ["mail_exterior"],
            "include_attorney_mail": False,
            "start": start.isoformat(),
            "days": 30,
            "longer_period_justification": None,
            "prior_days": 0,
            "extension_benefit": None,
            "chief_inspector_personal_approval": False,
        },
        "legal_process": {
            "type": "court_order",
            "standard": "specific_and_articulable_facts",
            "court": "U.S. District Court, C.D. Ill.",
            "docket": "26-mj-0042",
            "judge": "Hon. A. Judge",
            "issued": (start - timedelta(days=1)).isoformat(),
            "expires": None,
        },
        "emergency": None,
    }
    return apply(data, changes)


def extension_data(**changes: Any) -> dict[str, Any]:
    """An extension of the default cover (30 days from 5 January): the next 30 days."""
    base: dict[str, Any] = {
        "scope__start": (date(2026, 1, 5) + timedelta(days=30)).isoformat(),
        "scope__days": 30,
        "scope__prior_days": 30,
        "scope__extension_benefit": "Identified two co-conspirators; expect the supplier.",
    }
    return mail_cover_data(**{**base, **changes})


def records_data(start: date = date(2026, 1, 5), **changes: Any) -> dict[str, Any]:
    """A realistic records request for subscriber data under a subpoena."""
    data = mail_cover_data(start)
    data["kind"] = "records"
    data["scope"]["data_categories"] = ["subscriber"]
    data["legal_process"] = {
        "type": "subpoena",
        "standard": "relevance",
        "court": None,
        "docket": "GJ-26-118",
        "judge": None,
        "issued": (start - timedelta(days=1)).isoformat(),
        "expires": None,
    }
    return apply(data, changes)


def apply(data: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply changes given as ``purpose__ground="fugitive"`` (double underscore = nesting)."""
    out = copy.deepcopy(data)
    for key, value in changes.items():
        parts = key.split("__")
        node = out
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    return out
