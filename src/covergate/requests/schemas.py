"""Inputs of the request domain's steps (not part of the request document contract)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StrictInt, StrictStr

from covergate.document import DataCategory, StrictModel, Text, no_control, not_blank

# Kept in lifecycle.states (no pydantic) for the models; the same class here.
from covergate.lifecycle.states import DecisionOutcome as DecisionOutcome
from covergate.lifecycle.states import PersonCloseReason

#: A rule id as a justification's key: one printable line.
RuleId = Annotated[
    StrictStr, Field(max_length=100), AfterValidator(no_control), AfterValidator(not_blank)
]


class DecisionInput(StrictModel):
    """An approver's decision. ``modify`` may only narrow (fewer days, fewer categories)."""

    outcome: DecisionOutcome
    days: Annotated[StrictInt, Field(ge=1, le=3650)] | None = None
    categories: Annotated[list[DataCategory], Field(min_length=1)] | None = None
    # Free text, as the note: no control characters (no NUL), never blank.
    reasons: Text | None = None
    justifications: dict[RuleId, Text] = Field(default_factory=dict)


class ReviewInput(StrictModel):
    note: Text


class CloseInput(StrictModel):
    """Why a person closes: the other close reasons are set only by covergate itself."""

    reason: PersonCloseReason = PersonCloseReason.REQUESTED


class AcknowledgeInput(StrictModel):
    manifest_sha256: Annotated[StrictStr, Field(pattern=r"^[0-9a-f]{64}$")]
