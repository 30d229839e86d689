"""The request form: an HTML form's fields to a request document's data, and back.

A field is named by the document path the API names it by
(:func:`covergate.validation.field_path`): ``purpose.fugitive_warrant.type``,
``subject.known_attorneys[1].address.zip``. The form is a plain HTML form, so:

- a blank field is left out of the data: pydantic then applies the field's default
  (None, ``prior_days`` 0) or says the field is required, naming it;
- an optional part (a fugitive warrant, the legal process, an emergency) whose
  fields are all blank is left out (None); once one is filled, the others are
  required as the document says;
- a checkbox sends ``true`` when ticked, nothing otherwise (False);
- the known attorneys are rows ``[0]``, ``[1]``...: blank rows are dropped and the
  others numbered again, in the data and in what is shown back (:attr:`Parsed.echo`),
  so an error's path names the row the user sees;
- a whole number is sent as an ``int``; anything else is passed on as typed, for
  pydantic to refuse by name; textarea line breaks (CR LF from browsers) become LF;
- the court is chosen from the registered courts (``legal_process.court``) or typed
  (``legal_process.court_other``), not both.

    parsed = parse_form(values)
    if parsed.document is None: show(parsed.echo, parsed.errors)

:func:`document_fields` is the inverse: a document as the values a form holds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from covergate.document import RequestDocument
from covergate.validation import field_path
from covergate.web.request_fields import (
    BY_NAME,
    CHILDREN,
    COURT,
    COURT_OTHER,
    FIELDS,
    INTEGER,
    MAX_ROWS,
    OPTIONAL,
    FormValues,
    Leaf,
    Widget,
    generic,
    join_path,
    label_of,
    leaf_of,
)

__all__ = [
    "COURT",
    "COURT_OTHER",
    "FIELDS",
    "FormValues",
    "Leaf",
    "Parsed",
    "Widget",
    "document_fields",
    "generic",
    "label_of",
    "leaf_of",
    "parse_form",
]

# --- form -> data -------------------------------------------------------------------


@dataclass
class Parsed:
    """A parsed form: the document (None if invalid), what to show back, the errors."""

    data: dict[str, Any]
    echo: FormValues
    errors: dict[str, str] = field(default_factory=dict)
    document: RequestDocument | None = None


def _first(values: Mapping[str, list[str]], name: str) -> str:
    found = values.get(name) or [""]
    return found[0]


def _blank(text: str) -> bool:
    return not text.strip()


def _leaf(
    leaf: Leaf, name: str, values: Mapping[str, list[str]], errors: dict[str, str]
) -> tuple[bool, Any]:
    """(filled, value) of one field; a blank one is (False, None), left out."""
    if leaf.widget is Widget.CHECK:
        ticked = "true" in values.get(name, [])
        return ticked, ticked
    if leaf.widget is Widget.CHOICES:
        chosen = [v for v in values.get(name, []) if not _blank(v)]
        return bool(chosen), chosen
    text = _first(values, name)
    if leaf.widget is Widget.COURT:
        other = _first(values, name + "_other")
        if not _blank(text) and not _blank(other):
            errors[name + "_other"] = "choose a registered court or type another one, not both"
        text = text if not _blank(text) else other
    if _blank(text):
        return False, None
    if leaf.widget is Widget.NUMBER and INTEGER.fullmatch(text.strip()):
        return True, int(text.strip())
    if leaf.widget is Widget.TEXTAREA:
        return True, text.replace("\r\n", "\n")
    return True, text


@dataclass
class _Reading:
    values: Mapping[str, list[str]]
    echo: FormValues
    errors: dict[str, str]

    def group(self, group: str, name: str) -> tuple[bool, dict[str, Any]]:
        """(any field filled, data) of a group: ``group`` generic, ``name`` concrete."""
        data: dict[str, Any] = {}
        any_filled = False
        for key in CHILDREN[group]:
            path, concrete = join_path(group, key), join_path(name, key.removesuffix("[]"))
            leaf = BY_NAME.get(path)
            if key.endswith("[]"):
                data[key[:-2]] = rows = self.rows(path, concrete)
                filled = bool(rows)
            elif leaf is not None:
                filled, value = _leaf(leaf, concrete, self.values, self.errors)
                if filled or leaf.widget in (Widget.CHECK, Widget.CHOICES):
                    data[key] = value
                for shown in (concrete, concrete + "_other"):
                    if shown in self.values:
                        self.echo[shown] = self.values[shown]
            else:
                filled, value = self.group(path, concrete)
                if filled or path not in OPTIONAL:
                    data[key] = value
            any_filled = any_filled or filled
        return any_filled, data

    def rows(self, group: str, name: str) -> list[Any]:
        """The filled rows, numbered again from 0 (in the data and in the echo)."""
        pattern = re.compile(re.escape(name) + r"\[(\d{1,6})\]\.")
        indices = sorted({int(m.group(1)) for key in self.values if (m := pattern.match(key))})
        out: list[Any] = []
        for index in indices[:MAX_ROWS]:
            row = f"{name}[{index}]"
            filled, data = _Reading(self.values, {}, self.errors).group(group, row)
            if not filled:
                continue
            renamed = f"{name}[{len(out)}]"
            for key, value in self.values.items():
                if key.startswith(row + "."):
                    self.echo[renamed + key[len(row) :]] = value
            out.append(data)
        return out


def parse_form(
    values: Mapping[str, list[str]], *, subject: Mapping[str, Any] | None = None
) -> Parsed:
    """The form's document, or the errors by field (every one, not just the first).

    ``subject``: the document's subject as given (an extension's form has none;
    the service puts the cover's own subject in its place)."""
    if subject is not None:
        values = {k: v for k, v in values.items() if not k.startswith("subject.")}
    echo: FormValues = {}
    errors: dict[str, str] = {}
    _, data = _Reading(values, echo, errors).group("", "")
    if subject is not None:
        data["subject"] = dict(subject)
    parsed = Parsed(data=data, echo=echo, errors=errors)
    try:
        document = RequestDocument.model_validate(data)
    except ValidationError as exc:
        for where, message in validation_errors(exc):
            parsed.errors[where] = (
                f"{parsed.errors[where]}; {message}" if where in parsed.errors else message
            )
        return parsed
    if not errors:
        parsed.document = document
    return parsed


