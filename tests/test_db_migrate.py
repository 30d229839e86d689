"""``covergate.db.migrate``'s cheap "schema is current" check, against Alembic itself."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from covergate.db import (
    _head_revisions,
    _stored_revisions,
    alembic_config,
    make_engine,
    migrate,
)

PREVIOUS = "0007_disclosure"


def _engine(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path / 'covergate.db'}")


def test_head_read_from_the_files_is_alembics(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    assert _head_revisions() == frozenset(heads)
    engine.dispose()


def test_stored_revision_on_both_backends(migrated: tuple[str, str, Engine]) -> None:
    _backend, _url, engine = migrated
    assert _stored_revisions(engine) == _head_revisions()


def test_a_new_database_is_migrated(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    assert _stored_revisions(engine) is None
    migrate(engine)
    assert _stored_revisions(engine) == _head_revisions()
    assert inspect(engine).has_table("log_cosignatures")
    engine.dispose()


def test_an_older_schema_is_still_upgraded(tmp_path: Path) -> None:
    """The check only skips Alembic when the revision is the head."""
    engine = _engine(tmp_path)
    command.upgrade(alembic_config(engine), PREVIOUS)
    assert _stored_revisions(engine) == frozenset({PREVIOUS})
    assert not inspect(engine).has_table("log_cosignatures")
    migrate(engine)
    assert _stored_revisions(engine) == _head_revisions()
    assert inspect(engine).has_table("log_cosignatures")
    engine.dispose()


def test_a_current_schema_loads_no_alembic(tmp_path: Path) -> None:
    """What makes every command start faster: no Alembic import when nothing is to do."""
    engine = _engine(tmp_path)
    migrate(engine)
    engine.dispose()
    url = f"sqlite:///{tmp_path / 'covergate.db'}"
    script = (
        "import sys\n"
        "from covergate.db import make_engine, migrate\n"
        f"migrate(make_engine({url!r}))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_the_check_takes_no_writer_lock(tmp_path: Path) -> None:
    """A command starting while the server writes does not wait for its transaction."""
    engine = _engine(tmp_path)
    migrate(engine)
    writer = sqlite3.connect(tmp_path / "covergate.db", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        fresh = make_engine(f"sqlite:///{tmp_path / 'covergate.db'}")
        migrate(fresh)  # with the lock taken, BEGIN IMMEDIATE would wait 30 s, then fail
        fresh.dispose()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        engine.dispose()
