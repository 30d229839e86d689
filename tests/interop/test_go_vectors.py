"""covergate.tlog against vectors that Go's reference implementation computes
live: ``govectors/main.go`` (golang.org/x/mod/sumdb/tlog and note, no
covergate code) prints tree hashes, every inclusion and consistency proof of
small trees and sampled ones of trees up to 70,000 leaves, tiles, and signed
notes; each must be byte for byte what covergate computes.

Built offline in GOPATH mode from Debian's sources, as ``gotlog`` is (see
conftest.py); without Go the tests skip, or fail when CI=true.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from covergate.tlog import (
    EMPTY_ROOT,
    Hash,
    MemoryHashStore,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    open_note,
    parse_tile_path,
    sign_note,
    signer_from_key_string,
    tile_data,
    tree_hash,
    verifier_from_key_string,
    verify_consistency,
    verify_inclusion,
)
from tests.interop.conftest import build_go

SOURCE = Path(__file__).parent / "govectors" / "main.go"
MAX = 70_000


@pytest.fixture(scope="module")
def vectors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    binary = build_go(SOURCE, tmp_path_factory.mktemp("govectors"))
    result = subprocess.run(
        [str(binary), "-all", "40", "-max", str(MAX)],
        capture_output=True,
        check=True,
        timeout=120,
    )
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.fixture(scope="module")
def store() -> MemoryHashStore:
    s = MemoryHashStore()
    for i in range(MAX):
        s.append(b"leaf %d" % i)
    return s


def _hashes(b64s: list[str]) -> list[Hash]:
    return [Hash(base64.b64decode(x)) for x in b64s]


def test_tree_hashes(vectors: dict[str, Any], store: MemoryHashStore) -> None:
    roots = {int(size): base64.b64decode(root) for size, root in vectors["roots"].items()}
    assert len(roots) > 50
    for size, root in roots.items():
        if size == 0:
            # x/mod's TreeHash(0) is the zero hash; RFC 6962 (and covergate)
            # say SHA-256 of the empty string.
            assert root == bytes(32)
            assert tree_hash(0, store) == EMPTY_ROOT
        else:
            assert tree_hash(size, store) == root, size


def test_inclusion_proofs(vectors: dict[str, Any], store: MemoryHashStore) -> None:
    cases = vectors["inclusion"]
    assert len(cases) > 800
    for case in cases:
        size, index, want = case["size"], case["index"], _hashes(case["proof"])
        assert inclusion_proof(index, size, store) == want, (index, size)
        root = tree_hash(size, store)
        verify_inclusion(leaf_hash(b"leaf %d" % index), index, size, want, root)


def test_consistency_proofs(vectors: dict[str, Any], store: MemoryHashStore) -> None:
    cases = vectors["consistency"]
    assert len(cases) > 800
    for case in cases:
        old, new, want = case["old"], case["new"], _hashes(case["proof"])
        assert consistency_proof(old, new, store) == want, (old, new)
        verify_consistency(old, new, tree_hash(old, store), tree_hash(new, store), want)


def test_tiles(vectors: dict[str, Any], store: MemoryHashStore) -> None:
    cases = vectors["tiles"]
    assert len(cases) > 700
    for case in cases:
        tile = parse_tile_path(case["path"])
        assert tile_data(tile, store) == base64.b64decode(case["data"]), case["path"]


def test_signed_notes(vectors: dict[str, Any]) -> None:
    cases = vectors["notes"]
    assert len(cases) == 20
    for case in cases:
        signer = signer_from_key_string(case["skey"])
        assert signer.verifier_key() == case["vkey"]
        text, note = case["text"].encode(), case["note"].encode()
        assert sign_note(text, [signer]) == note
        assert open_note(note, [verifier_from_key_string(case["vkey"])]).text == text
