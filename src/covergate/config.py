"""Where covergate keeps its data and how it reaches its database.

``--data DIR`` or ``COVERGATE_DATA`` (default ``./covergate-data``) holds the SQLite
database, the field-encryption key and the log signing key.
``COVERGATE_DATABASE_URL`` selects PostgreSQL instead of the embedded SQLite.
``COVERGATE_KEY`` (base64 of 32 bytes) overrides the key file for field encryption.
``COVERGATE_POLICY`` names the policy applied at intake (default ``safeguards-2026``).
``COVERGATE_LOG_ORIGIN`` names the log (default ``covergate.example/log``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = Path("covergate-data")
DEFAULT_POLICY = "safeguards-2026"
DEFAULT_LOG_ORIGIN = "covergate.example/log"


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved configuration for one process."""

    data_dir: Path
    database_url: str
    policy: str = DEFAULT_POLICY
    log_origin: str = DEFAULT_LOG_ORIGIN
    key_b64: str | None = None

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
        return cls(
            data_dir=data,
            database_url=url,
            policy=env.get("COVERGATE_POLICY") or DEFAULT_POLICY,
            log_origin=env.get("COVERGATE_LOG_ORIGIN") or DEFAULT_LOG_ORIGIN,
            key_b64=env.get("COVERGATE_KEY") or None,
        )


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'covergate.db').resolve()}"
