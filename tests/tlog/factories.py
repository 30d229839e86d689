"""Factories for tlog tests: stores, keys, and whole published logs."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from covergate.tlog import (
    Checkpoint,
    Ed25519Signer,
    MemoryHashStore,
    encode_bundle,
    entries_path,
    sign_checkpoint,
    tile_data,
    tile_path,
    tiles_for_size,
    tree_hash,
)

ORIGIN = "log.example.org/covergate"


def entry(i: int) -> bytes:
    """A distinct, deterministic entry for leaf ``i``."""
    return b'{"event":"submitted","n":%d}' % i


def store_of(size: int) -> MemoryHashStore:
    """A hash store holding ``size`` entries made by :func:`entry`."""
    store = MemoryHashStore()
    for i in range(size):
        store.append(entry(i))
    return store


def signer(name: str = ORIGIN, seed: int = 1) -> Ed25519Signer:
    """A deterministic Ed25519 signer."""
    return Ed25519Signer(name, Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))


def published_log(size: int, log_signer: Ed25519Signer | None = None) -> dict[str, bytes]:
    """Every file a static log of ``size`` entries serves, keyed by path."""
    log_signer = log_signer or signer()
    store = store_of(size)
    files: dict[str, bytes] = {}
    for n in range(0, size, 256):
        width = min(256, size - n)
        files[entries_path(n // 256, width)] = encode_bundle(
            [entry(i) for i in range(n, n + width)]
        )
    for tile in tiles_for_size(size):
        files[tile_path(tile)] = tile_data(tile, store)
    checkpoint = Checkpoint(log_signer.name, size, tree_hash(size, store))
    files["checkpoint"] = sign_checkpoint(checkpoint, log_signer)
    return files
