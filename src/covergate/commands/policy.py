"""``covergate policy``: check a request, list/show/explain/validate policies, simulate.

``check`` prints the ARCHITECTURE.md contract with ``--json`` and exits 0 when the
request is admissible, 1 when it is not, 2 when the input is unusable.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from covergate.commands import common
from covergate.commands.common import read_input_file
from covergate.commands.tables import print_table
from covergate.config import DEFAULT_POLICY
from covergate.errors import InvalidInput
from covergate.startup import resume_collector

if TYPE_CHECKING:
    from covergate.policy import Evaluation, Outcome, Policy, SimulationReport, StoredRequest
    from covergate.policy.simulate import Tally

policy_app = typer.Typer(
    help="Check requests against a policy; list, show, explain, validate and simulate policies.",
    no_args_is_help=True,
)


class ReportFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


PolicyOption = Annotated[
    str | None,
    typer.Option(
        "--policy",
        help=f"A bundled policy name or a policy .yaml file (default $COVERGATE_POLICY "
        f"or {DEFAULT_POLICY}).",
        show_default=False,
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _style(outcome: Outcome) -> str:
    from covergate.policy import Outcome

    return {Outcome.PASS: "green", Outcome.FAIL: "bold red", Outcome.REVIEW: "yellow"}[outcome]


def register(root: typer.Typer) -> None:
    root.add_typer(policy_app, name="policy")


def resolve_policy(ctx: typer.Context, name: str | None) -> Policy:
    """A bundled policy by name, or a policy file when NAME is a path to a .yaml file."""
    from covergate.policy import load_policy, load_policy_file

    chosen = name or common.settings_of(ctx).policy
    if chosen.endswith((".yaml", ".yml")) and Path(chosen).is_file():
        return load_policy_file(Path(chosen))
    return load_policy(chosen)


def read_document_file(path: Path) -> bytes:
    """The request document's bytes (at most 1 MiB; ``-`` reads standard input)."""
    try:
        return read_input_file(path)
    except InvalidInput as exc:
        raise InvalidInput(
            f"cannot read the request document: {exc.message}", field="FILE"
        ) from exc


@policy_app.command("check")
def check(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The request document (JSON), or - for stdin.")],
    policy: PolicyOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Evaluate one request document; exit 0 admissible, 1 not admissible, 2 bad input."""
    from covergate.document import parse_request_document
    from covergate.policy import evaluate

    chosen = resolve_policy(ctx, policy)
    document = parse_request_document(read_document_file(file))
    result = evaluate(document, chosen)
    if as_json:
        common.print_json(result.to_json())
    else:
        print_evaluation(result, Console())
    if not result.admissible:
        raise typer.Exit(code=1)


def print_evaluation(result: Evaluation, console: Console) -> None:
    table = Table(title=f"{result.policy} ({result.policy_version[:19]}…)", show_lines=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    table.add_column("citation")
    table.add_column("message")
    for f in result.findings:
        style = _style(f.outcome)
        table.add_row(f.rule, f"[{style}]{f.outcome.value}[/]", f.citation, f.message)
    print_table(table, console)
    if result.obligations:
        obligations = Table(title="obligations")
        obligations.add_column("due", no_wrap=True)
        obligations.add_column("what")
        obligations.add_column("citation")
        for o in result.obligations:
            obligations.add_row(o.due.isoformat(), o.what, o.citation)
        print_table(obligations, console)
    verdict = "[green]admissible[/]" if result.admissible else "[bold red]not admissible[/]"
    limit = "no day limit" if result.max_days is None else f"at most {result.max_days} days"
    console.print(f"{verdict}; {limit}")


@policy_app.command("list")
def list_policies(as_json: JsonFlag = False) -> None:
    """The bundled policies, with their versions."""
    from covergate.policy import DEFAULT_POLICY, available_policies, load_policy

    policies = [load_policy(name) for name in available_policies()]
    if as_json:
        common.print_json(
            [
                {
                    "name": p.name,
                    "version": p.version,
                    "extends": p.extends,
                    "default": p.name == DEFAULT_POLICY,
                    "rules": len(p.rules),
                    "description": p.description,
                }
                for p in policies
            ]
        )
        return
    table = Table()
    for column in ("name", "rules", "extends", "version", "description"):
        table.add_column(column)
    for p in policies:
        name = p.name + (" (default)" if p.name == DEFAULT_POLICY else "")
        summary = p.description.split(". ")[0].rstrip(".") + "."
        table.add_row(name, str(len(p.rules)), p.extends or "-", p.version, summary)
    print_table(table, Console())


@policy_app.command("show")
def show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A bundled policy name or a policy .yaml file.")],
    as_json: JsonFlag = False,
) -> None:
    """A policy's rules with their citations."""
    policy = resolve_policy(ctx, name)
    if as_json:
        common.print_json(
            {
                "name": policy.name,
                "version": policy.version,
                "extends": policy.extends,
                "description": policy.description,
                "rules": [
                    {
                        "id": r.id,
                        "title": r.title,
                        "citation": r.citation,
                        "defined_in": r.defined_in,
                    }
                    for r in policy.rules
                ],
            }
        )
        return
    console = Console()
    console.print(f"[bold]{policy.name}[/]  {policy.version}")
    if policy.extends:
        console.print(f"extends {policy.extends}")
    console.print(policy.description)
    table = Table()
    for column in ("rule", "title", "citation", "from"):
        table.add_column(column)
    for r in policy.rules:
        table.add_row(r.id, r.title, r.citation, r.defined_in)
    print_table(table, console)


@policy_app.command("explain")
def explain(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A bundled policy name or a policy .yaml file.")],
    rule: Annotated[str, typer.Argument(help="A rule id, as in `policy show`.")],
) -> None:
    """One rule in full: citation, conditions and the message for each outcome."""
    import yaml

    from covergate.policy import Outcome

    policy = resolve_policy(ctx, name)
    r = policy.rule(rule)
    console = Console()
    console.print(f"[bold]{r.id}[/]: {r.title}")
    console.print(f"citation: {r.citation}")
    console.print(f"defined in: {r.defined_in}", markup=False)
    conditions = {k: r.raw[k] for k in ("applies", "fail_when", "review_when") if k in r.raw}
    if conditions:
        console.print(yaml.safe_dump(conditions, sort_keys=False).rstrip(), markup=False)
    for outcome, message in r.messages.items():
        console.print(f"[{_style(Outcome(outcome))}]{outcome}[/]: {message}")
    if "obligations" in r.raw:
        obligations = yaml.safe_dump({"obligations": r.raw["obligations"]}, sort_keys=False)
        console.print(obligations.rstrip(), markup=False)


@policy_app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help="A policy .yaml file.")],
) -> None:
    """Check a policy file: keys, operators, paths, values, citations. Exit 2 if invalid."""
    from covergate.policy import load_policy_file

    policy = load_policy_file(file)
    Console().print(f"ok: {policy.name} ({len(policy.rules)} rules) {policy.version}", markup=False)


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"--since: {value!r} is not a date written YYYY-MM-DD", field="since"
        ) from None


