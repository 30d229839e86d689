"""A witness that cosigns with ML-DSA-44: its key file, ``init --algorithm``, the
in-process flow on SQLite and PostgreSQL, and a real server over HTTP whose
cosignatures a witness policy accepts."""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from covergate.commands.witness import Algorithm
from covergate.errors import InvalidInput, MalformedLogData, VerificationFailed
from covergate.tlog import (
    Checkpoint,
    CosignatureAlgorithm,
    CosignatureVerifier,
    Ed25519Verifier,
    mldsa_supported,
    open_note,
    sign_checkpoint,
)
from covergate.tlog.policy import WitnessPolicy, open_cosigned_checkpoint, parse_policy
from covergate.tlog.witness_protocol import AddCheckpoint
from covergate.witness import store
from covergate.witness.keys import WitnessKey
from covergate.witness.service import Witness
from tests.cli_runner import Zygote, assert_one_error_line
from tests.witness.factories import FakeLog, StepClock
from tests.witness.server import Served, cli_env, covergate, serving

pytestmark = pytest.mark.skipif(not mldsa_supported(), reason="cryptography has no ML-DSA-44")

NAME = "witness.example/pq"
LOG = FakeLog()


def _policy(witness_vkey: str, log: FakeLog = LOG) -> WitnessPolicy:
    return parse_policy(f"log {log.vkey}\nwitness pq {witness_vkey}\nquorum pq\n")


def _log_verifier(log: FakeLog = LOG) -> Ed25519Verifier:
    return Ed25519Verifier.from_key_string(log.vkey)


# --- the key file ------------------------------------------------------------------


def test_the_ml_dsa_key_line_round_trips() -> None:
    key = WitnessKey.generate(NAME, CosignatureAlgorithm.ML_DSA_44)
    assert key.algorithm is CosignatureAlgorithm.ML_DSA_44
    line = key.to_line()
    prefix = f"PRIVATE+KEY+{NAME}+{key.key_id.hex()}+"
    assert line.startswith(prefix)
    payload = base64.b64decode(line.removeprefix(prefix))
    assert payload == b"\x06" + key.private_key.private_bytes_raw()
    assert len(payload) == 33  # the 32-byte FIPS 204 seed, not the expanded key
    again = WitnessKey.from_line(line)
    assert again.verifier_key() == key.verifier_key()
    assert base64.b64decode(key.verifier_key().split("+", 2)[2])[0] == 0x06
    text = Checkpoint(LOG.origin, 3, LOG.root(3)).to_text()
    cosignature = again.signer(lambda: 1_767_600_000).sign(text)
    verifier = CosignatureVerifier.from_key_string(key.verifier_key())
    opened = open_note(LOG.checkpoint(3) + cosignature, [verifier])
    assert CosignatureVerifier.timestamp(opened.signatures[0].signature) == 1_767_600_000


def _with_payload(key: WitnessKey, payload: bytes, kid: str | None = None) -> str:
    encoded = base64.b64encode(payload).decode()
    return f"PRIVATE+KEY+{key.name}+{kid or key.key_id.hex()}+{encoded}"


@pytest.mark.parametrize(
    "payload",
    [
        lambda k: b"\x06" + k.private_key.private_bytes_raw()[:31],
        lambda k: b"\x06" + k.private_key.private_bytes_raw() + b"\x00",
        lambda k: b"\x05" + k.private_key.private_bytes_raw(),
        lambda k: b"\x04" + k.private_key.private_bytes_raw(),  # right seed, wrong type: key ID
        lambda k: b"\x06" + bytes(32),  # another seed: key ID
    ],
    ids=["short-seed", "long-seed", "type-05", "type-04", "other-seed"],
)
def test_a_damaged_ml_dsa_key_line_is_refused(payload: object) -> None:
    key = WitnessKey.generate(NAME, CosignatureAlgorithm.ML_DSA_44)
    with pytest.raises(MalformedLogData):
        WitnessKey.from_line(_with_payload(key, payload(key)))  # type: ignore[operator]


def test_an_ml_dsa_witness_name_fits_in_255_bytes() -> None:
    with pytest.raises(InvalidInput, match="255"):
        WitnessKey.generate("w" * 256, CosignatureAlgorithm.ML_DSA_44)
    WitnessKey.generate("w" * 256)  # Ed25519 does not sign its name


KEY_LINE = WitnessKey.generate(NAME, CosignatureAlgorithm.ML_DSA_44).to_line()


