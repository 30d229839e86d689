"""``covergate log integrate`` / ``log export`` with ``COVERGATE_WITNESS_POLICY``,
against a real ``covergate witness serve`` subprocess, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from covergate.cli import app
from covergate.config import Settings
from covergate.crypto import FieldCipher, create_key_file, load_key
from covergate.tlog.keys import Ed25519Verifier
from covergate.tlog.policy import open_cosigned_checkpoint, parse_policy
from covergate.transparency.keys import ensure_log_key
from tests.cli_runner import assert_one_error_line
from tests.conftest import Database
from tests.transparency.factories import append_many
from tests.witness.server import COVERGATE, covergate, serving

runner = CliRunner()


@pytest.fixture(scope="module")
def alpha(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, str]]:
    data = tmp_path_factory.mktemp("alpha") / "w"
    done = covergate("witness", "init", "--data", data, "--name", "alpha.example/witness")
    assert done.returncode == 0, done.stderr
    vkey = covergate("witness", "key", "--data", data).stdout.strip()
    with serving(data) as served:
        yield data, vkey, served.base_url


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


class LogDir:
    def __init__(self, root: Path, database: Database, mp: pytest.MonkeyPatch) -> None:
        origin = f"covergate.test/cli-{uuid.uuid4().hex[:12]}"
        mp.setenv("COVERGATE_DATABASE_URL", database.url)
        mp.setenv("COVERGATE_LOG_ORIGIN", origin)
        mp.delenv("COVERGATE_KEY", raising=False)
        self.data = root / "data"
        self.settings = Settings(data_dir=self.data, database_url=database.url, log_origin=origin)
        create_key_file(self.settings.key_file)
        self.cipher = FieldCipher(load_key(self.settings.key_file, None))
        self.signer = ensure_log_key(self.settings)
        self.database = database
        self.policy = root / "witnesses.policy"
        mp.setenv("COVERGATE_WITNESS_POLICY", str(self.policy))

    def run(self, *args: str) -> tuple[int, str]:
        result = runner.invoke(app, ["--data", str(self.data), *args])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.output


@pytest.fixture
def log(database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LogDir:
    return LogDir(tmp_path, database, monkeypatch)


def test_integrate_submits_and_prints_who_cosigned(
    log: LogDir, alpha: tuple[Path, str, str], tmp_path: Path
) -> None:
    data, vkey, url = alpha
    assert (
        covergate("witness", "add-log", log.signer.verifier_key(), "--data", data).returncode == 0
    )
    log.policy.write_text(
        f"log {log.signer.verifier_key()}\n"
        f"witness alpha {vkey} {url}\n"
        f"witness beta {_other_key()} {_dead_url()}\n"
        "group any-one any alpha beta\n"
        "quorum any-one\n"
    )
    append_many(log.database.sessions, log.cipher, 4)
    code, out = log.run("log", "integrate")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "signed checkpoint of tree size 4"
    assert lines[1].startswith("witness alpha: cosigned: cosigned size 4 at ")
    assert lines[2] == "witness beta: unreachable: unreachable (ConnectError)"
    assert lines[3] == "served checkpoint: tree size 4, cosigned by alpha (quorum met)"

    out_dir = tmp_path / "export"
    code, out = log.run("log", "export", str(out_dir))
    assert code == 0, out
    policy = parse_policy(log.policy.read_text())
    exported = (out_dir / "checkpoint").read_bytes()
    opened = open_cosigned_checkpoint(exported, log.signer.verifier(), policy)
    assert (opened.checkpoint.size, set(opened.cosigned_at)) == (4, {"alpha"})


def _other_key() -> str:
    import time

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from covergate.tlog.cosignature import CosignatureSigner

    signer = CosignatureSigner("beta.example/witness", Ed25519PrivateKey.generate(), time.time)
    return signer.verifier_key()


def _real(log: LogDir, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed ``covergate`` in a new interpreter (its error handling included)."""
    return subprocess.run(
        [str(COVERGATE), "--data", str(log.data), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_policy_without_this_logs_key_fails_at_start_up(log: LogDir) -> None:
    log.policy.write_text(f"witness beta {_other_key()} {_dead_url()}\nquorum beta\n")
    done = _real(log, "log", "integrate")
    assert_one_error_line(done, "COVERGATE_WITNESS_POLICY", "no `log` line has this log's key")


def test_a_missing_or_malformed_policy_fails_at_start_up(log: LogDir) -> None:
    assert_one_error_line(_real(log, "log", "integrate"), "COVERGATE_WITNESS_POLICY", "cannot read")
    log.policy.write_text(f"log {log.signer.verifier_key()}\nwitness beta\nquorum beta\n")
    assert_one_error_line(_real(log, "serve"), "COVERGATE_WITNESS_POLICY", "line 2")


def test_serve_submits_in_the_background_and_serves_the_cosigned_checkpoint(
    alpha: tuple[Path, str, str], tmp_path: Path
) -> None:
    import os
    import signal
    import time

    import httpx

    data, vkey, url = alpha
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERGATE_")}
    env["COVERGATE_LOG_ORIGIN"] = f"covergate.test/serve-{uuid.uuid4().hex[:12]}"
    home = tmp_path / "log"
    init = subprocess.run(
        [str(COVERGATE), "--data", str(home), "init", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert init.returncode == 0, init.stderr
    log_vkey = json.loads(init.stdout)["log_verifier_key"]
    assert covergate("witness", "add-log", log_vkey, "--data", data).returncode == 0
    policy = tmp_path / "witnesses.policy"
    policy.write_text(f"log {log_vkey}\nwitness alpha {vkey} {url}\nquorum alpha\n")
    env["COVERGATE_WITNESS_POLICY"] = str(policy)
    port = int(_dead_url().rsplit(":", 1)[1])
    server = subprocess.Popen(
        [str(COVERGATE), "--data", str(home), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        body = b""
        while time.monotonic() < deadline:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/log/checkpoint", timeout=2)
                if r.status_code == 200:
                    body = r.content
                    break
                assert r.status_code == 503  # not yet cosigned: fail-closed
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        opened = open_cosigned_checkpoint(
            body, Ed25519Verifier.from_key_string(log_vkey), parse_policy(policy.read_text())
        )
        assert set(opened.cosigned_at) == {"alpha"}
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert "witnesses: alpha" in out
    assert "Traceback" not in err
