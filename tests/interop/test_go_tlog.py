"""A standard client reads our log: Go's golang.org/x/mod/sumdb/{note,tlog}.

The checker (``gotlog/main.go``) uses no covergate code. It opens the
checkpoint with the verifier key we print, authenticates every hash tile it
reads against the checkpoint root, matches every entry of the bundles to its
leaf, proves inclusion and consistency with x/mod's own algorithms, and checks
our C2SP tlog-proof texts. The ``gotlog`` fixture (conftest) builds it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from covergate.runtime import Runtime
from covergate.tlog.note import Ed25519Signer
from covergate.transparency import service
from covergate.transparency.export import export_log
from tests.conftest import Database
from tests.transparency.factories import ORIGIN, append_many, cipher, signer


def _build_log(database: Database, key: Ed25519Signer, batches: list[int]) -> list[int]:
    """Append and integrate in batches; returns the checkpointed sizes."""
    fc, total, sizes = cipher(), 0, []
    for count in batches:
        append_many(database.sessions, fc, count, start=total)
        total += count
        service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
        sizes.append(total)
    return sizes


def _export(database: Database, outdir: Path) -> dict[int, bytes]:
    with database.sessions() as session, session.begin():
        export_log(session=session, outdir=outdir)
        return dict(service.checkpoint_history(session=session))


def _check(gotlog: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(gotlog), *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_go_reference_client_verifies_tiles_entries_and_proofs(
    database: Database, gotlog: Path, tmp_path: Path
) -> None:
    key = signer()
    # Full and partial tiles at levels 0 and 1, and older checkpoints inside tiles.
    sizes = _build_log(database, key, [1, 255, 300, 70])
    size = sizes[-1]
    history = _export(database, tmp_path / "log")
    old = tmp_path / "old.checkpoint"
    old.write_bytes(history[256])  # exactly one full tile
    pairs: list[str] = []
    with database.sessions() as session, session.begin():
        for index in (0, 255, 256, size - 1):
            entry, proof = tmp_path / f"{index}.entry", tmp_path / f"{index}.proof"
            entry.write_bytes(service.read_entry(session=session, index=index))
            proof.write_bytes(service.proof_text(session=session, index=index))
            pairs += [str(entry), str(proof)]
    result = _check(
        gotlog, "-dir", str(tmp_path / "log"), "-vkey", key.verifier_key(), "-old", str(old), *pairs
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"ok origin={ORIGIN} size={size} entries={size} proved={2 + (size - 1) // 97} "
        "proof-texts=4 consistent-with=256"
    )
    # Consistency from every older checkpoint, each a partial tile somewhere.
    for older in sizes[:-1]:
        old.write_bytes(history[older])
        result = _check(
            gotlog, "-dir", str(tmp_path / "log"), "-vkey", key.verifier_key(), "-old", str(old)
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().endswith(f"consistent-with={older}")


def test_go_reference_client_reads_level_two_tiles(
    database: Database, gotlog: Path, tmp_path: Path
) -> None:
    # Past 65,536 entries: a full level-1 tile and a partial level-2 tile.
    key = signer()
    sizes = _build_log(database, key, [65_536, 300])
    history = _export(database, tmp_path / "log")
    old = tmp_path / "old.checkpoint"
    old.write_bytes(history[65_536])
    result = _check(
        gotlog, "-dir", str(tmp_path / "log"), "-vkey", key.verifier_key(), "-old", str(old)
    )
    assert result.returncode == 0, result.stderr
    assert f"size={sizes[-1]} entries={sizes[-1]}" in result.stdout


def test_go_reference_client_rejects_a_tampered_export(
    database: Database, gotlog: Path, tmp_path: Path
) -> None:
    # The checks above mean something only if the Go side really checks.
    key = signer()
    _build_log(database, key, [300])
    log = tmp_path / "log"
    _export(database, log)
    vkey = key.verifier_key()
    assert _check(gotlog, "-dir", str(log), "-vkey", vkey).returncode == 0

    tile = log / "tile/0/000"
    good = tile.read_bytes()
    tile.write_bytes(bytes([good[0] ^ 1]) + good[1:])
    result = _check(gotlog, "-dir", str(log), "-vkey", vkey)
    assert result.returncode == 1
    assert "gotlog:" in result.stderr
    tile.write_bytes(good)

    bundle = log / "tile/entries/001.p/44"
    data = bundle.read_bytes()
    bundle.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    result = _check(gotlog, "-dir", str(log), "-vkey", vkey)
    assert result.returncode == 1
    assert "does not hash to its leaf" in result.stderr
    bundle.write_bytes(data)

    other = signer()  # same name, another key: the signature must not verify
    result = _check(gotlog, "-dir", str(log), "-vkey", other.verifier_key())
    assert result.returncode == 1
    assert "note.Open" in result.stderr


def test_go_reference_client_verifies_the_log_over_http(
    served: str, log: tuple[Runtime, Ed25519Signer], gotlog: Path
) -> None:
    # The same checks against a real uvicorn server: paths, bytes and status
    # codes as any C2SP tlog-tiles client sees them.
    _, key = log
    result = _check(gotlog, "-dir", served, "-vkey", key.verifier_key())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith(f"ok origin={ORIGIN} size=305 entries=305")
