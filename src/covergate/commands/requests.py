"""Placeholder until this command group lands."""

from __future__ import annotations

import typer


def register(root: typer.Typer) -> None:
    _ = root
