"""An extension carries its cover's subject, so it cannot probe the covered address.

Whatever subject an extension document gives is replaced by the cover's own before
the policy check, the digest and storage; the answer is the same for a right and a
wrong guess, and that use of the cover's subject data is access-logged (SQLite and
PostgreSQL).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from covergate.errors import IdempotencyConflict
from covergate.lifecycle import documents
from covergate.lifecycle.models import AccessKind, AccessRecord
from tests.conftest import Database
from tests.factories import extension_data
from tests.world import World, build_world

START = date(2026, 1, 5)
WRONG_SUBJECT = {
    "name": "Someone Else",
    "address": {"line1": "1 Other St", "city": "Peoria", "state": "IL", "zip": "61602"},
    "known_attorneys": [],
}


@pytest.fixture
def world(database: Database) -> World:
    world = build_world(database.sessions)
    world.clock.set_date(START)
    return world


def extend(world: World, rid: str, data: dict[str, Any], key: str | None = None) -> Any:
    result = world.extend(rid, data, key=key)
    return result.request.public_id, result.created


def access_records(world: World) -> list[tuple[int, int, AccessKind, str]]:
    with world.tx() as s:
        rows = s.scalars(select(AccessRecord).order_by(AccessRecord.id))
        return [(r.user_id, r.request_id, r.what, r.reason) for r in rows]


def stored(world: World, rid: str) -> Any:
    with world.tx() as s:
        request = world.request(s, rid)
        return documents.decrypt_document(world.ctx, request), request


def test_a_wrong_and_a_right_subject_get_the_same_answer(world: World) -> None:
    right_parent, wrong_parent = world.active_cover(), world.active_cover()
    right, right_created = extend(world, right_parent, extension_data())
    wrong, wrong_created = extend(world, wrong_parent, extension_data(subject=WRONG_SUBJECT))
    assert right_created
    assert wrong_created
    parent_doc, _ = stored(world, right_parent)
    for child in (right, wrong):
        doc, request = stored(world, child)
        assert doc.subject == parent_doc.subject  # name, address and attorneys
        assert doc.subject.address.line1 == "12 Elm Street"
        assert request.admissible
        assert request.body_digest == bytes.fromhex(documents.document_digest(doc))
    _, right_row = stored(world, right)
    _, wrong_row = stored(world, wrong)
    assert right_row.public_document == wrong_row.public_document
    assert right_row.evaluation == wrong_row.evaluation


@pytest.mark.parametrize("subject", [None, WRONG_SUBJECT], ids=["right", "wrong"])
def test_each_extension_writes_one_access_record(
    world: World, subject: dict[str, Any] | None
) -> None:
    parent = world.active_cover()
    assert access_records(world) == []
    changes = {} if subject is None else {"subject": subject}
    child, _ = extend(world, parent, extension_data(**changes))
    _, parent_row = stored(world, parent)
    assert child != parent
    assert access_records(world) == [
        (
            world.people["fbi"].id,
            parent_row.id,
            AccessKind.SUBJECT,
            f"extension carries the subject of cover {parent}",
        )
    ]


def test_idempotent_replay_does_not_depend_on_the_guess(world: World) -> None:
    parent = world.active_cover()
    first, created = extend(world, parent, extension_data(), key="ext-1")
    assert created
    replay, created = extend(world, parent, extension_data(subject=WRONG_SUBJECT), key="ext-1")
    assert (replay, created) == (first, False)
    with pytest.raises(IdempotencyConflict, match="ext-1"):
        extend(world, parent, extension_data(scope__days=20), key="ext-1")
    doc, _ = stored(world, first)
    assert doc.subject.address.line1 == "12 Elm Street"
