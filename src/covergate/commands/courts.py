"""The `covergate court` commands, and `covergate request order-file|order-document`.

``court add`` and ``court list`` are the operator's, like ``agency add`` (no token).
The others act as a user of role court (``--token`` or ``$COVERGATE_TOKEN``), on the
orders that name that user's court only.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from covergate.commands.common import (
    Acting,
    JsonOption,
    TokenOption,
    acting,
    console,
    day_option,
    print_json,
    read_input_file,
    runtime,
)
from covergate.commands.requests import IdArg, request_app, resolve, visible
from covergate.commands.tables import cell, print_table
from covergate.lifecycle.states import OrderState

if TYPE_CHECKING:
    from covergate.courts.models import CourtOrder
    from covergate.lifecycle.models import Request

court_app = typer.Typer(
    help="Courts: register them; confirm, refuse and unseal their orders.", no_args_is_help=True
)

SealOption = Annotated[
    str | None,
    typer.Option(
        "--sealed-until",
        help="Keep the order's identity off the public log until this day (YYYY-MM-DD).",
        show_default=False,
    ),
]
ReasonOption = Annotated[str | None, typer.Option(help="Why you read subject data (logged).")]
_COLUMNS = ("request", "state", "docket", "judge", "filed_on", "sealed_until", "agency", "kind")


def _seal(text: str | None) -> date | None:
    return None if text is None else day_option(text, "--sealed-until")


def _order(a: Acting, request_id: str) -> tuple[Request, CourtOrder]:
    from covergate.courts import service

    return service.find_order(
        session=a.session, ctx=a.ctx, actor=a.user, public_id=resolve(a, request_id)
    )


def _show(order: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(order)
        return
    table = Table(show_header=False, box=None)
    for key, value in order.items():
        table.add_row(f"[bold]{key}[/]", cell(value))
    print_table(table, console)


@court_app.command("add")
def court_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The court's name, as orders name it.")],
    as_json: JsonOption = False,
) -> None:
    """Register a court (its users are added with `user add --role court --court NAME`)."""
    from covergate.courts import registry, views

    with runtime(ctx) as rt, rt.transaction() as session:
        shown = views.court_as_dict(registry.add_court(session=session, clock=rt.clock, name=name))
    if as_json:
        print_json(shown)
    else:
        console.print(f"court {shown['name']} registered", markup=False)


@court_app.command("list")
def court_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The registered courts."""
    from covergate.courts import registry, views

    with runtime(ctx) as rt, rt.transaction() as session:
        rows = [views.court_as_dict(c) for c in registry.list_courts(session=session)]
    if as_json:
        print_json({"courts": rows})
        return
    table = Table(title="courts")
    table.add_column("name", no_wrap=True)
    table.add_column("created")
    for r in rows:
        table.add_row(r["name"], r["created"])
    print_table(table, console)


