"""The Alembic migrations create exactly the tables the models describe."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from covergate.db import Base, alembic_config, migrate
from tests.conftest import Database


def test_migrations_match_models(database: Database) -> None:
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_migrate_is_idempotent(database: Database) -> None:
    migrate(database.engine)
    migrate(database.engine)


def test_0009_keeps_log_rows_and_drops_only_the_commitment_foreign_key(
    database: Database,
) -> None:
    # Down to 0008 with its foreign key, rows written as the old code wrote
    # them, then up again: every row is kept and the state gets a count of 0.
    config = alembic_config(database.engine)
    command.downgrade(config, "0008_witness_cosignatures")
    assert inspect(database.engine).get_foreign_keys("log_commitments") != []
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO log_entries (idx, data) VALUES (0, :d)"), {"d": b"e0"})
        conn.execute(text("INSERT INTO log_commitments (idx, sealed) VALUES (0, :s)"), {"s": b"s0"})
        conn.execute(
            text("INSERT INTO log_state (id, size, root, note) VALUES (1, 1, :r, :n)"),
            {"r": b"r" * 32, "n": b"note"},
        )
    migrate(database.engine)
    assert inspect(database.engine).get_foreign_keys("log_commitments") == []
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT idx, data FROM log_entries")).all() == [(0, b"e0")]
        assert conn.execute(text("SELECT idx, sealed FROM log_commitments")).all() == [(0, b"s0")]
        assert conn.execute(text("SELECT size, note, cosignatures FROM log_state")).all() == [
            (1, b"note", 0)
        ]
