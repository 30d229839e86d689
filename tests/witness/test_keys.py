"""The witness key file and where the witness finds its database."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from covergate.errors import InvalidInput, MalformedLogData
from covergate.tlog import CosignatureVerifier, open_note
from covergate.witness.config import DATABASE_URL_ENV, WitnessConfig
from covergate.witness.keys import WitnessKey
from tests.witness.factories import FakeLog


def test_the_key_line_round_trips_and_its_cosignatures_verify() -> None:
    key = WitnessKey.generate("witness.example/w1")
    line = key.to_line()
    assert line.startswith("PRIVATE+KEY+witness.example/w1+" + key.key_id.hex() + "+")
    assert line.endswith("\n")
    again = WitnessKey.from_line(line)
    assert again.verifier_key() == key.verifier_key()
    log = FakeLog()
    note = log.checkpoint(3)
    cosignature = again.signer(lambda: 1_767_600_000).sign(note[: note.rfind(b"\n\n") + 1])
    verifier = CosignatureVerifier.from_key_string(key.verifier_key())
    opened = open_note(note + cosignature, [verifier])
    assert CosignatureVerifier.timestamp(opened.signatures[0].signature) == 1_767_600_000


def _with_payload(key: WitnessKey, payload: bytes) -> str:
    return f"PRIVATE+KEY+{key.name}+{key.key_id.hex()}+{base64.b64encode(payload).decode()}"


@pytest.mark.parametrize(
    "broken",
    [
        lambda k, line: line.removeprefix("PRIVATE+KEY+"),
        lambda k, line: line.replace(k.key_id.hex(), "00000000"),
        lambda k, line: _with_payload(k, b"\x01" + k.private_key.private_bytes_raw()),
        lambda k, line: _with_payload(k, b"\x04" + bytes(31)),
        lambda k, line: line[:-6] + "!!!!\n",
        lambda k, line: line.replace("witness.example/w1", "witness example"),
    ],
    ids=["prefix", "key-id", "ed25519-type", "short-seed", "base64", "name"],
)
def test_a_damaged_key_line_is_refused(broken: object) -> None:
    key = WitnessKey.generate("witness.example/w1")
    damaged = broken(key, key.to_line())  # type: ignore[operator]
    with pytest.raises(MalformedLogData):
        WitnessKey.from_line(damaged)


def test_a_bad_witness_name_is_refused() -> None:
    with pytest.raises(InvalidInput, match="--name"):
        WitnessKey.generate("witness+name")


def test_the_key_file_is_0600_and_never_overwritten(tmp_path: Path) -> None:
    key = WitnessKey.generate("witness.example/w1")
    path = tmp_path / "witness.key"
    key.write_new(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert WitnessKey.read(path).verifier_key() == key.verifier_key()
    with pytest.raises(InvalidInput, match="already there"):
        WitnessKey.generate("witness.example/w2").write_new(path)
    assert WitnessKey.read(path).verifier_key() == key.verifier_key()


def test_reading_a_missing_or_foreign_key_file_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="witness init"):
        WitnessKey.read(tmp_path / "absent.key")
    junk = tmp_path / "junk.key"
    junk.write_bytes(b"\xff\xfe not a key")
    with pytest.raises(InvalidInput, match="not a witness key file"):
        WitnessKey.read(junk)


def test_the_database_url_option_then_environment_then_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    default = WitnessConfig.load(tmp_path)
    assert default.database_url == f"sqlite:///{(tmp_path / 'witness.db').resolve()}"
    assert default.sqlite_file == tmp_path / "witness.db"
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://env/db")
    assert WitnessConfig.load(tmp_path).database_url == "postgresql://env/db"
    assert WitnessConfig.load(tmp_path).sqlite_file is None
    assert WitnessConfig.load(tmp_path, "postgresql://opt/db").database_url == "postgresql://opt/db"
    assert WitnessConfig.load(tmp_path).key_file == tmp_path / "witness.key"
