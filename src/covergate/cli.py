"""The one ``covergate`` command line (Typer + Rich).

Every command group lives in ``covergate/commands/<group>.py`` and exposes
``register(root)``. Errors a user can cause are :class:`CovergateError`: they are
printed as one line, ``error: <message>``, and the process exits with status 2.

:data:`app` holds every command. :func:`main` runs a command line with only the
top-level command it names (``user`` for ``covergate --data DIR user list``): Typer
makes a Click command of every command function it is given, on every run, and
making them all takes longer than most commands that open no database take to run.
``covergate --help``, a bare ``covergate`` and anything that names no known command
run with the whole :data:`app`, so their help and errors list every command.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from typer import Abort
from typer.main import solve_typer_info_defaults
from typer.models import CommandInfo, TyperInfo

from covergate.commands import (
    admin,
    audit,
    coercion,
    courts,
    covers,
    log,
    maintain,
    notices,
    policy,
    productions,
    report,
    requests,
    retention,
    witness,
)
from covergate.config import Settings
from covergate.errors import CovergateError
from covergate.textchecks import escape_controls, first_surrogate

try:  # Typer 0.29+ vendors Click; older Typer uses the click package.
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - depends on the installed Typer
    from click.exceptions import (  # type: ignore[assignment]
        ClickException,
        NoArgsIsHelpError,
        UsageError,
    )


def _root_app() -> typer.Typer:
    return typer.Typer(
        name="covergate",
        help="System of record for postal surveillance requests, with a public transparency log.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )


coercion.install()  # plain option values without pydantic (commands/coercion.py)
app = _root_app()
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


for _group in (
    admin,
    audit,
    requests,
    covers,
    productions,
    courts,
    notices,
    retention,
    maintain,
    policy,
    log,
    report,
    witness,
):
    _group.register(app)


def _named_command(args: list[str]) -> str | None:
    """The top-level command ``args`` name, after the root's options; None if none."""
    rest = iter(args)
    for arg in rest:
        if arg == "--data":
            next(rest, None)
        elif not arg.startswith("--data="):
            return None if arg.startswith("-") else arg
    return None


def _top_level_name(info: CommandInfo | TyperInfo) -> str | None:
    if isinstance(info, CommandInfo):
        return info.name if isinstance(info.name, str) else None
    name = solve_typer_info_defaults(info).name
    return name if isinstance(name, str) else None


def app_for(args: list[str]) -> typer.Typer:
    """The app that runs ``args``: the root with only the top-level command they name,
    or the whole :data:`app` when they name none of its commands (``--help``, a typo)."""
    name = _named_command(args)
    commands = [c for c in app.registered_commands if _top_level_name(c) == name]
    groups = [g for g in app.registered_groups if _top_level_name(g) == name]
    if name is None or len(commands) + len(groups) != 1:
        return app
    one = _root_app()
    one.registered_callback = app.registered_callback
    one.registered_commands = commands
    one.registered_groups = groups
    return one


def main(argv: list[str] | None = None) -> None:
    """Console entry point.

    Errors a user can cause end the process with one line, ``error: ...``, on
    standard error and exit status 2: covergate's own errors and Click's usage
    errors (unknown option, bad option value, missing argument) alike.
    """
    args = sys.argv[1:] if argv is None else argv
    try:
        _check_arguments(args)
        chosen = app_for(args)
        code = chosen(args=argv, standalone_mode=False)
    except CovergateError as exc:
        _fail(exc.message)
    except NoArgsIsHelpError as exc:
        sys.stdout.write(exc.format_message() + "\n")  # a group run bare: its help
        sys.exit(0)
    except UsageError as exc:
        where = f"{exc.ctx.command_path}: " if exc.ctx is not None else ""
        _fail(where + exc.format_message())
    except ClickException as exc:
        _fail(exc.format_message())
    except Abort:
        err_console.print("aborted", markup=False, highlight=False)
        sys.exit(1)
    except OSError as exc:
        # A backstop: commands name their paths themselves (commands.common.on_path);
        # whatever filesystem error is left still ends in one line, not a traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        _fail(f"{where}{exc.strerror or type(exc).__name__}")
    sys.exit(code if isinstance(code, int) else 0)


def _check_arguments(args: list[str]) -> None:
    """Refuse an argument that is not valid UTF-8, before any command runs: Python
    decodes such bytes to lone surrogates, which no database driver and no terminal
    can encode (a traceback, before). Control characters are each field's own check,
    which names the field; an error line escapes any that it quotes."""
    for number, arg in enumerate(args, 1):
        found = first_surrogate(arg)
        if found is None:
            continue
        before = args[number - 2] if number > 1 else ""
        option = arg.split("=", 1)[0] if arg.startswith("--") else before
        named = f" ({option})" if option.startswith("-") else ""
        _fail(f"argument {number}{named} is not valid UTF-8 (at position {found})")


def _fail(message: str) -> NoReturn:
    # One line, and nothing a terminal would take as a command (an escape sequence).
    one_line = escape_controls(" ".join(message.split()))
    err_console.print(f"error: {one_line}", markup=False, highlight=False, soft_wrap=True)
    sys.exit(2)