@settings(
    max_examples=int(os.environ.get("COVERGATE_FUZZ_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    st.one_of(
        st.text(max_size=120),
        st.tuples(st.integers(0, len(KEY_LINE)), st.text(max_size=8)).map(
            lambda cut: KEY_LINE[: cut[0]] + cut[1] + KEY_LINE[cut[0] + 1 :]
        ),
    )
)
def test_key_lines_raise_only_malformed_log_data(line: str) -> None:
    with contextlib.suppress(MalformedLogData):
        WitnessKey.from_line(line)


# --- in process, on both databases ---------------------------------------------------


@pytest.fixture
def witness_key() -> WitnessKey:
    """Overrides tests/witness/conftest.py: the ``witness`` fixture cosigns with ML-DSA-44."""
    return WitnessKey.generate(NAME, CosignatureAlgorithm.ML_DSA_44)


def test_the_witness_cosigns_with_ml_dsa(witness: Witness, clock: StepClock) -> None:
    store.add_log(witness.engine, LOG.origin, LOG.vkey, now=1, replace=False)
    answer = witness.add_checkpoint(LOG.request(0, 10))
    assert answer.status == 200, answer.body
    raw = base64.b64decode(answer.body.split(b" ")[2])
    assert len(raw) == 4 + 8 + 2420
    policy = _policy(witness.key.verifier_key())
    opened = open_cosigned_checkpoint(LOG.checkpoint(10) + answer.body, _log_verifier(), policy)
    assert opened.cosigned_at == {"pq": int(clock.now)}
    # What monitors fetch passes the same policy.
    served = witness.checkpoint(LOG.origin)
    assert open_cosigned_checkpoint(served, _log_verifier(), policy).checkpoint.size == 10


def test_a_checkpoint_with_extension_lines_is_refused_in_one_line(witness: Witness) -> None:
    # The ML-DSA-44 signed message does not cover extension lines (see
    # covergate.tlog.mldsa), so the witness answers 400 and keeps its state.
    store.add_log(witness.engine, LOG.origin, LOG.vkey, now=1, replace=False)
    checkpoint = Checkpoint(LOG.origin, 5, LOG.root(5), (b"extension line",))
    note = sign_checkpoint(checkpoint, LOG.signer)
    answer = witness.add_checkpoint(AddCheckpoint(0, (), note).format())
    assert answer.status == 400
    assert b"extension" in answer.body
    assert answer.body.count(b"\n") == 1
    record = store.read_log(witness.engine, LOG.origin)
    assert record is not None
    assert record.stored.size == 0


# --- the command line ----------------------------------------------------------------


def test_the_algorithm_choices_are_the_cosignature_algorithms() -> None:
    assert [a.value for a in Algorithm] == [a.value for a in CosignatureAlgorithm]


def test_init_with_ml_dsa_prints_and_keeps_a_type_06_key(zygote: Zygote, tmp_path: Path) -> None:
    data = tmp_path / "w"
    done = zygote.run(
        ["witness", "init", "--data", str(data), "--name", NAME, "--algorithm", "ml-dsa-44"],
        cli_env(),
    )
    assert done.returncode == 0, done.stderr
    vkey = done.stdout.splitlines()[-1]
    verifier = CosignatureVerifier.from_key_string(vkey)
    assert (verifier.name, verifier.algorithm) == (NAME, CosignatureAlgorithm.ML_DSA_44)
    key = zygote.run(["witness", "key", "--data", str(data)], cli_env())
    assert key.stdout.strip() == vkey
    assert WitnessKey.read(data / "witness.key").algorithm is CosignatureAlgorithm.ML_DSA_44


def test_init_with_an_unknown_algorithm_is_one_error_line(zygote: Zygote, tmp_path: Path) -> None:
    done = zygote.run(
        ["witness", "init", "--data", str(tmp_path / "w"), "--name", NAME, "--algorithm", "rsa"],
        cli_env(),
    )
    assert_one_error_line(done, "--algorithm", "ml-dsa-44")
    assert not (tmp_path / "w").exists()


# --- over HTTP: a real `covergate witness serve` ---------------------------------------


@pytest.fixture(scope="module")
def pq_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, str]]:
    data = tmp_path_factory.mktemp("pq") / "w"
    init = covergate("witness", "init", "--data", data, "--name", NAME, "--algorithm", "ml-dsa-44")
    assert init.returncode == 0, init.stderr
    added = covergate("witness", "add-log", LOG.vkey, "--data", data)
    assert added.returncode == 0, added.stderr
    with serving(data) as served:
        yield served, init.stdout.splitlines()[-1]


def test_a_served_ml_dsa_cosignature_meets_the_policy(pq_server: tuple[Served, str]) -> None:
    served, vkey = pq_server
    with httpx.Client(base_url=served.base_url, timeout=30) as client:
        assert client.get("/key").text.strip() == vkey
        response = client.post("/add-checkpoint", content=LOG.request(0, 20))
        assert response.status_code == 200, response.text
        policy = _policy(client.get("/key").text.strip())
        note = LOG.checkpoint(20) + response.content
        opened = open_cosigned_checkpoint(note, _log_verifier(), policy)
        assert opened.checkpoint.size == 20
        assert opened.cosigned_at["pq"] > 1_700_000_000
        monitored = client.get("/logs/" + LOG.origin + "/checkpoint")
        assert monitored.status_code == 200
        assert open_cosigned_checkpoint(monitored.content, _log_verifier(), policy).cosigned_at
        # Another witness's key in the policy: the same note lacks the quorum.
        other = WitnessKey.generate(NAME, CosignatureAlgorithm.ML_DSA_44).verifier_key()
        with pytest.raises(VerificationFailed, match="quorum"):
            open_cosigned_checkpoint(note, _log_verifier(), _policy(other))
