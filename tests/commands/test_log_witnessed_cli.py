"""``log verify``, ``log monitor`` and ``verify`` with ``--policy``; log key rotation.

On SQLite and PostgreSQL (the ``seeded`` fixture of test_log_cli). Cosignatures
are real (CosignatureSigner with a fixed clock) and appended to the exported
checkpoint as a log serving witnessed checkpoints does. Failures run the real
command line in a subprocess, to see its exit status and its one ``error:`` line.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from covergate.tlog.cosignature import CosignatureSigner
from covergate.transparency import service
from covergate.transparency.keys import load_log_signers, previous_key_file, retired_key_dir
from tests.commands.test_log_cli import Seeded, _covergate, seeded
from tests.transparency.factories import append_many

__all__ = ["seeded"]

T0 = 1_777_000_000  # 2026-04-24T03:06:40Z


def witness(name: str) -> CosignatureSigner:
    return CosignatureSigner(name, Ed25519PrivateKey.generate(), lambda: T0)


def cosign(path: Path, *witnesses: CosignatureSigner) -> None:
    """Append each witness's cosignature to the signed note in ``path``; for a
    tlog-proof, to the note after its first empty line."""
    data = path.read_bytes()
    at = data.index(b"\n\n") + 2 if data.startswith(b"c2sp.org/tlog-proof") else 0
    note = data[at:]
    text = note[: note.rindex(b"\n\n") + 1]
    path.write_bytes(data + b"".join(w.sign(text) for w in witnesses))


def integrate(s: Seeded, n: int) -> None:
    """Append ``n`` entries and integrate them with the data dir's current keys."""
    append_many(s.database.sessions, s.cipher, n, start=s.count)
    s.count += n
    service.integrate_pending(
        sessions=s.database.sessions,
        signer=load_log_signers(s.settings),
        origin=s.settings.log_origin,
    )


def fails(code: int, *args: str) -> str:
    """Run the CLI; it must exit ``code`` with one ``error:`` line. Returns that line."""
    result = _covergate(*args)
    assert result.returncode == code, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: "), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


@pytest.fixture
def policy(seeded: Seeded, tmp_path: Path) -> tuple[Path, CosignatureSigner, CosignatureSigner]:
    a, b = witness("witness-a.example"), witness("witness-b.example")
    path = tmp_path / "policy"
    path.write_text(
        f"log {seeded.vkey}\n"
        f"witness a {a.verifier_key()} https://a.example/\n"
        f"witness b {b.verifier_key()}\n"
        "group both all a b\n"
        "quorum both\n"
    )
    return path, a, b


def test_log_verify_and_monitor_require_the_quorum(
    seeded: Seeded, policy: tuple[Path, CosignatureSigner, CosignatureSigner], tmp_path: Path
) -> None:
    path, a, b = policy
    out, state = tmp_path / "export", tmp_path / "monitor.state"
    seeded.run("log", "export", str(out))
    # Without a policy: cosignatures or not, as before, and said so.
    code, text = seeded.run("log", "verify", "--from", str(out), "--key", seeded.vkey)
    assert code == 0, text
    assert "cosignatures not checked (no --policy)" in text
    # With the policy (its log line gives the key): one witness is short of "all".
    cosign(out / "checkpoint", a)
    err = fails(1, "log", "verify", "--from", str(out), "--policy", str(path))
    assert "lacks the witness quorum: cosigned by a; the policy needs 2 of (a, b)" in err
    monitor = ("log", "monitor", str(out), "--policy", str(path), "--state", str(state))
    fails(1, *monitor, "--once")
    assert not state.exists()  # not accepted, not saved
    cosign(out / "checkpoint", b)
    code, text = seeded.run("log", "verify", "--from", str(out), "--policy", str(path))
    assert code == 0, text
    assert "tree size 300" in text
    assert (
        "witness quorum met: cosigned by a at 2026-04-24T03:06:40Z, b at 2026-04-24T03:06:40Z"
    ) in text
    code, text = seeded.run(*monitor, "--once")
    assert code == 0, text
    assert text.count('"index": ') == 300
    assert state.read_bytes() == (out / "checkpoint").read_bytes()

    # The log grows; its new checkpoint is not cosigned yet: the monitor refuses it.
    seeded.add(4)
    seeded.run("log", "export", str(out))
    err = fails(1, *monitor, "--once")
    assert "cosigned by no witness" in err
    assert b"\n300\n" in state.read_bytes()
    cosign(out / "checkpoint", b, a)
    code, text = seeded.run(*monitor, "--once")
    assert code == 0, text
    assert text.count('"index": ') == 4

    # A malformed policy: exit 2, naming the file and the line.
    bad = tmp_path / "bad-policy"
    bad.write_text(f"log {seeded.vkey}\nquorum nobody\n")
    err = fails(2, "log", "verify", "--from", str(out), "--policy", str(bad))
    assert f"{bad}: malformed witness policy: line 2" in err


