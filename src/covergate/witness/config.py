"""Where a witness keeps its state: the data directory, the key file, the database.

The data directory holds the cosigning key (``witness.key``) and, unless a
database URL is given, the SQLite database (``witness.db``). A URL comes from
``--database-url`` or ``COVERGATE_WITNESS_DATABASE_URL``; it is never written to
disk, since it may carry a password.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DATABASE_URL_ENV", "WitnessConfig"]

DATABASE_URL_ENV = "COVERGATE_WITNESS_DATABASE_URL"
KEY_FILE_NAME = "witness.key"
SQLITE_FILE_NAME = "witness.db"


@dataclass(frozen=True, slots=True)
class WitnessConfig:
    """The resolved location of one witness's key and database."""

    data_dir: Path
    database_url: str

    @property
    def key_file(self) -> Path:
        return self.data_dir / KEY_FILE_NAME

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite database file, or None when the database is elsewhere."""
        if self.database_url.startswith("sqlite"):
            return self.data_dir / SQLITE_FILE_NAME
        return None

    @classmethod
    def load(cls, data_dir: Path, database_url: str | None = None) -> WitnessConfig:
        """The option's URL, then the environment's, then SQLite in ``data_dir``."""
        url = database_url or os.environ.get(DATABASE_URL_ENV) or ""
        if not url:
            url = f"sqlite:///{(data_dir / SQLITE_FILE_NAME).resolve()}"
        return cls(data_dir=data_dir, database_url=url)
