"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL is the server at 127.0.0.1:5432 (trust auth, user postgres). Each test
run creates its own database and drops it at the end. When the server is missing,
PostgreSQL tests are skipped locally but fail in CI (CI=true).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from covergate import models
from covergate.clock import FixedClock
from covergate.config import Settings
from covergate.db import Base, make_engine, make_sessionmaker, migrate
from covergate.runtime import Runtime
from tests.api_server import LiveServer, live_server
from tests.cli_runner import Cli, Zygote
from tests.world import World, build_world

PG_ADMIN_URL = os.environ.get(
    "COVERGATE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

_ = models  # every table registered


@dataclass
class Database:
    """A migrated, empty database for one test."""

    backend: str
    url: str
    engine: Engine
    sessions: sessionmaker[Session]


def _postgres_database() -> Iterator[str]:
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"covergate_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc.orig}"
        if IN_CI:
            pytest.fail(message + " (CI=true: a missing PostgreSQL is a failure)")
        pytest.skip(message)
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def migrated(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, Engine]]:
    backend: str = request.param
    if backend == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "covergate.db"
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        migrate(engine)
        yield backend, url, engine
        engine.dispose()
        return
    gen = _postgres_database()
    url = next(gen)
    engine = make_engine(url)
    migrate(engine)
    try:
        yield backend, url, engine
    finally:
        engine.dispose()
        for _ in gen:
            pass


def _empty_all_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def database(migrated: tuple[str, str, Engine]) -> Iterator[Database]:
    backend, url, engine = migrated
    _empty_all_tables(engine)
    yield Database(backend, url, engine, make_sessionmaker(engine))
    _empty_all_tables(engine)


@pytest.fixture
def world(database: Database) -> World:
    """Agencies, one user per role and a fixed clock on ``database`` (both backends)."""
    return build_world(database.sessions)


@contextmanager
def runtime_on(
    database: Database, data_dir: Path, day: date, **settings_fields: object
) -> Iterator[Runtime]:
    """A :class:`Runtime` on ``database`` (already migrated) and ``data_dir``,
    its clock fixed at ``day``; ``settings_fields`` are more :class:`Settings`
    fields. Closed when the block ends."""
    clock = FixedClock()
    clock.set_date(day)
    settings = Settings(data_dir=data_dir, database_url=database.url, **settings_fields)
    runtime = Runtime.open(settings, clock=clock, create=True, run_migrations=False)
    try:
        yield runtime
    finally:
        runtime.close()


#: The day the API test servers start on (the factories' requests start 3 days later).
API_TODAY = date(2026, 1, 2)


@pytest.fixture(scope="module")
def server(
    migrated: tuple[str, str, Engine], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """One real uvicorn server per backend and test module (starting one costs ~0.3 s)."""
    _backend, url, engine = migrated
    # A module that used the server without the ``database`` fixture leaves its seeded
    # people behind; start on an empty database whatever ran before on this worker.
    _empty_all_tables(engine)
    with live_server(url, tmp_path_factory.mktemp("api"), today=API_TODAY) as live:
        yield live


@pytest.fixture
def api(server: LiveServer, database: Database) -> LiveServer:
    """The server on a fresh database (``database`` emptied it): people, tokens, clock."""
    if database.url != server.runtime.settings.database_url:
        raise AssertionError("the server and the database fixture disagree on the backend")
    server.reseed(API_TODAY)
    return server


@pytest.fixture(scope="module")
def zygote() -> Iterator[Zygote]:
    """Pre-imported covergate forking a fresh process per command (tests/cli_zygote.py)."""
    process = Zygote()
    yield process
    process.close()


@contextmanager
def cli_on(backend: str, data_dir: Path, zygote: Zygote | None = None) -> Iterator[Cli]:
    """A ``Cli`` on a data directory, with a database of its own on PostgreSQL."""
    databases = _postgres_database() if backend == "postgresql" else None
    runner = Cli(data_dir, None if databases is None else next(databases), zygote=zygote)
    try:
        yield runner
    finally:
        if databases is not None:
            for _ in databases:
                pass
