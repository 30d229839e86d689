"""The lifecycle's own dated query: covers whose start has come or whose end has
passed (``period.sweep`` moves them). Here, in a module of its own, so that the
maintenance sweep's one question (``covergate.due.anything_due``) can ask it
without importing the step that acts on it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select

from covergate.lifecycle.models import Request
from covergate.lifecycle.states import RequestState

__all__ = ["covers_to_move"]


def covers_to_move(today: date) -> Select[Request]:
    """Approved covers whose start has come, active ones past their last day."""
    return select(Request).where(
        ((Request.state == RequestState.APPROVED) & (Request.active_from <= today))
        | ((Request.state == RequestState.ACTIVE) & (Request.active_until < today))
    )
