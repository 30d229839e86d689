"""Inputs of the courts workflow's steps (bodies of the API, options of the CLI)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from covergate.document import IsoDate, ShortText, StrictModel, Text


class CourtInput(StrictModel):
    """A court to register (admins)."""

    name: Annotated[ShortText, Field(max_length=200)]


class ConfirmInput(StrictModel):
    """A court confirms an order; ``sealed_until`` keeps its identity off the public
    log until that day (after today, at most 10 years ahead)."""

    sealed_until: IsoDate | None = None


class RefuseInput(StrictModel):
    """A court refuses an order, with reasons (sealed; at least 10 characters)."""

    reasons: Text
    sealed_until: IsoDate | None = None
