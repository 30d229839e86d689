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
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = Path("covergate-data")
DEFAULT_POLICY = "safeguards-2026"
DEFAULT_LOG_ORIGIN = "covergate.example/log"
DEFAULT_PUBLIC_URL = "http://localhost:8000"
_OFF = frozenset({"0", "off", "false", "no"})


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
        )


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'covergate.db').resolve()}"
