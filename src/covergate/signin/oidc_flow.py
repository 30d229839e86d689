"""The part of a single sign-on the browser carries between its two legs.

A :class:`Flow` (state, nonce, PKCE verifier, the page to return to, when it
started) travels in a cookie sealed with AES-256-GCM under the server's field key
(:func:`seal_flow`): the browser can neither read the verifier nor change anything
in it. A flow is good for :data:`FLOW_LIFETIME`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from covergate.clock import Clock
from covergate.crypto import DecryptionFailed, FieldCipher
from covergate.errors import AuthenticationFailed

FLOW_LIFETIME = timedelta(minutes=10)
_FLOW_LABEL = b"signin.oidc-flow"


class SsoFailed(AuthenticationFailed):
    """Single sign-on did not prove who the user is; ``message`` says why, to them."""


@dataclass(frozen=True)
class Flow:
    """One sign-in in progress, kept by the browser between the two legs."""

    state: str
    nonce: str
    verifier: str
    next_path: str
    started: datetime


def new_flow(*, clock: Clock, next_path: str) -> Flow:
    return Flow(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(48),  # 64 characters (RFC 7636: 43 to 128)
        next_path=next_path,
        started=clock.now(),
    )


def code_challenge(verifier: str) -> str:
    """RFC 7636 S256: the base64url SHA-256 of the verifier, unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def seal_flow(cipher: FieldCipher, flow: Flow) -> str:
    value = {
        "state": flow.state,
        "nonce": flow.nonce,
        "verifier": flow.verifier,
        "next": flow.next_path,
        "started": flow.started.timestamp(),
    }
    blob = cipher.encrypt_json(value, label=_FLOW_LABEL)
    return base64.urlsafe_b64encode(blob).rstrip(b"=").decode("ascii")


def open_flow(cipher: FieldCipher, sealed: str | None, *, clock: Clock) -> Flow:
    """The flow the cookie holds; SsoFailed if none, altered, or too old."""
    stale = SsoFailed(
        "this single sign-on attempt has expired or was started in another browser; "
        "start again from this page"
    )
    if not sealed:
        raise stale
    try:
        blob = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
        value = cipher.decrypt_json(blob, label=_FLOW_LABEL)
    except (binascii.Error, ValueError, DecryptionFailed) as exc:
        raise stale from exc
    if not isinstance(value, dict):
        raise stale
    state, nonce, verifier, next_path, started = (
        value.get(k) for k in ("state", "nonce", "verifier", "next", "started")
    )
    if not (
        isinstance(state, str)
        and isinstance(nonce, str)
        and isinstance(verifier, str)
        and isinstance(next_path, str)
        and isinstance(started, float)
    ):
        raise stale
    flow = Flow(state, nonce, verifier, next_path, datetime.fromtimestamp(started, UTC))
    if not timedelta(0) <= clock.now() - flow.started <= FLOW_LIFETIME:
        raise stale
    return flow