@court_app.command("orders")
def court_orders(
    ctx: typer.Context,
    state: Annotated[OrderState | None, typer.Option(help="Only this state.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """The orders that name your court, newest first."""
    from covergate.courts import service, views

    with acting(ctx, token) as a:
        rows = [
            views.order_as_dict(a.ctx, r, o)
            for o, r in service.court_orders(
                session=a.session, actor=a.user, state=state, limit=limit
            )
        ]
    if as_json:
        print_json({"orders": rows})
        return
    table = Table(title="court orders")
    for i, col in enumerate(_COLUMNS):
        table.add_column(col, no_wrap=i == 0, overflow="fold")
    for r in rows:
        table.add_row(*(cell(r[c]) for c in _COLUMNS))
    print_table(table, console)


@court_app.command("show")
def court_show(
    ctx: typer.Context,
    request_id: IdArg,
    reason: ReasonOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """One order, with its request's whole document (needs --reason; access-logged)."""
    from covergate.courts import service, views

    with acting(ctx, token) as a:
        request, order = _order(a, request_id)
        document = service.show_order(
            session=a.session, ctx=a.ctx, actor=a.user, request=request, reason=reason or ""
        )
        shown = {"order": views.order_as_dict(a.ctx, request, order)}
        shown["document"] = document.model_dump(mode="json")
    if as_json:
        print_json(shown)
    else:
        _show(shown["order"], False)
        print_json(shown["document"])


@court_app.command("document")
def court_document(
    ctx: typer.Context,
    request_id: IdArg,
    out: Annotated[Path, typer.Argument(help="Where to write the order's document.")],
    reason: ReasonOption = None,
    token: TokenOption = None,
) -> None:
    """Save the order's uploaded document (needs --reason; access-logged)."""
    from covergate.commands.common import on_path
    from covergate.courts import service

    with acting(ctx, token) as a:
        request, _ = _order(a, request_id)
        data = service.read_document(
            session=a.session, ctx=a.ctx, actor=a.user, request=request, reason=reason or ""
        )
        with on_path(out, "cannot write the document"):
            out.write_bytes(data)
    console.print(f"{len(data)} bytes written to {out}", markup=False)


@court_app.command("confirm")
def court_confirm(
    ctx: typer.Context,
    request_id: IdArg,
    sealed_until: SealOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Confirm the order (sealed until a day, or published at once)."""
    from covergate.courts import service, views

    seal = _seal(sealed_until)
    with acting(ctx, token) as a:
        request, _ = _order(a, request_id)
        order = service.confirm(
            session=a.session, ctx=a.ctx, actor=a.user, request=request, sealed_until=seal
        )
        shown = views.order_as_dict(a.ctx, request, order)
    _show(shown, as_json)


@court_app.command("refuse")
def court_refuse(
    ctx: typer.Context,
    request_id: IdArg,
    reasons: Annotated[str, typer.Option(help="Why (at least 10 characters; sealed).")],
    sealed_until: SealOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Refuse the order, with reasons: the request can then not be approved."""
    from covergate.courts import service, views
    from covergate.courts.schemas import RefuseInput
    from covergate.validation import parse_model

    body = parse_model(
        RefuseInput, {"reasons": reasons, "sealed_until": _seal(sealed_until)}, what="refusal"
    )
    with acting(ctx, token) as a:
        request, _ = _order(a, request_id)
        order = service.refuse(
            session=a.session,
            ctx=a.ctx,
            actor=a.user,
            request=request,
            reasons=body.reasons,
            sealed_until=body.sealed_until,
        )
        shown = views.order_as_dict(a.ctx, request, order)
    _show(shown, as_json)


@court_app.command("unseal")
def court_unseal(
    ctx: typer.Context, request_id: IdArg, token: TokenOption = None, as_json: JsonOption = False
) -> None:
    """Unseal the order now: its identity goes on the public log."""
    from covergate.courts import service, views

    with acting(ctx, token) as a:
        request, _ = _order(a, request_id)
        order = service.unseal(session=a.session, ctx=a.ctx, actor=a.user, request=request)
        shown = views.order_as_dict(a.ctx, request, order)
    _show(shown, as_json)


def order_document(
    ctx: typer.Context,
    request_id: IdArg,
    file: Annotated[Path, typer.Argument(help="The order's document (PDF or any file).")],
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Upload the court order's document (the requesting agency, while it is filed)."""
    from covergate.courts import filing, views

    data = read_input_file(file, limit=filing.MAX_DOCUMENT_BYTES)
    with acting(ctx, token) as a:
        request = visible(a, request_id)
        order = filing.attach_document(
            session=a.session, ctx=a.ctx, actor=a.user, request=request, data=data
        )
        shown = views.order_as_dict(a.ctx, request, order)
    _show(shown, as_json)


def order_file(
    ctx: typer.Context,
    request_id: IdArg,
    file: Annotated[Path, typer.Argument(help="The order as a legal_process object (JSON).")],
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """File the court order of a request that had none (an emergency's, following it)."""
    from covergate.commands.common import read_json_file
    from covergate.courts import filing, views
    from covergate.document import LegalProcess
    from covergate.validation import parse_model_json

    process = parse_model_json(LegalProcess, read_json_file(file), what="legal_process")
    with acting(ctx, token) as a:
        request = visible(a, request_id)
        order = filing.file_late(
            session=a.session, ctx=a.ctx, actor=a.user, request=request, process=process
        )
        shown = views.order_as_dict(a.ctx, request, order)
    _show(shown, as_json)


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root command line."""
    root.add_typer(court_app, name="court")
    request_app.command("order-document")(order_document)
    request_app.command("order-file")(order_file)
