"""``covergate witness ...`` as a user runs it: output, state, and one-line errors."""

from __future__ import annotations

import json
import socket
import stat
import subprocess
from pathlib import Path

import pytest

from covergate.tlog import CosignatureVerifier, Hash
from covergate.tlog.witness_protocol import AddCheckpoint
from covergate.witness.config import WitnessConfig
from covergate.witness.service import Witness
from tests.cli_runner import Zygote, assert_one_error_line
from tests.witness.factories import FakeLog, StepClock
from tests.witness.server import cli_env

LOG = FakeLog()
NAME = "witness.example/w1"


class WitnessCli:
    def __init__(self, zygote: Zygote, data: Path) -> None:
        self.zygote = zygote
        self.data = data

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return self.zygote.run(["witness", *map(str, args)], cli_env())

    def ok(self, *args: str | Path) -> str:
        done = self.run(*args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout


@pytest.fixture
def cli(zygote: Zygote, tmp_path: Path) -> WitnessCli:
    return WitnessCli(zygote, tmp_path / "w")


@pytest.fixture
def ready(cli: WitnessCli) -> WitnessCli:
    cli.ok("init", "--data", cli.data, "--name", NAME)
    cli.ok("add-log", LOG.vkey, "--data", cli.data)
    return cli


def _in_process(data: Path) -> Witness:
    return Witness.open(WitnessConfig.load(data), clock=StepClock(), report=lambda _line: None)


def test_init_makes_a_private_directory_key_and_database(cli: WitnessCli) -> None:
    out = cli.ok("init", "--data", cli.data, "--name", NAME)
    assert stat.S_IMODE(cli.data.stat().st_mode) == 0o700
    assert stat.S_IMODE((cli.data / "witness.key").stat().st_mode) == 0o600
    assert (cli.data / "witness.db").is_file()
    vkey = out.splitlines()[-1]
    assert CosignatureVerifier.from_key_string(vkey).name == NAME
    assert cli.ok("key", "--data", cli.data).strip() == vkey


def test_init_refuses_a_directory_that_is_a_witness(ready: WitnessCli) -> None:
    before = (ready.data / "witness.key").read_bytes()
    assert_one_error_line(
        ready.run("init", "--data", ready.data, "--name", "other.example/w"), "already a witness"
    )
    assert (ready.data / "witness.key").read_bytes() == before


def test_init_refuses_a_bad_name_and_creates_nothing(cli: WitnessCli) -> None:
    assert_one_error_line(cli.run("init", "--data", cli.data, "--name", "two words"), "--name")
    assert not cli.data.exists()


def test_init_on_an_unreachable_database_leaves_no_key(cli: WitnessCli) -> None:
    done = cli.run(
        "init", "--data", cli.data, "--name", NAME,
        "--database-url", "postgresql://nobody@127.0.0.1:1/none",
    )  # fmt: skip
    assert_one_error_line(done, "cannot create the witness database")
    assert not (cli.data / "witness.key").exists()


def test_add_log_needs_replace_to_rotate_a_key_and_keeps_the_state(ready: WitnessCli) -> None:
    assert "already witnessed" in ready.ok("add-log", LOG.vkey, "--data", ready.data)
    witness = _in_process(ready.data)
    assert witness.add_checkpoint(LOG.request(0, 6)).status == 200
    witness.close()
    rotated = FakeLog(seed=8)
    assert_one_error_line(ready.run("add-log", rotated.vkey, "--data", ready.data), "--replace")
    out = ready.ok("add-log", rotated.vkey, "--data", ready.data, "--replace")
    assert "state kept (size 6)" in out
    listed = json.loads(ready.ok("logs", "--data", ready.data, "--json"))
    assert [(e["origin"], e["size"], e["verifier_key"]) for e in listed] == [
        (LOG.origin, 6, rotated.vkey)
    ]


@pytest.mark.parametrize(
    ("vkey", "needle"),
    [
        ("not-a-key", "VKEY"),
        (FakeLog().vkey[:-4] + "AAA=", "VKEY"),
    ],
)
def test_add_log_refuses_what_is_not_a_log_key(ready: WitnessCli, vkey: str, needle: str) -> None:
    assert_one_error_line(ready.run("add-log", vkey, "--data", ready.data), needle)


def test_add_log_refuses_a_cosignature_key(ready: WitnessCli) -> None:
    own = ready.ok("key", "--data", ready.data).strip()
    assert_one_error_line(ready.run("add-log", own, "--data", ready.data), "not an Ed25519 key")


def test_logs_shows_size_and_time(ready: WitnessCli) -> None:
    assert ready.ok("logs", "--data", ready.data).strip() == f"{LOG.origin}  size 0  cosigned never"
    witness = _in_process(ready.data)
    witness.add_checkpoint(LOG.request(0, 9))
    witness.close()
    line = ready.ok("logs", "--data", ready.data).strip()
    assert line == f"{LOG.origin}  size 9  cosigned 2026-01-05T08:00:00Z"


def test_evidence_lists_and_prints_kept_bodies(ready: WitnessCli) -> None:
    assert ready.ok("evidence", "--data", ready.data).strip() == "no evidence kept"
    witness = _in_process(ready.data)
    witness.add_checkpoint(LOG.request(0, 5))
    body = AddCheckpoint(5, (), LOG.checkpoint(5, Hash(bytes(32)))).format()
    assert witness.add_checkpoint(body).status == 422
    witness.close()
    line = ready.ok("evidence", "--data", ready.data).strip()
    assert line.startswith(f"1  {LOG.origin}  old size 5  size 5  root-mismatch  ")
    listed = json.loads(ready.ok("evidence", "--data", ready.data, "--json"))
    assert [(e["id"], e["reason"]) for e in listed] == [(1, "root-mismatch")]
    assert ready.ok("evidence", "--data", ready.data, "1").encode() == body
    assert_one_error_line(ready.run("evidence", "--data", ready.data, "2"), "no evidence 2")
    assert_one_error_line(ready.run("evidence", "--data", ready.data, "0"), "no evidence 0")


@pytest.mark.parametrize("command", ["key", "logs", "evidence", "serve"])
def test_commands_on_a_directory_that_is_no_witness_fail_in_one_line(
    cli: WitnessCli, command: str
) -> None:
    assert_one_error_line(cli.run(command, "--data", cli.data), "witness init")


def test_a_lost_database_is_never_recreated(ready: WitnessCli) -> None:
    (ready.data / "witness.db").unlink()
    for command in ("logs", "serve"):
        assert_one_error_line(ready.run(command, "--data", ready.data), "restore it from a backup")
    assert not (ready.data / "witness.db").exists()


def test_a_database_of_another_witness_is_refused(ready: WitnessCli, tmp_path: Path) -> None:
    other = tmp_path / "other"
    ready.ok("init", "--data", other, "--name", "other.example/w")
    (ready.data / "witness.db").replace(other / "witness.db")
    assert_one_error_line(ready.run("logs", "--data", other), "belongs to")


def test_serve_refuses_bad_ports_and_hosts_in_one_line(ready: WitnessCli) -> None:
    assert_one_error_line(ready.run("serve", "--data", ready.data, "--port", "70000"), "--port")
    assert_one_error_line(ready.run("serve", "--data", ready.data, "--port", "x"), "--port")
    assert_one_error_line(
        ready.run("serve", "--data", ready.data, "--host", "no such host.invalid", "--port", "0"),
        "--host",
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert_one_error_line(
            ready.run("serve", "--data", ready.data, "--port", port), "cannot listen"
        )


def test_a_missing_option_is_one_line(cli: WitnessCli) -> None:
    assert_one_error_line(cli.run("init", "--name", NAME), "--data")
    assert_one_error_line(cli.run("init", "--data", cli.data), "--name")


def test_a_bad_database_url_is_one_line(ready: WitnessCli) -> None:
    done = ready.run("logs", "--data", ready.data, "--database-url", "nonsense://x")
    assert_one_error_line(done, "--database-url")


def test_witness_alone_prints_its_help(cli: WitnessCli) -> None:
    done = cli.run()
    assert done.returncode == 0
    for command in ("init", "add-log", "key", "logs", "evidence", "serve"):
        assert command in done.stdout
