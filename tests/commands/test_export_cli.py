"""``covergate log export|proof|monitor|verify`` as a user runs them, on both backends.

Export is incremental into an earlier export of the same log and refuses any
other directory; every filesystem error on an output path is one ``error:`` line.
"""

from __future__ import annotations

import resource
import subprocess
from pathlib import Path

import pytest

from covergate.config import Settings
from covergate.crypto import FieldCipher, create_key_file, load_key
from covergate.db import make_engine, make_sessionmaker, migrate
from covergate.tlog.note import Ed25519Signer
from covergate.transparency import service
from covergate.transparency.keys import ensure_log_key
from tests.cli_runner import COVERGATE, Cli, Zygote, assert_one_error_line
from tests.conftest import Database
from tests.transparency.factories import append_many

LONG_NAME = "e" * 300


class Log:
    """A data directory whose log lives in ``url``, run through the real CLI."""

    def __init__(self, data: Path, url: str, zygote: Zygote) -> None:
        settings = Settings(data_dir=data, database_url=url)
        create_key_file(settings.key_file)
        self.cipher = FieldCipher(load_key(settings.key_file, None))
        self.signer: Ed25519Signer = ensure_log_key(settings)
        self.vkey = self.signer.verifier_key()
        self.origin = settings.log_origin
        engine = make_engine(url)
        migrate(engine)
        self.sessions = make_sessionmaker(engine)
        self.cli = Cli(data, url, zygote=zygote)
        self.count = 0

    def add(self, n: int) -> None:
        append_many(self.sessions, self.cipher, n, start=self.count)
        self.count += n
        service.integrate_pending(sessions=self.sessions, signer=self.signer, origin=self.origin)


@pytest.fixture
def log(database: Database, tmp_path: Path, zygote: Zygote) -> Log:
    created = Log(tmp_path / "data", database.url, zygote)
    created.add(300)
    return created


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_export_again_into_the_same_directory_then_verify(log: Log, tmp_path: Path) -> None:
    out, fresh = tmp_path / "mirror", tmp_path / "fresh"
    assert "exported tree size 300" in log.cli.ok("log", "export", out)
    log.add(304)
    again = log.cli.ok("log", "export", out)
    assert "exported tree size 604" in again
    assert "already there and unchanged" in again
    verified = log.cli.ok("log", "verify", "--from", out, "--key", log.vkey)
    assert "tree size 604" in verified
    assert "root and signature ok" in verified
    log.cli.ok("log", "export", fresh)
    assert tree(out) == tree(fresh)


def test_export_refuses_another_log_and_unrelated_directories(
    log: Log, tmp_path: Path, zygote: Zygote
) -> None:
    out = tmp_path / "mirror"
    log.cli.ok("log", "export", out)
    exported = tree(out)
    other = Log(tmp_path / "other-data", f"sqlite:///{tmp_path / 'other.db'}", zygote)
    other.add(5)
    line = assert_one_error_line(other.cli.run("log", "export", out), str(out), "another log")
    assert other.vkey.split("+")[1] in line
    assert tree(out) == exported

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>not a log</h1>")
    assert_one_error_line(log.cli.run("log", "export", site), str(site), "not empty")
    assert tree(site) == {"index.html": b"<h1>not a log</h1>"}
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    assert_one_error_line(log.cli.run("log", "export", a_file), "a-file", "not a directory")


def test_filesystem_errors_on_output_paths_are_one_line(log: Log, tmp_path: Path) -> None:
    too_long = tmp_path / LONG_NAME
    for args in (
        ("log", "export", too_long),
        ("log", "export", too_long / "log"),
        ("log", "proof", "3", "--entry-out", too_long),
        ("log", "proof", "3", "--entry-out", tmp_path / "missing-dir" / "entry.json"),
        ("log", "proof", "3", "--entry-out", Path("/proc/covergate-test-nowhere/entry")),
        ("log", "monitor", tmp_path, "--key", log.vkey, "--state", too_long, "--once"),
    ):
        done = log.cli.run(*args)
        assert_one_error_line(done, str(args[-1] if args[-1] != "--once" else too_long))
        assert done.stdout == ""  # no proof printed when its entry was not written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]

    entry = tmp_path / "entry.json"
    proof = log.cli.ok("log", "proof", "3", "--entry-out", entry)
    assert proof.startswith("c2sp.org/tlog-proof@v1\nindex 3\n")
    assert entry.read_bytes().startswith(b"{")


def test_verify_inputs_are_bounded(log: Log, tmp_path: Path) -> None:
    proof = tmp_path / "entry.proof"
    proof.write_text(log.cli.ok("log", "proof", "3"))

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    argv = [str(COVERGATE), "verify", "--key", log.vkey, "/dev/zero", str(proof)]
    done = subprocess.run(
        argv, env=log.cli.env(), capture_output=True, text=True, timeout=60,
        preexec_fn=limit, check=False,
    )  # fmt: skip
    assert_one_error_line(done, "/dev/zero", "1 MiB")
