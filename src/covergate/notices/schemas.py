"""Inputs of the notice steps (the HTTP bodies; the CLI passes the same values)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StrictStr

from covergate.document import IsoDate, StrictModel, Text, no_control, not_blank

__all__ = ["DelayInput", "MailedInput"]


class DelayInput(StrictModel):
    """A court's order delaying notice until ``until`` (at most the policy's days)."""

    until: IsoDate
    docket: Annotated[
        StrictStr, Field(min_length=1, max_length=64), AfterValidator(no_control),
        AfterValidator(not_blank),
    ]  # fmt: skip
    reasons: Text


class MailedInput(StrictModel):
    """The letter went out on ``mailed_on``, with this USPS tracking number."""

    mailed_on: IsoDate
    tracking: Annotated[StrictStr, Field(pattern=r"^[A-Z0-9]{10,40}$")]
