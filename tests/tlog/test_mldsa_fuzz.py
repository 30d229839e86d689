"""ML-DSA-44 keys, cosignatures and messages, fuzzed with hypothesis (bounded).

Malformed keys raise MalformedLogData and nothing else; a malformed or forged
signature makes ``verify`` say False and never raise; ``timestamp`` and
``subtree_message`` raise only MalformedLogData. COVERGATE_FUZZ_EXAMPLES sets
the number of examples, as in test_fuzz_parsers.py.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covergate.errors import MalformedLogData
from covergate.tlog import (
    Checkpoint,
    CosignatureSigner,
    CosignatureVerifier,
    Hash,
    mldsa,
    mldsa_supported,
    verifier_from_key_string,
)
from covergate.tlog.keys import verifier_key_string
from covergate.tlog.policy import parse_policy
from tests.tlog.factories import ORIGIN, signer

pytestmark = pytest.mark.skipif(not mldsa_supported(), reason="cryptography has no ML-DSA-44")

FUZZ = settings(
    max_examples=int(os.environ.get("COVERGATE_FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

NAME = "w.example/pq"
PQ = CosignatureSigner(NAME, mldsa.private_key_from_seed(b"\x03" * 32), lambda: 1_700_000_000)
VERIFIER = CosignatureVerifier.from_key_string(PQ.verifier_key())
TEXT = Checkpoint(ORIGIN, 9, Hash(hashlib.sha256(b"r").digest())).to_text()
SIGNATURE = base64.b64decode(PQ.sign(TEXT).split(b" ")[2].rstrip(b"\n"))[4:]
LOG = signer()


def _only_malformed(parse: Callable[[], object]) -> None:
    with contextlib.suppress(MalformedLogData):
        parse()


@st.composite
def near_keys(draw: st.DrawFn) -> str:
    """Verifier keys of the right shape whose type, length or bytes are off,
    with a key ID that matches (so the checks after it are reached) or not."""
    key_type = draw(st.sampled_from([0x06, 0x04, 0x01, 0x00, 0x07, 0xFF]))
    size = draw(st.sampled_from([0, 1, 31, 32, 33, 1311, 1312, 1313, 2624]))
    raw = draw(st.binary(min_size=size, max_size=size))
    kid = hashlib.sha256(NAME.encode() + b"\n" + bytes([key_type]) + raw).digest()[:4]
    if draw(st.booleans()):
        kid = draw(st.binary(min_size=4, max_size=4))
    return verifier_key_string(NAME, kid, key_type, raw)


def _mutated_key(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


@FUZZ
@given(
    st.one_of(
        near_keys(),
        st.text(max_size=200),
        st.binary(max_size=64).map(
            lambda junk: _mutated_key(PQ.verifier_key().encode()[: 40 + len(junk)] + junk)
        ),
    )
)
def test_malformed_ml_dsa_keys_raise_only_malformed_log_data(vkey: str) -> None:
    _only_malformed(lambda: CosignatureVerifier.from_key_string(vkey))
    _only_malformed(lambda: verifier_from_key_string(vkey))
    _only_malformed(lambda: parse_policy(f"log {LOG.verifier_key()}\nwitness w {vkey}\nquorum w\n"))


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=3000),
        st.binary(min_size=2428, max_size=2428),
        st.tuples(st.integers(0, len(SIGNATURE) - 1), st.integers(1, 255)).map(
            lambda edit: (
                SIGNATURE[: edit[0]]
                + bytes([SIGNATURE[edit[0]] ^ edit[1]])
                + SIGNATURE[edit[0] + 1 :]
            )
        ),
    ),
    st.sampled_from([TEXT, TEXT + b"ext\n", b"x\n", b"", TEXT.replace(b"9", b"09")]),
)
def test_forged_signatures_verify_false_and_never_raise(signature: bytes, text: bytes) -> None:
    assert VERIFIER.verify(text, signature) is False
    _only_malformed(lambda: CosignatureVerifier.timestamp(signature))


@FUZZ
@given(
    st.text(max_size=300),
    st.integers(-(1 << 64), 1 << 64),
    st.text(max_size=300),
    st.integers(-(1 << 64), 1 << 65),
    st.integers(-(1 << 64), 1 << 65),
    st.binary(max_size=40),
)
def test_subtree_message_raises_only_malformed_log_data(
    name: str, timestamp: int, origin: str, start: int, end: int, root: bytes
) -> None:
    _only_malformed(lambda: mldsa.subtree_message(name, timestamp, origin, start, end, root))


def test_the_seeds_are_valid() -> None:
    # The mutations above start from a valid key and signature.
    assert VERIFIER.verify(TEXT, SIGNATURE) is True
