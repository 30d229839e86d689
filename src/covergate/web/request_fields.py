"""The fields of the request form: each leaf of the request document, its widget and words.

A field is named by the document path the API names it by; rows of a list are
``[0]``, ``[1]``... (:func:`generic` turns them into ``[]`` to find the leaf).
``covergate.web.request_form`` reads a form with these fields and writes one back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from covergate.document import (
    AgencyFunction,
    DataCategory,
    EmergencyKind,
    Ground,
    Jurisdiction,
    ProcessStandard,
    ProcessType,
    ReceivedVia,
    RequestKind,
    Threat,
    WarrantType,
)

#: A form's values as a browser sends them: every field's list of values.
FormValues = dict[str, list[str]]

COURT = "legal_process.court"
COURT_OTHER = "legal_process.court_other"
#: At most this many attorney rows are read (a form renders a few).
MAX_ROWS = 50
INTEGER = re.compile(r"[+-]?\d{1,12}")
ROW = re.compile(r"\[(\d{1,6})\]")


class Widget(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    EMAIL = "email"
    DATE = "date"
    NUMBER = "number"
    SELECT = "select"
    RADIO = "radio"
    CHECK = "check"  # one boolean
    CHOICES = "choices"  # a list of enum values, as checkboxes
    COURT = "court"  # a registered court, or another one typed


@dataclass(frozen=True)
class Leaf:
    """One field: its generic name (rows as ``[]``), words, widget and choices."""

    name: str
    label: str
    widget: Widget
    required: bool
    options: tuple[str, ...] = ()


def _leaf_spec(name: str, widget: str, label: str, kind: type[StrEnum] | None = None) -> Leaf:
    options = tuple(m.value for m in kind) if kind else ()
    return Leaf(name, label, Widget(widget.rstrip("?")), not widget.endswith("?"), options)


_ATTORNEY = "subject.known_attorneys[]"
#: Every field of the request document (covergate.document), in the form's order;
#: ``?``: may be left blank (None or the default).
FIELDS: tuple[Leaf, ...] = tuple(
    _leaf_spec(*row)
    for row in (
        ("kind", "select", "Kind of request", RequestKind),
        ("agency.name", "text", "Agency name"),
        ("agency.jurisdiction", "select", "Jurisdiction", Jurisdiction),
        ("agency.functions", "choices", "The agency's functions", AgencyFunction),
        ("requester.name", "text", "Your name"),
        ("requester.title", "text", "Your title"),
        ("requester.email", "email", "Your email"),
        ("received.via", "radio", "The request was made", ReceivedVia),
        ("received.date", "date", "Received on"),
        ("received.written_confirmation_date", "date?", "Written confirmation received on"),
        ("purpose.ground", "select", "Ground", Ground),
        ("purpose.statute", "text?", "Statute"),
        ("purpose.max_imprisonment_months", "number?", "Maximum imprisonment (months)"),
        ("purpose.case_number", "text", "Case number"),
        ("purpose.reasonable_grounds", "textarea", "Reasonable grounds"),
        ("purpose.fugitive_warrant.type", "select", "Type of warrant", WarrantType),
        ("purpose.fugitive_warrant.issued_by", "text", "Issued by"),
        ("purpose.fugitive_warrant.date", "date", "Issued on"),
        ("purpose.national_security.threat", "select", "Threat", Threat),
        ("purpose.national_security.foreign_power", "text?", "Foreign power or its agent"),
        ("purpose.national_security.approved_by_agency_head", "check", "Approved by the head"),
        (
            "purpose.indictment_or_information_filed",
            "check",
            "An indictment or information is filed",
        ),
        ("subject.name", "text", "Subject's name"),
        ("subject.address.line1", "text", "Address line 1"),
        ("subject.address.line2", "text?", "Address line 2"),
        ("subject.address.city", "text", "City"),
        ("subject.address.state", "text", "State"),
        ("subject.address.zip", "text", "ZIP code"),
        (f"{_ATTORNEY}.name", "text", "Attorney's name"),
        (f"{_ATTORNEY}.address.line1", "text", "Address line 1"),
        (f"{_ATTORNEY}.address.line2", "text?", "Address line 2"),
        (f"{_ATTORNEY}.address.city", "text", "City"),
        (f"{_ATTORNEY}.address.state", "text", "State"),
        (f"{_ATTORNEY}.address.zip", "text", "ZIP code"),
        ("scope.data_categories", "choices", "What is asked for", DataCategory),
        ("scope.include_attorney_mail", "check", "Include mail between the subject and attorneys"),
        ("scope.start", "date", "Start on"),
        ("scope.days", "number", "Number of days"),
        ("scope.longer_period_justification", "textarea?", "Why a longer period is needed"),
        ("scope.prior_days", "number?", "Days the cover has already run"),
        ("scope.extension_benefit", "textarea?", "Benefit obtained so far and expected"),
        ("scope.chief_inspector_personal_approval", "check", "The Chief Postal Inspector approved"),
        ("legal_process.type", "select", "Type of legal process", ProcessType),
        ("legal_process.standard", "select", "Standard it was issued on", ProcessStandard),
        ("legal_process.court", "court?", "Court"),
        ("legal_process.docket", "text?", "Docket"),
        ("legal_process.judge", "text?", "Judge"),
        ("legal_process.issued", "date", "Issued on"),
        ("legal_process.expires", "date?", "Expires on"),
        ("emergency.kind", "select", "Kind of emergency", EmergencyKind),
        ("emergency.description", "textarea", "What the emergency is"),
    )
)
#: The words for a field's inner groups (the form's fieldsets say the outer ones).
GROUPS = {
    "subject.address": "Subject's address",
    _ATTORNEY: "Known attorney",
    f"{_ATTORNEY}.address": "Address",
    "purpose.fugitive_warrant": "Fugitive warrant",
    "purpose.national_security": "National security",
}
#: Parts of the document that are None when all their fields are blank.
OPTIONAL = frozenset(
    {"purpose.fugitive_warrant", "purpose.national_security", "legal_process", "emergency"}
)
BY_NAME = {leaf.name: leaf for leaf in FIELDS}


def children_of_groups() -> dict[str, list[str]]:
    """Each group's keys in order (``""`` is the document; rows end in ``[]``)."""
    out: dict[str, list[str]] = {}
    for leaf in FIELDS:
        parts = leaf.name.split(".")
        for i, part in enumerate(parts):
            keys = out.setdefault(".".join(parts[:i]), [])
            if part not in keys:
                keys.append(part)
    return out


CHILDREN = children_of_groups()


def join_path(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix and key else prefix or key


def generic(name: str) -> str:
    """``subject.known_attorneys[2].name`` -> ``subject.known_attorneys[].name``."""
    return ROW.sub("[]", name)


def leaf_of(name: str) -> Leaf | None:
    return BY_NAME.get(generic(name))


def label_of(name: str) -> str:
    """Words for a field, with its inner groups: ``Known attorney 2 · Address · City``."""
    if name == COURT_OTHER:
        return "Another court"
    leaf = leaf_of(name)
    if leaf is None:
        return name
    rows = iter(str(int(n) + 1) for n in ROW.findall(name))
    parts = leaf.name.split(".")
    words = []
    for i in range(1, len(parts)):
        group = ".".join(parts[:i])
        if group in GROUPS:
            number = next(rows, "") if group.endswith("[]") else ""
            words.append(f"{GROUPS[group]} {number}".strip())
    return " · ".join([*words, leaf.label])
