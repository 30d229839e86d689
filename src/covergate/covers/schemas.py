"""What may be recorded for one mail piece (the exterior, never the contents),
and for one item of postal customer records."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from covergate.document import Address, DataCategory, IsoDate, PlainText, ShortText

# Kept in lifecycle.states (no pydantic) for the models; the same class here.
from covergate.lifecycle.states import RefusalReason as RefusalReason


class MailClass(StrEnum):
    FIRST_CLASS = "first_class"
    PRIORITY = "priority"
    PRIORITY_EXPRESS = "priority_express"
    MARKETING = "marketing"
    PERIODICALS = "periodicals"
    PACKAGE_SERVICES = "package_services"
    GROUND_ADVANTAGE = "ground_advantage"
    OTHER = "other"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Correspondent(_Strict):
    name: ShortText
    address: Address


class MailObservation(_Strict):
    """The exterior of one mail piece, as written. There is no field for contents."""

    mail_date: IsoDate
    mail_class: MailClass
    sender: Correspondent
    addressee: Correspondent
    postmark: Annotated[PlainText, Field(min_length=1, max_length=200)] | None = None


class RecordsItem(_Strict):
    """One item of postal customer records (e.g. a tracking scan, a session)."""

    category: DataCategory
    record_date: IsoDate
    fields: Annotated[
        dict[
            Annotated[PlainText, Field(max_length=60)], Annotated[PlainText, Field(max_length=500)]
        ],
        Field(min_length=1, max_length=40),
    ]


def _observation_kind(value: Any) -> str:
    """Records items carry a ``category``; mail observations never do."""
    if isinstance(value, dict):
        return "records" if "category" in value else "mail"
    return "records" if isinstance(value, RecordsItem) else "mail"


#: One observation as clients send it: a mail exterior or a records item, told apart
#: by the ``category`` key, so that errors name the field of the right model.
ObservationInput = Annotated[
    Annotated[MailObservation, Tag("mail")] | Annotated[RecordsItem, Tag("records")],
    Discriminator(_observation_kind),
]
