"""Stored cosignatures and the served checkpoint, on SQLite and PostgreSQL.

Cosignatures are made with the real CosignatureSigner (injected clocks); the
served note is checked with the verifiers' own open_cosigned_checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from covergate.config import Settings
from covergate.db import make_engine, make_sessionmaker
from covergate.errors import InvalidInput, NotFound, VerificationFailed
from covergate.runtime import Runtime
from covergate.tlog.checkpoint import open_checkpoint
from covergate.tlog.cosignature import CosignatureSigner
from covergate.tlog.keys import Ed25519Signer
from covergate.tlog.policy import WitnessPolicy, open_cosigned_checkpoint, parse_policy
from covergate.tlog.proof_text import verify_tlog_proof
from covergate.transparency import service
from covergate.transparency.cosigned import (
    NoQuorumYet,
    Quorum,
    acknowledged_sizes,
    checked_cosignature,
    record_acknowledged,
    served_cache,
    served_checkpoint,
    store_cosignature,
)
from covergate.transparency.export import export_log
from covergate.transparency.models import LogCosignature
from covergate.transparency.witnessing import load_witness_policy
from tests.conftest import Database
from tests.transparency.factories import ORIGIN, append_many, cipher, signer
from tests.transparency.test_routes import make_app


@dataclass
class Clock:
    now: float = 1_767_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Log:
    database: Database
    key: Ed25519Signer
    witnesses: dict[str, CosignatureSigner]
    clock: Clock
    policy: WitnessPolicy

    def grow(self, count: int) -> int:
        append_many(self.database.sessions, cipher(), count)
        checkpoint = service.integrate_pending(
            sessions=self.database.sessions, signer=self.key, origin=ORIGIN
        )
        if checkpoint is None:
            raise AssertionError("nothing integrated")
        return checkpoint.size

    def note(self, size: int) -> bytes:
        with self.database.sessions() as session, session.begin():
            return dict(service.checkpoint_history(session=session))[size]

    def cosign(self, size: int, *names: str) -> None:
        """Each named witness cosigns checkpoint ``size``; the line is checked and stored."""
        note = self.note(size)
        text = note[: note.rfind(b"\n\n") + 1]
        with self.database.sessions() as session, session.begin():
            for name in names:
                signer = self.witnesses[name]
                line = signer.sign(text)
                at = checked_cosignature(self.policy.witness(name).verifier, text, line)
                store_cosignature(
                    session=session,
                    size=size,
                    witness=name,
                    vkey=signer.verifier_key(),
                    line=line,
                    cosigned_at=at,
                )

    def served(self, fail_open: bool = False) -> tuple[int, frozenset[str], bool]:
        with self.database.sessions() as session, session.begin():
            got = served_checkpoint(session=session, quorum=Quorum(self.policy, fail_open))
        if got is None:
            raise AssertionError("nothing served")
        # What is served must open as a cosigned checkpoint under the policy
        # whenever the quorum is said to be met.
        if got.quorum_met:
            opened = open_cosigned_checkpoint(got.note, self.key.verifier(), self.policy)
            assert opened.checkpoint.size == got.size
            assert set(opened.cosigned_at) == got.cosigned_by
        return got.size, got.cosigned_by, got.quorum_met


def policy_text(key: Ed25519Signer, witnesses: dict[str, CosignatureSigner]) -> str:
    lines = [f"log {key.verifier_key()}"]
    lines += [
        f"witness {name} {w.verifier_key()} http://127.0.0.1:9/{name}"
        for name, w in witnesses.items()
    ]
    lines += ["group two-of-three 2 " + " ".join(witnesses), "quorum two-of-three"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def log(database: Database) -> Log:
    key = signer()
    clock = Clock()
    witnesses = {
        name: CosignatureSigner(f"{name}.example/witness", Ed25519PrivateKey.generate(), clock)
        for name in ("alpha", "beta", "gamma")
    }
    service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
    return Log(database, key, witnesses, clock, parse_policy(policy_text(key, witnesses)))


def test_served_checkpoint_moves_only_when_the_quorum_cosigned(log: Log) -> None:
    five = log.grow(5)
    log.cosign(five, "alpha", "beta")
    assert log.served() == (5, frozenset({"alpha", "beta"}), True)
    eight = log.grow(3)
    log.cosign(eight, "gamma")  # one of the two needed: the older stays served
    assert log.served() == (5, frozenset({"alpha", "beta"}), True)
    log.cosign(eight, "alpha")
    assert log.served() == (8, frozenset({"alpha", "gamma"}), True)
    log.cosign(five, "gamma")  # late cosignatures of an older checkpoint change nothing
    assert log.served()[0] == 8


def test_fail_closed_before_any_quorum_fail_open_serves_the_latest(log: Log) -> None:
    size = log.grow(4)
    log.cosign(size, "beta")
    with log.database.sessions() as session, session.begin():
        with pytest.raises(NoQuorumYet, match="no checkpoint has reached the witness quorum"):
            served_checkpoint(session=session, quorum=Quorum(log.policy))
        assert NoQuorumYet.status == 503
    assert log.served(fail_open=True) == (4, frozenset({"beta"}), False)
    note = log.note(4)
    with log.database.sessions() as session, session.begin():
        served = service.latest_checkpoint(session=session, quorum=Quorum(log.policy, True))
    assert served is not None
    assert served.startswith(note)
    assert served != note
    with pytest.raises(VerificationFailed, match="lacks the witness quorum"):
        open_cosigned_checkpoint(served, log.key.verifier(), log.policy)


def test_no_policy_serves_exactly_what_it_always_did(log: Log) -> None:
    size = log.grow(3)
    log.cosign(size, "alpha", "beta", "gamma")
    note = log.note(size)
    with log.database.sessions() as session, session.begin():
        assert service.latest_checkpoint(session=session) == note


def test_quorum_none_serves_the_latest_with_its_cosignatures(log: Log) -> None:
    log.grow(2)
    size = log.grow(2)
    log.cosign(size, "alpha")
    text = policy_text(log.key, log.witnesses).replace("quorum two-of-three", "quorum none")
    log.policy = parse_policy(text)
    assert log.served() == (4, frozenset({"alpha"}), True)


def test_a_witness_whose_key_changed_no_longer_counts(log: Log) -> None:
    size = log.grow(3)
    log.cosign(size, "alpha", "beta")
    new_beta = CosignatureSigner("beta.example/witness", Ed25519PrivateKey.generate(), log.clock)
    log.witnesses["beta"] = new_beta
    log.policy = parse_policy(policy_text(log.key, log.witnesses))
    with log.database.sessions() as session, session.begin(), pytest.raises(NoQuorumYet):
        served_checkpoint(session=session, quorum=Quorum(log.policy))
    log.cosign(size, "beta")  # the new key's line replaces the old one
    assert log.served() == (3, frozenset({"alpha", "beta"}), True)


def test_a_fresher_cosignature_replaces_an_older_never_the_reverse(log: Log) -> None:
    size = log.grow(2)
    log.cosign(size, "alpha")
    log.clock.now += 300
    log.cosign(size, "alpha")
    with log.database.sessions() as session, session.begin():
        row = session.get(LogCosignature, (size, "alpha"))
        assert row is not None
        assert row.cosigned_at == int(log.clock.now)
        old_line = log.witnesses["alpha"].sign(b"stale\n")
        store_cosignature(
            session=session,
            size=size,
            witness="alpha",
            vkey=row.vkey,
            line=old_line,
            cosigned_at=int(log.clock.now) - 600,
        )
    with log.database.sessions() as session, session.begin():
        row = session.get(LogCosignature, (size, "alpha"))
        assert row is not None
        assert row.cosigned_at == int(log.clock.now)
        assert row.line != old_line


def test_acknowledged_sizes_only_move_forward(log: Log) -> None:
    with log.database.sessions() as session, session.begin():
        assert acknowledged_sizes(session=session) == {}
        record_acknowledged(session=session, witness="alpha", size=7)
        record_acknowledged(session=session, witness="alpha", size=3)
        record_acknowledged(session=session, witness="beta", size=2)
    with log.database.sessions() as session, session.begin():
        assert acknowledged_sizes(session=session) == {"alpha": 7, "beta": 2}


def test_checked_cosignature_refuses_other_keys_and_other_texts(log: Log) -> None:
    note = log.note(log.grow(2))
    text = note[: note.rfind(b"\n\n") + 1]
    alpha = log.policy.witness("alpha").verifier
    assert checked_cosignature(alpha, text, log.witnesses["alpha"].sign(text)) == int(log.clock())
    with pytest.raises(VerificationFailed, match="not a cosignature by"):
        checked_cosignature(alpha, text, log.witnesses["beta"].sign(text))
    with pytest.raises(VerificationFailed, match="does not verify"):
        checked_cosignature(alpha, text, log.witnesses["alpha"].sign(text + b"x\n"))
    with pytest.raises(VerificationFailed):
        checked_cosignature(alpha, text, note.split(b"\n\n")[-1])  # the log's own line


def test_proofs_and_http_use_the_served_checkpoint(log: Log, tmp_path: Path) -> None:
    five = log.grow(5)
    log.cosign(five, "alpha", "gamma")
    log.grow(4)  # size 9: signed, not yet witnessed
    quorum = Quorum(log.policy)
    with log.database.sessions() as session, session.begin():
        proof = service.proof_text(session=session, index=4, quorum=quorum)
        entry = service.read_entry(session=session, index=4)
        with pytest.raises(NotFound, match="awaits the witnesses"):
            service.proof_text(session=session, index=6, quorum=quorum)
        assert b"\nindex 6\n" in service.proof_text(session=session, index=6)
    assert verify_tlog_proof(entry, proof, log.key.verifier()).size == 5
    assert (
        open_cosigned_checkpoint(
            proof.split(b"\n\n", 1)[1], log.key.verifier(), log.policy
        ).checkpoint.size
        == 5
    )

    policy_file = tmp_path / "policy.txt"
    policy_file.write_text(policy_text(log.key, log.witnesses))
    settings = Settings(
        data_dir=tmp_path,
        database_url=log.database.url,
        log_origin=ORIGIN,
        witness_policy=policy_file,
    )
    rt = Runtime(
        settings=settings,
        engine=log.database.engine,
        sessions=log.database.sessions,
        cipher=cipher(),
    )
    rt.__dict__["log_signer"] = log.key  # no key file in tmp_path; the log's own key
    client = TestClient(make_app(rt))
    r = client.get("/log/checkpoint")
    assert r.status_code == 200
    assert open_cosigned_checkpoint(
        r.content, log.key.verifier(), log.policy
    ).cosigned_at.keys() == {
        "alpha",
        "gamma",
    }


def test_http_answers_503_before_any_quorum(log: Log, tmp_path: Path) -> None:
    log.grow(2)
    policy_file = tmp_path / "policy.txt"
    policy_file.write_text(policy_text(log.key, log.witnesses))
    settings = Settings(
        data_dir=tmp_path,
        database_url=log.database.url,
        log_origin=ORIGIN,
        witness_policy=policy_file,
    )
    rt = Runtime(
        settings=settings,
        engine=log.database.engine,
        sessions=log.database.sessions,
        cipher=cipher(),
    )
    rt.__dict__["log_signer"] = log.key
    r = TestClient(make_app(rt)).get("/log/checkpoint")
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert "no checkpoint has reached the witness quorum yet" in r.json()["detail"]


def test_export_writes_the_cosigned_checkpoint_and_accepts_it_again(
    log: Log, tmp_path: Path
) -> None:
    three = log.grow(3)
    log.cosign(three, "alpha", "beta")
    log.grow(2)
    out = tmp_path / "export"
    quorum = Quorum(log.policy)
    with log.database.sessions() as session, session.begin():
        report = export_log(session=session, outdir=out, quorum=quorum)
    assert report.size == 3
    exported = (out / "checkpoint").read_bytes()
    assert open_cosigned_checkpoint(exported, log.key.verifier(), log.policy).checkpoint.size == 3
    log.cosign(three, "gamma")
    log.clock.now += 60
    log.cosign(three, "alpha")  # fresher lines: the same checkpoint, other cosignatures
    with log.database.sessions() as session, session.begin():
        again = export_log(session=session, outdir=out, quorum=quorum)
    assert again.size == 3
    assert (out / "checkpoint").read_bytes() != exported
    with log.database.sessions() as session, session.begin():
        plain = export_log(session=session, outdir=out)  # no policy: the latest signed
    assert plain.size == 5
    assert open_checkpoint((out / "checkpoint").read_bytes(), log.key.verifier()).size == 5


def test_policy_file_errors_are_one_clear_line(log: Log, tmp_path: Path) -> None:
    path = tmp_path / "policy.txt"
    vkey = log.key.verifier_key()
    with pytest.raises(InvalidInput, match="cannot read it"):
        load_witness_policy(path, vkey)
    path.write_text("quorum nobody\n")
    with pytest.raises(InvalidInput, match="line 1"):
        load_witness_policy(path, vkey)
    path.write_text(policy_text(signer(), log.witnesses))
    with pytest.raises(InvalidInput, match="no `log` line has this log's key"):
        load_witness_policy(path, vkey)
    w = log.witnesses["alpha"]
    path.write_text(f"log {vkey}\nwitness alpha {w.verifier_key()}\nquorum alpha\n")
    with pytest.raises(InvalidInput, match="witness alpha has no URL"):
        load_witness_policy(path, vkey)
    path.write_text(policy_text(log.key, log.witnesses))
    assert load_witness_policy(path, vkey).quorum == "two-of-three"
    with pytest.raises(InvalidInput, match="file too large"):  # read bounded, never whole
        load_witness_policy(Path("/dev/zero"), vkey)


def test_an_old_witnessed_checkpoint_is_found_behind_many_unwitnessed(log: Log) -> None:
    first = log.grow(1)
    log.cosign(first, "alpha", "beta")
    for _ in range(12):  # more than the first pages of the search
        log.cosign(log.grow(1), "gamma")
    assert log.served() == (first, frozenset({"alpha", "beta"}), True)


def test_the_served_checkpoint_cache_follows_every_new_cosignature_and_checkpoint(
    log: Log,
) -> None:
    # One Quorum, as a process holds it: its cached answer is used while the
    # state and the cosignature count are unchanged, and recomputed when
    # either moves, also when another engine (another process) stored them.
    quorum = Quorum(log.policy)

    def served() -> tuple[int, frozenset[str]]:
        with log.database.sessions() as session, session.begin():
            got = served_checkpoint(session=session, quorum=quorum)
        assert got is not None
        return got.size, got.cosigned_by

    served_cache.clear()
    five = log.grow(5)
    log.cosign(five, "alpha", "beta")
    assert served() == (5, frozenset({"alpha", "beta"}))
    with log.database.sessions() as session, session.begin():
        first = served_checkpoint(session=session, quorum=quorum)
        assert served_checkpoint(session=session, quorum=quorum) is first  # a cache hit
    eight = log.grow(3)  # a new checkpoint: still five served, recomputed
    assert served() == (5, frozenset({"alpha", "beta"}))
    log.cosign(eight, "gamma")
    assert served() == (5, frozenset({"alpha", "beta"}))
    other = make_engine(log.database.url)  # another process's connection pool
    try:
        text = log.note(eight)[: log.note(eight).rfind(b"\n\n") + 1]
        line = log.witnesses["alpha"].sign(text)
        with make_sessionmaker(other)() as session, session.begin():
            store_cosignature(
                session=session,
                size=eight,
                witness="alpha",
                vkey=log.witnesses["alpha"].verifier_key(),
                line=line,
                cosigned_at=checked_cosignature(log.policy.witness("alpha").verifier, text, line),
            )
    finally:
        other.dispose()
    assert served() == (8, frozenset({"alpha", "gamma"}))
