"""``covergate report``: recount the report from a served or exported log, compare.

One real server per backend (``api``); the requests are run with the services on
its database (``tests.world``'s helpers), then the log is integrated and read as
anyone would read it: over HTTP from the server, from a ``log export`` directory,
and from that directory served by a plain static file server. The command runs
in this process through ``covergate.cli.main`` (exit status, stdout, stderr).
"""

from __future__ import annotations

import base64
import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from covergate.cli import main
from covergate.context import Via
from covergate.crypto import FieldCipher
from covergate.report.export import report_json
from covergate.report.figures import compute
from covergate.report.from_log import facts_from_entries
from covergate.report.schemas import Period
from covergate.tlog.keys import generate_signer
from covergate.transparency.export import export_log
from covergate.transparency.models import LogEntry
from covergate.transparency.sequencing import COMMITMENT_LABEL, PreparedEntry, sequence
from covergate.users.models import User
from tests.api_server import LiveServer
from tests.report.test_from_log import disclose_now, run_and_close
from tests.world import World


def world_of(live: LiveServer) -> World:
    """The server's database as a ``tests.world`` World (its clock, its cipher)."""
    world = World(live.runtime.sessions, live.clock, live.runtime.context(Via.API))
    with world.tx() as s:
        for user in s.scalars(select(User)):
            world.people[user.email.split("@")[0]] = user
    return world


@pytest.fixture
def live(api: LiveServer) -> LiveServer:
    """A disclosed request, one still sealed, the log integrated."""
    world = world_of(api)
    rid = run_and_close(world)
    world.active_cover()  # approved, sealed
    world.clock.set_date(world.clock.today().replace(month=4, day=20))
    disclose_now(world, rid)
    api.runtime.integrate_log()
    return api


def vkey(live: LiveServer) -> str:
    return live.runtime.log_signer.verifier().verifier_key()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as ended:
        main(list(args))
    out, err = capsys.readouterr()
    code = ended.value.code
    return (code if isinstance(code, int) else 0), out, err


def exported(live: LiveServer, where: Path) -> Path:
    with live.runtime.transaction() as session:
        export_log(session=session, outdir=where)
    return where


def recounted(live: LiveServer, period: str) -> dict[str, Any]:
    """What the recount must print: report_json(compute(facts)) of the log's entries."""
    with live.runtime.transaction() as session:
        rows = session.execute(select(LogEntry.idx, LogEntry.data).order_by(LogEntry.idx)).all()
    entries = [(i, bytes(d)) for i, d in rows]
    return report_json(compute(facts_from_entries(entries, len(entries)), Period.parse(period)))


