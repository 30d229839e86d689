"""What the log publishes is a function of its entries and key only.

The same entries, sequenced in the same batches and signed with the same key,
give byte for byte the same leaf hashes, tiles, entry bundles, checkpoints and
proofs, whatever the log stores beside them (the commitment openings moved from
``log_commitments`` into ``log_entries`` in migration 0010). The digest below
was computed with the code before that move; a change of storage that altered
any public byte fails here.
"""

from __future__ import annotations

import hashlib
from datetime import date

from covergate.tlog.hashing import leaf_hash
from covergate.tlog.keys import signer_from_private_bytes
from covergate.tlog.tiles import TILE_WIDTH, Tile, entries_path, tile_path, tiles_for_size
from covergate.transparency import service
from covergate.transparency.entries import canonical_record, commitment, encode_entry
from covergate.transparency.sequencing import PreparedEntry
from tests.conftest import Database
from tests.transparency.factories import ORIGIN, event, private_record

#: Below and from the size where sequencing switches from INSERT to COPY.
BATCHES = (1, 7, 100, 192, 300)

#: sha256 of every public file (see :func:`_public_files`), computed on commit 2a02289.
EXPECTED = "f12a63c94ba125ca00e893154ad1cfe6e880b5f4d522b55bc80390b9e9ea8af5"


def _prepared(i: int) -> PreparedEntry:
    # Fixed salts and a fixed opening: the public bytes must not depend on the
    # opening's bytes either (they are never published).
    salt = hashlib.sha256(b"salt %d" % i).digest()
    public = event(request_id=f"{i:032x}", day=date(2026, 1, 5 + i % 20))
    entry = encode_entry(public, commitment(salt, canonical_record(private_record(i))))
    return PreparedEntry(entry=entry, sealed=b"opening %d" % i)


def _public_files(database: Database) -> dict[str, bytes]:
    """Every checkpoint signed (by size), tile, entry bundle and some proofs."""
    files: dict[str, bytes] = {}
    with database.sessions() as session, session.begin():
        for size, note in service.checkpoint_history(session=session):
            files[f"checkpoint/{size}"] = note
        size = service.status(session=session).size
        for tile in tiles_for_size(size):
            files[tile_path(tile)] = service.read_tile(session=session, tile=tile)
        for n in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
            width = min(TILE_WIDTH, size - n * TILE_WIDTH)
            files[entries_path(n, width)] = service.read_entry_bundle(
                session=session, index=n, width=width
            )
        for index in (0, 1, 255, 256, 299, size - 1):
            files[f"proof/{index}"] = service.proof_text(session=session, index=index)
    return files


def test_the_same_entries_publish_the_same_bytes(database: Database) -> None:
    key = signer_from_private_bytes(ORIGIN, bytes(range(32)))
    prepared = [_prepared(i) for i in range(sum(BATCHES))]
    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    at = 0
    for batch in BATCHES:
        with database.sessions() as session, session.begin():
            service.sequence(session=session, prepared=prepared[at : at + batch])
        service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
        at += batch
    files = _public_files(database)
    # The level-0 tiles are the entries' leaf hashes, in order.
    level0 = b"".join(data for path, data in sorted(files.items()) if path.startswith("tile/0/"))
    assert level0 == b"".join(leaf_hash(p.entry) for p in prepared)
    assert Tile(0, 0, TILE_WIDTH) in tiles_for_size(at)
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\n" + hashlib.sha256(files[path]).digest())
    assert digest.hexdigest() == EXPECTED
