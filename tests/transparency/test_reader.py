"""The proof tile cache and the integration's lazy commit, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from covergate.errors import LogIntegrityError, MalformedLogData
from covergate.tlog.bundles import decode_bundle, encode_bundle
from covergate.tlog.hashing import Hash
from covergate.tlog.inclusion import (
    inclusion_proof,
    inclusion_proof_from_subtrees,
    verify_inclusion,
)
from covergate.transparency import reader, service
from covergate.transparency.reader import DatabaseHashReader, full_tiles, partial_tiles
from covergate.transparency.tree import bundle_leaf_hashes, leaf_hashes, tile_interior
from tests.conftest import Database
from tests.transparency.factories import ORIGIN, append_many, cipher, event, signer


def _proofs(database: Database, indexes: list[int]) -> list[list[Hash]]:
    with database.sessions() as session, session.begin():
        state = service.status(session=session)
        cached = DatabaseHashReader(session, (state.size, state.root))
        plain = DatabaseHashReader(session)
        out = []
        for index in indexes:
            proof = inclusion_proof(index, state.size, cached)
            # The cache gives exactly what hashing the stored tiles gives, and
            # reading by subtree position (what proof_text does) the same.
            assert proof == inclusion_proof(index, state.size, plain)
            assert proof == inclusion_proof_from_subtrees(index, state.size, cached)
            assert proof == inclusion_proof_from_subtrees(index, state.size, plain)
            leaf = leaf_hashes([service.read_entry(session=session, index=index)])[0]
            verify_inclusion(leaf, index, state.size, proof, state.root)
            out.append(list(proof))
        return out


def test_cached_proofs_match_uncached_across_tile_boundaries(database: Database) -> None:
    key, fc = signer(), cipher()
    full_tiles.clear()
    partial_tiles.clear()
    append_many(database.sessions, fc, 300)  # one full level-0 tile and a partial one
    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    indexes = [0, 1, 127, 255, 256, 299]
    cold = _proofs(database, indexes)
    assert len(full_tiles) == 1  # tile 0/0, found by the root tile 1/0 names
    assert _proofs(database, indexes) == cold  # warm: the same proofs


def test_a_rolled_back_integration_cannot_poison_the_cache(database: Database) -> None:
    # Entries sequenced and integrated in one transaction that rolls back
    # leave tiles in the cache only under their own roots: the entries that
    # take their indexes instead get proofs that verify.
    key, fc = signer(), cipher()
    full_tiles.clear()
    partial_tiles.clear()
    with database.sessions() as session, session.begin():
        # Salted commitments: these entries differ from the ones below.
        events = [(event(), {"n": i}) for i in range(260)]
        service.append_events(session=session, events=events, cipher=fc)
        service.integrate(session=session, signer=key, origin=ORIGIN)
        state = service.status(session=session)
        reader = DatabaseHashReader(session, (state.size, state.root))
        inclusion_proof(3, state.size, reader)
        assert len(full_tiles) == 1
        session.rollback()
    append_many(database.sessions, fc, 260)
    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    _proofs(database, [3, 255, 259])


def _interiors(database: Database) -> dict[tuple[int, int], bytes | None]:
    with database.engine.connect() as conn:
        rows = conn.execute(text("SELECT level, idx, data, interior FROM log_tiles"))
        out = {}
        for level, idx, data, interior in rows:
            if interior is not None:
                assert bytes(interior) == tile_interior(bytes(data))
            out[(level, idx)] = None if interior is None else bytes(interior)
        return out


def test_integration_stores_the_interior_of_full_tiles_only(database: Database) -> None:
    key, fc = signer(), cipher()
    append_many(database.sessions, fc, 300)
    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    stored = _interiors(database)  # each interior checked against its tile
    assert {k for k, v in stored.items() if v is not None} == {(0, 0)}
    assert set(stored) == {(0, 0), (0, 1), (1, 0)}
    # The partial tile fills: its row gains its interior; the next stays partial.
    append_many(database.sessions, fc, 220)
    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    stored = _interiors(database)
    assert {k for k, v in stored.items() if v is not None} == {(0, 0), (0, 1)}
    assert stored[(0, 2)] is None


def test_cold_proofs_read_stored_interiors_instead_of_hashing(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, fc = signer(), cipher()
    append_many(database.sessions, fc, 600)
    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    hashed: list[int] = []

    def counting(data: bytes) -> tuple[bytes, ...]:
        hashed.append(len(data) // 32)
        return tile_rows(data)

    tile_rows = reader.tile_rows
    monkeypatch.setattr(reader, "tile_rows", counting)
    indexes = [0, 3, 255, 256, 511, 512, 599]
    full_tiles.clear()
    partial_tiles.clear()
    cold = _proofs(database, indexes)  # each proof verified against the root
    assert hashed
    assert max(hashed) < 256  # only partial tiles were hashed
    # Without stored interiors (a log written before migration 0011) the
    # reader hashes its full tiles, and gives the same proofs.
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE log_tiles SET interior = NULL"))
    full_tiles.clear()
    partial_tiles.clear()
    hashed.clear()
    assert _proofs(database, indexes) == cold
    assert 256 in hashed


def _root_zeroed(interior: bytes) -> bytes:
    return interior[:-32] + bytes(32)


def _too_short(interior: bytes) -> bytes:
    return b"x" * 64


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (_root_zeroed, "tile 0/0 disagrees with tile 1/0"),
        (_too_short, "tile 0/0's stored interior has 64 bytes, not 8160"),
    ],
)
def test_a_stored_interior_that_does_not_fit_is_refused_by_name(
    database: Database, change: Callable[[bytes], bytes], match: str
) -> None:
    key, fc = signer(), cipher()
    append_many(database.sessions, fc, 300)
    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    with database.engine.begin() as conn:
        interior = conn.execute(text("SELECT interior FROM log_tiles WHERE idx = 0 AND level = 0"))
        wrong = change(bytes(interior.scalar_one()))
        conn.execute(
            text("UPDATE log_tiles SET interior = :i WHERE level = 0 AND idx = 0"), {"i": wrong}
        )
    full_tiles.clear()
    partial_tiles.clear()
    with (
        database.sessions() as session,
        session.begin(),
        pytest.raises(LogIntegrityError, match=match),
    ):
        service.proof_text(session=session, index=3)


def test_integration_sets_sqlite_back_to_full_synchronous(database: Database) -> None:
    if database.backend != "sqlite":
        pytest.skip("PostgreSQL's setting is per transaction (SET LOCAL)")
    append_many(database.sessions, cipher(), 3)
    service.integrate_pending(sessions=database.sessions, signer=signer(), origin=ORIGIN)
    # Every pooled connection is back at FULL (2) after the lazy commit.
    for _ in range(3):
        with database.engine.connect() as conn:
            assert conn.connection.driver_connection.execute(  # type: ignore[union-attr]
                "PRAGMA synchronous"
            ).fetchone() == (2,)
            conn.execute(text("SELECT 1"))


def test_bundle_leaf_hashes_is_leaf_hashes_of_the_decoded_bundle() -> None:
    entries = [b"", b"a", bytes(range(256)) * 3, b"x" * 65_535]
    bundle = encode_bundle(entries)
    assert bundle_leaf_hashes(bundle) == leaf_hashes(decode_bundle(bundle))
    for cut in (1, 3, len(bundle) - 1):
        with pytest.raises(MalformedLogData, match="truncated"):
            bundle_leaf_hashes(bundle[:cut])
