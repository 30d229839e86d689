"""Form fields to the API's input models, and their errors to messages by field.

A page's form posts flat fields (``sender_zip``); the services take the API's
models (``MailObservation``). :func:`mail_observation` and :func:`records_item`
build those models from the form, and :func:`messages_of` turns a pydantic
``ValidationError`` into one short message per form field, so that each shows
next to its input. The court's forms use :func:`messages_of` too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from covergate.covers.schemas import MailObservation, RecordsItem

__all__ = [
    "CORRESPONDENT_FIELDS",
    "MAIL_FIELDS",
    "RECORDS_FIELDS",
    "FormErrors",
    "FormInvalid",
    "mail_observation",
    "messages_of",
    "records_item",
]

#: One message per form field that is wrong.
FormErrors = dict[str, str]

#: The parts of a correspondent (sender, addressee) as form fields, after a prefix.
CORRESPONDENT_FIELDS = ("name", "line1", "line2", "city", "state", "zip")
MAIL_FIELDS = (
    "mail_date",
    "mail_class",
    *(f"sender_{p}" for p in CORRESPONDENT_FIELDS),
    *(f"addressee_{p}" for p in CORRESPONDENT_FIELDS),
    "postmark",
)
RECORDS_FIELDS = ("category", "record_date", "fields")
_MAX_RECORD_FIELDS = 40


class FormInvalid(Exception):
    """The form's fields do not make a valid input; ``errors`` says which and why."""

    def __init__(self, errors: FormErrors) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _message(error: Mapping[str, Any]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "required"
    if kind == "string_pattern_mismatch" and "\\d{5}" in str(ctx.get("pattern", "")):
        return "a ZIP code: 5 digits, or ZIP+4 (12345-6789)"
    if kind == "enum":
        return "choose one of the options"
    text = str(error.get("msg", "not valid"))
    return text.removeprefix("Value error, ")


def _default_name(loc: tuple[int | str, ...]) -> str:
    return "_".join(str(part) for part in loc if part != "address")


def messages_of(
    exc: ValidationError, name: Callable[[tuple[int | str, ...]], str] = _default_name
) -> FormErrors:
    """The first message for each form field (``name`` maps an error's location)."""
    out: FormErrors = {}
    for error in exc.errors():
        out.setdefault(name(tuple(error["loc"])), _message(error))
    return out


def _text(form: Mapping[str, str], key: str) -> str | None:
    """A form value, stripped; None when blank (the models' optional fields)."""
    value = form.get(key, "").strip()
    return value or None


def _correspondent(form: Mapping[str, str], prefix: str) -> dict[str, Any]:
    return {
        "name": form.get(f"{prefix}_name", "").strip(),
        "address": {
            "line1": form.get(f"{prefix}_line1", "").strip(),
            "line2": _text(form, f"{prefix}_line2"),
            "city": form.get(f"{prefix}_city", "").strip(),
            "state": form.get(f"{prefix}_state", "").strip(),
            "zip": form.get(f"{prefix}_zip", "").strip(),
        },
    }


def mail_observation(form: Mapping[str, str]) -> MailObservation:
    """The mail exterior the form describes (FormInvalid when it describes none)."""
    data = {
        "mail_date": form.get("mail_date", "").strip(),
        "mail_class": form.get("mail_class", ""),
        "sender": _correspondent(form, "sender"),
        "addressee": _correspondent(form, "addressee"),
        "postmark": _text(form, "postmark"),
    }
    try:
        return MailObservation.model_validate(data)
    except ValidationError as exc:
        raise FormInvalid(messages_of(exc)) from None


def _record_fields(text: str) -> dict[str, str]:
    """``name: value`` lines to a dict; FormInvalid names the first bad line."""
    out: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        key = key.strip()
        if not colon or not key:
            raise FormInvalid({"fields": f"line {number}: write it as name: value"})
        if key in out:
            raise FormInvalid({"fields": f"line {number}: {key!r} is given twice"})
        out[key] = value.strip()
    if not out:
        raise FormInvalid({"fields": "give at least one line, as name: value"})
    if len(out) > _MAX_RECORD_FIELDS:
        raise FormInvalid({"fields": f"at most {_MAX_RECORD_FIELDS} lines"})
    return out


def _records_name(loc: tuple[int | str, ...]) -> str:
    return "fields" if loc and loc[0] == "fields" else _default_name(loc)


def records_item(form: Mapping[str, str]) -> RecordsItem:
    """The records item the form describes (FormInvalid when it describes none)."""
    errors: FormErrors = {}
    fields: dict[str, str] = {}
    try:
        fields = _record_fields(form.get("fields", ""))
    except FormInvalid as exc:
        errors.update(exc.errors)
    data = {
        "category": form.get("category", ""),
        "record_date": form.get("record_date", "").strip(),
        "fields": fields or {"-": "-"},  # checked above; keeps the other errors coming
    }
    try:
        item = RecordsItem.model_validate(data)
    except ValidationError as exc:
        raise FormInvalid({**messages_of(exc, _records_name), **errors}) from None
    if errors:
        raise FormInvalid(errors)
    return item
