"""Fixtures of the staff web app tests."""

from tests.web.staff import staff

__all__ = ["staff"]
