"""An ML-DSA-44 witness's cosignatures are stored and served like Ed25519 ones,
on SQLite and PostgreSQL (its verifier key is ~1,780 characters)."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from covergate.tlog import mldsa
from covergate.tlog.cosignature import CosignatureSigner
from covergate.tlog.policy import parse_policy
from tests.transparency.test_witnessing_store import Log, log, policy_text

__all__ = ["log"]


def test_an_ml_dsa_witness_counts_towards_the_quorum(log: Log) -> None:
    log.witnesses["gamma"] = CosignatureSigner(
        "gamma.example/witness", mldsa.generate_private_key(), log.clock
    )
    log.witnesses["beta"] = CosignatureSigner(
        "beta.example/witness", Ed25519PrivateKey.generate(), log.clock
    )
    log.policy = parse_policy(policy_text(log.key, log.witnesses))
    assert len(log.witnesses["gamma"].verifier_key()) > 1_700
    size = log.grow(3)
    log.cosign(size, "beta", "gamma")
    assert log.served() == (size, frozenset({"beta", "gamma"}), True)
