"""Request commands: request submit/list/show, review, decide, extend, close.

Each acts as the user whose token is given (``--token`` or ``$COVERGATE_TOKEN``) and
accepts ``--json``. Recording is in ``commands.covers``; packages in
``commands.productions``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from covergate.commands.common import (
    Acting,
    JsonOption,
    TokenOption,
    acting,
    console,
    print_json,
    read_json_file,
)
from covergate.commands.request_detail import show_detail
from covergate.commands.tables import cell, print_table
from covergate.errors import InvalidInput, NotFound
from covergate.lifecycle.states import PersonCloseReason, RequestState
from covergate.users.schemas import Role
from covergate.vocabulary import DataCategory

if TYPE_CHECKING:
    from covergate.lifecycle.models import Request


def visible(a: Acting, request_id: str) -> Request:
    """The request, if the acting user may see it (else NotFound); see :func:`resolve`."""
    from covergate.lifecycle import access

    return access.get_visible(
        session=a.session, ctx=a.ctx, actor=a.user, public_id=resolve(a, request_id)
    )


def resolve(a: Acting, request_id: str) -> str:
    """The whole id of ``request_id``, which may be a unique prefix of 6 or more characters.

    Only requests the acting user may see are matched, so a prefix tells nothing about
    anyone else's requests; several matches are an error listing how many.
    """
    from covergate.lifecycle import access
    from covergate.lifecycle.models import Request

    text = request_id.strip().lower()
    if len(text) == ID_LENGTH:
        return text
    if not MIN_PREFIX <= len(text) < ID_LENGTH or text.strip("0123456789abcdef"):
        raise InvalidInput(
            f"request id: {request_id!r} is neither a request id ({ID_LENGTH} hex characters) "
            f"nor a prefix of one of {MIN_PREFIX} or more",
            field="request_id",
        )
    query = access.visible_query(a.user, a.ctx)
    found = (
        []
        if query is None
        else list(
            a.session.scalars(
                query.with_only_columns(Request.public_id)
                .where(Request.public_id.startswith(text))
                .limit(2)
            )
        )
    )
    if not found:
        raise NotFound(f"no request {text}")
    if len(found) > 1:
        raise InvalidInput(
            f"request id: more than one of your requests starts with {text}; give more of it",
            field="request_id",
        )
    return str(found[0])


ID_LENGTH = 32
MIN_PREFIX = 6


request_app = typer.Typer(help="Submit, list and show requests.", no_args_is_help=True)

IdArg = Annotated[
    str, typer.Argument(help="The request's id, or a unique prefix of 6 or more characters.")
]


@request_app.command("submit")
def submit(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Request document (JSON), or - for stdin.")],
    idempotency_key: Annotated[str | None, typer.Option(help="Replay-safe key.")] = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Submit a request document; prints its id and the policy's findings."""
    from covergate.document import parse_request_document
    from covergate.requests import service, views

    document = parse_request_document(read_json_file(file))
    with acting(ctx, token) as a:
        result = service.submit(
            session=a.session,
            ctx=a.ctx,
            actor=a.user,
            document=document,
            idempotency_key=idempotency_key,
        )
        detail = views.detail(session=a.session, request=result.request)
    show_detail(detail, as_json)


