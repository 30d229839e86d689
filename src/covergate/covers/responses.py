"""What the observation route answers."""

from __future__ import annotations

from typing import Literal

from covergate.api_deps import ResponseModel

__all__ = ["ObservationRecorded"]


class ObservationRecorded(ResponseModel):
    id: int
    request: str
    status: Literal["recorded"]
