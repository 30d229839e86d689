"""Helpers shared by command modules: settings, runtime, JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from covergate.config import Settings
from covergate.runtime import Runtime


def settings_of(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    if isinstance(obj, Settings):
        return obj
    return Settings.load(None)


@contextmanager
def runtime(ctx: typer.Context, *, create: bool = False) -> Iterator[Runtime]:
    rt = Runtime.open(settings_of(ctx), create=create)
    try:
        yield rt
    finally:
        rt.close()


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=False, default=str) + "\n")