def validation_errors(exc: ValidationError) -> list[tuple[str, str]]:
    """(form field, message) of every error, in the API's words
    (:func:`covergate.api.describe_validation`)."""
    out: list[tuple[str, str]] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = error["type"]
        message = {"extra_forbidden": "unknown field", "missing": "required field is missing"}.get(
            kind, str(error["msg"])
        )
        message = message.removeprefix("Value error, ")
        where = field_path(loc) if loc else "(document)"
        if kind == "string_pattern_mismatch":
            message = _PATTERNS.get(generic(where).rsplit(".", 1)[-1], message)
        if not loc:
            named, sep, rest = message.partition(": ")
            if sep:
                where, message = named, rest
        out.append((_form_field(where), message))
    return out


#: What a field's pattern asks, in words (pydantic quotes the regular expression).
_PATTERNS = {
    "email": "must be an email address, such as name@agency.example",
    "zip": "must be a ZIP code: five digits, or five digits, a hyphen and four",
}


def _form_field(path: str) -> str:
    """The field a path names: a list's item is its checkbox group."""
    base = re.sub(r"\[\d+\]$", "", path)
    leaf = leaf_of(base)
    return base if leaf is not None and leaf.widget is Widget.CHOICES else path


# --- document -> form ---------------------------------------------------------------


def document_fields(
    document: RequestDocument | Mapping[str, Any], *, subject: bool = True
) -> FormValues:
    """The values a form holds for ``document`` (its inverse is :func:`parse_form`);
    without ``subject``, no subject fields (an extension's form)."""
    data = (
        document.model_dump(mode="json")
        if isinstance(document, RequestDocument)
        else dict(document)
    )
    out: FormValues = {}
    _fill("", "", data, out)
    if not subject:
        out = {k: v for k, v in out.items() if not k.startswith("subject.")}
    return out


def _fill(group: str, name: str, data: Any, out: FormValues) -> None:
    node = data if isinstance(data, dict) else {}
    for key in CHILDREN[group]:
        path, concrete = join_path(group, key), join_path(name, key.removesuffix("[]"))
        leaf = BY_NAME.get(path)
        value = node.get(key.removesuffix("[]"))
        if key.endswith("[]"):
            for index, row in enumerate(value if isinstance(value, list) else []):
                _fill(path, f"{concrete}[{index}]", row, out)
        elif leaf is None:
            _fill(path, concrete, value, out)
        elif leaf.widget is Widget.CHECK:
            out[concrete] = ["true"] if value is True else []
        elif leaf.widget is Widget.CHOICES:
            out[concrete] = [str(v) for v in value] if isinstance(value, list) else []
        else:
            out[concrete] = [""] if value is None else [str(value)]
