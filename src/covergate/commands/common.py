"""Helpers shared by command modules: settings, runtime, acting as a user, output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from covergate.config import Settings
from covergate.context import ServiceContext, Via
from covergate.errors import InvalidInput
from covergate.runtime import Runtime
from covergate.upgrades import upgrade_data
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
def runtime(ctx: typer.Context, *, create: bool = False) -> Iterator[Runtime]:
    rt = Runtime.open(settings_of(ctx), create=create)
    try:
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
    token = token or os.environ.get("COVERGATE_TOKEN")
    with runtime(ctx) as rt, rt.unit_of_work(token) as (session, user):
        yield Acting(rt, session, user, rt.context(Via.CLI))


def read_json_file(path: Path) -> bytes:
    """A file's bytes, or InvalidInput naming the file (``-`` reads standard input)."""
    if str(path) == "-":
        return sys.stdin.buffer.read()
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path}: is a directory, not a file") from None
    except PermissionError:
        raise InvalidInput(f"{path}: permission denied") from None


def load_json(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{what}: not valid JSON ({exc})") from None


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=False, default=str) + "\n")
