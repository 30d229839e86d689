"""The request form's conversion: a document to form fields and back is the same
document, for every document (hypothesis); blank rows and parts; errors by field."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covergate.document import RequestDocument, request_document_from_data
from covergate.web.request_form import (
    COURT,
    COURT_OTHER,
    FIELDS,
    document_fields,
    label_of,
    parse_form,
)
from tests.factories import mail_cover_data, records_data
from tests.policy.strategies import document_data

#: One line of text: anything printable but blank; the document refuses controls.
LINE = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40).filter(
    lambda s: s.strip()
)
#: Free text: line breaks as LF (a browser's CR LF is read as LF) and tabs.
TEXT = st.text(
    st.one_of(st.characters(blacklist_categories=("Cc", "Cs")), st.sampled_from("\n\t")),
    min_size=1,
    max_size=80,
).filter(lambda s: s.strip())
ZIP = st.from_regex(r"[0-9]{5}(-[0-9]{4})?", fullmatch=True)


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def addresses(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "line1": draw(LINE),
        "line2": draw(_optional(LINE)),
        "city": draw(LINE),
        "state": draw(LINE.filter(lambda s: len(s) >= 2)),
        "zip": draw(ZIP),
    }


@st.composite
def documents(draw: st.DrawFn) -> RequestDocument:
    """The policy tests' documents, with drawn text, attorneys and courts."""
    data = draw(document_data())
    data["requester"]["name"] = draw(LINE)
    data["purpose"]["case_number"] = draw(LINE)
    data["purpose"]["reasonable_grounds"] = draw(TEXT)
    data["purpose"]["statute"] = draw(_optional(LINE))
    data["subject"] = {
        "name": draw(LINE),
        "address": draw(addresses()),
        "known_attorneys": draw(
            st.lists(
                st.builds(lambda n, a: {"name": n, "address": a}, LINE, addresses()), max_size=4
            )
        ),
    }
    for key in ("longer_period_justification", "extension_benefit"):
        if data["scope"][key] is not None:
            data["scope"][key] = draw(TEXT)
    if data["legal_process"] is not None:
        data["legal_process"]["court"] = draw(_optional(LINE))
        data["legal_process"]["judge"] = draw(_optional(LINE))
    if data["emergency"] is not None:
        data["emergency"]["description"] = draw(TEXT)
    return request_document_from_data(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_a_document_through_its_form_is_the_same_document(document: RequestDocument) -> None:
    parsed = parse_form(document_fields(document))
    assert parsed.errors == {}
    assert parsed.document == document


@settings(max_examples=50, deadline=None)
@given(documents())
def test_an_extension_form_takes_the_subject_it_is_given(document: RequestDocument) -> None:
    fields = document_fields(document, subject=False)
    assert not any(name.startswith("subject.") for name in fields)
    subject = document.subject.model_dump(mode="json")
    assert parse_form(fields, subject=subject).document == document


def test_every_field_of_the_document_is_a_form_field() -> None:
    schema = RequestDocument.model_json_schema()

    def paths(node: dict[str, Any], prefix: str) -> set[str]:
        if "$ref" in node:
            node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
        refs = [n for n in node.get("anyOf", []) if "$ref" in n]
        if refs:
            return paths(refs[0], prefix)
        items = node.get("items", {})
        if node.get("type") == "array" and "$ref" in items:
            item = schema["$defs"][items["$ref"].rsplit("/", 1)[1]]
            return paths(items, prefix + "[]") if "properties" in item else {prefix}
        if "properties" not in node:
            return {prefix}
        return {
            p
            for key, child in node["properties"].items()
            for p in paths(child, f"{prefix}.{key}" if prefix else key)
        }

    assert paths(schema, "") == {leaf.name for leaf in FIELDS}


def test_blank_rows_and_parts_are_left_out_and_rows_numbered_again() -> None:
    document = request_document_from_data(records_data())
    fields = document_fields(document)
    for key in [k for k in fields if k.startswith("subject.known_attorneys[0]")]:
        fields[key.replace("[0]", "[3]")] = fields.pop(key)
    fields |= {
        "subject.known_attorneys[1].name": [" "],
        "subject.known_attorneys[1].address.zip": [""],
    }
    fields |= {"emergency.kind": [""], "emergency.description": ["  "]}
    parsed = parse_form(fields)
    assert parsed.document == document
    assert parsed.echo["subject.known_attorneys[0].name"] == ["Casey Counsel"]
    assert not any(k.startswith("subject.known_attorneys[1]") for k in parsed.echo)


def test_a_part_begun_needs_its_other_fields_named_by_their_path() -> None:
    fields = document_fields(request_document_from_data(mail_cover_data()))
    fields["purpose.fugitive_warrant.issued_by"] = ["U.S. District Court"]
    fields["subject.known_attorneys[0].address.zip"] = ["6270"]
    fields["scope.days"] = ["thirty"]
    parsed = parse_form(fields)
    assert parsed.document is None
    assert parsed.errors == {
        "purpose.fugitive_warrant.type": "required field is missing",
        "purpose.fugitive_warrant.date": "required field is missing",
        "subject.known_attorneys[0].address.zip": (
            "must be a ZIP code: five digits, or five digits, a hyphen and four"
        ),
        "scope.days": "Input should be a valid integer",
    }
    assert parsed.echo["scope.days"] == ["thirty"]  # kept as typed
    assert (
        label_of("subject.known_attorneys[0].address.zip")
        == "Known attorney 1 · Address · ZIP code"
    )
    assert label_of("purpose.fugitive_warrant.type") == "Fugitive warrant · Type of warrant"


def test_a_category_of_the_other_kind_is_named_on_its_checkboxes() -> None:
    fields = document_fields(request_document_from_data(mail_cover_data()))
    fields["scope.data_categories"] = ["mail_exterior", "subscriber"]
    parsed = parse_form(fields)
    assert parsed.errors == {
        "scope.data_categories": "'subscriber' is not a category for a mail_cover request"
    }


def test_a_court_is_chosen_or_typed_not_both_and_line_breaks_are_lf() -> None:
    document = request_document_from_data(mail_cover_data())
    fields = document_fields(document)
    fields[COURT], fields[COURT_OTHER] = [""], ["U.S. District Court, C.D. Ill."]
    fields["purpose.reasonable_grounds"] = ["One.\r\nTwo."]
    parsed = parse_form(fields)
    assert parsed.document is not None
    assert parsed.document.legal_process == document.legal_process
    assert parsed.document.purpose.reasonable_grounds == "One.\nTwo."
    fields[COURT] = ["U.S. District Court, N.D. Ill."]
    assert parse_form(fields).errors == {
        COURT_OTHER: "choose a registered court or type another one, not both"
    }


def test_unticked_boxes_are_false_and_blank_numbers_take_the_default() -> None:
    data = mail_cover_data(scope__include_attorney_mail=True)
    fields = document_fields(request_document_from_data(data))
    assert fields["scope.include_attorney_mail"] == ["true"]
    del fields["scope.include_attorney_mail"]
    fields["scope.prior_days"] = [""]
    parsed = parse_form(fields)
    assert parsed.document is not None
    assert parsed.document.scope.include_attorney_mail is False
    assert parsed.document.scope.prior_days == 0