@pytest.fixture
def static(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A plain static file server over a directory: (the directory, its base URL)."""
    root = tmp_path / "static"
    root.mkdir()

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=root))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- the recount -------------------------------------------------------------------


@pytest.mark.parametrize("period", ["all", "2026-H1", "2026"])
def test_json_from_an_export_is_the_report_of_the_facts(
    live: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], period: str
) -> None:
    out_dir = exported(live, tmp_path / "export")
    code, out, err = run(
        capsys, "report", "--from", str(out_dir), "--key", vkey(live), "--period", period, "--json"
    )
    assert (code, err) == (0, "")
    assert json.loads(out) == recounted(live, period)
    # and it is what the server publishes, counted from its database
    served = live.get("/report.json", params={"period": period})
    assert served.status_code == 200
    assert json.loads(out) == served.json()


def test_the_tables_are_printed(live: LiveServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "report", "--from", f"{live.base_url}/log", "--key", vkey(live))
    assert (code, err) == (0, "")
    assert "Transparency report, period all" in out
    assert "verified log" in out
    assert "Headline" in out
    for table in recounted(live, "all")["tables"]:
        assert f"[{table['id']}]" in out


def test_compare_with_the_served_report_is_equal(
    live: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{live.base_url}/report.json?period=2026-H1"
    base = f"{live.base_url}/log"
    code, out, err = run(capsys, "report", "--from", base, "--key", vkey(live), "--compare", url)
    assert (code, err) == (0, "")
    size = live.log_size()
    assert out.strip().splitlines() == [
        f"the published report (period 2026-H1) equals the recount of the log's first "
        f"{size} entries"
    ]
    # the command the report page shows (--period and --compare together)
    code, out, _ = run(
        capsys, "report", "--from", base, "--key", vkey(live), "--period", "2026-H1",
        "--compare", url, "--json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out) == {
        "period": "2026-H1", "log_size": size, "equal": True, "differences": []
    }  # fmt: skip


def test_compare_finds_a_changed_number(
    live: LiveServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    static: tuple[Path, str],
) -> None:
    published = live.get("/report.json", params={"period": "2026"}).json()
    label, value = published["headline"][0]["label"], published["headline"][0]["value"]
    published["headline"][0]["value"] = value + 1
    root, base = static
    exported(live, root / "log")
    (root / "report.json").write_text(json.dumps(published))
    code, out, err = run(
        capsys, "report", "--from", f"{base}/log", "--key", vkey(live),
        "--compare", f"{base}/report.json",
    )  # fmt: skip
    assert code == 1, err
    lines = out.strip().splitlines()
    assert lines[0] == f"report.headline[0].value: published {value + 1}, recounted {value}"
    assert lines[-1].startswith("1 difference(s) between the published report and the recount")
    assert label  # the headline's first figure was the one changed
    # a local file works the same way
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(published))
    code, _, _ = run(
        capsys, "report", "--from", f"{base}/log", "--key", vkey(live), "--compare", str(saved)
    )
    assert code == 1


def test_compare_recounts_at_the_published_size_after_the_log_grew(
    live: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "report.json"
    saved.write_bytes(live.get("/report.json").content)
    size = live.log_size()
    world_of(live).submit()  # more entries: a new sealed request
    live.runtime.integrate_log()
    assert live.log_size() > size
    base = f"{live.base_url}/log"
    code, out, err = run(
        capsys, "report", "--from", base, "--key", vkey(live), "--compare", str(saved)
    )
    assert (code, err) == (0, ""), out
    assert f"log's first {size} entries" in out
    # a report counting more entries than the log has cannot be checked
    published = json.loads(saved.read_text())
    published["log_size"] = live.log_size() + 5
    saved.write_text(json.dumps(published))
    code, out, err = run(
        capsys, "report", "--from", base, "--key", vkey(live), "--compare", str(saved)
    )
    assert code == 2
    assert err.startswith("error: the published report counts")
    assert len(err.strip().splitlines()) == 1


# --- bad input: one line, exit 2 -----------------------------------------------------


def test_bad_input_is_one_line_and_exit_2(
    live: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = vkey(live)
    other = generate_signer(key.split("+")[0])[0].verifier_key()
    log = f"{live.base_url}/log"
    not_a_report = tmp_path / "not-a-report.json"
    not_a_report.write_text('{"format": "something/else", "log_size": 1}')
    cases = [
        (["--from", str(tmp_path / "missing"), "--key", key], "neither a URL nor a directory"),
        (["--from", log, "--key", "not a key"], "--key"),
        (["--from", log, "--key", other], "error: "),
        (["--from", "http://127.0.0.1:1/log", "--key", key], "cannot fetch"),
        (["--from", log, "--key", key, "--period", "2026-H3"], "period"),
        (["--from", log, "--key", key, "--compare", str(not_a_report)], "not a covergate report"),
        (["--from", log, "--key", key, "--compare", "http://127.0.0.1:1/r"], "cannot fetch"),
        (["--from", log, "--key", key, "--compare", f"{live.base_url}/nothing"], "HTTP 404"),
        (["--from", str(tmp_path), "--key", key], "no log file at checkpoint"),
    ]
    for args, message in cases:
        code, out, err = run(capsys, "report", *args)
        assert code == 2, (args, out, err)
        assert err.startswith("error: "), (args, err)
        assert message in err, (args, err)
        assert len(err.strip().splitlines()) == 1, (args, err)
        assert out == "", args


def test_a_signed_entry_that_does_not_open_fails_the_recount(
    live: LiveServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The log signs whatever was sequenced; the recount still refuses a sealed entry
    of a disclosed request that its published key does not open."""
    with live.runtime.transaction() as session:
        rows = session.execute(select(LogEntry.idx, LogEntry.data).order_by(LogEntry.idx)).all()
    fields = next(json.loads(d) for _, d in rows if b'"sealed"' in d and b'"order_' not in d)
    disclosed = next(json.loads(d) for _, d in rows if b'"disclosed"' in d)
    assert fields["request"] == disclosed["request"]
    blob = bytearray(base64.b64decode(fields["sealed"]))
    blob[-1] ^= 1  # the last byte of the GCM tag
    fields["sealed"] = base64.b64encode(bytes(blob)).decode()
    bad = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    cipher: FieldCipher = live.runtime.cipher
    with live.runtime.sessions() as session, session.begin():
        (index,) = sequence(
            session=session,
            prepared=[PreparedEntry(bad, cipher.encrypt(bytes(40), label=COMMITMENT_LABEL))],
        )
    live.runtime.integrate_log()
    code, out, err = run(capsys, "report", "--from", f"{live.base_url}/log", "--key", vkey(live))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: log entry {index}: ")
    assert len(err.strip().splitlines()) == 1


def test_it_needs_no_data_directory_and_no_database(
    live: LiveServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out_dir = exported(live, tmp_path / "export")
    nowhere = tmp_path / "no-such-data"
    monkeypatch.setenv("COVERGATE_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    code, out, err = run(
        capsys, "--data", str(nowhere), "report", "--from", str(out_dir), "--key", vkey(live),
        "--json",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert json.loads(out) == recounted(live, "all")
    assert not nowhere.exists()


def test_a_changed_entry_in_a_copy_of_the_log_fails_the_comparison(
    live: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A copy of the log whose entry was changed (an outcome rewritten) cannot back the
    published report: the recount refuses the copy before it compares anything."""
    out_dir = exported(live, tmp_path / "export")
    url = f"{live.base_url}/report.json?period=all"
    code, _, _ = run(
        capsys, "report", "--from", str(out_dir), "--key", vkey(live), "--compare", url
    )
    assert code == 0
    bundles = sorted((out_dir / "tile" / "entries").rglob("*"))
    changed = False
    for path in (p for p in bundles if p.is_file()):
        data = path.read_bytes()
        if b'"outcome":"approved"' in data:
            path.write_bytes(data.replace(b'"outcome":"approved"', b'"outcome":"rejected"', 1))
            changed = True
            break
    assert changed
    code, out, err = run(
        capsys, "report", "--from", str(out_dir), "--key", vkey(live), "--compare", url
    )
    assert code != 0
    assert out == ""
    assert err.startswith("error: ")
    assert len(err.strip().splitlines()) == 1


def test_year_is_shorthand_for_a_period(
    live: LiveServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = str(exported(live, tmp_path / "export"))
    key = vkey(live)
    code, out, _ = run(
        capsys, "report", "--from", out_dir, "--key", key, "--year", "2026", "--json"
    )
    assert code == 0
    assert json.loads(out) == recounted(live, "2026")
    code, _, err = run(
        capsys, "report", "--from", out_dir, "--key", key, "--year", "2026", "--period", "all"
    )
    assert code == 2
    assert err == "error: give --period or --year, not both\n"
