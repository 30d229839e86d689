"""The witness over HTTP: a real ``covergate witness serve`` on a free loopback port."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from covergate.db import make_engine
from covergate.tlog import CosignatureVerifier, Ed25519Verifier, open_note
from covergate.tlog.witness_protocol import MAX_BODY, AddCheckpoint, parse_size
from covergate.witness import store
from covergate.witness.config import WitnessConfig
from tests.witness.factories import FakeLog, race
from tests.witness.server import Served, covergate, serving

LOG = FakeLog()
RACER = FakeLog(origin="racer.example/log", seed=3)
FORKED = FakeLog(origin="forked.example/log", seed=4)


def _init(data: Path, *logs: FakeLog, database_url: str | None = None) -> str:
    done = covergate(
        "witness", "init", "--data", data, "--name", "witness.example/w1", database_url=database_url
    )
    assert done.returncode == 0, done.stderr
    for log in logs:
        added = covergate("witness", "add-log", log.vkey, "--data", data, database_url=database_url)
        assert added.returncode == 0, added.stderr
    return done.stdout.splitlines()[1]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("witness") / "w"
    _init(data, LOG)  # through the command line; the other logs straight into its database
    engine = make_engine(WitnessConfig.load(data).database_url)
    for log in (RACER, FORKED):
        store.add_log(engine, log.origin, log.vkey, now=1, replace=False)
    engine.dispose()
    return data


@pytest.fixture(scope="module")
def served(data_dir: Path) -> Iterator[Served]:
    with serving(data_dir) as running:
        yield running


@pytest.fixture(scope="module")
def client(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.base_url, timeout=30) as http:
        yield http


def _post(client: httpx.Client, body: bytes) -> httpx.Response:
    return client.post("/add-checkpoint", content=body)


def _cosigner(client: httpx.Client) -> CosignatureVerifier:
    return CosignatureVerifier.from_key_string(client.get("/key").text.strip())


def test_200_is_a_cosignature_that_verifies(client: httpx.Client) -> None:
    before = int(time.time())
    response = _post(client, LOG.request(0, 20))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    opened = open_note(LOG.checkpoint(20) + response.content, [_cosigner(client)])
    stamp = CosignatureVerifier.timestamp(opened.signatures[0].signature)
    assert before <= stamp <= int(time.time()) + 1
    # The monitor's view: the cosigned checkpoint, verifiable with both keys.
    served = client.get("/logs/" + LOG.origin + "/checkpoint")
    assert served.status_code == 200
    open_note(served.content, [_cosigner(client)])
    open_note(served.content, [Ed25519Verifier.from_key_string(LOG.vkey)])
    assert served.content.endswith(response.content)


def test_409_has_the_size_and_its_content_type(client: httpx.Client) -> None:
    _post(client, RACER.request(0, 7))
    response = _post(client, RACER.request(2, 9))
    assert response.status_code == 409
    assert response.headers["content-type"] == "text/x.tlog.size"
    assert response.content == b"7\n"
    assert parse_size(response.content) == 7


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"old 0\n\nnot a note\n", 400),
        (AddCheckpoint(30, (), LOG.checkpoint(25)).format(), 400),
        (FakeLog(origin="nobody.example/log").request(0, 3), 404),
        (FakeLog(seed=99).request(0, 3), 403),
        (FakeLog(origin="racer.example/log", seed=98).request(0, 3), 403),
    ],
    ids=["malformed", "old-above-new", "unknown-origin", "unknown-key", "wrong-key"],
)
def test_refusals(client: httpx.Client, body: bytes, status: int) -> None:
    response = _post(client, body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.endswith("\n")
    assert response.text.count("\n") == 1


def test_422_on_a_fork_is_kept_as_evidence_and_reported(
    client: httpx.Client, served: Served
) -> None:
    assert _post(client, FORKED.request(0, 5)).status_code == 200
    fork = FakeLog(origin=FORKED.origin, seed=4, salt=b"fork ")
    bad = AddCheckpoint(5, fork.proof(5, 9), FORKED.checkpoint(9, fork.root(9))).format()
    response = _post(client, bad)
    assert response.status_code == 422
    assert _post(client, FORKED.request(0, 8, proof=FORKED.proof(4, 8))).status_code == 409
    kept = [e for e in client.get("/evidence").json() if e["origin"] == FORKED.origin]
    assert [(e["old_size"], e["size"], e["reason"]) for e in kept] == [(5, 9, "bad-proof")]
    assert client.get(kept[0]["body"]).content == bad
    warning = "warning: inconsistent checkpoint kept as evidence: origin forked.example/log"
    for _ in range(50):
        if any(line.startswith(warning) for line in served.stderr_lines):
            break
        time.sleep(0.1)
    assert f"{warning} old size 5 size 9" in served.stderr_lines


def test_422_on_a_proof_from_size_zero(client: httpx.Client) -> None:
    fresh = FakeLog(origin="racer.example/log", seed=3)
    size = parse_size(_post(client, fresh.request(0, 0)).content)  # 409 tells the size
    response = _post(client, fresh.request(size, size + 4, proof=fresh.proof(1, 2)))
    assert response.status_code == 422


def test_a_body_over_max_body_is_413(client: httpx.Client) -> None:
    response = _post(client, b"old 0\n" + b"A" * MAX_BODY)
    assert response.status_code == 413


def test_a_wrong_method_is_405_with_allow(client: httpx.Client) -> None:
    response = client.get("/add-checkpoint")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert client.post("/logs").status_code == 405


def test_unknown_paths_and_origins_are_404(client: httpx.Client) -> None:
    assert client.get("/nothing").status_code == 404
    assert client.get("/logs/nobody.example/log/checkpoint").status_code == 404
    assert client.get("/evidence/999999").status_code == 404
    assert client.get("/evidence/99999999999999999999").status_code == 404


def test_logs_lists_every_origin(client: httpx.Client) -> None:
    _post(client, LOG.request(0, 20))
    listed = {entry["origin"]: entry for entry in client.get("/logs").json()}
    assert set(listed) >= {LOG.origin, RACER.origin, FORKED.origin}
    entry = listed[LOG.origin]
    assert entry["size"] >= 20
    assert entry["verifier_key"] == LOG.vkey
    assert entry["checkpoint"] == "/logs/" + quote(LOG.origin) + "/checkpoint"


def _post_alone(base_url: str, body: bytes) -> int:
    with httpx.Client(base_url=base_url, timeout=30) as own:
        own.get("/key")  # connected before the race starts
        return _post(own, body).status_code


def test_two_racing_submissions_one_200_one_409(client: httpx.Client, served: Served) -> None:
    size = parse_size(_post(client, RACER.request(0, 0)).content)
    for step in range(5):
        grown = (size + 2, size + 3)
        statuses = race(
            *(partial(_post_alone, served.base_url, RACER.request(size, new)) for new in grown)
        )
        assert sorted(statuses) == [200, 409], (step, statuses)
        size = grown[statuses.index(200)]


def test_a_restart_keeps_the_state(tmp_path: Path) -> None:
    data = tmp_path / "w"
    vkey = _init(data, LOG)
    with serving(data) as first, httpx.Client(base_url=first.base_url) as http:
        assert _post(http, LOG.request(0, 12)).status_code == 200
    with serving(data) as second, httpx.Client(base_url=second.base_url) as http:
        assert http.get("/key").text.strip() == vkey
        stale = _post(http, LOG.request(0, 15))
        assert (stale.status_code, stale.content) == (409, b"12\n")
        assert _post(http, LOG.request(12, 15)).status_code == 200


def test_on_postgresql_too(tmp_path: Path, pg_url: str) -> None:
    data = tmp_path / "w"
    _init(data, LOG, database_url=pg_url)
    assert not (data / "witness.db").exists()
    with serving(data, pg_url) as running, httpx.Client(base_url=running.base_url) as http:
        assert _post(http, LOG.request(0, 12)).status_code == 200
        assert _post(http, LOG.request(3, 15)).content == b"12\n"
    with serving(data, pg_url) as again, httpx.Client(base_url=again.base_url) as http:
        assert _post(http, LOG.request(12, 15)).status_code == 200


def test_a_content_length_of_5000_digits_is_refused_not_a_server_error(
    client: httpx.Client,
) -> None:
    host, port = client.base_url.host, client.base_url.port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(
            b"POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nContent-Length: "
            + b"9" * 5000
            + b"\r\n\r\nold 0\n"
        )
        status_line = sock.recv(4096).split(b"\r\n", 1)[0]
    assert status_line.split()[1] in (b"400", b"413")
