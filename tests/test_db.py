"""The SQLite settings every covergate connection runs with."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from covergate.db import IN_BATCH, id_batches, make_engine


def test_sqlite_commits_are_durable_and_writers_serialised(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        with engine.connect() as conn:
            # WAL (readers never block the writer) and synchronous=FULL (2): a
            # commit, and so an acknowledged request or a served checkpoint,
            # survives a power cut, not only a crash of the process.
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 2
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        # Every transaction takes the writer lock when it begins (BEGIN IMMEDIATE),
        # before it writes anything: another writer cannot start meanwhile.
        other = sqlite3.connect(tmp_path / "c.db", timeout=0.1, isolation_level=None)
        with engine.begin() as first:
            first.execute(text("SELECT count(*) FROM t")).scalar_one()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once the first has committed
        other.execute("ROLLBACK")
        other.close()
    finally:
        engine.dispose()


def test_id_batches_cover_every_id_in_runs_of_at_most_in_batch() -> None:
    ids = list(range(2 * IN_BATCH + 1))
    batches = list(id_batches(ids))
    assert [len(b) for b in batches] == [IN_BATCH, IN_BATCH, 1]
    assert [i for b in batches for i in b] == ids
    assert list(id_batches([])) == []
