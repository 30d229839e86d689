"""A log that shows two histories is caught: three real witnesses on loopback.

The issue's end-to-end case. Three ``covergate witness serve`` processes
witness one log under a 2-of-3 policy:

- ``alpha`` is honest and up;
- ``beta`` is down at first (nothing listens at its URL), then comes up;
- ``gamma`` was shown a *forked* history first: someone holding the log's key
  signed another tree of the same size and got ``gamma`` to cosign it.

The honest log cannot reach the quorum while ``beta`` is down, and ``gamma``
refuses it, keeping the log-signed checkpoint as evidence. The fork cannot reach
the quorum either: ``alpha`` refuses it too, and keeps its own evidence. Either
witness's evidence next to its cosigned checkpoint is two checkpoints of one
size with two roots, both signed by the log's key: the split view, caught.
Once ``beta`` is up, the honest history reaches the quorum and is served, and
a verifier with the policy accepts it, never the fork.
"""

from __future__ import annotations

import json
import socket
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from covergate.errors import VerificationFailed
from covergate.tlog.checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from covergate.tlog.hashing import leaf_hash
from covergate.tlog.keys import Ed25519Signer
from covergate.tlog.policy import open_cosigned_checkpoint, parse_policy
from covergate.tlog.stored_hashes import root_from_leaf_hashes
from covergate.tlog.witness_protocol import AddCheckpoint
from covergate.transparency import service
from covergate.transparency.cosigned import NoQuorumYet, served_checkpoint
from covergate.transparency.submitter import Result
from covergate.transparency.witnessing import Witnessing
from tests.conftest import Database
from tests.transparency.factories import append_many, cipher, signer
from tests.witness.server import covergate, serving

ORIGIN = "covergate.test/split-view"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _witness(root: Path, name: str, key: Ed25519Signer) -> tuple[Path, str]:
    data = root / name
    for args in (
        ("witness", "init", "--data", data, "--name", f"{name}.example/witness"),
        ("witness", "add-log", key.verifier_key(), "--data", data),
    ):
        done = covergate(*args)
        assert done.returncode == 0, done.stderr
    vkey = covergate("witness", "key", "--data", data).stdout.strip()
    return data, vkey


def _fork_checkpoint(key: Ed25519Signer, size: int) -> bytes:
    """A checkpoint of ``size`` entries the honest log never had, signed by its key."""
    leaves = [leaf_hash(b"forged entry %d" % i) for i in range(size)]
    return sign_checkpoint(Checkpoint(ORIGIN, size, root_from_leaf_hashes(leaves)), key)


def _evidence(data: Path) -> list[dict[str, object]]:
    done = covergate("witness", "evidence", "--data", data, "--json")
    assert done.returncode == 0, done.stderr
    found: list[dict[str, object]] = json.loads(done.stdout)
    return found


def test_a_log_showing_two_histories_is_caught(database: Database, tmp_path: Path) -> None:
    key = signer(ORIGIN)
    made = {name: _witness(tmp_path, name, key) for name in ("alpha", "beta", "gamma")}
    beta_port = _free_port()
    with ExitStack() as stack:
        up = {n: stack.enter_context(serving(made[n][0])) for n in ("alpha", "gamma")}
        urls = {
            "alpha": up["alpha"].base_url,
            "beta": f"http://127.0.0.1:{beta_port}",  # down: nothing listens yet
            "gamma": up["gamma"].base_url,
        }
        policy_text = "".join(
            [f"log {key.verifier_key()}\n"]
            + [f"witness {n} {made[n][1]} {urls[n]}\n" for n in urls]
            + ["group two-of-three 2 alpha beta gamma\n", "quorum two-of-three\n"]
        )
        policy = parse_policy(policy_text)

        # 1. The fork: size 5, shown to gamma first, which cosigns it.
        fork = _fork_checkpoint(key, 5)
        answer = httpx.post(
            urls["gamma"] + "/add-checkpoint", content=AddCheckpoint(0, (), fork).format()
        )
        assert answer.status_code == 200
        gamma_cosigned_fork = fork + answer.content

        # 2. The honest log signs its own tree of size 5 and asks every witness.
        append_many(database.sessions, cipher(), 5)
        service.integrate_pending(sessions=database.sessions, signer=key, origin=ORIGIN)
        witnessing = Witnessing(
            policy=policy,
            sessions=database.sessions,
            origin=ORIGIN,
            fail_open=False,
            connect_timeout=2.0,
            read_timeout=5.0,
            attempts=1,
            sleep=lambda _s: None,
        )
        results = {o.witness: o.result for o in witnessing.submit()}
        assert results["alpha"] == Result.COSIGNED
        assert results["beta"] == Result.UNREACHABLE
        assert results["gamma"] == Result.REFUSED  # 409 with its size 5, then 422

        # 3. No quorum: nothing is served (fail-closed); gamma kept the evidence.
        with database.sessions() as session, session.begin(), pytest.raises(NoQuorumYet):
            served_checkpoint(session=session, quorum=witnessing.quorum)
        kept = _evidence(made["gamma"][0])
        assert [(e["origin"], e["size"], e["reason"]) for e in kept] == [
            (ORIGIN, 5, "root-mismatch")
        ]
        assert any(
            "inconsistent checkpoint kept as evidence" in line for line in up["gamma"].stderr_lines
        )

        # 4. The fork cannot reach the quorum: alpha refuses it as well.
        to_alpha = httpx.post(
            urls["alpha"] + "/add-checkpoint", content=AddCheckpoint(5, (), fork).format()
        )
        assert to_alpha.status_code == 422
        assert [e["reason"] for e in _evidence(made["alpha"][0])] == ["root-mismatch"]
        with pytest.raises(VerificationFailed, match="lacks the witness quorum"):
            open_cosigned_checkpoint(gamma_cosigned_fork, key.verifier(), policy)

        # 5. The evidence proves the split view to anyone with the log's key:
        #    two checkpoints of size 5, two roots, one signer.
        body = httpx.get(f"{urls['gamma']}/evidence/{kept[0]['id']}").content
        honest = open_checkpoint(AddCheckpoint.parse(body).checkpoint_note, key.verifier())
        forked = open_checkpoint(gamma_cosigned_fork, key.verifier())
        assert honest.size == forked.size == 5
        assert honest.root != forked.root

        # 6. beta comes up: the honest history reaches the quorum and is served.
        beta = stack.enter_context(serving(made["beta"][0], port=beta_port))
        assert beta.base_url == urls["beta"]
        results = {o.witness: o.result for o in witnessing.submit()}
        assert results["beta"] == Result.COSIGNED
        with database.sessions() as session, session.begin():
            served = served_checkpoint(session=session, quorum=witnessing.quorum)
        assert served is not None
        assert served.quorum_met
        assert served.cosigned_by == {"alpha", "beta"}
        opened = open_cosigned_checkpoint(served.note, key.verifier(), policy)
        assert opened.checkpoint.root == honest.root
        assert set(opened.cosigned_at) == {"alpha", "beta"}
        witnessing.close()
