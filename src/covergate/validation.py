"""Turning pydantic validation errors into one clear message naming the field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from covergate.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


# Tags of discriminated unions (covers.schemas.ObservationInput): not fields.
_UNION_TAGS = {"mail", "records"}


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("purpose", "fugitive_warrant", "type")`` -> ``purpose.fugitive_warrant.type``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out or "(document)"


def describe(exc: ValidationError, what: str) -> InvalidInput:
    """The first error, and how many more, as one line."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = tuple(first["loc"])
    if loc and loc[0] in _UNION_TAGS:
        loc = loc[1:]
    path = field_path(loc)
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown field"
    elif first["type"] == "missing":
        msg = "required field is missing"
    elif first["type"] == "value_error":
        msg = msg.removeprefix("Value error, ")
        if not first["loc"]:
            # model-level checks name the field in their own message
            path, _, msg = msg.partition(": ")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return InvalidInput(f"{what}: {path}: {msg}{more}", field=path)


def parse_model(model: type[M], data: Any, *, what: str) -> M:
    """Validate python data (decoded JSON) as ``model``; InvalidInput on failure."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise describe(exc, what) from exc


def parse_model_json(model: type[M], raw: bytes | str, *, what: str) -> M:
    """Validate JSON text as ``model``; InvalidInput on failure (also for bad JSON)."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise describe(exc, what) from exc
