"""HTTP routes of the retention workflow."""

from __future__ import annotations

from fastapi import APIRouter

from covergate.api_deps import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["retention"], responses=PROBLEM_RESPONSES)
