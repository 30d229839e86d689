"""The witness's tables: its own SQLAlchemy ``MetaData``, created by the witness.

These are not covergate's tables and not under covergate's Alembic migrations: a
witness is a separate system and may run beside a covergate server or far from one.
``witness init`` creates them and writes the schema version; every other command
checks that version and that the database belongs to this witness's key, so a
database is never silently re-created or paired with another key.

- ``witness_meta``: ``schema_version``, ``name``, ``verifier_key``, ``created_at``.
- ``witness_logs``: one row per origin: the log's key, the latest cosigned size and
  root (size 0 and the empty-tree root before the first), the cosigned checkpoint.
- ``witness_evidence``: checkpoints validly signed by a log but inconsistent with
  what the witness cosigned before, with the request body and the reason.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Engine

from covergate.db import value_enum
from covergate.errors import Conflict, InvalidInput
from covergate.witness.check import Verdict

__all__ = ["SCHEMA_VERSION", "create_schema", "evidence", "logs", "meta", "metadata", "open_schema"]

SCHEMA_VERSION = 1

metadata = MetaData(
    naming_convention={
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
        "ix": "ix_%(column_0_label)s",
    }
)

meta = Table(
    "witness_meta",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

logs = Table(
    "witness_logs",
    metadata,
    Column("origin", String(1024), primary_key=True),
    Column("verifier_key", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("checkpoint", LargeBinary, nullable=True),  # the cosigned note served to monitors
    Column("cosigned_at", BigInteger, nullable=True),  # UNIX seconds of the last cosignature
    Column("added_at", BigInteger, nullable=False),
)

evidence = Table(
    "witness_evidence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("origin", String(1024), nullable=False, index=True),
    Column("old_size", BigInteger, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("reason", value_enum(Verdict), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("body_sha256", LargeBinary(32), nullable=False, unique=True),
    Column("received_at", BigInteger, nullable=False),
)


def create_schema(engine: Engine, *, name: str, verifier_key: str, now: int) -> None:
    """Create the tables and the schema-version row; Conflict if a witness is there."""
    if inspect(engine).has_table(meta.name):
        raise Conflict("the database already holds a witness; it is not re-created")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(meta),
            [
                {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                {"key": "name", "value": name},
                {"key": "verifier_key", "value": verifier_key},
                {"key": "created_at", "value": str(now)},
            ],
        )


def open_schema(engine: Engine, *, verifier_key: str) -> None:
    """Check the schema version and that the database is this key's witness.

    A missing database is an error, never a reason to create one: a witness that
    lost its state must not start afresh under the same key (it would cosign a
    fork of a log it had already cosigned).
    """
    if not inspect(engine).has_table(meta.name):
        raise InvalidInput(
            "no witness database there: restore it from a backup, or run `covergate "
            "witness init` with a new data directory (never a fresh state under the old key)"
        )
    with engine.connect() as conn:
        rows = {k: v for k, v in conn.execute(select(meta.c.key, meta.c.value))}
    if rows.get("schema_version") != str(SCHEMA_VERSION):
        raise InvalidInput(
            f"witness database schema version {rows.get('schema_version')!r} is not "
            f"{SCHEMA_VERSION}, the one this covergate knows"
        )
    if rows.get("verifier_key") != verifier_key:
        raise InvalidInput(
            f"the witness database belongs to {rows.get('verifier_key')!r}, "
            "not to this data directory's key"
        )
