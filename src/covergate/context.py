"""What every lifecycle service needs besides its session, passed explicitly."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

# Only the annotations of ServiceContext need these: covergate.policy (its YAML, its
# rules, the request document's pydantic models) and the field cipher take 60 to
# 90 ms to import, and every model module imports Via from here.
if TYPE_CHECKING:
    from covergate.clock import Clock
    from covergate.crypto import FieldCipher
    from covergate.policy import Policy
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
    #: Gives the policy (:attr:`policy`), asked only by what evaluates it: loading
    #: one (the policy package, its YAML, the document's models) costs a command
    #: that only reads (``request list``, ``audit``) 40 to 90 ms it would not use.
    policy_source: Callable[[], Policy]
    via: Via = Via.API
    new_public_id: Callable[[], str] = field(default=random_public_id)
    #: The witness quorum the checkpoint handed out must meet (None: no witness policy).
    log_quorum: Quorum | None = None

    @property
    def policy(self) -> Policy:
        return self.policy_source()

    def with_policy(self, policy: Policy) -> ServiceContext:
        """The same context under another policy."""
        return replace(self, policy_source=lambda: policy)
