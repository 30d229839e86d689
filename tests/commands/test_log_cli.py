"""``covergate log ...`` and ``covergate verify``, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import delete
from typer.testing import CliRunner

from covergate.cli import app
from covergate.config import Settings
from covergate.crypto import FieldCipher, create_key_file, load_key
from covergate.errors import VerificationFailed
from covergate.tlog.note import Ed25519Signer
from covergate.transparency import service
from covergate.transparency.keys import ensure_log_key
from covergate.transparency.models import LogCheckpoint, LogEntry, LogState, LogTile
from tests.conftest import Database
from tests.transparency.factories import append_many

runner = CliRunner()


class Seeded:
    def __init__(self, data: Path, database: Database) -> None:
        self.data = data
        self.database = database
        self.settings = Settings(data_dir=data, database_url=database.url)
        create_key_file(self.settings.key_file)
        self.cipher = FieldCipher(load_key(self.settings.key_file, None))
        self.signer: Ed25519Signer = ensure_log_key(self.settings)
        self.vkey = self.signer.verifier_key()
        self.count = 0

    def add(self, n: int) -> None:
        append_many(self.database.sessions, self.cipher, n, start=self.count)
        self.count += n
        service.integrate_pending(
            sessions=self.database.sessions, signer=self.signer, origin=self.settings.log_origin
        )

    def run(self, *args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["--data", str(self.data), *args])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.output


@pytest.fixture
def seeded(database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    monkeypatch.setenv("COVERGATE_DATABASE_URL", database.url)
    monkeypatch.delenv("COVERGATE_LOG_ORIGIN", raising=False)
    monkeypatch.delenv("COVERGATE_KEY", raising=False)
    s = Seeded(tmp_path / "data", database)
    s.add(300)
    return s


def _covergate(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from covergate.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_key_integrate_proof_and_offline_verify(seeded: Seeded, tmp_path: Path) -> None:
    code, out = seeded.run("log", "key")
    assert code == 0
    assert out.strip() == seeded.vkey
    append_many(seeded.database.sessions, seeded.cipher, 2, start=300)
    code, out = seeded.run("log", "integrate")
    assert code == 0
    assert "302" in out
    code, out = seeded.run("log", "integrate")
    assert "nothing to integrate" in out

    entry, proof = tmp_path / "entry.json", tmp_path / "entry.proof"
    code, out = seeded.run("log", "proof", "301", "--entry-out", str(entry))
    assert code == 0
    assert out.startswith("c2sp.org/tlog-proof@v1\nindex 301\n")
    proof.write_text(out)

    # Offline: no data directory, no database; must not open the runtime.
    nowhere = tmp_path / "no-such-data"
    env = {"COVERGATE_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"}
    ok = _covergate(
        "--data", str(nowhere), "verify", "--key", seeded.vkey, str(entry), str(proof), env=env
    )
    assert ok.returncode == 0, ok.stderr
    assert "entry 301 is included in covergate.example/log at tree size 302" in ok.stdout
    assert not nowhere.exists()
    entry.write_bytes(entry.read_bytes().replace(b"submitted", b"withdrawn"))
    bad = _covergate("verify", "--key", seeded.vkey, str(entry), str(proof), env=env)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: ")
    assert len(bad.stderr.strip().splitlines()) == 1


def test_export_then_verify_the_copy_and_the_database(seeded: Seeded, tmp_path: Path) -> None:
    old = tmp_path / "old.checkpoint"
    with seeded.database.sessions() as session, session.begin():
        note = service.latest_checkpoint(session=session)
    assert note is not None
    old.write_bytes(note)
    seeded.add(600)
    out = tmp_path / "export"
    code, text = seeded.run("log", "export", str(out))
    assert code == 0, text
    assert (out / "checkpoint").read_bytes().startswith(b"covergate.example/log\n900\n")
    assert (out / "tile/0/001.p/44").exists()  # partial tile of the older checkpoint
    assert (out / "tile/entries/003.p/132").exists()

    code, text = seeded.run(
        "log", "verify", "--from", str(out), "--key", seeded.vkey, "--old-checkpoint", str(old)
    )
    assert code == 0, text
    assert "tree size 900" in text
    assert "consistent with the checkpoint of size 300" in text
    code, text = seeded.run("log", "verify")
    assert code == 0, text

    tile = out / "tile/0/001"
    data = bytearray(tile.read_bytes())
    data[0] ^= 1
    tile.write_bytes(bytes(data))
    with pytest.raises(VerificationFailed):
        seeded.run("log", "verify", "--from", str(out), "--key", seeded.vkey)


def test_monitor_follows_an_exported_log(seeded: Seeded, tmp_path: Path) -> None:
    out, state = tmp_path / "export", tmp_path / "monitor.state"
    seeded.run("log", "export", str(out))
    args = ("log", "monitor", str(out), "--key", seeded.vkey, "--state", str(state), "--once")
    code, text = seeded.run(*args)
    assert code == 0, text
    assert text.count('"index": ') == 300
    seeded.add(4)
    seeded.run("log", "export", str(out))
    code, text = seeded.run(*args)
    assert code == 0, text
    assert text.count('"index": ') == 4
    assert '"index": 303' in text
    code, text = seeded.run(*args)
    assert text.count('"index": ') == 0

    # A log that rewrites history under the same key is caught; state is kept.
    kept = state.read_bytes()
    with seeded.database.sessions() as session, session.begin():
        session.execute(delete(LogTile))
        session.execute(delete(LogCheckpoint))
        session.execute(delete(LogState))
        session.execute(delete(LogEntry))
    seeded.count = 0
    seeded.add(304)  # other entries, same sizes: a fork
    seeded.add(6)
    forked = tmp_path / "forked"
    seeded.run("log", "export", str(forked))
    fork_args = ("log", "monitor", str(forked), "--key", seeded.vkey, "--state", str(state))
    with pytest.raises(VerificationFailed):
        seeded.run(*fork_args, "--once")
    assert state.read_bytes() == kept


def test_missing_log_key_is_a_one_line_error(tmp_path: Path) -> None:
    result = _covergate("--data", str(tmp_path), "log", "key")
    assert result.returncode == 2
    assert "run `covergate init`" in result.stderr
