"""HTTP routes of the notices workflow."""

from __future__ import annotations

from fastapi import APIRouter

from covergate.api_deps import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["notices"], responses=PROBLEM_RESPONSES)
