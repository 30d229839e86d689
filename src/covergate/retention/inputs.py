"""What the retention routes take: the destruction's explanation, a run's options."""

from __future__ import annotations

from pydantic import StrictBool

from covergate.document import StrictModel, Text

__all__ = ["DestroyInput", "RetentionRunInput"]


class DestroyInput(StrictModel):
    """Why an improperly ordered cover's data is destroyed: told to the requester.

    Say what was wrong with the order; do not name the subject.
    """

    explanation: Text


class RetentionRunInput(StrictModel):
    dry_run: StrictBool = False
