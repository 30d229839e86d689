"""``covergate audit``: the access log, and ``audit compliance``, the compliance audit.

Both are for auditors (a token of role ``auditor``). ``covergate audit`` with no
subcommand prints the access log, as it always has. ``covergate audit compliance``
runs every check of ``covergate.audit.compliance`` and exits 0 when every class
counts 0, 1 when anything was found (2, as always, on an error).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from covergate.commands.common import JsonOption, TokenOption, acting, console, print_json
from covergate.commands.tables import cell, print_table

if TYPE_CHECKING:
    from rich.progress import Progress

audit_app = typer.Typer(
    help="The access log (no subcommand) and the compliance audit, for auditors.",
    invoke_without_command=True,
)
err = Console(stderr=True)


@audit_app.callback()
def access_log(
    ctx: typer.Context,
    request: Annotated[str | None, typer.Option(help="Only reads of this request.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 200,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """The access log (auditors): who read subject data, when, which request, why.

    `covergate audit compliance` runs the compliance audit instead.
    """
    if ctx.invoked_subcommand is not None:
        return
    from covergate.audit import service as audit
    from covergate.lifecycle import access

    with acting(ctx, token) as a:
        audit.require_auditor(a.user)
        request_id = None
        if request is not None:
            request_id = access.get_visible(
                session=a.session, ctx=a.ctx, actor=a.user, public_id=request, refresh=False
            ).id
        rows = [
            audit.as_dict(r)
            for r in audit.list_access(session=a.session, request_id=request_id, limit=limit)
        ]
    if as_json:
        print_json({"access": rows})
        return
    table = Table(title="access log")
    for col in ("at", "user", "role", "request", "what", "via", "reason"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            *(cell(r[c]) for c in ("at", "user", "role", "request", "what", "via", "reason"))
        )
    print_table(table, console)


@audit_app.command("compliance")
def compliance(
    ctx: typer.Context,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every class of the Inspector General's findings, on the records and the public log.

    Exit 0 when every class counts 0, 1 when anything was found. Findings name
    request ids, dates and log indexes only, never subject data.
    """
    from covergate.audit import compliance as audit

    parent = ctx.parent.params if ctx.parent is not None else {}
    token = token or parent.get("token")
    as_json = as_json or bool(parent.get("as_json"))
    with acting(ctx, token) as a, _progress("checking the log") as progress:
        audit.require_auditor(a.user)
        task = progress.add_task("log", total=None)
        report = audit.check(
            a.session,
            a.ctx,
            verifier=a.runtime.log_signer.verifier(),
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
        shown = report.to_json()
    if as_json:
        print_json(shown)
    else:
        _print(shown)
    if not report.clean:
        raise typer.Exit(code=1)


def _print(report: dict[str, Any]) -> None:
    verdict = "clean" if report["clean"] else "findings"
    table = Table(
        title=f"compliance audit, {report['checked_on']}, policy {report['policy']}: {verdict}"
    )
    table.add_column("class", no_wrap=True)
    table.add_column("count", justify="right")
    table.add_column("rule")
    table.add_column("citation")
    for cls in report["classes"]:
        table.add_row(cls["id"], str(cls["count"]), cls["rule"], cls["citation"])
    print_table(table, console)
    console.print(f"{report['log_entries_checked']} log entries checked", markup=False)
    for cls in report["classes"]:
        if not cls["count"]:
            continue
        found = Table(title=f"{cls['id']}: {cls['title']} ({cls['count']})")
        for col in ("request", "dates", "entry", "finding"):
            found.add_column(col, no_wrap=col == "request", overflow="fold")
        for f in cls["findings"]:
            found.add_row(cell(f["request"]), cell(f["dates"]), cell(f["entry"]), f["message"])
        print_table(found, console)


@contextmanager
def _progress(what: str) -> Iterator[Progress]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    # Only on a terminal: elsewhere an error must be the one line on stderr.
    columns = (TextColumn(what), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        yield progress


def register(root: typer.Typer) -> None:
    root.add_typer(audit_app, name="audit")
