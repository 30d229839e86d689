"""The request document contract: strict validation with messages naming the field."""

from __future__ import annotations

import json

import pytest

from covergate.document import (
    SCHEMA_ID,
    DataCategory,
    RequestKind,
    parse_request_document,
    request_document_from_data,
    request_json_schema,
)
from covergate.errors import InvalidInput
from tests.factories import apply, mail_cover_data, records_data


def test_factory_documents_are_valid() -> None:
    assert request_document_from_data(mail_cover_data()).kind is RequestKind.MAIL_COVER
    doc = request_document_from_data(records_data())
    assert doc.scope.data_categories == [DataCategory.SUBSCRIBER]


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"purpose__max_imprisonment_months": "240"}, "purpose.max_imprisonment_months", "integer"),
        ({"scope__days": 30.5}, "scope.days", "integer"),
        ({"scope__days": 0}, "scope.days", "greater than or equal"),
        ({"scope__include_attorney_mail": "no"}, "scope.include_attorney_mail", "boolean"),
        ({"scope__start": "2026/01/05"}, "scope.start", "YYYY-MM-DD"),
        ({"scope__start": 1767571200}, "scope.start", "YYYY-MM-DD"),
        ({"received__via": "fax"}, "received.via", "'written' or 'oral'"),
        ({"purpose__ground": "immigration_status"}, "purpose.ground", "Input should be"),
        ({"kind": "search"}, "kind", "Input should be"),
        ({"subject__address__zip": "ABCDE"}, "subject.address.zip", "pattern"),
        ({"requester__email": "not-an-email"}, "requester.email", "pattern"),
        ({"agency__functions": []}, "agency.functions", "at least 1"),
        ({"scope__data_categories": ["payment"]}, "scope.data_categories[0]", "not a category"),
        (
            {"scope__data_categories": ["mail_exterior", "mail_exterior"]},
            "scope.data_categories",
            "listed twice",
        ),
    ],
)
def test_bad_values_name_the_field(changes: dict[str, object], field: str, says: str) -> None:
    with pytest.raises(InvalidInput) as err:
        request_document_from_data(apply(mail_cover_data(), changes))
    assert err.value.field == field
    assert field in err.value.message
    assert says in err.value.message


def test_unknown_fields_are_rejected_everywhere() -> None:
    for path in ["nationality", "subject__immigration_status", "scope__contents"]:
        data = apply(mail_cover_data(), {path: "x"})
        with pytest.raises(InvalidInput, match="unknown field") as err:
            request_document_from_data(data)
        assert err.value.field == path.replace("__", ".")


def test_missing_required_field() -> None:
    data = mail_cover_data()
    del data["purpose"]["case_number"]
    with pytest.raises(InvalidInput, match=r"purpose\.case_number: required field is missing"):
        request_document_from_data(data)


def test_bad_json_text() -> None:
    with pytest.raises(InvalidInput, match="request document"):
        parse_request_document(b"{not json")


def test_round_trip_through_json() -> None:
    raw = json.dumps(mail_cover_data())
    doc = parse_request_document(raw)
    assert parse_request_document(doc.model_dump_json()) == doc


def test_schema_has_id_and_no_fields_for_profiling() -> None:
    schema = request_json_schema()
    assert schema["$id"] == SCHEMA_ID
    text = json.dumps(schema).lower()
    for word in ("nationality", "immigration_status", "ethnicity", "religion"):
        assert word not in text
