"""commands/coercion.py: every value it converts without pydantic, Typer's adapter
converts the same way, for every parameter of every command."""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param
from typer.core import _TyperParameter
from typer.main import get_command

from covergate.cli import app
from covergate.commands.coercion import UNDECIDED, plain_value

ROOT = Path(__file__).resolve().parents[2]

#: Values a user might type, for any parameter: words, enum values in any case,
#: numbers, paths that exist or not, typed oddly or not, and non-ASCII text.
SAMPLES: tuple[str | None, ...] = (
    None,
    "",
    "x",
    "a b",
    "cli",
    "federal",
    "FEDERAL",
    "Federal",
    "admin",
    "mail_cover",
    "0",
    "007",
    "12",
    "-1",
    "+3",
    " 4",
    "1.5",
    "1_000",
    "9" * 19,
    "-",
    ".",
    "./x",
    "a//b",
    str(ROOT / "docs" / "examples" / "mail-cover.json"),
    str(ROOT / "docs"),
    "/nonexistent/covergate/x",
    "café",
    "\udcff",
)


def _parameters() -> Iterator[tuple[str, Any, Any]]:
    def walk(command: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
        for param in command.params:
            if isinstance(param, _TyperParameter):
                yield f"{path} {param.name}", param, command
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, f"{path} {name}")

    yield from walk(get_command(app), "covergate")


def _typer_own(param: Any, value: Any, ctx: Context) -> tuple[str, Any]:
    try:
        own = build_runtime_param(param.type_descriptor).coerce(value, param=param, ctx=ctx)
    except BadParameter as exc:
        return "error", exc.format_message()
    return "value", own


def _plain(param: Any, value: Any, ctx: Context) -> Any:
    try:
        return plain_value(param, value, ctx)
    except BadParameter as exc:
        return exc


PARAMETERS = list(_parameters())
IDS = [where for where, _, _ in PARAMETERS]


def test_every_kind_of_parameter_is_covered() -> None:
    annotations = {p.type_descriptor.annotation for _, p, _ in PARAMETERS}
    assert {str, int, Path} <= annotations
    assert any(isinstance(a, type) and issubclass(a, Enum) for a in annotations)
    assert len(PARAMETERS) > 100


@pytest.mark.parametrize(("where", "param", "command"), PARAMETERS, ids=IDS)
def test_a_plain_value_is_what_typer_makes_of_it(where: str, param: Any, command: Any) -> None:
    ctx = Context(command)
    samples: list[Any] = [*SAMPLES, param.default, 0, 5, -1, 200, Path("x"), Path("/nonexistent")]
    annotation = param.type_descriptor.annotation
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        samples += [member.value for member in annotation] + [m.name for m in annotation]
    decided = 0
    for value in samples:
        plain = _plain(param, value, ctx)
        if isinstance(plain, BadParameter):  # Typer's own path check, called from there
            assert _typer_own(param, value, ctx) == ("error", plain.format_message())
            continue
        if plain is UNDECIDED:
            continue
        decided += 1
        kind, own = _typer_own(param, value, ctx)
        assert kind == "value", (where, value, own)
        assert (type(plain), plain) == (type(own), own), (where, value)
    # None at least is always decided here: no parameter left at its default builds an adapter.
    assert decided >= 1