@policy_app.command("simulate")
def simulate_command(
    ctx: typer.Context,
    policy: PolicyOption = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only requests received on or after YYYY-MM-DD.")
    ] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", help="Report format.")] = (
        ReportFormat.TABLE
    ),
    output: Annotated[
        Path | None, typer.Option("--output", help="Write the report here instead of stdout.")
    ] = None,
) -> None:
    """Re-evaluate every stored (redacted) request under a policy and count what changes."""
    from covergate.requests.simulation import simulation_rows  # the DB lives outside the engine

    chosen = resolve_policy(ctx, policy)
    start = _since(since)
    with common.runtime(ctx) as rt, rt.transaction() as session:
        rows = simulation_rows(session=session, since=start)
        run_simulation(rows, chosen, fmt=fmt, output=output)


def run_simulation(
    rows: Iterable[StoredRequest],
    policy: Policy,
    *,
    fmt: ReportFormat,
    output: Path | None,
    total: int | None = None,
    progress_console: Console | None = None,
) -> SimulationReport:
    """The body of ``policy simulate`` given the rows: progress bar, then the report."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    from covergate.policy import simulate

    resume_collector()  # as many documents as the data has
    with Progress(
        SpinnerColumn(),
        TextColumn("simulating {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=progress_console or Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(policy.name, total=total)
        report = simulate(rows, policy, progress=lambda n: bar.update(task, completed=n))
    text = render_report(report, fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            output.write_text(text, "utf-8")
        except OSError as exc:
            raise InvalidInput(
                f"--output: cannot write {output}: {exc.strerror}", field="output"
            ) from exc
    return report


def render_report(report: SimulationReport, fmt: ReportFormat) -> str:
    if fmt is ReportFormat.JSON:
        return json.dumps(report.to_json(), indent=2) + "\n"
    buffer = io.StringIO()
    if fmt is ReportFormat.CSV:
        csv.writer(buffer, lineterminator="\n").writerows(report.to_csv_rows())
        return buffer.getvalue()
    console = Console(file=buffer, width=120, force_terminal=False, color_system=None)
    console.print(f"{report.policy}  {report.policy_version}")
    overall = report.overall
    share = f" ({overall.approved_would_refuse / overall.approved:.1%})" if overall.approved else ""
    console.print(
        f"{overall.total} requests: {overall.would_admit} would be admitted, "
        f"{overall.would_refuse} refused; of {overall.approved} approved, "
        f"{overall.approved_would_refuse} would now be refused{share}; of {overall.denied} "
        f"denied, {overall.denied_would_admit} would now be admissible."
    )
    for title, tallies in (
        ("by agency", dict(report.by_agency)),
        ("by ground", {k.value: v for k, v in report.by_ground.items()}),
    ):
        console.print(_tally_table(title, tallies))
    rules = Table(title="refusals by rule")
    for column in ("rule", "refused", "approved, now refused"):
        rules.add_column(column)
    for rule, count in report.by_rule.items():
        rules.add_row(rule, str(count), str(report.stopped_by_rule.get(rule, 0)))
    print_table(rules, console)
    return buffer.getvalue()


def _tally_table(title: str, tallies: dict[str, Tally]) -> Table:
    table = Table(title=title)
    columns = ("total", "would_admit", "would_refuse", "approved", "approved_would_refuse",
               "denied", "denied_would_admit")  # fmt: skip
    table.add_column(title.removeprefix("by "))
    for column in columns:
        table.add_column(column.replace("_", " "), justify="right")
    for key, tally in tallies.items():
        values = tally.to_json()
        table.add_row(key, *(str(values[c]) for c in columns))
    return table
