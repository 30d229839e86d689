"""HTTP routes of the courts workflow."""

from __future__ import annotations

from fastapi import APIRouter

from covergate.api_deps import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["courts"], responses=PROBLEM_RESPONSES)
