"""``covergate.startup``: the console script starts with the collector off, and the
work resumes it (how much that saves is measured in docs/BENCHMARKS.md)."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from covergate import startup
from covergate.commands import log as log_commands
from covergate.commands import policy as policy_commands
from covergate.commands import report as report_commands
from covergate.commands import witness as witness_commands
from covergate.commands.policy import ReportFormat
from covergate.config import DEFAULT_POLICY, Settings, sqlite_url
from covergate.policy import load_policy
from covergate.runtime import Runtime

COVERGATE = Path(sys.executable).with_name("covergate")


@pytest.fixture
def collector() -> Iterator[None]:
    """Leaves the test process's collector as it found it: on, nothing frozen."""
    assert gc.isenabled()
    yield
    startup.resume_collector()
    gc.unfreeze()
    gc.enable()


def test_the_console_script_is_startups_main() -> None:
    (script,) = entry_points(group="console_scripts", name="covergate")
    assert script.value == "covergate.startup:main"


def test_deferring_turns_the_collector_off_and_resuming_freezes_then_turns_it_on(
    collector: None,
) -> None:
    startup.defer_collector()
    assert not gc.isenabled()
    assert startup.collector_deferred()
    startup.resume_collector()
    assert gc.isenabled()
    assert not startup.collector_deferred()
    assert gc.get_freeze_count() > 0  # what start-up made is skipped from now on


def test_resuming_without_the_console_script_does_nothing(collector: None) -> None:
    frozen = gc.get_freeze_count()
    startup.resume_collector()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen


def test_a_collector_someone_else_turned_off_stays_off(collector: None) -> None:
    gc.disable()
    startup.defer_collector()
    assert not startup.collector_deferred()
    startup.resume_collector()
    assert not gc.isenabled()  # not ours to turn on


def test_main_defers_before_the_cli_runs_and_freezes_at_the_end(
    collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    monkeypatch.setattr("covergate.cli.main", lambda: seen.append(gc.isenabled()))
    startup.main()
    assert seen == [False]
    assert gc.get_freeze_count() > 0


def test_main_freezes_even_when_the_command_exits(
    collector: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails() -> None:
        raise SystemExit(2)

    monkeypatch.setattr("covergate.cli.main", fails)
    with pytest.raises(SystemExit):
        startup.main()
    assert gc.get_freeze_count() > 0


def test_opening_a_runtime_resumes_the_collector(collector: None, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=sqlite_url(tmp_path))
    startup.defer_collector()
    rt = Runtime.open(settings, create=True)
    try:
        assert gc.isenabled()
    finally:
        rt.close()


def test_reading_a_log_resumes_the_collector(collector: None) -> None:
    startup.defer_collector()
    with log_commands._progress("verifying"):
        assert gc.isenabled()
    startup.defer_collector()
    with report_commands._progress(quiet=True):
        assert gc.isenabled()


def test_simulating_a_policy_resumes_the_collector(collector: None) -> None:
    startup.defer_collector()
    policy_commands.run_simulation(
        [], load_policy(DEFAULT_POLICY), fmt=ReportFormat.JSON, output=None
    )
    assert gc.isenabled()


def test_opening_a_witness_resumes_the_collector(collector: None, tmp_path: Path) -> None:
    init = subprocess.run(
        [str(COVERGATE), "witness", "init", "--data", str(tmp_path), "--name", "w.example/one"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert init.returncode == 0, init.stderr
    startup.defer_collector()
    with witness_commands._opened(tmp_path, None):
        assert gc.isenabled()


@pytest.mark.parametrize("argv", [["--help"], ["policy", "list"]])
def test_the_console_script_runs_commands(argv: list[str]) -> None:
    done = subprocess.run([str(COVERGATE), *argv], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout
    assert done.stderr == ""
