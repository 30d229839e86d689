"""Command-line values converted without pydantic where Typer's result is plain.

Typer 0.29 converts every parameter a command line reaches through a pydantic
``TypeAdapter``, built the first time the parameter is processed, even when the
parameter was not given (``--data`` left to its default) and even for a plain
``str``. The first adapter of a process imports ``typer._adapters`` and pydantic
(60 ms) and builds pydantic-core's first schema (13 ms): on every command, most of
which need no pydantic at all.

:func:`install` puts a converter in front of Typer's, for the values whose result
is known without an adapter, because the adapter's own code says so:

- no value (``None``): Typer returns ``None`` (``()`` for a repeated option)
  before it ever asks the adapter;
- an ASCII string for a ``str`` parameter: the adapter returns it unchanged;
- an enum member's value or name for an enum parameter: Typer's own
  ``coerce_cli_choice`` finds the member, as its adapter would call it;
- ASCII digits (at most 18) or an ``int`` default for an ``int`` parameter, within
  its bounds (``min``, ``max``): ``int()``, or the default as it is;
- an ASCII path for a ``Path`` parameter that reads back as written
  (``docs/x.json``, not ``./docs//x.json``): pydantic's path validator is
  ``Path(value)``, then Typer's own ``coerce_cli_path`` checks it as before (a
  ``Path`` default goes straight to ``coerce_cli_path``, as the adapter sends it).

Everything else (a repeated option, a parser, a file, non-ASCII text, a bad value
and its error message) goes to Typer's adapter as before, so what a command
receives and every error it prints are Typer's. tests/commands/test_coercion.py
checks, for every parameter of every command, that both give the same answer.
Nothing is installed if the installed Typer lacks what this replaces.
"""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Any

try:  # the Typer internals this sits in front of (Typer 0.29)
    from typer._click import Context
    from typer._param_types import coerce_cli_choice, coerce_cli_path
    from typer.core import _TyperParameter
except ImportError:  # pragma: no cover - another Typer: leave it as it is
    _TyperParameter = None  # type: ignore[assignment,misc]

#: What :func:`plain_value` returns when Typer's adapter has to decide.
UNDECIDED: Any = object()

_DIGITS = re.compile(r"[0-9]{1,18}")


def plain_value(param: Any, value: Any, ctx: Context | None) -> Any:
    """``value`` converted for ``param`` as Typer's adapter would, or UNDECIDED."""
    repeated = param.multiple or param.nargs == -1
    if value is None:
        return () if repeated else None
    descriptor = param.type_descriptor
    info = descriptor.parameter_info
    if (
        repeated
        or param.nargs != 1
        or info.parser is not None
        or descriptor.file_annotation is not None
    ):
        return UNDECIDED
    annotation = descriptor.annotation
    if annotation is int and type(value) in (int, str):
        return _plain_int(value, info.min, info.max)
    if annotation is Path and info.path_type is None and isinstance(value, Path):
        return coerce_cli_path(value, info, path_type=Path, param=param, ctx=ctx)
    if not isinstance(value, str) or not value.isascii():
        return UNDECIDED
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        try:
            return coerce_cli_choice(
                value, choices=list(annotation), case_sensitive=info.case_sensitive, ctx=ctx
            )
        except ValueError:
            return UNDECIDED  # the adapter words the error
    if annotation is str and type(value) is str:
        return value
    if annotation is Path and info.path_type is None and type(value) is str:
        path = Path(value)
        if str(path) == value:  # its error messages then name the path as typed
            return coerce_cli_path(path, info, path_type=Path, param=param, ctx=ctx)
    return UNDECIDED


def _plain_int(value: int | str, low: float | None, high: float | None) -> Any:
    """An int parameter's value (a default, or digits typed), if within its bounds:
    out of them the adapter clamps it or words the error."""
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value):
            return UNDECIDED
        value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        return UNDECIDED
    return value


class _PlainFirst:
    """The runtime converter Typer asks for: plain values here, the rest to Typer's."""

    def __init__(self, typer_own: Any) -> None:
        self._typer_own = typer_own

    def coerce(self, value: Any, param: Any, ctx: Context) -> Any:
        plain = plain_value(param, value, ctx)
        if plain is not UNDECIDED:
            return plain
        return self._typer_own(param).coerce(value, param=param, ctx=ctx)


def install() -> None:
    """Put :class:`_PlainFirst` in front of Typer's converter (once per process)."""
    if _TyperParameter is None or getattr(_TyperParameter, "_covergate_plain_first", False):
        return
    typer_own = getattr(_TyperParameter, "get_runtime_param", None)
    if typer_own is None:  # pragma: no cover - another Typer
        return
    converter = _PlainFirst(typer_own)

    def get_runtime_param(self: Any) -> Any:
        return converter

    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
    _TyperParameter._covergate_plain_first = True  # type: ignore[attr-defined]
