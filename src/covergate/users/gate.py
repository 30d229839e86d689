"""The API's early token check, remembered for a few seconds.

Every API route checks its bearer token twice: once in a dependency, so that a
caller without a valid token gets 401 before FastAPI validates (and describes)
the request body, and again inside the route's own transaction
(:meth:`covergate.runtime.Runtime.unit_of_work`), which is the check that decides
what the caller may do. The first check is only a gate in front of the second.

:class:`TokenGate` remembers, per process, which token digests passed the gate
in the last :data:`GATE_SECONDS`, so that a client sending many requests does not
pay a second read transaction (and a second thread-pool hop) for each
(docs/BENCHMARKS.md, "Request submission under load", fourth round).

Revocation stays effective at once: the transaction's check never uses the gate.
A token revoked in another process within the last few seconds can at most be
told that its body is malformed (422, a description of the public schema) before
it is told it is not valid. A revocation or a disabled account through this
process's API empties the gate (:meth:`TokenGate.forget_all`).
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from covergate.clock import Clock
from covergate.users.service import token_digest

#: How long a token that passed the gate is let through it again unchecked.
GATE_SECONDS = 5.0
#: At most this many digests are remembered; when full, the gate starts afresh.
GATE_SIZE = 4096


class TokenGate:
    """Token digests that passed the early check, each until its deadline."""

    def __init__(self, clock: Clock, *, seconds: float = GATE_SECONDS, size: int = GATE_SIZE):
        self._clock = clock
        self._ttl = timedelta(seconds=seconds)
        self._size = size
        self._until: dict[bytes, datetime] = {}
        self._lock = threading.Lock()

    def admits(self, token: str) -> bool:
        """Whether ``token`` passed the check less than the gate's seconds ago."""
        until = self._until.get(token_digest(token))
        return until is not None and self._clock.now() < until

    def passed(self, token: str) -> None:
        """``token`` has just passed the full check."""
        deadline = self._clock.now() + self._ttl
        with self._lock:
            if len(self._until) >= self._size:
                self._until.clear()
            self._until[token_digest(token)] = deadline

    def forget_all(self) -> None:
        """Check every token in full again (after a revocation or a disabled user)."""
        with self._lock:
            self._until.clear()

    def __len__(self) -> int:
        return len(self._until)
