"""Go's golang.org/x/mod/sumdb/note opens covergate's cosigned checkpoints.

A checkpoint note carrying the log's signature plus witness cosignature lines
(key type 0x04), made with covergate's code, must open with ``note.Open`` and
the log's verifier key alone: x/mod ignores the unknown lines. The x/mod on
disk (Debian's golang-golang-x-mod-dev) has no cosignature verifier, so
``gonote/main.go`` writes one from C2SP tlog-cosignature, and the cosignatures
are checked by that independent implementation too. Also: a note of a log key
rotation (two log signatures) opens with either key.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from covergate.tlog.cosignature import CosignatureSigner
from covergate.tlog.policy import parse_policy
from covergate.tlog.witness_protocol import append_cosignatures
from covergate.transparency.keys import LogSigner
from covergate.transparency.witnessed import open_witnessed
from tests.interop.conftest import build_go
from tests.tlog.factories import published_log, signer

SOURCE = Path(__file__).parent / "gonote" / "main.go"
T0 = 1_777_000_000


@pytest.fixture(scope="session")
def gonote(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_go(SOURCE, tmp_path_factory.mktemp("gonote"), "sumdb/note")


def run(gonote: Path, note: bytes, tmp_path: Path, *flags: str) -> tuple[int, Any]:
    path = tmp_path / "note"
    path.write_bytes(note)
    done = subprocess.run(
        [str(gonote), *flags, str(path)], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout) if done.returncode == 0 else done.stdout


def witness(name: str, at: int) -> CosignatureSigner:
    return CosignatureSigner(name, Ed25519PrivateKey.generate(), lambda: at)


def test_go_opens_a_cosigned_checkpoint_and_checks_its_cosignatures(
    gonote: Path, tmp_path: Path
) -> None:
    log = signer()
    a, b = witness("witness-a.example/w", T0), witness("witness-b.example", T0 + 7)
    note = published_log(300, log)["checkpoint"]
    text = note[: note.rindex(b"\n\n") + 1]
    cosigned = append_cosignatures(note, [a.sign(text), b.sign(text)])
    # Our own verifier agrees that this is a checkpoint meeting a 2-of-2 quorum.
    policy = parse_policy(
        f"log {log.verifier_key()}\nwitness a {a.verifier_key()}\n"
        f"witness b {b.verifier_key()}\ngroup g all a b\nquorum g\n"
    )
    assert open_witnessed(cosigned, [log.verifier()], policy).cosigned_at == {
        "a": T0,
        "b": T0 + 7,
    }

    # x/mod with the log key alone: opens, the two cosignatures unverified.
    code, out = run(gonote, cosigned, tmp_path, "-vkey", log.verifier_key())
    assert code == 0, out
    assert out["text"] == text.decode()
    assert out["verified"] == [{"name": log.name, "hash": log.key_id.hex()}]
    assert out["unverified"] == 2
    # With the witness keys: Go's cosignature verifier checks both, and their times.
    flags = ("-vkey", log.verifier_key(), "-witness", a.verifier_key())
    code, out = run(gonote, cosigned, tmp_path, *flags, "-witness", b.verifier_key())
    assert code == 0, out
    assert out["cosigned"] == {a.name: T0, b.name: T0 + 7}
    assert out["unverified"] == 0
    # A cosignature over other text is rejected by Go as by us.
    forged = append_cosignatures(note, [a.sign(text.replace(b"300", b"301"))])
    code, out = run(gonote, forged, tmp_path, *flags)
    assert code == 1
    assert "invalid signature" in out


def test_go_opens_a_checkpoint_of_a_log_key_rotation_with_either_key(
    gonote: Path, tmp_path: Path
) -> None:
    old, new = signer(seed=1), signer(seed=2)
    w = witness("witness-a.example/w", T0)
    note = published_log(300, LogSigner(new, old))["checkpoint"]  # type: ignore[arg-type]
    note = append_cosignatures(note, [w.sign(note[: note.rindex(b"\n\n") + 1])])
    for key in (old, new):
        code, out = run(gonote, note, tmp_path, "-vkey", key.verifier_key())
        assert code == 0, out
        assert out["verified"] == [{"name": key.name, "hash": key.key_id.hex()}]
        assert out["unverified"] == 2  # the other log key and the witness
    code, out = run(gonote, note, tmp_path, "-vkey", signer(seed=3).verifier_key())
    assert code == 1
    assert "no verifiable signatures" in out  # x/mod's UnverifiedNoteError
