"""Database engine, sessions and migrations.

SQLite (WAL, foreign keys on) in the data directory is the embedded default;
PostgreSQL through psycopg 3 when ``COVERGATE_DATABASE_URL`` is set. The schema is
owned by Alembic migrations in ``covergate/migrations``; :func:`migrate` brings a
database to the latest revision and runs on every start.

Services never commit: they take ``*, session`` and flush. The caller (an HTTP
handler, a CLI command) owns the transaction, usually through :func:`transaction`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator, event
from sqlalchemy.engine import Dialect, Engine, create_engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from covergate.errors import Conflict

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    return url


SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    # FULL: every commit is on disk before it returns. With NORMAL a power cut
    # can roll back commits already acknowledged, including a log checkpoint
    # already served; the log would then sign a different tree of the same
    # size, a fork that no monitor could tell from an attack.
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=30000",
)
"""What every SQLite connection runs first (the bench's storage floor too)."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``. Its errors never show bound parameters: they hold
    reviewer notes and subject data, and error text ends up in server logs."""
    kwargs["hide_parameters"] = True
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, issue BEGIN, so that BEGIN IMMEDIATE works
            # and transactions mean what they say.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            for pragma in SQLITE_PRAGMAS:
                cur.execute(pragma)
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # Take the writer lock at the start: one writer at a time, no upgrade
            # deadlocks. Read-only sessions (make_read_sessionmaker) wait for no writer.
            if conn.get_execution_options().get(_READ_ONLY):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


_READ_ONLY = "covergate_read_only"


def make_read_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions for transactions that never write (a token check).

    On SQLite they begin with a plain ``BEGIN``: a reader in WAL mode waits for no
    writer, where ``BEGIN IMMEDIATE`` would queue behind every submission. A write
    in one of them may fail with "database is locked": never write in one.
    On PostgreSQL they are ordinary sessions.
    """
    return sessionmaker(engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error.

    A concurrent change to the same row (optimistic version check) becomes a
    :class:`covergate.errors.Conflict`, so the client is told to retry.
    """
    with factory() as session:
        try:
            with session.begin():
                yield session
        except StaleDataError as exc:
            raise Conflict("the request was changed by someone else meanwhile; retry") from exc


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(files("covergate") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the database schema to the latest migration (idempotent).

    Every command runs this on start, and nearly always the schema is current: so
    the stored revision is first compared with the head read from the migration
    files, which costs one query and no Alembic import (Alembic, its environment
    and its migration modules take a third of a second to load). Anything else (no
    version table, another revision, a branch this cheap check cannot read) goes to
    Alembic, which upgrades or refuses as before.
    """
    head = _head_revisions()
    if head is not None and _stored_revisions(engine) == head:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


_REVISION_LINE = re.compile(r'^(down_revision|revision)\b[^=]*=\s*(None|"[^"]*")\s*$', re.M)


@cache
def _head_revisions() -> frozenset[str] | None:
    """The head revisions of the migration files, by reading their ``revision`` and
    ``down_revision`` lines; None when a file is not that simple (a merge), so that
    Alembic decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (files("covergate") / "migrations" / "versions").iterdir():
        if not script.name.endswith(".py") or script.name.startswith("_"):
            continue
        found: dict[str, str] = dict(_REVISION_LINE.findall(script.read_text()))
        revision = found.get("revision", "None")
        if revision == "None" or "down_revision" not in found:
            return None
        revisions.add(revision.strip('"'))
        if found["down_revision"] != "None":
            parents.add(found["down_revision"].strip('"'))
    heads = revisions - parents
    return frozenset(heads) if heads else None


def _stored_revisions(engine: Engine) -> frozenset[str] | None:
    """The revisions in the database's ``alembic_version`` table; None without one.

    Read on a raw DBAPI connection, outside SQLAlchemy's transaction events, so that
    the check does not take SQLite's writer lock (``BEGIN IMMEDIATE``).
    """
    exists = (
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        if engine.dialect.name == "sqlite"
        else "SELECT count(*) FROM pg_catalog.pg_class c WHERE c.relkind = 'r' "
        "AND c.relname = 'alembic_version' AND pg_catalog.pg_table_is_visible(c.oid)"
    )
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(exists)
            row = cursor.fetchone()
            if row is None or row[0] == 0:
                return None
            cursor.execute("SELECT version_num FROM alembic_version")
            return frozenset(row[0] for row in cursor.fetchall())
        finally:
            cursor.close()
            connection.rollback()
    finally:
        connection.close()


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC, read back aware on every backend.

    PostgreSQL keeps the offset (``timestamptz``); SQLite keeps text without one and
    gives back naive datetimes. Both are normalised here: written as UTC, read as
    UTC, so ``2026-01-02T09:00:00+00:00`` is the same string on both.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # Every clock of ours is aware; a naive value is taken as UTC, as SQLite would.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def value_enum(enum_cls: type[Any], length: int = 40) -> Any:
    """A column type storing an enum by its *value* ("mail_cover"), not its name."""
    from sqlalchemy import Enum

    return Enum(
        enum_cls,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda cls: [member.value for member in cls],
        name=enum_cls.__name__.lower(),
    )


#: Ids per ``IN (...)`` list: well under SQLite's and PostgreSQL's parameter limits.
IN_BATCH = 500


def id_batches(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """``ids`` in runs of at most :data:`IN_BATCH`, for one ``IN (...)`` query each."""
    for start in range(0, len(ids), IN_BATCH):
        yield ids[start : start + IN_BATCH]
