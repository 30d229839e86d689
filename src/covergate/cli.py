"""The one ``covergate`` command line (Typer + Rich).

Every command group lives in ``covergate/commands/<group>.py`` and exposes
``register(root)``. Errors a user can cause are :class:`CovergateError`: they are
printed as one line, ``error: <message>``, and the process exits with status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from covergate.commands import admin, log, policy, requests
from covergate.config import Settings
from covergate.errors import CovergateError

app = typer.Typer(
    name="covergate",
    help="System of record for postal surveillance requests, with a public transparency log.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True)


@app.callback()
def _root(
    ctx: typer.Context,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="Data directory (default $COVERGATE_DATA or ./covergate-data)."
        ),
    ] = None,
) -> None:
    ctx.obj = Settings.load(data)


for _group in (admin, requests, policy, log):
    _group.register(app)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the app, turning CovergateError into exit status 2."""
    try:
        app(args=argv, standalone_mode=True)
    except CovergateError as exc:
        err_console.print(f"error: {exc.message}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
