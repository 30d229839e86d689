"""Fixtures of the sign-in tests: the staff web app (tests/web/staff.py)."""

from tests.web.staff import staff

__all__ = ["staff"]
