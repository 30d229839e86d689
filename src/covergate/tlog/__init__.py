"""covergate's transparency log core: pure functions and small classes over bytes.

No I/O beyond what a caller passes in, no database, no web. See docs/TLOG.md.

- :mod:`.hashing`: RFC 6962 leaf and node hashes.
- :mod:`.stored_hashes`: stored-hash layout (as golang.org/x/mod/sumdb/tlog)
  and tree hashes over it.
- :mod:`.inclusion`: inclusion proofs (RFC 6962 2.1.1) and their verification
  (RFC 9162 2.1.3.2).
- :mod:`.consistency`: consistency proofs (RFC 6962 2.1.2) and their
  verification (RFC 9162 2.1.4.2).
- :mod:`.tiles`: C2SP tlog-tiles paths, tile data and a verifying tile reader.
- :mod:`.bundles`: C2SP tlog-tiles entry bundles.
- :mod:`.note`: C2SP signed-note: signing and opening notes.
- :mod:`.keys`: C2SP signed-note keys: key IDs, key strings, Ed25519.
- :mod:`.cosignature`: C2SP tlog-cosignature (Ed25519 and ML-DSA-44).
- :mod:`.mldsa`: the ML-DSA-44 signed message (``subtree/v1``) and keys.
- :mod:`.checkpoint`: C2SP tlog-checkpoint.
- :mod:`.proof_text`: C2SP tlog-proof.
- :mod:`.verify`: recompute and check a whole published log.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from covergate.tlog.bundles import MAX_ENTRY_SIZE, decode_bundle, encode_bundle
    from covergate.tlog.checkpoint import (
        Checkpoint,
        check_log_origin,
        open_checkpoint,
        sign_checkpoint,
    )
    from covergate.tlog.consistency import consistency_proof, verify_consistency
    from covergate.tlog.cosignature import (
        COSIGNATURE_KEY_TYPE,
        MLDSA44_COSIGNATURE_KEY_TYPE,
        CosignatureAlgorithm,
        CosignatureSigner,
        CosignatureVerifier,
        verifier_from_key_string,
    )
    from covergate.tlog.hashing import EMPTY_ROOT, HASH_SIZE, Hash, leaf_hash, node_hash
    from covergate.tlog.inclusion import inclusion_proof, verify_inclusion
    from covergate.tlog.keys import (
        ED25519_KEY_TYPE,
        Ed25519Signer,
        Ed25519Verifier,
        generate_signer,
        key_id,
        signer_from_key_string,
        signer_from_private_bytes,
    )
    from covergate.tlog.mldsa import MLDSAUnavailable, mldsa_supported
    from covergate.tlog.note import (
        Note,
        NoteSignature,
        NoteSigner,
        NoteVerifier,
        open_note,
        sign_note,
    )
    from covergate.tlog.proof_text import TLOG_PROOF_HEADER, TlogProof, verify_tlog_proof
    from covergate.tlog.stored_hashes import (
        HashReader,
        MemoryHashStore,
        root_from_leaf_hashes,
        split_stored_hash_index,
        stored_hash_count,
        stored_hash_index,
        stored_hashes,
        stored_hashes_for_leaf_hash,
        tree_hash,
    )
    from covergate.tlog.tiles import (
        TILE_HEIGHT,
        TILE_WIDTH,
        Tile,
        TileHashReader,
        entries_path,
        hash_from_tile,
        new_tiles,
        parse_entries_path,
        parse_tile_path,
        partial_width,
        tile_data,
        tile_hash_indexes,
        tile_path,
        tiles_for_size,
    )
    from covergate.tlog.verify import (
        DirectoryLogSource,
        FullLogReport,
        LogSource,
        MemoryLogSource,
        fetch_checkpoint,
        verify_full_log,
    )

# Each name is imported from its module when first asked for (PEP 562): importing
# one module of the package (``covergate.tlog.hashing``) then costs that module,
# not the whole package and the cryptography the signing modules need.
_MODULES: dict[str, tuple[str, ...]] = {
    "bundles": (
        "MAX_ENTRY_SIZE",
        "decode_bundle",
        "encode_bundle",
    ),
    "checkpoint": (
        "Checkpoint",
        "check_log_origin",
        "open_checkpoint",
        "sign_checkpoint",
    ),
    "consistency": (
        "consistency_proof",
        "verify_consistency",
    ),
    "cosignature": (
        "COSIGNATURE_KEY_TYPE",
        "CosignatureAlgorithm",
        "CosignatureSigner",
        "CosignatureVerifier",
        "MLDSA44_COSIGNATURE_KEY_TYPE",
        "verifier_from_key_string",
    ),
    "hashing": (
        "EMPTY_ROOT",
        "HASH_SIZE",
        "Hash",
        "leaf_hash",
        "node_hash",
    ),
    "inclusion": (
        "inclusion_proof",
        "verify_inclusion",
    ),
    "keys": (
        "ED25519_KEY_TYPE",
        "Ed25519Signer",
        "Ed25519Verifier",
        "generate_signer",
        "key_id",
        "signer_from_key_string",
        "signer_from_private_bytes",
    ),
    "mldsa": (
        "MLDSAUnavailable",
        "mldsa_supported",
    ),
    "note": (
        "Note",
        "NoteSignature",
        "NoteSigner",
        "NoteVerifier",
        "open_note",
        "sign_note",
    ),
    "proof_text": (
        "TLOG_PROOF_HEADER",
        "TlogProof",
        "verify_tlog_proof",
    ),
    "stored_hashes": (
        "HashReader",
        "MemoryHashStore",
        "root_from_leaf_hashes",
        "split_stored_hash_index",
        "stored_hash_count",
        "stored_hash_index",
        "stored_hashes",
        "stored_hashes_for_leaf_hash",
        "tree_hash",
    ),
    "tiles": (
        "TILE_HEIGHT",
        "TILE_WIDTH",
        "Tile",
        "TileHashReader",
        "entries_path",
        "hash_from_tile",
        "new_tiles",
        "parse_entries_path",
        "parse_tile_path",
        "partial_width",
        "tile_data",
        "tile_hash_indexes",
        "tile_path",
        "tiles_for_size",
    ),
    "verify": (
        "DirectoryLogSource",
        "FullLogReport",
        "LogSource",
        "MemoryLogSource",
        "fetch_checkpoint",
        "verify_full_log",
    ),
}
_SOURCE = {name: module for module, names in _MODULES.items() for name in names}

# A name that is also a module's: loading the module would set the package's
# attribute to the module, so the function is bound now (the module is small and
# pure: hashing only).
from covergate.tlog.stored_hashes import stored_hashes  # noqa: E402


def __getattr__(name: str) -> Any:
    module = _SOURCE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "COSIGNATURE_KEY_TYPE",
    "ED25519_KEY_TYPE",
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_ENTRY_SIZE",
    "MLDSA44_COSIGNATURE_KEY_TYPE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "TLOG_PROOF_HEADER",
    "Checkpoint",
    "CosignatureAlgorithm",
    "CosignatureSigner",
    "CosignatureVerifier",
    "DirectoryLogSource",
    "Ed25519Signer",
    "Ed25519Verifier",
    "FullLogReport",
    "Hash",
    "HashReader",
    "LogSource",
    "MLDSAUnavailable",
    "MemoryHashStore",
    "MemoryLogSource",
    "Note",
    "NoteSignature",
    "NoteSigner",
    "NoteVerifier",
    "Tile",
    "TileHashReader",
    "TlogProof",
    "check_log_origin",
    "consistency_proof",
    "decode_bundle",
    "encode_bundle",
    "entries_path",
    "fetch_checkpoint",
    "generate_signer",
    "hash_from_tile",
    "inclusion_proof",
    "key_id",
    "leaf_hash",
    "mldsa_supported",
    "new_tiles",
    "node_hash",
    "open_checkpoint",
    "open_note",
    "parse_entries_path",
    "parse_tile_path",
    "partial_width",
    "root_from_leaf_hashes",
    "sign_checkpoint",
    "sign_note",
    "signer_from_key_string",
    "signer_from_private_bytes",
    "split_stored_hash_index",
    "stored_hash_count",
    "stored_hash_index",
    "stored_hashes",
    "stored_hashes_for_leaf_hash",
    "tile_data",
    "tile_hash_indexes",
    "tile_path",
    "tiles_for_size",
    "tree_hash",
    "verifier_from_key_string",
    "verify_consistency",
    "verify_full_log",
    "verify_inclusion",
    "verify_tlog_proof",
]
