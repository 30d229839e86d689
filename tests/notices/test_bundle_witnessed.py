"""With a witness policy, a notice bundle carries the checkpoint the log serves:
the newest one the quorum cosigned, with the cosignatures, so the subject can
check that the history they are shown is the one the witnesses saw."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from covergate.context import ServiceContext
from covergate.errors import Conflict
from covergate.notices import bundle as bundles
from covergate.notices.verify import encode_bundle, verify_bundle
from covergate.tlog.cosignature import CosignatureSigner, CosignatureVerifier
from covergate.tlog.keys import Ed25519Signer
from covergate.tlog.policy import parse_policy
from covergate.transparency import service
from covergate.transparency.cosigned import Quorum, checked_cosignature, store_cosignature
from tests.notices.helpers import ended_cover, integrate_log, signer
from tests.world import World

T0 = 1_777_000_000


def _cosign(world: World, log: Ed25519Signer, witnesses: dict[str, CosignatureSigner]) -> int:
    """Integrate, then each witness cosigns the new checkpoint (checked, stored)."""
    integrate_log(world, log)
    with world.tx() as s:
        size = service.status(session=s).size
        note = dict(service.checkpoint_history(session=s))[size]
        text = note[: note.rfind(b"\n\n") + 1]
        for name, w in witnesses.items():
            line = w.sign(text)
            verifier = CosignatureVerifier.from_key_string(w.verifier_key())
            at = checked_cosignature(verifier, text, line)
            store_cosignature(
                session=s, size=size, witness=name, vkey=w.verifier_key(), line=line, cosigned_at=at
            )
    return size


def _bundle(world: World, ctx: ServiceContext, rid: str, log: Ed25519Signer) -> dict[str, Any]:
    with world.tx() as s:
        return bundles.build_bundle(
            session=s,
            ctx=ctx,
            actor=world.user(s, "reviewer"),
            request=world.request(s, rid),
            log_key=log.verifier_key(),
        )


def test_the_bundle_carries_the_cosigned_checkpoint(world: World) -> None:
    log = signer()
    witnesses = {
        n: CosignatureSigner(f"{n}.example/witness", Ed25519PrivateKey.generate(), lambda: T0)
        for n in ("a", "b")
    }
    policy = parse_policy(
        f"log {log.verifier_key()}\n"
        + "".join(
            f"witness {n} {w.verifier_key()} http://127.0.0.1:9\n" for n, w in witnesses.items()
        )
        + "group g 2 a b\nquorum g\n"
    )
    ctx = dataclasses.replace(world.ctx, log_quorum=Quorum(policy))
    rid = ended_cover(world)
    size = _cosign(world, log, witnesses)
    # A later request's entries go into a newer checkpoint no witness cosigned.
    later = ended_cover(world)
    integrate_log(world, log)
    with world.tx() as s:
        assert service.status(session=s).size > size
    data = _bundle(world, ctx, rid, log)
    checked = verify_bundle(encode_bundle(data), None, policy=policy)
    assert checked.request == rid
    assert checked.checkpoint_size == size
    assert checked.witnessed is not None
    assert set(checked.witnessed.cosigned_at) == {"a", "b"}
    # The later request's entries are past the served checkpoint: not yet.
    with pytest.raises(Conflict, match="wait for their cosignatures"):
        _bundle(world, ctx, later, log)
    # Without a policy the latest signed checkpoint is used, as always.
    assert _bundle(world, world.ctx, later, log)["checkpoint"].count("\u2014") == 1
