"""``covergate retention run|destroy|show``: the retention schedule and destruction.

- ``retention run [--dry-run]``: destroy the data of every request whose retention
  ended (39 CFR 233.3(h)); it runs as the software, like ``log integrate``, so it
  needs no token. ``--dry-run`` lists what would go and writes nothing.
- ``retention destroy ID --explanation TEXT``: end an improperly ordered cover and
  destroy its data, telling the requester why (Chief Postal Inspector or a
  headquarters designee).
- ``retention show ID``: whether, when and why a request's data was destroyed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from covergate.commands.common import (
    JsonOption,
    TokenOption,
    acting,
    console,
    print_json,
    runtime,
)
from covergate.commands.requests import IdArg, visible
from covergate.commands.tables import print_table

if TYPE_CHECKING:
    from rich.progress import Progress

retention_app = typer.Typer(
    name="retention",
    help="Retention and destruction: the schedule, improper covers, a destruction's record.",
    no_args_is_help=True,
)
err = Console(stderr=True)


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root command line."""
    root.add_typer(retention_app)


@contextmanager
def _progress() -> Iterator[Progress]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("destroying"), BarColumn(), MofNCompleteColumn())
    # Only on a terminal, so that an error stays the one line on stderr.
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        yield progress


def _show_run(result: dict[str, Any]) -> None:
    verb = "would be destroyed" if result["dry_run"] else "destroyed"
    rows = result["requests"]
    if not rows:
        typer.echo(
            f"{result['day']}: no request's retention has ended "
            f"({result['years']} years, {result['citation']})"
        )
        return
    table = Table(
        title=f"{result['day']}: {len(rows)} {verb}, retention ended ({result['citation']})"
    )
    table.add_column("request", no_wrap=True)
    table.add_column("agency")
    for col in ("ended on", "retain until"):
        table.add_column(col, no_wrap=True)
    for row in rows:
        table.add_row(row["id"], row["agency"], row["ended_on"], row["retain_until"])
    print_table(table, console)
    if result["log_index"] is not None:
        typer.echo(f"logged as entry {result['log_index']} (destruction_run)")
    elif result["dry_run"]:
        typer.echo("dry run: nothing was written")


@retention_app.command("run")
def run(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be destroyed; write nothing.")
    ] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Destroy at most this many.", min=1)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Destroy the data of every request whose retention ended (39 CFR 233.3(h))."""
    from covergate.context import Via
    from covergate.retention.schedule import run_retention

    with runtime(ctx) as rt, rt.transaction() as session, _progress() as progress:
        task = progress.add_task("destroy", total=None)

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = run_retention(
            session=session,
            ctx=rt.context(Via.CLI),
            dry_run=dry_run,
            limit=limit,
            progress=step,
        ).to_json()
    if as_json:
        print_json(result)
    else:
        _show_run(result)


def _show_destruction(body: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(body)
        return
    if not body["destroyed"]:
        until = body["retain_until"] or "the request ends (then the retention period runs)"
        typer.echo(f"{body['id']}: not destroyed; kept until {until} ({body['citation']})")
        return
    typer.echo(
        f"{body['id']}: data destroyed on {body['destroyed_on']} ({body['reason']}), "
        f"log entry {body['log_index']}"
    )
    typer.echo(f"told the requester: {body['explanation']}")
    items = ", ".join(f"{k} {v}" for k, v in body["items"].items() if v)
    typer.echo(f"destroyed: {items}")


@retention_app.command("destroy")
def destroy(
    ctx: typer.Context,
    request_id: IdArg,
    explanation: Annotated[
        str,
        typer.Option(
            "--explanation",
            help="Why the cover was improperly ordered: told to the requester (no subject).",
        ),
    ],
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """End an improperly ordered cover and destroy its data (Chief or HQ designee)."""
    from covergate.retention.service import destroy_improper

    with acting(ctx, token) as a:
        body = destroy_improper(
            session=a.session,
            ctx=a.ctx,
            actor=a.user,
            request=visible(a, request_id),
            explanation=explanation,
        ).to_json()
    _show_destruction(body, as_json)


@retention_app.command("show")
def show(
    ctx: typer.Context,
    request_id: IdArg,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Whether, when and why a request's data was destroyed (no subject data)."""
    from covergate.retention.schedule import destruction_view

    with acting(ctx, token) as a:
        body = destruction_view(session=a.session, ctx=a.ctx, request=visible(a, request_id))
    _show_destruction(body, as_json)
