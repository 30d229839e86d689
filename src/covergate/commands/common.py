"""Helpers shared by command modules: settings, runtime, acting as a user, output.

Light to import: the command line is built from these modules on every run
(``covergate --help`` too), so the runtime, the database and pydantic are imported
inside the helpers that use them, never at the top.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from covergate.config import Settings
from covergate.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from covergate.context import ServiceContext
    from covergate.runtime import Runtime
    from covergate.users.models import User

console = Console()

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
TokenOption = Annotated[
    str | None,
    typer.Option("--token", help="Your API token (default $COVERGATE_TOKEN).", show_default=False),
]


def settings_of(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    if isinstance(obj, Settings):
        return obj
    return Settings.load(None)


@contextmanager
def runtime(
    ctx: typer.Context, *, create: bool = False, upgrade: bool = False
) -> Iterator[Runtime]:
    """The runtime of one command. ``upgrade`` (init, serve, demo) also runs the data
    upgrades; other commands skip them, since they read legacy rows as they are and
    should not take the database's writer lock just to find nothing to upgrade."""
    from covergate.runtime import Runtime

    rt = Runtime.open(settings_of(ctx), create=create)
    try:
        if upgrade:
            from covergate.upgrades import upgrade_data

            upgrade_data(rt)
        yield rt
    finally:
        rt.close()


@dataclass
class Acting:
    runtime: Runtime
    session: Session
    user: User
    ctx: ServiceContext


@contextmanager
def acting(ctx: typer.Context, token: str | None) -> Iterator[Acting]:
    """Authenticate with a token and run one transaction; integrate the log after it."""
    from covergate.context import Via

    token = token or os.environ.get("COVERGATE_TOKEN")
    with runtime(ctx) as rt, rt.unit_of_work(token) as (session, user):
        yield Acting(rt, session, user, rt.context(Via.CLI))


#: The most bytes covergate reads from one input file (a document, observations,
#: an entry, a proof, a checkpoint): far above any real one, small enough to hold.
MAX_INPUT_BYTES = 1 << 20


def _size_text(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit % (1 << 20) == 0 else f"{limit} bytes"


def os_reason(exc: OSError) -> str:
    """The reason of a filesystem error, in words, without the path."""
    if isinstance(exc, FileNotFoundError):
        return "no such file or directory"
    if isinstance(exc, IsADirectoryError):
        return "is a directory, not a file"
    if isinstance(exc, PermissionError):
        return "permission denied"
    reason = exc.strerror or str(exc) or type(exc).__name__
    return reason[:1].lower() + reason[1:]


@contextmanager
def on_path(path: Path, doing: str = "") -> Iterator[None]:
    """Turn a filesystem error into one ``InvalidInput`` line naming ``path``.

    with on_path(outdir, "cannot write the package"):
        outdir.mkdir()
    """
    try:
        yield
    except OSError as exc:
        reason = os_reason(exc)
        raise InvalidInput(
            f"{path}: {doing} ({reason})" if doing else f"{path}: {reason}"
        ) from None


def read_input_file(path: Path, *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """A file's bytes, at most ``limit`` of them, or InvalidInput naming the file.

    ``-`` reads standard input. At most ``limit + 1`` bytes are ever read, so a
    device or pipe that never ends (``/dev/zero``) is refused, not swallowed.
    """
    if str(path) == "-":
        data, where = sys.stdin.buffer.read(limit + 1), "standard input"
    else:
        where = str(path)
        try:
            with path.open("rb") as fh:
                data = fh.read(limit + 1)
        except FileNotFoundError:
            raise InvalidInput(f"{path}: no such file") from None
        except OSError as exc:
            raise InvalidInput(f"{path}: {os_reason(exc)}") from None
    if len(data) > limit:
        raise InvalidInput(f"{where}: larger than the {_size_text(limit)} limit for input files")
    return data


def read_json_file(path: Path) -> bytes:
    """A JSON input file's bytes (at most 1 MiB; ``-`` reads standard input)."""
    return read_input_file(path)


def load_json(raw: bytes, what: str) -> Any:
    """JSON from a file given to the CLI: InvalidInput on bad JSON or a key given twice."""
    from covergate.validation import load_json_strict

    return load_json_strict(raw, what)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=False, default=str) + "\n")


def write_atomically(path: Path, data: bytes) -> None:
    """Write a whole file or none: a temporary file beside it, then a rename."""
    with on_path(path, "cannot write it"):
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:32]}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def day_option(text: str, option: str) -> date:
    """The value of a date option (``--until``), or InvalidInput naming the option."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"{option}: not a date (YYYY-MM-DD): {text!r}",
            field=option.lstrip("-").replace("-", "_"),
        ) from None
