"""``covergate maintain``: run the maintenance sweep now (the server runs it every minute)."""

from __future__ import annotations

import typer
from rich.table import Table

from covergate.commands.common import JsonOption, console, print_json, runtime
from covergate.commands.tables import print_table


def maintain(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Do what has fallen due: start and expire covers, end emergencies without an
    order in time, unseal orders, owe and publish overdue notices, destroy data past
    retention; then integrate the log. The server does this every minute."""
    from covergate.context import Via
    from covergate.maintenance import finish_integration, sweep_all

    with runtime(ctx) as rt:
        summary = sweep_all(rt, rt.context(Via.CLI))
        finish_integration(rt)
    if as_json:
        print_json(summary.to_json())
        return
    table = Table(title=f"maintenance sweep: {summary.total} changes")
    table.add_column("step")
    table.add_column("count", justify="right")
    for step, count in summary.to_json().items():
        table.add_row(step.replace("_", " "), str(count))
    print_table(table, console)


def register(root: typer.Typer) -> None:
    root.command("maintain")(maintain)
