"""``covergate policy ...`` through the real entry point (exit codes 0/1/2, output)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from covergate.cli import main
from covergate.commands.policy import ReportFormat, run_simulation
from covergate.document import request_document_from_data
from covergate.policy import DecisionOutcome, StoredRequest, load_policy, redact
from tests.cli_runner import Cli, assert_one_error_line
from tests.factories import mail_cover_data, records_data


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def write(tmp_path: Path, data: Any, name: str = "request.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_check_admissible_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["policy", "check", str(write(tmp_path, mail_cover_data())), "--json"], capsys
    )
    assert code == 0
    data = json.loads(out)
    assert list(data) == [
        "policy", "policy_version", "admissible", "findings", "obligations", "max_days",
    ]  # fmt: skip
    assert data["policy"] == "safeguards-2026"
    assert data["admissible"] is True
    assert data["max_days"] == 30
    assert data["obligations"][0]["due"] == "2026-05-05"


def test_check_not_admissible_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, mail_cover_data(legal_process=None))
    code, out, _ = run(["policy", "check", str(path), "--json"], capsys)
    assert code == 1
    failed = [f["rule"] for f in json.loads(out)["findings"] if f["outcome"] == "fail"]
    assert failed == ["judge-first"]
    code, out, _ = run(["policy", "check", str(path), "--policy", "usps-2017", "--json"], capsys)
    assert code == 0
    assert json.loads(out)["policy"] == "usps-2017"


def test_check_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, mail_cover_data(legal_process=None))
    code, out, _ = run(["policy", "check", str(path)], capsys)
    assert code == 1
    assert "judge-first" in out
    assert "not admissible" in out


def test_bad_document_names_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, mail_cover_data(scope__days="thirty"))
    code, out, err = run(["policy", "check", str(path)], capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("error: request document: scope.days:")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [("{not json", "error: request document: "), (None, "cannot read the request document")],
)
def test_unusable_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, expected: str
) -> None:
    path = write(tmp_path, content) if content is not None else tmp_path / "missing.json"
    code, _, err = run(["policy", "check", str(path)], capsys)
    assert code == 2
    assert expected in err


def test_unknown_policy_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, mail_cover_data())
    code, _, err = run(["policy", "check", str(path), "--policy", "nope"], capsys)
    assert code == 2
    assert "available: safeguards-2026, usps-2017" in err


def test_list_show_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["policy", "list", "--json"], capsys)
    assert code == 0
    assert [p["name"] for p in json.loads(out)] == ["safeguards-2026", "usps-2017"]
    code, out, _ = run(["policy", "show", "usps-2017", "--json"], capsys)
    rules = {r["id"]: r["citation"] for r in json.loads(out)["rules"]}
    assert rules["crime-felony"] == "39 CFR 233.3(c)(6)"
    code, out, _ = run(["policy", "show", "safeguards-2026"], capsys)
    assert code == 0
    assert "judge-first" in out
    code, out, _ = run(["policy", "explain", "usps-2017", "fugitive-definition"], capsys)
    assert code == 0
    assert "administrative_immigration" in out
    assert "233.3(c)(5)" in out
    code, _, err = run(["policy", "explain", "usps-2017", "judge-first"], capsys)
    assert code == 2
    assert "has no rule 'judge-first'" in err


def test_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = Path(__file__).parents[2] / "src/covergate/policy/policies/usps-2017.yaml"
    good = write(tmp_path, source.read_text(), "mine.yaml")
    code, out, _ = run(["policy", "validate", str(good)], capsys)
    assert code == 0
    assert out.startswith("ok: usps-2017")
    bad = write(
        tmp_path, source.read_text().replace("    citation: 39 CFR 233.3(c)(5)\n", ""), "b.yaml"
    )
    code, _, err = run(["policy", "validate", str(bad)], capsys)
    assert code == 2
    assert "rule 'fugitive-definition'.citation: required field is missing" in err
    code, out, _ = run(["policy", "check", str(write(tmp_path, mail_cover_data())),
                        "--policy", str(good), "--json"], capsys)  # fmt: skip
    assert code == 0
    assert json.loads(out)["policy"] == "usps-2017"


def test_simulate_bad_since(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["policy", "simulate", "--since", "2026-13-01"], capsys)
    assert code == 2
    assert "--since" in err


def rows() -> list[StoredRequest]:
    out = []
    for i, (data, outcome) in enumerate(
        [
            (mail_cover_data(legal_process=None), DecisionOutcome.APPROVED),
            (mail_cover_data(), DecisionOutcome.APPROVED),
            (records_data(purpose__ground="civil_enforcement"), DecisionOutcome.DENIED),
        ]
    ):
        doc = redact(request_document_from_data(data))
        out.append(StoredRequest(f"r{i}", "DHS", doc.kind, doc.purpose.ground, outcome, doc))
    return out


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_simulation_body(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: ReportFormat
) -> None:
    quiet = Console(file=io.StringIO())
    report = run_simulation(rows(), load_policy("safeguards-2026"), fmt=fmt, output=None,
                            progress_console=quiet)  # fmt: skip
    out = capsys.readouterr().out
    assert report.approved_would_refuse == 1
    if fmt is ReportFormat.JSON:
        assert json.loads(out)["approved_would_refuse"] == 1
    elif fmt is ReportFormat.CSV:
        table = list(csv.reader(io.StringIO(out)))
        assert table[1][:5] == ["all", "all", "3", "1", "2"]
    else:
        assert "of 2 approved, 1 would now be refused (50.0%)" in out
    target = tmp_path / f"report.{fmt.value}"
    run_simulation(rows(), load_policy("usps-2017"), fmt=fmt, output=target, progress_console=quiet)
    assert target.read_text()
    assert capsys.readouterr().out == ""


def test_policy_check_reads_at_most_1_mib(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (1024 * 1024 + 1))
    done = Cli(tmp_path / "unused", None).run("policy", "check", big, real=True)
    assert_one_error_line(done, "cannot read the request document", "1 MiB")


def test_a_data_directory_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    done = Cli(tmp_path / ("d" * 300), None).run("init", real=True)
    assert_one_error_line(done)
