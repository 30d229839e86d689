"""``covergate observe``: record mail exteriors or records items on a running cover."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from covergate.commands.common import (
    JsonOption,
    TokenOption,
    acting,
    console,
    load_json,
    print_json,
    read_json_file,
)
from covergate.commands.requests import IdArg, resolve
from covergate.errors import InvalidInput, RuleViolation

if TYPE_CHECKING:
    from covergate.covers.schemas import MailObservation, RecordsItem


def _parse_items(raw: bytes) -> list[MailObservation | RecordsItem]:
    from pydantic import TypeAdapter, ValidationError

    from covergate.covers.schemas import ObservationInput
    from covergate.validation import describe

    adapter: TypeAdapter[MailObservation | RecordsItem] = TypeAdapter(ObservationInput)
    data = load_json(raw, "observations")
    items = data if isinstance(data, list) else [data]
    if not items:
        raise InvalidInput("observations: the file holds an empty list")
    out: list[MailObservation | RecordsItem] = []
    for i, item in enumerate(items):
        try:
            out.append(adapter.validate_python(item))
        except ValidationError as exc:
            raise describe(exc, f"observation [{i}]") from exc
    return out


def observe(
    ctx: typer.Context,
    request_id: IdArg,
    file: Annotated[Path, typer.Argument(help="One observation or a JSON list of them.")],
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record mail exteriors (or records items). Refusals are counted and reported."""
    from covergate.covers import service as covers

    items = _parse_items(read_json_file(file))  # all validated before anything is written
    with acting(ctx, token) as a:
        request = covers.find_for_recording(
            session=a.session, ctx=a.ctx, actor=a.user, public_id=resolve(a, request_id)
        )
        results = [
            covers.observe(session=a.session, ctx=a.ctx, actor=a.user, request=request, item=item)
            for item in items
        ]
    rows = [
        {
            "accepted": r.accepted,
            "id": r.observation_id,
            "reason": r.reason.value if r.reason else None,
            "message": r.message,
        }
        for r in results
    ]
    if as_json:
        print_json({"request": request_id, "results": rows})
    else:
        for i, row in enumerate(rows):
            mark = "recorded" if row["accepted"] else f"REFUSED ({row['reason']}): {row['message']}"
            console.print(f"[{i}] {mark}", markup=False)
    refused = [r for r in results if not r.accepted]
    if refused:
        reasons = sorted({r.reason.value for r in refused if r.reason})
        raise RuleViolation(
            f"{len(refused)} of {len(results)} observations refused ({', '.join(reasons)}); "
            "refusals are counted, nothing of them is kept"
        )


def register(root: typer.Typer) -> None:
    root.command("observe")(observe)
