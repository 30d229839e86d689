"""The Alembic migrations create exactly the tables the models describe."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Inspector

from covergate.db import Base, alembic_config, migrate
from covergate.errors import LogIntegrityError
from tests.conftest import Database


def _inspect(database: Database) -> Inspector:
    """An inspector on a fresh connection. SQLite's PRAGMA reads (foreign keys,
    columns) on a pooled connection that loaded the schema before a migration
    changed it may answer from the old schema, so the pool is emptied first."""
    database.engine.dispose()
    return inspect(database.engine)


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
    assert _inspect(database).get_foreign_keys("log_commitments") != []
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO log_entries (idx, data) VALUES (0, :d)"), {"d": b"e0"})
        conn.execute(text("INSERT INTO log_commitments (idx, sealed) VALUES (0, :s)"), {"s": b"s0"})
        conn.execute(
            text("INSERT INTO log_state (id, size, root, note) VALUES (1, 1, :r, :n)"),
            {"r": b"r" * 32, "n": b"note"},
        )
    command.upgrade(config, "0009_log_write_path")
    assert _inspect(database).get_foreign_keys("log_commitments") == []
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT idx, data FROM log_entries")).all() == [(0, b"e0")]
        assert conn.execute(text("SELECT idx, sealed FROM log_commitments")).all() == [(0, b"s0")]
        assert conn.execute(text("SELECT size, note, cosignatures FROM log_state")).all() == [
            (1, b"note", 0)
        ]
    migrate(database.engine)


_OLD_ENTRIES = "SELECT idx, data FROM log_entries ORDER BY idx"
_OLD_OPENINGS = "SELECT idx, sealed FROM log_commitments ORDER BY idx"
_NEW_ROWS = "SELECT idx, data, sealed FROM log_entries ORDER BY idx"


def _tables(database: Database) -> set[str]:
    return set(_inspect(database).get_table_names())


def test_0010_moves_every_opening_into_its_entry_row_and_back(database: Database) -> None:
    # Down to 0009, entries and openings written as the old code wrote them (in
    # two tables; entry 2 without an opening, as the audit would find it), up to
    # 0010: one row each, the same bytes; down again: the two tables as before.
    config = alembic_config(database.engine)
    command.downgrade(config, "0009_log_write_path")
    assert "log_commitments" in _tables(database)
    entries = [(0, b"e0"), (1, b"e1"), (2, b"e2"), (3, b"e3")]
    openings = [(0, b"s0"), (1, b"s1"), (3, b"s3")]
    with database.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO log_entries (idx, data) VALUES (:i, :d)"),
            [{"i": i, "d": d} for i, d in entries],
        )
        conn.execute(
            text("INSERT INTO log_commitments (idx, sealed) VALUES (:i, :s)"),
            [{"i": i, "s": s} for i, s in openings],
        )
    migrate(database.engine)
    assert "log_commitments" not in _tables(database)
    with database.engine.connect() as conn:
        assert conn.execute(text(_NEW_ROWS)).all() == [
            (0, b"e0", b"s0"),
            (1, b"e1", b"s1"),
            (2, b"e2", None),
            (3, b"e3", b"s3"),
        ]
    command.downgrade(config, "0009_log_write_path")
    assert "sealed" not in {c["name"] for c in _inspect(database).get_columns("log_entries")}
    assert _inspect(database).get_foreign_keys("log_commitments") == []
    with database.engine.connect() as conn:
        assert conn.execute(text(_OLD_ENTRIES)).all() == entries
        assert conn.execute(text(_OLD_OPENINGS)).all() == openings
    migrate(database.engine)
    with database.engine.connect() as conn:
        assert [row[2] for row in conn.execute(text(_NEW_ROWS))] == [b"s0", b"s1", None, b"s3"]


def test_0010_refuses_to_drop_an_opening_whose_entry_is_gone(database: Database) -> None:
    config = alembic_config(database.engine)
    command.downgrade(config, "0009_log_write_path")
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO log_entries (idx, data) VALUES (0, :d)"), {"d": b"e0"})
        conn.execute(
            text("INSERT INTO log_commitments (idx, sealed) VALUES (0, :a), (5, :b)"),
            {"a": b"s0", "b": b"s5"},
        )
    with pytest.raises(LogIntegrityError, match="1 commitment opening"):
        migrate(database.engine)
    # Nothing moved: still 0009, both openings where they were.
    with database.engine.connect() as conn:
        assert conn.execute(text(_OLD_OPENINGS)).all() == [(0, b"s0"), (5, b"s5")]
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM log_commitments WHERE idx = 5"))
    migrate(database.engine)
    with database.engine.connect() as conn:
        assert conn.execute(text(_NEW_ROWS)).all() == [(0, b"e0", b"s0")]


def test_0011_computes_the_interior_of_every_full_tile_and_drops_it_down(
    database: Database,
) -> None:
    # Down to 0010, tiles written as the old code wrote them (full ones at two
    # levels, more than one chunk of them, and partial ones), up: each full
    # tile gets the interior its hashes give, partial ones none; down: gone.
    from covergate.transparency.tree import tile_interior

    config = alembic_config(database.engine)
    command.downgrade(config, "0010_log_entry_openings")
    full = {(0, i): bytes([i % 251]) * 8192 for i in range(300)}
    full[(1, 0)] = bytes(range(256)) * 32
    partial = {(0, 300): b"p" * 32 * 5, (1, 1): b"q" * 32}
    with database.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO log_tiles (level, idx, data) VALUES (:l, :i, :d)"),
            [{"l": lv, "i": ix, "d": d} for (lv, ix), d in {**full, **partial}.items()],
        )
    migrate(database.engine)
    with database.engine.connect() as conn:
        rows = conn.execute(text("SELECT level, idx, interior FROM log_tiles")).all()
    stored = {(lv, ix): None if inside is None else bytes(inside) for lv, ix, inside in rows}
    assert stored == {
        **{key: tile_interior(data) for key, data in full.items()},
        **dict.fromkeys(partial),
    }
    command.downgrade(config, "0010_log_entry_openings")
    assert "interior" not in {c["name"] for c in _inspect(database).get_columns("log_tiles")}
    with database.engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM log_tiles")).scalar_one()
    assert count == len(full) + len(partial)
    migrate(database.engine)