@request_app.command("list")
def list_(
    ctx: typer.Context,
    state: Annotated[RequestState | None, typer.Option(help="Only this state.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the requests you may see, newest first."""
    from covergate.lifecycle import access
    from covergate.requests import views

    with acting(ctx, token) as a:
        rows = [
            views.summary(r)
            for r in access.list_visible(
                session=a.session,
                ctx=a.ctx,
                actor=a.user,
                state=state,
                limit=limit,
                offset=offset,
            )
        ]
    if as_json:
        print_json({"requests": rows})
        return
    table = Table()
    # Whole ids, never cut to "af6fec55…": they are what every other command takes.
    table.add_column("id", no_wrap=True, min_width=ID_LENGTH)
    for col in ("kind", "state", "agency", "ground", "received", "days_requested"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            *(
                cell(r[c])
                for c in ("id", "kind", "state", "agency", "ground", "received", "days_requested")
            )
        )
    print_table(table, console)


@request_app.command("show")
def show(
    ctx: typer.Context,
    request_id: IdArg,
    document: Annotated[
        bool, typer.Option("--document", help="Include subject data (needs --reason; logged).")
    ] = False,
    with_notes: Annotated[
        bool,
        typer.Option("--notes", help="Include the sealed reviewer note and reasons (logged)."),
    ] = False,
    reason: Annotated[str | None, typer.Option(help="Why you read subject data.")] = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one request; --document adds subject data, --notes the notes (access-logged)."""
    from covergate.lifecycle import documents
    from covergate.requests import notes, views

    with acting(ctx, token) as a:
        request = visible(a, request_id)
        detail = views.detail(session=a.session, request=request)
        if document and a.user.role is Role.OBSERVER:
            detail["document"] = documents.recording_view(
                session=a.session, ctx=a.ctx, actor=a.user, request=request, reason=reason or ""
            ).to_json()
        elif document:
            full = documents.full_document(
                session=a.session, ctx=a.ctx, actor=a.user, request=request, reason=reason or ""
            )
            detail["document"] = full.model_dump(mode="json")
        if with_notes:
            detail["notes"] = notes.read_notes(
                session=a.session, ctx=a.ctx, actor=a.user, request=request, reason=reason or ""
            ).to_json()
    show_detail(detail, as_json)
    if not as_json:
        for part in ("document", "notes"):
            if part in detail:
                print_json(detail[part])


def review(
    ctx: typer.Context,
    request_id: IdArg,
    note: Annotated[str, typer.Option(help="The reviewer's annotation.")],
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Annotate a submitted request as reviewer (moves it to in_review)."""
    from covergate.requests import service, views
    from covergate.requests.schemas import ReviewInput
    from covergate.validation import parse_model

    if not note.strip():
        raise InvalidInput("--note must not be empty", field="note")
    # The same checks as the API's body (no control characters, not blank, bounded).
    body = parse_model(ReviewInput, {"note": note}, what="--note")
    with acting(ctx, token) as a:
        request = visible(a, request_id)
        service.review(session=a.session, ctx=a.ctx, actor=a.user, request=request, note=body.note)
        detail = views.detail(session=a.session, request=request)
    show_detail(detail, as_json)


def _justifications(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        rule, sep, text = item.partition("=")
        if not sep or not rule.strip():
            raise InvalidInput(f"--justify expects RULE=TEXT, got {item!r}", field="justify")
        out[rule.strip()] = text.strip()
    return out


def decide(
    ctx: typer.Context,
    request_id: IdArg,
    approve: Annotated[bool, typer.Option("--approve", help="Grant what was asked.")] = False,
    modify: Annotated[
        bool, typer.Option("--modify", help="Grant less (days, categories).")
    ] = False,
    deny: Annotated[bool, typer.Option("--deny", help="Refuse, with --reasons.")] = False,
    days: Annotated[int | None, typer.Option(min=1, help="Days, with --modify.")] = None,
    category: Annotated[
        list[DataCategory] | None, typer.Option(help="Authorised category (repeat), --modify.")
    ] = None,
    reasons: Annotated[str | None, typer.Option(help="Reasons (required to deny).")] = None,
    justify: Annotated[
        list[str] | None, typer.Option(help="RULE=TEXT justification for a review finding.")
    ] = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Decide as approver: --approve, --modify (narrow) or --deny."""
    from covergate.requests import decisions, views
    from covergate.requests.schemas import DecisionInput, DecisionOutcome
    from covergate.validation import parse_model

    chosen = [
        o
        for o, flag in (
            (DecisionOutcome.APPROVE, approve),
            (DecisionOutcome.MODIFY, modify),
            (DecisionOutcome.DENY, deny),
        )
        if flag
    ]
    if len(chosen) != 1:
        raise InvalidInput("give exactly one of --approve, --modify, --deny", field="outcome")
    decision = parse_model(
        DecisionInput,
        {
            "outcome": chosen[0].value,
            "days": days,
            "categories": [c.value for c in category] if category else None,
            "reasons": reasons,
            "justifications": _justifications(justify or []),
        },
        what="decision",
    )
    with acting(ctx, token) as a:
        request = visible(a, request_id)
        decisions.decide(
            session=a.session, ctx=a.ctx, actor=a.user, request=request, decision=decision
        )
        detail = views.detail(session=a.session, request=request)
    show_detail(detail, as_json)


def extend(
    ctx: typer.Context,
    request_id: IdArg,
    file: Annotated[Path, typer.Argument(help="The extension's request document (JSON).")],
    idempotency_key: Annotated[str | None, typer.Option(help="Replay-safe key.")] = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask for an extension: a new request for at most 30 more days."""
    from covergate.document import parse_request_document
    from covergate.requests import service, views

    document = parse_request_document(read_json_file(file))
    with acting(ctx, token) as a:
        parent = visible(a, request_id)
        result = service.extend(
            session=a.session,
            ctx=a.ctx,
            actor=a.user,
            parent=parent,
            document=document,
            idempotency_key=idempotency_key,
        )
        detail = views.detail(session=a.session, request=result.request)
    show_detail(detail, as_json)


def close(
    ctx: typer.Context,
    request_id: IdArg,
    reason: Annotated[
        PersonCloseReason, typer.Option(help="Why it ends.")
    ] = PersonCloseReason.REQUESTED,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Close a request: on request, on indictment, or after expiry."""
    from covergate.requests import service, views

    with acting(ctx, token) as a:
        request = visible(a, request_id)
        service.close(session=a.session, ctx=a.ctx, actor=a.user, request=request, reason=reason)
        detail = views.detail(session=a.session, request=request)
    show_detail(detail, as_json)


def register(root: typer.Typer) -> None:
    root.add_typer(request_app, name="request")
    for command in (review, decide, extend, close):
        root.command(command.__name__)(command)
