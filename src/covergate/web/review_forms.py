"""From the review and decision forms to the services' inputs, and back to fields.

A form is parsed into the same pydantic model the API takes (``ReviewInput``,
``DecisionInput``); what it refuses becomes a message per form field, shown next
to that field when the form is shown again:

    values = DecisionValues.from_form(form, requested=[DataCategory.SUBSCRIBER])
    decision = DecisionInput.model_validate(values.as_input())  # ValidationError
    errors = field_errors(exc)  # {"days": "Input should be a valid integer"}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from covergate.document import DataCategory
from covergate.validation import field_path
from covergate.web.staff import StaffContext

#: The form field of a finding's justification: ``justifications.<rule id>``, the
#: name the service's errors give (``exc.field``).
JUSTIFICATION = "justifications."


def field_errors(exc: ValidationError) -> dict[str, str]:
    """The first message for each field the model refused (``categories[0]`` is
    ``categories``)."""
    out: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = str(error["type"])
        name = field_path(loc[:1]) if loc and loc[0] != "justifications" else field_path(loc)
        msg = str(error["msg"])
        if kind == "missing":
            msg = "required: choose or fill in this field"
        elif kind == "string_too_short" and error.get("ctx", {}).get("min_length") == 1:
            msg = "must not be blank"
        elif kind == "too_short" and name == "categories":
            msg = "tick at least one category to authorise"
        elif kind == "value_error":
            msg = msg.removeprefix("Value error, ")
        out.setdefault(name or "form", msg)
    return out


def _days(text: str) -> int | str | None:
    """Blank is none (the days asked for); a whole number is a number; the rest is
    passed on as typed, for the model to refuse."""
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else text


@dataclass
class DecisionValues:
    """What the approver typed, kept as typed to show the form again."""

    outcome: str = ""
    days: str = ""
    categories: list[str] = field(default_factory=list)
    reasons: str = ""
    justifications: dict[str, str] = field(default_factory=dict)
    requested: list[str] = field(default_factory=list)

    @classmethod
    def blank(cls, requested: list[DataCategory]) -> DecisionValues:
        names = [c.value for c in requested]
        return cls(categories=list(names), requested=names)

    @classmethod
    def from_form(cls, form: StaffContext, requested: list[DataCategory]) -> DecisionValues:
        justifications: dict[str, str] = {}
        if form.form is not None:
            for key in form.form:
                if key.startswith(JUSTIFICATION):
                    justifications[key.removeprefix(JUSTIFICATION)] = form.field(key)
        return cls(
            outcome=form.field("outcome"),
            days=form.field("days"),
            categories=form.fields("categories"),
            reasons=form.field("reasons"),
            justifications=justifications,
            requested=[c.value for c in requested],
        )

    def as_input(self) -> dict[str, Any]:
        """The data for ``DecisionInput``: blanks are left out (a blank justification
        is a missing one, which the service names with its finding).

        Categories: every category asked for, ticked, is no narrowing (none given);
        otherwise the ticked ones (none ticked is refused: a cover records something).
        """
        data: dict[str, Any] = {}
        if self.outcome:
            data["outcome"] = self.outcome
        days = _days(self.days)
        if days is not None:
            data["days"] = days
        if sorted(self.categories) != sorted(self.requested):
            data["categories"] = list(self.categories)
        if self.reasons.strip():
            data["reasons"] = self.reasons
        data["justifications"] = {
            rule: text for rule, text in self.justifications.items() if text.strip()
        }
        return data
