"""Test logs that sign real checkpoints and real consistency proofs, and a clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from covergate.tlog import (
    Checkpoint,
    Ed25519Signer,
    Hash,
    MemoryHashStore,
    consistency_proof,
    sign_checkpoint,
    tree_hash,
)
from covergate.tlog.witness_protocol import AddCheckpoint

ORIGIN = "example.com/log"
T = TypeVar("T")


def log_signer(origin: str = ORIGIN, seed: int = 1) -> Ed25519Signer:
    """A deterministic log key for ``origin``."""
    return Ed25519Signer(origin, Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))


@dataclass
class FakeLog:
    """A log of ``size`` entries that signs checkpoints and proofs on demand."""

    origin: str = ORIGIN
    seed: int = 1
    store: MemoryHashStore = field(default_factory=MemoryHashStore)
    salt: bytes = b""

    @property
    def signer(self) -> Ed25519Signer:
        return log_signer(self.origin, self.seed)

    @property
    def vkey(self) -> str:
        return self.signer.verifier_key()

    def grow(self, size: int) -> None:
        """Append entries until the log holds ``size``."""
        while self.store.size < size:
            self.store.append(self.salt + b"entry %d" % self.store.size)

    def root(self, size: int) -> Hash:
        self.grow(size)
        return tree_hash(size, self.store)

    def checkpoint(self, size: int, root: Hash | None = None) -> bytes:
        """A checkpoint note of ``size`` signed by this log's key."""
        cp = Checkpoint(self.origin, size, self.root(size) if root is None else root)
        return sign_checkpoint(cp, self.signer)

    def proof(self, old: int, new: int) -> tuple[Hash, ...]:
        self.grow(new)
        return tuple(consistency_proof(old, new, self.store))

    def request(
        self,
        old: int,
        new: int,
        *,
        proof: tuple[Hash, ...] | None = None,
        note: bytes | None = None,
    ) -> bytes:
        """An add-checkpoint body from ``old`` to ``new`` (a correct proof by default)."""
        body_proof = self.proof(old, new) if proof is None and old <= new else proof or ()
        return AddCheckpoint(old, body_proof, note or self.checkpoint(new)).format()


@dataclass
class StepClock:
    """A settable UNIX clock for cosignature timestamps."""

    now: float = 1_767_600_000.0

    def __call__(self) -> float:
        return self.now


def race(*calls: Callable[[], T]) -> list[T]:
    """Run ``calls`` at once (one thread each, released together); their results in order."""
    barrier = threading.Barrier(len(calls))
    results: dict[int, T] = {}

    def run(i: int) -> None:
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [results[i] for i in range(len(calls))]
