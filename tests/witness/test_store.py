"""The store: compare-and-swap per origin, logs, evidence, schema checks (both backends)."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine

from covergate.errors import Conflict, InvalidInput, NotFound
from covergate.tlog import EMPTY_ROOT
from covergate.witness import store
from covergate.witness.check import Stored, Verdict
from covergate.witness.keys import WitnessKey
from covergate.witness.models import SCHEMA_VERSION, create_schema, meta, open_schema
from tests.witness.factories import FakeLog, race

LOG = FakeLog()


def _record(engine: Engine) -> store.LogRecord:
    record = store.read_log(engine, LOG.origin)
    assert record is not None
    return record


def test_a_new_log_starts_at_size_zero_with_the_empty_root(engine: Engine) -> None:
    assert store.add_log(engine, LOG.origin, LOG.vkey, now=10, replace=False) is True
    record = _record(engine)
    assert record.stored == Stored(0, EMPTY_ROOT)
    assert (record.checkpoint, record.cosigned_at, record.added_at) == (None, None, 10)
    assert store.read_log(engine, "other.example/log") is None


def test_adding_a_known_origin_again_changes_nothing(engine: Engine) -> None:
    store.add_log(engine, LOG.origin, LOG.vkey, now=10, replace=False)
    assert store.add_log(engine, LOG.origin, LOG.vkey, now=20, replace=False) is False
    assert _record(engine).added_at == 10


def test_another_key_needs_replace_and_keeps_the_state(engine: Engine) -> None:
    store.add_log(engine, LOG.origin, LOG.vkey, now=10, replace=False)
    assert store.swap(engine, _record(engine), Stored(5, LOG.root(5)), b"note", now=11)
    rotated = FakeLog(seed=9).vkey
    with pytest.raises(Conflict, match="--replace"):
        store.add_log(engine, LOG.origin, rotated, now=12, replace=False)
    assert _record(engine).verifier_key == LOG.vkey
    store.add_log(engine, LOG.origin, rotated, now=12, replace=True)
    record = _record(engine)
    assert (record.verifier_key, record.stored) == (rotated, Stored(5, LOG.root(5)))


def test_swap_stores_the_new_state_and_the_note(engine: Engine) -> None:
    store.add_log(engine, LOG.origin, LOG.vkey, now=10, replace=False)
    assert store.swap(engine, _record(engine), Stored(7, LOG.root(7)), b"cosigned", now=42)
    record = _record(engine)
    assert (record.stored, record.checkpoint, record.cosigned_at) == (
        Stored(7, LOG.root(7)),
        b"cosigned",
        42,
    )


def test_swap_from_a_stale_read_matches_no_row(engine: Engine) -> None:
    store.add_log(engine, LOG.origin, LOG.vkey, now=10, replace=False)
    stale = _record(engine)
    assert store.swap(engine, stale, Stored(5, LOG.root(5)), b"five", now=11)
    assert not store.swap(engine, stale, Stored(9, LOG.root(9)), b"nine", now=12)
    assert _record(engine).stored == Stored(5, LOG.root(5))


def test_swap_after_a_key_rotation_matches_no_row(engine: Engine) -> None:
    store.add_log(engine, LOG.origin, LOG.vkey, now=10, replace=False)
    before = _record(engine)
    store.add_log(engine, LOG.origin, FakeLog(seed=9).vkey, now=11, replace=True)
    assert not store.swap(engine, before, Stored(5, LOG.root(5)), b"five", now=12)


def test_a_large_size_round_trips(engine: Engine) -> None:
    store.add_log(engine, LOG.origin, LOG.vkey, now=10, replace=False)
    big = Stored((1 << 63) - 1, LOG.root(3))
    assert store.swap(engine, _record(engine), big, b"big", now=11)
    assert _record(engine).stored == big


def test_two_swaps_racing_from_the_same_state_exactly_one_wins(engine: Engine) -> None:
    store.add_log(engine, LOG.origin, LOG.vkey, now=10, replace=False)
    for round_ in range(10):
        read = _record(engine)
        sizes = (read.stored.size + 1, read.stored.size + 2)
        won = race(
            *(
                partial(store.swap, engine, read, Stored(size, LOG.root(size)), b"n", now=round_)
                for size in sizes
            )
        )
        assert sorted(won) == [False, True], won
        assert _record(engine).stored.size == sizes[won.index(True)]


def test_evidence_is_kept_once_per_body_and_listed(engine: Engine) -> None:
    kept = partial(
        store.add_evidence, engine, origin=LOG.origin, old_size=5, size=9, reason=Verdict.BAD_PROOF
    )
    assert kept(body=b"body one", now=100)
    assert not kept(body=b"body one", now=101)
    assert kept(body=b"body two", now=102)
    records = store.list_evidence(engine)
    assert [(e.origin, e.old_size, e.size, e.reason, e.received_at) for e in records] == [
        (LOG.origin, 5, 9, Verdict.BAD_PROOF, 100),
        (LOG.origin, 5, 9, Verdict.BAD_PROOF, 102),
    ]
    assert store.evidence_body(engine, records[1].id) == b"body two"
    with pytest.raises(NotFound):
        store.evidence_body(engine, records[1].id + 100)


def test_a_database_is_created_once(engine: Engine, witness_key: WitnessKey) -> None:
    with pytest.raises(Conflict, match="already holds a witness"):
        create_schema(engine, name="w", verifier_key=witness_key.verifier_key(), now=1)


def test_open_checks_the_key_and_the_schema_version(
    engine: Engine, witness_key: WitnessKey
) -> None:
    open_schema(engine, verifier_key=witness_key.verifier_key())
    other = WitnessKey.generate("witness.example/w2")
    with pytest.raises(InvalidInput, match="belongs to"):
        open_schema(engine, verifier_key=other.verifier_key())
    with engine.begin() as conn:
        conn.execute(
            update(meta).where(meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION + 1))
        )
    with pytest.raises(InvalidInput, match="schema version"):
        open_schema(engine, verifier_key=witness_key.verifier_key())


def test_open_refuses_an_empty_database(database_url: str, witness_key: WitnessKey) -> None:
    from covergate.db import make_engine

    empty = make_engine(database_url)
    try:
        with pytest.raises(InvalidInput, match="restore it from a backup"):
            open_schema(empty, verifier_key=witness_key.verifier_key())
    finally:
        empty.dispose()
