"""What the admins' pages share: who may use them."""

from __future__ import annotations

from covergate.lifecycle.access import require_role
from covergate.users.models import User
from covergate.users.schemas import Role

#: As the API says it (``users/routes.py``): "only an admin may manage accounts".
MANAGE = "manage accounts"


def require_admin(user: User) -> None:
    require_role(user, Role.ADMIN, doing=MANAGE)
