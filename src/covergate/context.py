"""What every lifecycle service needs besides its session, passed explicitly."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from covergate.clock import Clock
from covergate.crypto import FieldCipher
from covergate.policy import Policy

if TYPE_CHECKING:
    from covergate.transparency.cosigned import Quorum


class Via(StrEnum):
    API = "api"
    CLI = "cli"
    WEB = "web"


def random_public_id() -> str:
    """A random public request id: 32 lowercase hex characters, unlinkable to anything."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class ServiceContext:
    clock: Clock
    cipher: FieldCipher
    policy: Policy
    via: Via = Via.API
    new_public_id: Callable[[], str] = field(default=random_public_id)
    #: The witness quorum the checkpoint handed out must meet (None: no witness policy).
    log_quorum: Quorum | None = None
