"""Notice bundles whose checkpoint carries witness cosignatures, and log key rotation.

The bundle is built by covergate from a real request; cosignatures are real
(CosignatureSigner, fixed clock), appended to the bundle's checkpoint as a log
serving witnessed checkpoints puts them there.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from covergate.cli import app
from covergate.errors import VerificationFailed
from covergate.notices.verify import encode_bundle, verify_bundle
from covergate.tlog.cosignature import CosignatureSigner
from covergate.tlog.keys import Ed25519Signer
from covergate.tlog.policy import parse_policy
from covergate.transparency.keys import LogSigner
from covergate.transparency.witnessed import QuorumNotMet
from tests.notices.helpers import bundle, ended_cover, signer
from tests.world import World

T0 = 1_777_000_000  # 2026-04-24T03:06:40Z


def witness(name: str) -> CosignatureSigner:
    return CosignatureSigner(name, Ed25519PrivateKey.generate(), lambda: T0)


def cosigned(data: dict[str, Any], *witnesses: CosignatureSigner) -> dict[str, Any]:
    copy = json.loads(json.dumps(data))
    note = copy["checkpoint"].encode()
    text = note[: note.rindex(b"\n\n") + 1]
    copy["checkpoint"] = (note + b"".join(w.sign(text) for w in witnesses)).decode()
    return copy


def test_a_cosigned_bundle_verifies_with_and_without_a_policy(world: World, tmp_path: Path) -> None:
    log = signer()
    rid = ended_cover(world)
    a, b = witness("a.example"), witness("b.example")
    policy_text = (
        f"log {log.verifier_key()}\nwitness a {a.verifier_key()}\n"
        f"witness b {b.verifier_key()}\ngroup g 2 a b\nquorum g\n"
    )
    policy = parse_policy(policy_text)
    data = cosigned(bundle(world, rid, log), a, b)
    plain = verify_bundle(encode_bundle(data), log.verifier_key())
    assert plain.request == rid
    assert any("2 signatures of other keys" in n and "no --policy" in n for n in plain.notes)
    checked = verify_bundle(encode_bundle(data), None, policy=policy)  # key from the policy
    assert checked.witnessed is not None
    assert checked.witnessed.cosigned_at == {"a": T0, "b": T0}
    short = cosigned(bundle(world, rid, log), b)
    with pytest.raises(QuorumNotMet, match=r"checkpoint: .*cosigned by b; the policy needs 2"):
        verify_bundle(encode_bundle(short), log.verifier_key(), policy=policy)

    # The command: --policy, exit 1 short of the quorum, JSON naming the witnesses.
    path, short_path, policy_file = tmp_path / "b.json", tmp_path / "s.json", tmp_path / "p"
    path.write_bytes(encode_bundle(data))
    short_path.write_bytes(encode_bundle(short))
    policy_file.write_text(policy_text)
    result = CliRunner().invoke(
        app, ["notice", "verify", str(path), "--policy", str(policy_file), "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["witnesses_checked"] is True
    assert out["cosignatures"] == [
        {"witness": "a", "time": "2026-04-24T03:06:40Z"},
        {"witness": "b", "time": "2026-04-24T03:06:40Z"},
    ]
    result = CliRunner().invoke(app, ["notice", "verify", str(path), "--key", log.verifier_key()])
    assert result.exit_code == 0, result.output
    assert "cosignatures not checked (no --policy)" in result.output
    cli = (sys.executable, "-c", "from covergate.cli import main; main()")
    run = subprocess.run(
        [*cli, "notice", "verify", str(short_path), "--policy", str(policy_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert run.stderr.startswith("error: checkpoint: checkpoint of size")
    assert len(run.stderr.strip().splitlines()) == 1


def test_a_bundle_made_during_a_log_key_rotation(world: World) -> None:
    """It names the new key; a verifier holding the old one still accepts it,
    since both keys signed its checkpoint; a key that did not sign it does not."""
    old, new = signer(), signer()
    rid = ended_cover(world)
    both: Ed25519Signer = LogSigner(new, old)  # type: ignore[assignment]
    data = encode_bundle(bundle(world, rid, both))
    assert json.loads(data)["log"]["key"] == new.verifier_key()
    assert verify_bundle(data, new.verifier_key()).request == rid
    assert verify_bundle(data, old.verifier_key()).request == rid
    with pytest.raises(VerificationFailed, match=r"log\.key: not the key given"):
        verify_bundle(data, signer().verifier_key())
