"""Sequencing, integration and reading, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from covergate.errors import InvalidInput, LogIntegrityError, NotFound
from covergate.tlog.checkpoint import open_checkpoint
from covergate.tlog.hashing import EMPTY_ROOT
from covergate.tlog.proof_text import verify_tlog_proof
from covergate.tlog.stored_hashes import root_from_leaf_hashes
from covergate.tlog.tiles import Tile
from covergate.transparency import service
from covergate.transparency.entries import canonical_record, check_commitment
from covergate.transparency.models import LogEntry, LogTile
from covergate.transparency.tree import leaf_hashes
from tests.conftest import Database
from tests.transparency.factories import (
    ORIGIN,
    append_many,
    cipher,
    event,
    private_record,
    signer,
    verify_whole_log,
)


def test_first_integration_signs_the_empty_tree(database: Database) -> None:
    key = signer()
    checkpoint = service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    assert checkpoint is not None
    assert (checkpoint.size, checkpoint.root) == (0, EMPTY_ROOT)
    assert service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN) is None


def test_append_then_integrate_publishes_entries(database: Database) -> None:
    key, fc = signer(), cipher()
    with database.sessions() as session, session.begin():
        first = service.append_event(
            session=session, event=event(), private_record=private_record(), cipher=fc
        )
        second = service.append_event(
            session=session, event=event(), private_record=private_record(1), cipher=fc
        )
    assert (first, second) == (0, 1)
    with database.sessions() as session, session.begin():
        # Sequenced, not yet published.
        assert service.latest_checkpoint(session=session) is None
        assert service.status(session=session).pending == 2
    checkpoint = service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    assert checkpoint is not None
    assert checkpoint.size == 2
    with database.sessions() as session, session.begin():
        note = service.latest_checkpoint(session=session)
        assert note is not None
        assert open_checkpoint(note, key.verifier()) == checkpoint
        entry = service.read_entry(session=session, index=1)
        proof = service.proof_text(session=session, index=1)
    assert verify_tlog_proof(entry, proof, key.verifier()) == checkpoint
    verify_whole_log(database.sessions, key)


def test_rolled_back_transaction_leaves_no_entry(database: Database) -> None:
    fc = cipher()
    with database.sessions() as session:
        session.begin()
        service.append_event(session=session, event=event(), private_record={}, cipher=fc)
        session.rollback()
    append_many(database.sessions, fc, 1)
    with database.sessions() as session, session.begin():
        assert service.status(session=session).sequenced == 1


def test_every_batch_size_stores_each_entry_at_its_index(database: Database) -> None:
    """One row per entry, in order, with its opening: small batches (one INSERT of
    every row on PostgreSQL, executemany on SQLite) and COPY-sized ones alike."""
    fc = cipher()
    sizes = [1, 2, 3, 7, 8, 9]
    start = 0
    for count in sizes:
        assert append_many(database.sessions, fc, count, start=start) == list(
            range(start, start + count)
        )
        start += count
    with database.sessions() as session, session.begin():
        assert service.status(session=session).sequenced == start
        for index in range(start):
            # Each row is its own entry: its opening holds its own record, and
            # checks against the commitment in its data.
            salt, canonical = service.read_commitment(session=session, index=index, cipher=fc)
            assert canonical == canonical_record(private_record(index))
            entry = session.get(LogEntry, index)
            assert entry is not None
            assert check_commitment(bytes(entry.data), salt, canonical)


@pytest.mark.parametrize("batches", [[1], [300], [255, 1, 256], [1] * 20 + [600, 3]])
def test_batches_give_the_same_tree_as_one_integration(
    database: Database, batches: list[int]
) -> None:
    key, fc = signer(), cipher()
    total = 0
    for count in batches:
        append_many(database.sessions, fc, count, start=total)
        total += count
        service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    checkpoint = verify_whole_log(database.sessions, key)
    assert checkpoint.size == total
    with database.sessions() as session, session.begin():
        for i in (0, total // 2, total - 1):
            entry = service.read_entry(session=session, index=i)
            assert verify_tlog_proof(
                entry, service.proof_text(session=session, index=i), key.verifier()
            )
        # Every checkpointed size's partial tiles are still served.
        sizes = [size for size, _ in service.checkpoint_history(session=session)]
        for size in sizes:
            if size % 256:
                tile = Tile(0, size // 256, size % 256)
                assert len(service.read_tile(session=session, tile=tile)) == 32 * (size % 256)


def test_tiles_beyond_the_signed_tree_are_not_served(database: Database) -> None:
    key, fc = signer(), cipher()
    append_many(database.sessions, fc, 5)
    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    append_many(database.sessions, fc, 3)
    with database.sessions() as session, session.begin():
        assert len(service.read_tile(session=session, tile=Tile(0, 0, 5))) == 160
        with pytest.raises(NotFound):
            service.read_tile(session=session, tile=Tile(0, 0, 6))
        with pytest.raises(NotFound):
            service.read_entry_bundle(session=session, index=0, width=6)
        with pytest.raises(NotFound):
            service.proof_text(session=session, index=5)


def test_commitment_opening_is_stored_encrypted_and_checks(database: Database) -> None:
    fc = cipher()
    record = private_record(7)
    with database.sessions() as session, session.begin():
        index = service.append_event(
            session=session, event=event(), private_record=record, cipher=fc
        )
    with database.sessions() as session, session.begin():
        salt, canonical = service.read_commitment(session=session, index=index, cipher=fc)
        entry = session.get(LogEntry, index)
        assert entry is not None
        assert canonical == canonical_record(record)
        assert check_commitment(bytes(entry.data), salt, canonical)
        assert entry.sealed is not None
        assert b"Jordan" not in bytes(entry.sealed)
        with pytest.raises(NotFound):
            service.read_commitment(session=session, index=index + 1, cipher=fc)


def test_signer_must_be_named_after_the_origin(database: Database) -> None:
    with pytest.raises(InvalidInput):
        service.integrate_pending(
            sessions=database.sessions, signer=signer("other.example/log"), origin=ORIGIN
        )


def test_tampered_tile_is_detected_before_signing(database: Database) -> None:
    key, fc = signer(), cipher()
    append_many(database.sessions, fc, 10)
    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    with database.sessions() as session, session.begin():
        tile = session.get(LogTile, (0, 0))
        assert tile is not None
        tile.data = b"\x00" * 32 + bytes(tile.data)[32:]
    append_many(database.sessions, fc, 1)
    with pytest.raises(LogIntegrityError):
        service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)


def test_a_tree_cache_signs_the_same_checkpoints(database: Database) -> None:
    # Integrated with a cache in batches across tile boundaries, every signed
    # checkpoint must carry the tree hash of the entries it covers.
    key, fc = signer(), cipher()
    cache = service.TreeCache()
    notes = []
    total = 0
    for count in (1, 3, 250, 2, 256, 17, 300):
        append_many(database.sessions, fc, count, start=total)
        total += count
        checkpoint = service.integrate_pending(
            sessions=database.sessions, signer=key, origin=ORIGIN, cache=cache
        )
        assert checkpoint is not None
        assert checkpoint.size == total
        with database.sessions() as session, session.begin():
            notes.append(service.latest_checkpoint(session=session))
    final = verify_whole_log(database.sessions, key)
    assert final.size == total
    with database.sessions() as session, session.begin():
        history = dict(service.checkpoint_history(session=session))
        entries = service.read_entries(session=session, start=0, count=total)
    hashes = leaf_hashes(entries)
    for note in notes:
        assert note is not None
        checkpoint = open_checkpoint(note, key.verifier())
        assert history[checkpoint.size] == note
        assert checkpoint.root == root_from_leaf_hashes(hashes[: checkpoint.size])


def test_a_tree_cache_of_a_rolled_back_integration_is_not_used(database: Database) -> None:
    # Integrate 20 entries in a transaction that rolls back, with different
    # entries sequenced afterwards: the cache names a tree that was never
    # committed, so it must be ignored (its runs would give a wrong root).
    key, fc = signer(), cipher()
    cache = service.TreeCache()
    append_many(database.sessions, fc, 300)
    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN, cache=cache)
    with database.sessions() as session:
        session.begin()
        service.append_events(
            session=session,
            events=[(event(), private_record(1000 + i)) for i in range(20)],
            cipher=fc,
        )
        service.integrate(session=session, signer=key, origin=ORIGIN, cache=cache)
        session.rollback()
    append_many(database.sessions, fc, 20, start=300)
    checkpoint = service.integrate_pending(
        sessions=database.sessions, signer=key, origin=ORIGIN, cache=cache
    )
    assert checkpoint is not None
    assert checkpoint.size == 320
    assert verify_whole_log(database.sessions, key) == checkpoint


def test_a_tree_cache_is_ignored_when_another_process_integrated(database: Database) -> None:
    key, fc = signer(), cipher()
    ours, theirs = service.TreeCache(), service.TreeCache()
    total = 0
    for n, count in enumerate((5, 260, 7, 1, 300)):
        append_many(database.sessions, fc, count, start=total)
        total += count
        service.integrate_pending(
            sessions=database.sessions, signer=key, origin=ORIGIN, cache=(ours, theirs)[n % 2]
        )
    assert verify_whole_log(database.sessions, key).size == total


def test_a_warm_tree_cache_still_catches_a_tampered_edge_tile(database: Database) -> None:
    # The cache skips re-hashing the committed edge, but the tiles it extends
    # are still compared with what is stored before anything is signed.
    key, fc = signer(), cipher()
    cache = service.TreeCache()
    append_many(database.sessions, fc, 10)
    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN, cache=cache)
    with database.sessions() as session, session.begin():
        tile = session.get(LogTile, (0, 0))
        assert tile is not None
        tile.data = bytes(32) + bytes(tile.data)[32:]
    append_many(database.sessions, fc, 1, start=10)
    with pytest.raises(LogIntegrityError, match="disagrees"):
        service.integrate_pending(
            sessions=database.sessions, signer=key, origin=ORIGIN, cache=cache
        )
