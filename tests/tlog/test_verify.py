"""Whole-log verification from entry bundles and tiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from covergate.errors import MalformedLogData, NotFound, VerificationFailed
from covergate.tlog import (
    Checkpoint,
    DirectoryLogSource,
    Hash,
    MemoryLogSource,
    encode_bundle,
    entries_path,
    fetch_checkpoint,
    sign_checkpoint,
    tile_path,
    tiles_for_size,
    verify_full_log,
)
from tests.tlog.factories import entry, published_log, signer


@pytest.mark.parametrize("size", [0, 1, 255, 256, 257, 600, 65_537])
def test_an_honest_log_verifies(size: int) -> None:
    source = MemoryLogSource(published_log(size))
    checkpoint = fetch_checkpoint(source, signer().verifier())
    done: list[int] = []
    seen: list[int] = []
    report = verify_full_log(
        source, checkpoint, progress=done.append, on_entry=lambda i, e: seen.append(i)
    )
    assert report.size == size
    assert report.root == checkpoint.root
    assert report.tiles_checked == len(tiles_for_size(size))
    assert report.bundles_checked == (size + 255) // 256
    assert seen == list(range(size))
    assert done == [min(size, n + 256) for n in range(0, size, 256)]


def test_every_tile_is_compared_byte_for_byte() -> None:
    files = published_log(600)
    checkpoint = fetch_checkpoint(MemoryLogSource(files), signer().verifier())
    for tile in tiles_for_size(600):
        tampered = dict(files)
        data = tampered[tile_path(tile)]
        tampered[tile_path(tile)] = data[:-1] + bytes([data[-1] ^ 1])
        with pytest.raises(VerificationFailed, match="tile"):
            verify_full_log(MemoryLogSource(tampered), checkpoint)


def test_a_changed_entry_is_caught() -> None:
    files = published_log(300)
    checkpoint = fetch_checkpoint(MemoryLogSource(files), signer().verifier())
    entries = [entry(i) for i in range(256, 300)]
    entries[3] = b"rewritten history"
    files[entries_path(1, 44)] = encode_bundle(entries)
    with pytest.raises(VerificationFailed):
        verify_full_log(MemoryLogSource(files), checkpoint)


def test_a_bundle_with_the_wrong_count_is_caught() -> None:
    files = published_log(300)
    checkpoint = fetch_checkpoint(MemoryLogSource(files), signer().verifier())
    files[entries_path(1, 44)] = encode_bundle([entry(i) for i in range(256, 301)])
    with pytest.raises(VerificationFailed, match="entries"):
        verify_full_log(MemoryLogSource(files), checkpoint)
    files[entries_path(1, 44)] = b"\x00"
    with pytest.raises(MalformedLogData):
        verify_full_log(MemoryLogSource(files), checkpoint)


def test_a_checkpoint_that_disagrees_with_the_entries_is_caught() -> None:
    files = published_log(300)
    honest = fetch_checkpoint(MemoryLogSource(files), signer().verifier())
    other = Checkpoint(honest.origin, 300, published_checkpoint_root(299))
    with pytest.raises(VerificationFailed):
        verify_full_log(MemoryLogSource(files), other)


def published_checkpoint_root(size: int) -> Hash:
    files = published_log(size)
    return fetch_checkpoint(MemoryLogSource(files), signer().verifier()).root


def test_a_missing_file_is_not_found() -> None:
    files = published_log(300)
    checkpoint = fetch_checkpoint(MemoryLogSource(files), signer().verifier())
    del files["tile/0/001.p/44"]
    with pytest.raises(NotFound):
        verify_full_log(MemoryLogSource(files), checkpoint)


def test_directory_source(tmp_path: Path) -> None:
    for path, data in published_log(257).items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    source = DirectoryLogSource(tmp_path)
    checkpoint = fetch_checkpoint(source, signer().verifier())
    assert verify_full_log(source, checkpoint).size == 257
    with pytest.raises(NotFound):
        source.fetch("../etc/passwd")
    with pytest.raises(NotFound):
        source.fetch("tile/9/000")


def test_fetch_checkpoint_needs_the_log_key() -> None:
    files = published_log(3)
    files["checkpoint"] = sign_checkpoint(
        Checkpoint(signer().name, 3, published_checkpoint_root(3)), signer(seed=4)
    )
    with pytest.raises(VerificationFailed):
        fetch_checkpoint(MemoryLogSource(files), signer().verifier())
