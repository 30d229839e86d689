"""Witness policies: parsing, quorum evaluation, and opening cosigned checkpoints."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from covergate.errors import MalformedLogData, VerificationFailed
from covergate.tlog.checkpoint import Checkpoint, sign_checkpoint
from covergate.tlog.cosignature import CosignatureSigner
from covergate.tlog.hashing import EMPTY_ROOT
from covergate.tlog.keys import generate_signer
from covergate.tlog.policy import open_cosigned_checkpoint, parse_policy
from covergate.tlog.witness_protocol import append_cosignatures

LOG, _ = generate_signer("example.com/log")
WITNESSES = {
    name: CosignatureSigner(f"{name}.example/witness", Ed25519PrivateKey.generate(), lambda: 1_700)
    for name in ("A", "B", "C", "D")
}


def _policy(quorum: str = "two") -> str:
    lines = [f"log {LOG.verifier_key()} https://log.example"]
    lines += [f"witness {n} {w.verifier_key()} https://{n}.example" for n, w in WITNESSES.items()]
    lines += ["group two 2 A B C  # two of three", "group both all two D", f"quorum {quorum}"]
    return "\n".join(lines) + "\n"


def _note(*names: str) -> bytes:
    text = Checkpoint("example.com/log", 0, EMPTY_ROOT).to_text()
    note = sign_checkpoint(Checkpoint.from_text(text), LOG)
    return append_cosignatures(note, [WITNESSES[n].sign(text) for n in names])


@pytest.mark.parametrize(
    ("quorum", "signed", "met"),
    [
        ("two", {"A"}, False),
        ("two", {"A", "C"}, True),
        ("two", {"D"}, False),
        ("both", {"A", "B"}, False),
        ("both", {"A", "B", "D"}, True),
        ("D", {"D"}, True),
        ("none", set(), True),
    ],
)
def test_quorum_is_evaluated_over_nested_groups(quorum: str, signed: set[str], met: bool) -> None:
    assert parse_policy(_policy(quorum)).satisfied(signed) is met


def test_parse_keeps_urls_and_names() -> None:
    policy = parse_policy(_policy())
    assert policy.logs[0].url == "https://log.example"
    assert policy.witness("B").url == "https://B.example"
    assert policy.log_for("example.com/log") is not None
    assert policy.describe_quorum() == "2 of (A, B, C)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("quorum X\n", "line 1: quorum 'X' is not defined above"),
        ("", "no quorum line"),
        ("quorum none\nquorum none\n", "line 2: a second quorum line"),
        ("frob x\nquorum none\n", "line 1: unknown keyword 'frob'"),
        ("log nonsense\nquorum none\n", "line 1: bad log key"),
        ("group g 1 X\nquorum g\n", "line 1: 'X' is not defined above"),
    ],
)
def test_bad_policies_name_the_line(text: str, message: str) -> None:
    with pytest.raises(MalformedLogData, match=message):
        parse_policy(text)


def test_bad_thresholds_and_duplicates_are_refused() -> None:
    base = _policy().rsplit("group", 2)[0]
    with pytest.raises(MalformedLogData, match="threshold"):
        parse_policy(base + "group g 4 A B C\nquorum g\n")
    with pytest.raises(MalformedLogData, match="already taken"):
        parse_policy(base + "group A 1 B\nquorum A\n")
    with pytest.raises(MalformedLogData, match="named twice"):
        parse_policy(base + "group g 1 A A\nquorum g\n")


def test_open_cosigned_checkpoint_requires_the_quorum() -> None:
    policy = parse_policy(_policy())
    opened = open_cosigned_checkpoint(_note("A", "C"), LOG.verifier(), policy)
    assert opened.cosigned_at == {"A": 1_700, "C": 1_700}
    with pytest.raises(VerificationFailed, match="cosigned by A; the policy needs 2 of"):
        open_cosigned_checkpoint(_note("A"), LOG.verifier(), policy)


def test_a_forged_cosignature_of_a_known_witness_rejects_the_note() -> None:
    note = _note("A", "B")
    forged = note[:-10] + (b"A" if note[-10:-9] != b"A" else b"B") + note[-9:]
    with pytest.raises((VerificationFailed, MalformedLogData)):
        open_cosigned_checkpoint(forged, LOG.verifier(), parse_policy(_policy()))


def test_append_cosignatures_adds_each_line_once() -> None:
    note = _note("A")
    line = note.splitlines(keepends=True)[-1]
    assert append_cosignatures(note, [line, line]) == note
