"""How the request form shows each field: its words, choices, errors and ARIA.

The form's template (``intake_form.html``, ``intake_macros.html``) asks a
:class:`FormView` about a field by its document path (:mod:`covergate.web.request_form`);
:func:`citations` gives the hints the policy's own citations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy.orm import Session

from covergate.courts.registry import list_courts
from covergate.document import (
    MAIL_COVER_CATEGORIES,
    RECORDS_CATEGORIES,
    DataCategory,
    RequestKind,
)
from covergate.policy import Policy
from covergate.web.request_form import COURT, COURT_OTHER, FormValues, Leaf, label_of, leaf_of

__all__ = ["ROWS", "FormView", "citations", "make_view"]

#: Known-attorney rows shown: at least this many, and always one blank row.
ROWS = 3
_ATTORNEYS = re.compile(r"^subject\.known_attorneys\[(\d{1,6})\]\.")
_WORDS = {
    "written": "In writing",
    "oral": "Orally (to be confirmed in writing)",
    "mail_exterior": "Mail exterior: what is written on the outside",
    "unsealed_contents": "Contents of unsealed mail",
    "sealed_contents": "Contents of sealed mail",
    "subscriber": "Subscriber (account) data",
    "session_ip": "Session and IP address data",
    "payment": "Payment data",
    "tracking": "Package tracking history",
    "change_of_address": "Change-of-address history",
    "box_application": "Post office box application",
}


@dataclass(frozen=True)
class FormView:
    """What the form's template asks of each field, by its name."""

    values: FormValues
    errors: dict[str, str]
    kind: RequestKind
    courts: tuple[str, ...]

    def value(self, name: str) -> str:
        return (self.values.get(name) or [""])[0]

    def checked(self, name: str, option: str) -> bool:
        return option in self.values.get(name, [])

    def error(self, name: str) -> str:
        return self.errors.get(name, "")

    def id(self, name: str) -> str:
        return "f-" + re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")

    def label(self, name: str) -> str:
        """The field's own words (its fieldset's legend says the rest)."""
        return _leaf(name).label

    def widget(self, name: str) -> str:
        return _leaf(name).widget.value

    def optional(self, name: str) -> bool:
        return not _leaf(name).required

    def options(self, name: str) -> list[tuple[str, str]]:
        values = _leaf(name).options
        if name == "scope.data_categories":
            allowed = (
                MAIL_COVER_CATEGORIES if self.kind is RequestKind.MAIL_COVER else RECORDS_CATEGORIES
            )
            values = tuple(v for v in values if DataCategory(v) in allowed or self.checked(name, v))
        return [(v, _WORDS.get(v) or v.replace("_", " ").capitalize()) for v in values]

    def described(self, name: str, hint: str) -> Markup:
        """``aria-describedby`` (and ``aria-invalid``) for a field's input."""
        ids = [self.id(name) + "-hint"] if hint else []
        if self.error(name):
            ids.append(self.id(name) + "-error")
        attrs = f' aria-describedby="{" ".join(ids)}"' if ids else ""
        return Markup(attrs + (' aria-invalid="true"' if self.error(name) else ""))  # noqa: S704 - ids are [a-z0-9-]

    def rows(self) -> list[int]:
        entered = [int(m.group(1)) for key in self.values if (m := _ATTORNEYS.match(key))]
        return list(range(max(ROWS, max(entered, default=-1) + 2)))

    def summary(self) -> list[tuple[str, str, str]]:
        """(field id, or '' if not a field, its words, message) of every error."""
        return [
            (self.id(name) if leaf_of(name) or name == COURT_OTHER else "", label_of(name), message)
            for name, message in self.errors.items()
        ]


def _leaf(name: str) -> Leaf:
    leaf = leaf_of(name)
    if leaf is None:
        raise LookupError(f"the request form has no field {name!r}")
    return leaf


def make_view(
    session: Session, values: FormValues, errors: dict[str, str], kind: RequestKind
) -> FormView:
    """The form as shown: a court that is not registered shows as "another court"."""
    courts = tuple(c.name for c in list_courts(session=session))
    shown = dict(values)
    court = (shown.get(COURT) or [""])[0].strip()
    registered = {c.lower(): c for c in courts}
    if court and court.lower() in registered:
        shown[COURT] = [registered[court.lower()]]
    elif court:
        shown[COURT], shown[COURT_OTHER] = [""], [court]
    return FormView(shown, errors, kind, courts)


def citations(policy: Policy) -> Callable[[str], str]:
    """``cite("crime-felony")`` -> `` (39 CFR 233.3(c)(6))``; '' if the policy has no such rule."""
    found = {rule.id: rule.citation for rule in policy.rules}

    def cite(rule_id: str) -> str:
        return f" ({found[rule_id]})" if rule_id in found else ""

    return cite
