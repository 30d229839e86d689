"""Turning pydantic validation errors into one clear message naming the field, and
reading JSON text strictly: an object that gives a key twice is refused, never
read as "the last one wins".

Example::

    data = load_json_strict(path.read_bytes(), "observations")
    doc = parse_model_json(RequestDocument, raw, what="request document")
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from covergate.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


# Tags of discriminated unions (covers.schemas.ObservationInput): not fields.
_UNION_TAGS = {"mail", "records"}


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("purpose", "fugitive_warrant", "type")`` -> ``purpose.fugitive_warrant.type``.

    A key that is not printable (a dictionary key with a NUL in it) is quoted, so the
    message stays one clean line on a terminal.
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + (part if part.isprintable() else repr(part))
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
    """Validate JSON text as ``model``; InvalidInput on failure (also for bad JSON and
    for a key given twice in one object)."""
    refuse_duplicate_keys(raw, what=what)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise describe(exc, what) from exc


class _Invalid(ValueError):
    """Text that is not strict JSON (NaN, Infinity); the parser's own errors aside."""


def _refuse_constant(name: str) -> Any:
    raise _Invalid(f"{name} is not a JSON number")


def _decode(raw: bytes | str) -> tuple[Any, list[tuple[dict[str, Any], str]]]:
    """The decoded value, and each object that repeats a key with the first such key.

    ``json`` hands every object's pairs to the hook before it builds the parent, so
    the hook cannot know where an object sits; the objects themselves are kept (not
    their ids, which a discarded object could hand on) and found again afterwards.
    """
    repeated: list[tuple[dict[str, Any], str]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        first: str | None = None
        for key, value in items:
            if first is None and key in obj:
                first = key
            obj[key] = value
        if first is not None:
            repeated.append((obj, first))
        return obj

    data = json.loads(raw, object_pairs_hook=pairs, parse_constant=_refuse_constant)
    return data, repeated


def _where(
    node: Any, wanted: dict[int, str], path: tuple[int | str, ...]
) -> tuple[tuple[int | str, ...], str] | None:
    """The path to the first object repeating a key (depth first), and that key."""
    if isinstance(node, dict):
        key = wanted.get(id(node))
        if key is not None:
            return path, key
        for name, value in node.items():
            found = _where(value, wanted, (*path, name))
            if found is not None:
                return found
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found = _where(value, wanted, (*path, index))
            if found is not None:
                return found
    return None


def _duplicate_error(
    data: Any, repeated: list[tuple[dict[str, Any], str]], what: str
) -> InvalidInput:
    # An object dropped because its parent's key was repeated is not in the tree;
    # the parent's repeat is then the first found, which is the one to report.
    found = _where(data, {id(obj): key for obj, key in repeated}, ())
    parent, key = found if found is not None else ((), repeated[-1][1])
    path = field_path((*parent, key))
    return InvalidInput(f"{what}: {path}: the key {key!r} is given twice", field=path)


def refuse_duplicate_keys(raw: bytes | str, *, what: str) -> None:
    """InvalidInput naming the path if an object in ``raw`` gives a key twice.

    Text that is not JSON passes: the caller's own parser reports it (in its words).
    """
    try:
        data, repeated = _decode(raw)
    except (ValueError, RecursionError):
        return
    if repeated:
        raise _duplicate_error(data, repeated, what)


def load_json_strict(raw: bytes | str, what: str) -> Any:
    """Decode JSON text; InvalidInput for bad JSON, NaN/Infinity or a repeated key."""
    try:
        data, repeated = _decode(raw)
    except RecursionError:
        raise InvalidInput(f"{what}: not valid JSON (nested too deeply)") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, _Invalid
        raise InvalidInput(f"{what}: not valid JSON ({exc})") from None
    if repeated:
        raise _duplicate_error(data, repeated, what)
    return data