def test_offline_verify_of_a_cosigned_receipt(
    seeded: Seeded, policy: tuple[Path, CosignatureSigner, CosignatureSigner], tmp_path: Path
) -> None:
    path, a, b = policy
    entry, proof = tmp_path / "entry.json", tmp_path / "entry.proof"
    code, text = seeded.run("log", "proof", "7", "--entry-out", str(entry))
    assert code == 0
    proof.write_text(text)
    code, text = seeded.run("verify", "--key", seeded.vkey, str(entry), str(proof))
    assert code == 0, text
    assert text.strip().endswith("tree size 300; cosignatures not checked (no --policy)")
    cosign(proof, b)
    err = fails(1, "verify", "--policy", str(path), str(entry), str(proof))
    assert "cosigned by b" in err
    cosign(proof, a)
    code, text = seeded.run("verify", "--policy", str(path), str(entry), str(proof))
    assert code == 0, text
    assert "ok: entry 7 is included in covergate.example/log at tree size 300" in text
    assert "cosigned by a at 2026-04-24T03:06:40Z, b at" in text
    err = fails(2, "verify", str(entry), str(proof))  # neither --key nor --policy
    assert "--key" in err


def test_log_key_rotation_before_during_and_after(seeded: Seeded, tmp_path: Path) -> None:
    old = seeded.vkey
    data = ("--data", str(seeded.data))
    state = tmp_path / "monitor.state"
    mirror = tmp_path / "mirror"

    def export() -> Path:
        # One static mirror, brought up to date each time, across the rotation:
        # an export made under the old key is updated under the new one.
        code, text = seeded.run("log", "export", str(mirror))
        assert code == 0, text
        return mirror

    def verify_export(*keys: str) -> tuple[int, str]:
        return seeded.run("log", "verify", "--from", str(export()), *(f"--key={k}" for k in keys))

    def monitor(*keys: str) -> tuple[int, str]:
        where = export()
        return seeded.run(
            "log", "monitor", str(where), "--state", str(state), "--once",
            *(f"--key={k}" for k in keys),
        )  # fmt: skip

    def receipt(index: int) -> tuple[Path, Path]:
        e, p = tmp_path / f"entry{index}.json", tmp_path / f"entry{index}.proof"
        code, text = seeded.run("log", "proof", str(index), "--entry-out", str(e))
        assert code == 0, text
        p.write_text(text)
        return e, p

    # Before: the one key.
    assert verify_export(old)[0] == 0
    assert monitor(old)[0] == 0
    entry, proof = receipt(5)

    # Rotate: the old key keeps signing, and the latest checkpoint is signed again.
    code, text = seeded.run("log", "rotate-key")
    assert code == 0, text
    new = text.split("new log key: ", 1)[1].split()[0]
    assert new != old
    assert f"old log key: {old} (still signs)" in text
    assert "checkpoint of tree size 300 signed again by both keys" in text
    assert seeded.run("log", "key")[1].split() == [new]
    assert seeded.run("log", "key", "--all")[1].split() == [new, old]
    assert stat.S_IMODE(previous_key_file(seeded.settings).stat().st_mode) == 0o600
    fails(2, *data, "log", "rotate-key")  # one rotation at a time
    # During: verifiers holding either key open the checkpoints.
    assert verify_export(new)[0] == 0
    assert verify_export(old)[0] == 0
    assert seeded.run("log", "verify")[0] == 0  # the data dir's keys: both
    integrate(seeded, 3)
    assert verify_export(new)[0] == 0
    assert verify_export(old)[0] == 0
    during_entry, during_proof = receipt(301)
    for key in (old, new):
        code, text = seeded.run("verify", "--key", key, str(during_entry), str(during_proof))
        assert code == 0, text
    # A monitor switching to the new key keeps its state (signed by the old key alone
    # was the size-300 note it saved) by passing both.
    where = export()
    err = fails(2, *data, "log", "monitor", str(where), "--state", str(state), "--key", new)
    assert "--key OLD --key NEW" in err
    code, text = monitor(old, new)
    assert code == 0, text
    assert text.count('"index": ') == 3

    # Retire the old key: only its ID will do.
    fails(2, *data, "log", "retire-key", new.split("+")[1])
    fails(2, *data, "log", "retire-key", "0badbeef")
    old_id = old.split("+")[1]
    code, text = seeded.run("log", "retire-key", old_id)
    assert code == 0, text
    retired = retired_key_dir(seeded.settings) / f"{old_id}.key"
    assert retired.exists()
    assert not previous_key_file(seeded.settings).exists()
    assert stat.S_IMODE(retired.stat().st_mode) == 0o600
    assert seeded.run("log", "key", "--all")[1].split() == [new]

    # After: new checkpoints carry the new key alone.
    integrate(seeded, 2)
    assert verify_export(new)[0] == 0
    described = json.loads((mirror / "covergate-export.json").read_text())
    assert described["key"] == "+".join(new.split("+")[:2])  # the mirror names the new key
    err = fails(2, *data, "log", "verify", "--from", str(export()), "--key", old)
    assert "not signed by the log key" in err
    code, text = monitor(new)  # its state is now a both-keys note
    assert code == 0, text
    assert text.count('"index": ') == 2
    after_entry, after_proof = receipt(304)
    assert seeded.run("verify", "--key", new, str(after_entry), str(after_proof))[0] == 0
    # Receipts handed out before the rotation stay valid with the key they name.
    assert seeded.run("verify", "--key", old, str(entry), str(proof))[0] == 0
