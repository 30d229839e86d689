"""The request document, schema ``covergate/request/v1`` (ARCHITECTURE.md): the vocabulary.

This is a stable contract: fields may be added, never renamed. Validation is
strict: unknown fields, wrong types (no silent coercion of ``"5"`` to ``5``) and
missing required fields are rejected with a message naming the field.

Every date lies between :data:`MIN_DATE` and :data:`MAX_DATE`, so that adding the
days of any period or obligation to it stays far inside Python's dates. Text holds
no control characters (no NUL, which PostgreSQL cannot store, no terminal escapes);
long free text (:data:`Text`) may hold line breaks (LF, CR LF, as browsers send a
textarea) and tabs. Required text is never blank.

Example::

    doc = parse_request_document(Path("request.json").read_bytes())
    doc.purpose.ground is Ground.CRIME
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    model_validator,
)

from covergate import textchecks as _textchecks
from covergate import vocabulary as _vocabulary
from covergate.validation import parse_model, parse_model_json

SCHEMA_ID = "covergate/request/v1"

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: The first and last day any date of a request may be (decades of cover and notice
#: periods added to MAX_DATE are still far from year 9999, where ``date`` ends).
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2200, 12, 31)
_DATE_RANGE = f"must be a date between {MIN_DATE} and {MAX_DATE}, written YYYY-MM-DD"


def _iso_date(value: Any) -> Any:
    """Accept a ``date`` or an exact ``YYYY-MM-DD`` string in range; nothing else."""
    if isinstance(value, date):
        day = value
    elif isinstance(value, str) and _DATE_RE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValueError("must be a date written YYYY-MM-DD") from None
    else:
        raise ValueError("must be a date written YYYY-MM-DD")
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(_DATE_RANGE)
    return day


# The text checks, re-exported: the document's types below are built on them.
no_control = _textchecks.no_control
no_control_but_layout = _textchecks.no_control_but_layout
not_blank = _textchecks.not_blank


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
#: Long free text (grounds, notes, reasons): line breaks and tabs allowed, never blank.
Text = Annotated[
    StrictStr,
    Field(min_length=1, max_length=10_000),
    AfterValidator(no_control_but_layout),
    AfterValidator(not_blank),
]
#: One line of text (names, numbers, titles): no control characters, never blank.
ShortText = Annotated[
    StrictStr,
    Field(min_length=1, max_length=300),
    AfterValidator(no_control),
    AfterValidator(not_blank),
]
#: One line of text that may be empty (a value of a records item).
PlainText = Annotated[StrictStr, AfterValidator(no_control)]


# The document's vocabularies, the very classes of covergate.vocabulary (which imports
# no pydantic, for the command line), named here too: they are part of this contract.
RequestKind = _vocabulary.RequestKind
Jurisdiction = _vocabulary.Jurisdiction
AgencyFunction = _vocabulary.AgencyFunction
ReceivedVia = _vocabulary.ReceivedVia
Ground = _vocabulary.Ground
WarrantType = _vocabulary.WarrantType
Threat = _vocabulary.Threat
DataCategory = _vocabulary.DataCategory
MAIL_COVER_CATEGORIES = _vocabulary.MAIL_COVER_CATEGORIES
RECORDS_CATEGORIES = _vocabulary.RECORDS_CATEGORIES
ProcessType = _vocabulary.ProcessType
ProcessStandard = _vocabulary.ProcessStandard
EmergencyKind = _vocabulary.EmergencyKind


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Agency(StrictModel):
    name: ShortText
    jurisdiction: Jurisdiction
    functions: Annotated[list[AgencyFunction], Field(min_length=1)]


class Requester(StrictModel):
    name: ShortText
    title: ShortText
    email: Annotated[PlainText, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=300)]


class Received(StrictModel):
    via: ReceivedVia
    date: IsoDate
    written_confirmation_date: IsoDate | None = None


class FugitiveWarrant(StrictModel):
    type: WarrantType
    issued_by: ShortText
    date: IsoDate


class NationalSecurity(StrictModel):
    threat: Threat
    foreign_power: ShortText | None = None
    approved_by_agency_head: StrictBool


class Purpose(StrictModel):
    ground: Ground
    statute: ShortText | None = None
    max_imprisonment_months: Annotated[StrictInt, Field(ge=0, le=12 * 200)] | None = None
    case_number: ShortText
    reasonable_grounds: Text
    fugitive_warrant: FugitiveWarrant | None = None
    national_security: NationalSecurity | None = None
    indictment_or_information_filed: StrictBool


class Address(StrictModel):
    line1: ShortText
    line2: ShortText | None = None
    city: ShortText
    state: Annotated[PlainText, Field(min_length=2, max_length=40), AfterValidator(not_blank)]
    zip: Annotated[StrictStr, Field(pattern=r"^\d{5}(-\d{4})?$")]


class Attorney(StrictModel):
    name: ShortText
    address: Address


class Subject(StrictModel):
    name: ShortText
    address: Address
    known_attorneys: list[Attorney] = Field(default_factory=list)


class Scope(StrictModel):
    data_categories: Annotated[list[DataCategory], Field(min_length=1)]
    include_attorney_mail: StrictBool
    start: IsoDate
    days: Annotated[StrictInt, Field(ge=1, le=3650)]
    longer_period_justification: Text | None = None
    prior_days: Annotated[StrictInt, Field(ge=0, le=36500)] = 0
    extension_benefit: Text | None = None
    chief_inspector_personal_approval: StrictBool = False


class LegalProcess(StrictModel):
    type: ProcessType
    standard: ProcessStandard
    court: ShortText | None = None
    docket: ShortText | None = None
    judge: ShortText | None = None
    issued: IsoDate
    expires: IsoDate | None = None


class Emergency(StrictModel):
    kind: EmergencyKind
    description: Text


class RequestDocument(StrictModel):
    """One request for a mail cover or for postal customer records."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"$id": SCHEMA_ID, "title": "covergate request document v1"},
    )

    kind: RequestKind
    agency: Agency
    requester: Requester
    received: Received
    purpose: Purpose
    subject: Subject
    scope: Scope
    legal_process: LegalProcess | None = None
    emergency: Emergency | None = None

    @model_validator(mode="after")
    def _categories_match_kind(self) -> RequestDocument:
        allowed = (
            MAIL_COVER_CATEGORIES if self.kind is RequestKind.MAIL_COVER else RECORDS_CATEGORIES
        )
        for i, cat in enumerate(self.scope.data_categories):
            if cat not in allowed:
                raise ValueError(
                    f"scope.data_categories[{i}]: {cat.value!r} is not a category "
                    f"for a {self.kind.value} request"
                )
        if len(set(self.scope.data_categories)) != len(self.scope.data_categories):
            raise ValueError("scope.data_categories: a category is listed twice")
        return self


def parse_request_document(raw: bytes | str) -> RequestDocument:
    """Parse JSON text into a :class:`RequestDocument` or raise InvalidInput."""
    return parse_model_json(RequestDocument, raw, what="request document")


def request_document_from_data(data: object) -> RequestDocument:
    """Validate already-decoded JSON data."""
    return parse_model(RequestDocument, data, what="request document")


def request_json_schema() -> dict[str, Any]:
    schema = RequestDocument.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
