"""Witness databases on SQLite and on PostgreSQL, each test its own.

PostgreSQL: a temporary database made with psycopg on the server at
127.0.0.1:5432 and dropped afterwards. A missing server skips locally and fails
in CI (CI=true), as tests/conftest.py decides.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import Engine

from covergate.db import make_engine
from covergate.witness.keys import WitnessKey
from covergate.witness.models import create_schema
from covergate.witness.service import Witness
from tests.conftest import IN_CI
from tests.witness.factories import StepClock

PG_ADMIN = os.environ.get("COVERGATE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database's URL; dropped at the end."""
    name = f"covergate_witness_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(_plain(PG_ADMIN), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL is not reachable at {PG_ADMIN}: {exc}"
        if IN_CI:
            pytest.fail(message + " (CI=true: a missing PostgreSQL is a failure)")
        pytest.skip(message)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield _plain(PG_ADMIN).rsplit("/", 1)[0] + "/" + name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'witness.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def witness_key() -> WitnessKey:
    return WitnessKey.generate("witness.example/w1")


@pytest.fixture
def engine(database_url: str, witness_key: WitnessKey) -> Iterator[Engine]:
    """A created witness database on each backend."""
    engine = make_engine(database_url)
    create_schema(
        engine, name=witness_key.name, verifier_key=witness_key.verifier_key(), now=1_767_600_000
    )
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def reports() -> list[str]:
    return []


@pytest.fixture
def witness(
    engine: Engine, witness_key: WitnessKey, clock: StepClock, reports: list[str]
) -> Witness:
    return Witness(engine, witness_key, clock=clock, report=reports.append)
