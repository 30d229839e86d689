"""The lifecycle through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import Database
from covergate.requests.states import RequestState
from tests.world import build_world


@pytest.fixture
def world(database: Database):
    return build_world(database.sessions)


def test_whole_flow_smoke(world) -> None:
    rid = world.active_cover()
    with world.tx() as s:
        assert world.request(s, rid).state is RequestState.APPROVED
    world.clock.set_date(date(2026, 1, 5))
    with world.tx() as s:
        assert world.request(s, rid).state is RequestState.ACTIVE
    world.clock.set_date(date(2026, 1, 5) + timedelta(days=30))
    with world.tx() as s:
        assert world.request(s, rid).state is RequestState.EXPIRED
