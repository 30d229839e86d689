"""``export_log``: incremental, refuses what is not its own, checkpoint last.

On SQLite and PostgreSQL. A "crash" is an exception raised from the progress
callback after each file in turn: whatever it leaves must still be a complete,
verifiable copy of the old or the new tree, and exporting again finishes it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from covergate.errors import InvalidInput
from covergate.tlog.checkpoint import open_checkpoint, sign_checkpoint
from covergate.tlog.note import Ed25519Signer
from covergate.tlog.verify import DirectoryLogSource
from covergate.transparency import service
from covergate.transparency.export import METADATA, ExportReport, export_log, published_paths
from covergate.transparency.verification import verify_log
from tests.conftest import Database
from tests.transparency.factories import ORIGIN, append_many, cipher, signer


class Crash(Exception):
    """Stands for the process dying after some files were written."""


class Log:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.key: Ed25519Signer = signer()
        self.cipher = cipher()
        self.count = 0

    def add(self, n: int) -> None:
        append_many(self.database.sessions, self.cipher, n, start=self.count)
        self.count += n
        service.integrate_pending(sessions=self.database.sessions, signer=self.key, origin=ORIGIN)

    def export(self, outdir: Path, *, crash_after: int | None = None) -> ExportReport:
        def progress(done: int, _total: int) -> None:
            if crash_after is not None and done > crash_after:
                raise Crash

        with self.database.sessions() as session, session.begin():
            return export_log(session=session, outdir=outdir, progress=progress)

    def verify(self, outdir: Path) -> int:
        source = DirectoryLogSource(outdir)
        checkpoint = open_checkpoint(source.fetch("checkpoint"), self.key.verifier())
        return verify_log(source, checkpoint).size


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def log(database: Database) -> Log:
    created = Log(database)
    created.add(300)
    return created


def test_first_export_names_the_log_and_verifies(log: Log, tmp_path: Path) -> None:
    report = log.export(tmp_path / "new" / "log")
    assert report.size == 300
    assert report.unchanged == 0
    out = tmp_path / "new" / "log"
    metadata = json.loads((out / METADATA).read_bytes())
    assert metadata["origin"] == ORIGIN
    assert metadata["key"] == "+".join(log.key.verifier_key().split("+")[:2])
    assert log.verify(out) == 300
    assert not [p for p in out.rglob(".*")]  # no temporary file left


def test_re_export_adds_keeps_and_equals_a_fresh_export(log: Log, tmp_path: Path) -> None:
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    log.export(out)
    full_tile = out / "tile/0/000"
    inode = full_tile.stat().st_ino
    log.add(304)  # 604: a second full tile, new partial tiles
    report = log.export(out)
    assert report.size == 604
    assert report.unchanged > 0
    assert full_tile.stat().st_ino == inode  # immutable tiles are not rewritten
    assert log.verify(out) == 604
    log.export(fresh)
    assert tree(out) == tree(fresh)
    again = log.export(out)
    assert again.written == 1  # only the checkpoint, replaced by the same bytes
    assert tree(out) == tree(fresh)


def test_a_crash_at_any_step_leaves_a_verifiable_copy(log: Log, tmp_path: Path) -> None:
    base, fresh = tmp_path / "base", tmp_path / "fresh"
    log.export(base)
    log.add(304)
    log.export(fresh)
    tiles = len(tree(fresh)) - 2  # all but the metadata and the checkpoint
    for crash_after in range(tiles + 1):
        out = tmp_path / f"crash-{crash_after}"
        shutil.copytree(base, out)
        with pytest.raises(Crash):
            log.export(out, crash_after=crash_after)
        # Before the checkpoint: the old one, with all its files; after it, the new.
        assert log.verify(out) == (300 if crash_after < tiles else 604)
        log.export(out)
        assert tree(out) == tree(fresh), crash_after


def test_a_changed_full_tile_is_refused_and_the_checkpoint_kept(log: Log, tmp_path: Path) -> None:
    out = tmp_path / "out"
    log.export(out)
    tile = out / "tile/0/000"
    data = tile.read_bytes()
    # One bit of the first hash flipped: writing 0x00 over it changed nothing when the
    # byte (of a salted, random tree) was already 0x00, one run in 256.
    tile.write_bytes(bytes([data[0] ^ 0x01]) + data[1:])
    checkpoint = (out / "checkpoint").read_bytes()
    log.add(10)
    with pytest.raises(InvalidInput, match="tile/0/000: differs"):
        log.export(out)
    assert (out / "checkpoint").read_bytes() == checkpoint


def test_a_damaged_partial_tile_is_replaced(log: Log, tmp_path: Path) -> None:
    out = tmp_path / "out"
    log.export(out)
    partial = out / "tile/0/001.p/44"
    good = partial.read_bytes()
    partial.write_bytes(b"junk")
    log.export(out)
    assert partial.read_bytes() == good


def test_unrelated_or_foreign_directories_are_refused_untouched(log: Log, tmp_path: Path) -> None:
    unrelated = tmp_path / "site"
    unrelated.mkdir()
    (unrelated / "index.html").write_text("<h1>hello</h1>")
    before = tree(unrelated)
    with pytest.raises(InvalidInput, match="not an export of a covergate log"):
        log.export(unrelated)
    assert tree(unrelated) == before

    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    with pytest.raises(InvalidInput, match="not a directory"):
        log.export(a_file)

    ours = tmp_path / "ours"
    log.export(ours)
    metadata = json.loads((ours / METADATA).read_bytes())
    (ours / METADATA).write_text(json.dumps({**metadata, "key": f"{ORIGIN}+deadbeef"}))
    exported = tree(ours)
    with pytest.raises(InvalidInput, match="an export of another log"):
        log.export(ours)
    assert tree(ours) == exported

    # An export made before the metadata file existed, by another key: refused too.
    (ours / METADATA).unlink()
    mine = open_checkpoint((ours / "checkpoint").read_bytes(), log.key.verifier())
    (ours / "checkpoint").write_bytes(sign_checkpoint(mine, signer()))
    exported = tree(ours)
    with pytest.raises(InvalidInput, match="not a checkpoint"):
        log.export(ours)
    assert tree(ours) == exported


def test_published_paths_of_an_older_size(log: Log) -> None:
    log.add(10)
    with log.database.sessions() as session, session.begin():
        old = published_paths(session=session, size=300)
        new = published_paths(session=session)
    assert "tile/entries/001.p/44" in old
    assert "tile/entries/001.p/54" not in old
    assert "tile/entries/001.p/54" in new
    assert old[-1] == new[-1] == "checkpoint"
