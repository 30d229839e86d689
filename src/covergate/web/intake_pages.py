"""Staff pages (filled in by the web app's work; see docs/WEB.md)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
