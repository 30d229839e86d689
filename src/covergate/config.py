"""Where covergate keeps its data and how it reaches its database.

``--data DIR`` or ``COVERGATE_DATA`` (default ``./covergate-data``) holds the SQLite
database, the field-encryption key and the log signing key.
``COVERGATE_DATABASE_URL`` selects PostgreSQL instead of the embedded SQLite.
``COVERGATE_KEY`` (base64 of 32 bytes) overrides the key file for field encryption.
``COVERGATE_POLICY`` names the policy applied at intake (default ``safeguards-2026``).
``COVERGATE_LOG_ORIGIN`` names the log (default ``covergate.example/log``).

The staff web app (docs/WEB.md):

``COVERGATE_PUBLIC_URL`` is the address staff browse to (default
``http://localhost:8000``): the WebAuthn relying party and origin, and the base of
the single sign-on callback. WebAuthn needs a host name, so use ``localhost``
rather than ``127.0.0.1``.
``COVERGATE_REQUIRE_PASSKEY`` (default on; ``off`` for the demo) makes approvers,
auditors, admins and courts use a passkey as their second factor.
``COVERGATE_OIDC_ISSUER``, ``COVERGATE_OIDC_CLIENT_ID`` and
``COVERGATE_OIDC_CLIENT_SECRET`` turn on single sign-on (OpenID Connect); unset,
the sign-in page offers none.

Witnesses (docs/TRANSPARENCY.md, :mod:`covergate.transparency.witnessing`):

``COVERGATE_WITNESS_POLICY`` names a C2SP tlog-policy file (``log``, ``witness NAME
VKEY URL``, ``group``, ``quorum`` lines). Set, the log sends every checkpoint to
those witnesses and serves the newest one that reached the quorum, cosignatures
appended; unset, the log serves its latest signed checkpoint as it always did.
``COVERGATE_WITNESS_FAIL_OPEN`` (default off) serves the latest signed checkpoint
while no checkpoint has reached the quorum yet, instead of answering 503.
``COVERGATE_WITNESS_RESEND_INTERVAL`` (seconds, default 300) is how often the
server resends its latest checkpoint so that cosignature timestamps stay fresh.
``COVERGATE_WITNESS_CONNECT_TIMEOUT`` and ``COVERGATE_WITNESS_READ_TIMEOUT``
(seconds, default 3 and 5) bound each request to a witness, and
``COVERGATE_WITNESS_ATTEMPTS`` (default 3) how often one is tried, with backoff,
when the witness cannot be reached or answers 5xx.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from covergate.errors import InvalidInput

DEFAULT_DATA_DIR = Path("covergate-data")
DEFAULT_POLICY = "safeguards-2026"
DEFAULT_LOG_ORIGIN = "covergate.example/log"
DEFAULT_PUBLIC_URL = "http://localhost:8000"
_OFF = frozenset({"0", "off", "false", "no"})
_ON = frozenset({"1", "on", "true", "yes"})
DEFAULT_WITNESS_RESEND_INTERVAL = 300.0
DEFAULT_WITNESS_CONNECT_TIMEOUT = 3.0
DEFAULT_WITNESS_READ_TIMEOUT = 5.0
DEFAULT_WITNESS_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class OidcSettings:
    """One OpenID Connect provider that staff may sign in with."""

    issuer: str
    client_id: str
    client_secret: str


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved configuration for one process."""

    data_dir: Path
    database_url: str
    policy: str = DEFAULT_POLICY
    log_origin: str = DEFAULT_LOG_ORIGIN
    key_b64: str | None = None
    public_url: str = DEFAULT_PUBLIC_URL
    require_passkey: bool = True
    oidc: OidcSettings | None = None
    witness_policy: Path | None = None
    witness_fail_open: bool = False
    witness_resend_interval: float = DEFAULT_WITNESS_RESEND_INTERVAL
    witness_connect_timeout: float = DEFAULT_WITNESS_CONNECT_TIMEOUT
    witness_read_timeout: float = DEFAULT_WITNESS_READ_TIMEOUT
    witness_attempts: int = DEFAULT_WITNESS_ATTEMPTS

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def key_file(self) -> Path:
        return self.data_dir / "field.key"

    @property
    def log_key_file(self) -> Path:
        return self.data_dir / "log-signing.key"

    @classmethod
    def load(cls, data_dir: Path | None = None) -> Settings:
        """Settings from the command line value, then the environment, then defaults."""
        env = os.environ
        data = data_dir or Path(env.get("COVERGATE_DATA") or DEFAULT_DATA_DIR)
        url = env.get("COVERGATE_DATABASE_URL") or sqlite_url(data)
        issuer = env.get("COVERGATE_OIDC_ISSUER")
        oidc = (
            OidcSettings(
                issuer=issuer.rstrip("/"),
                client_id=env.get("COVERGATE_OIDC_CLIENT_ID", ""),
                client_secret=env.get("COVERGATE_OIDC_CLIENT_SECRET", ""),
            )
            if issuer
            else None
        )
        return cls(
            data_dir=data,
            database_url=url,
            policy=env.get("COVERGATE_POLICY") or DEFAULT_POLICY,
            log_origin=env.get("COVERGATE_LOG_ORIGIN") or DEFAULT_LOG_ORIGIN,
            key_b64=env.get("COVERGATE_KEY") or None,
            public_url=(env.get("COVERGATE_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/"),
            require_passkey=env.get("COVERGATE_REQUIRE_PASSKEY", "on").strip().lower() not in _OFF,
            oidc=oidc,
            **_witness_settings(env),
        )


def _witness_settings(env: Mapping[str, str]) -> dict[str, Any]:
    policy = env.get("COVERGATE_WITNESS_POLICY")
    if not policy:
        return {}
    fail_open = env.get("COVERGATE_WITNESS_FAIL_OPEN", "off").strip().lower()
    if fail_open not in _ON | _OFF:
        raise InvalidInput("COVERGATE_WITNESS_FAIL_OPEN: expected on or off")
    return {
        "witness_policy": Path(policy),
        "witness_fail_open": fail_open in _ON,
        "witness_resend_interval": _number(
            env, "COVERGATE_WITNESS_RESEND_INTERVAL", DEFAULT_WITNESS_RESEND_INTERVAL
        ),
        "witness_connect_timeout": _number(
            env, "COVERGATE_WITNESS_CONNECT_TIMEOUT", DEFAULT_WITNESS_CONNECT_TIMEOUT
        ),
        "witness_read_timeout": _number(
            env, "COVERGATE_WITNESS_READ_TIMEOUT", DEFAULT_WITNESS_READ_TIMEOUT
        ),
        "witness_attempts": int(
            _number(env, "COVERGATE_WITNESS_ATTEMPTS", DEFAULT_WITNESS_ATTEMPTS, whole=True)
        ),
    }


def _number(env: Mapping[str, str], name: str, default: float, *, whole: bool = False) -> float:
    """A positive number from the environment; InvalidInput naming it otherwise."""
    text = env.get(name)
    if not text:
        return default
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        value = 0
    if not 0 < value <= 86400 or value != value:  # also refuses NaN
        kind = "a whole number" if whole else "a number of seconds"
        raise InvalidInput(f"{name}: expected {kind} above 0 (at most 86400)")
    return value


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'covergate.db').resolve()}"
