"""Imports every domain's models so that ``Base.metadata`` knows every table.

Alembic's env and the tests import this module; nothing else should need to.
"""

from __future__ import annotations

from covergate.transparency import models as transparency_models  # noqa: F401
