"""Imports every domain's models so that ``Base.metadata`` knows every table.

Alembic's env and the tests import this module; nothing else should need to.
"""

from __future__ import annotations

from covergate.agencies import models as agencies_models  # noqa: F401
from covergate.courts import models as courts_models  # noqa: F401
from covergate.covers import models as covers_models  # noqa: F401
from covergate.lifecycle import models as lifecycle_models  # noqa: F401
from covergate.notices import models as notices_models  # noqa: F401
from covergate.productions import models as productions_models  # noqa: F401
from covergate.requests import models as requests_models  # noqa: F401
from covergate.signin import models as signin_models  # noqa: F401
from covergate.transparency import models as transparency_models  # noqa: F401
from covergate.users import models as users_models  # noqa: F401
