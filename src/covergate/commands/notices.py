"""``covergate notice ...``: the notice owed to the subject.

- ``notice list|show``: reviewers and auditors all; a court its own; an agency its own.
- ``notice delay ID --until D --docket N --reasons T``: a court's delay order (court).
- ``notice letter ID OUT.pdf``: print the letter (reviewer; access-logged).
- ``notice bundle ID OUT.json``: the subject's bundle (reviewer, auditor; access-logged).
- ``notice mailed ID --date D --tracking N``: the letter went out (reviewer).
- ``notice verify BUNDLE --key VKEY [--policy FILE]``: check a bundle offline: no
  database, no data dir; with a witness policy, also the checkpoint's cosignature quorum
  (short of it: exit 1).
- ``notice sweep``: owe, resume and publish overdue notices now (the operator's, like
  ``init``; the server's maintenance loop runs it too).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

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
    write_atomically,
)
from covergate.commands.log import PolicyOption
from covergate.commands.requests import IdArg, visible
from covergate.commands.tables import cell, print_table
from covergate.lifecycle.states import NoticeState

notice_app = typer.Typer(
    help="The notice to the subject: delay orders, the letter, the bundle, mailing.",
    no_args_is_help=True,
)
OutArg = Annotated[Path, typer.Argument(help="The file to write (replaced atomically).")]
#: A bundle holds every entry of one request with its proof: far below this.
MAX_BUNDLE_BYTES = 16 << 20
_COLUMNS = ("request", "state", "owed_from", "due_on", "overdue", "delayed_until", "mailed_on")


def register(root: typer.Typer) -> None:
    root.add_typer(notice_app, name="notice")


def _view(a: Acting, request_id: str) -> dict[str, Any]:
    from covergate.notices import reading

    request = visible(a, request_id)
    notice = reading.get_notice(session=a.session, ctx=a.ctx, actor=a.user, request=request)
    return reading.notice_view(session=a.session, ctx=a.ctx, notice=notice, request=request)


def _show(view: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(view)
        return
    table = Table(show_header=False, box=None)
    for key in (*_COLUMNS, "letter_sha256", "citation"):
        table.add_row(f"[bold]{key}[/]", cell(view.get(key)))
    print_table(table, console)
    if view["delay_orders"]:
        orders = Table(title="delay orders")
        columns = ("docket", "issued_on", "delays_until", "days", "entry_index")
        for col in columns:
            orders.add_column(col)
        for d in view["delay_orders"]:
            orders.add_row(*(cell(d[c]) for c in columns))
        print_table(orders, console)


@notice_app.command("list")
def list_(
    ctx: typer.Context,
    state: Annotated[NoticeState | None, typer.Option(help="Only this state.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue notices.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the notices you may read, soonest due first."""
    from covergate.notices import reading

    with acting(ctx, token) as a:
        rows = [
            reading.notice_view(session=a.session, ctx=a.ctx, notice=n, request=r)
            for n, r in reading.list_notices(
                session=a.session,
                ctx=a.ctx,
                actor=a.user,
                state=state,
                overdue_only=overdue,
                limit=limit,
                offset=offset,
            )
        ]
    if as_json:
        print_json({"notices": rows})
        return
    table = Table()
    for col in _COLUMNS:
        table.add_column(col, no_wrap=col == "request")
    for row in rows:
        table.add_row(*(cell(row[c]) for c in _COLUMNS))
    print_table(table, console)


@notice_app.command("show")
def show(
    ctx: typer.Context, request_id: IdArg, token: TokenOption = None, as_json: JsonOption = False
) -> None:
    """Show the notice a request owes its subject."""
    with acting(ctx, token) as a:
        view = _view(a, request_id)
    _show(view, as_json)


@notice_app.command("delay")
def delay(
    ctx: typer.Context,
    request_id: IdArg,
    until: Annotated[str, typer.Option(help="Last day of the delay (YYYY-MM-DD).")],
    docket: Annotated[str, typer.Option(help="The delay order's docket number.")],
    reasons: Annotated[str, typer.Option(help="The order's reasons (sealed).")],
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Delay the notice by a court order (a user of the request's court)."""
    from covergate.notices import service

    day = day_option(until, "--until")
    with acting(ctx, token) as a:
        request = visible(a, request_id)
        service.delay(
            session=a.session,
            ctx=a.ctx,
            actor=a.user,
            request=request,
            until=day,
            docket=docket,
            reasons=reasons,
        )
        view = _view(a, request.public_id)
    _show(view, as_json)


@notice_app.command("mailed")
def mailed(
    ctx: typer.Context,
    request_id: IdArg,
    on: Annotated[str, typer.Option("--date", help="The day it was mailed (YYYY-MM-DD).")],
    tracking: Annotated[str, typer.Option(help="The USPS tracking number.")],
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record that the letter was mailed (reviewer)."""
    from covergate.notices import service

    day = day_option(on, "--date")
    with acting(ctx, token) as a:
        request = visible(a, request_id)
        service.mark_mailed(
            session=a.session,
            ctx=a.ctx,
            actor=a.user,
            request=request,
            mailed_on=day,
            tracking=tracking,
        )
        view = _view(a, request.public_id)
    _show(view, as_json)


@notice_app.command("letter")
def letter(ctx: typer.Context, request_id: IdArg, out: OutArg, token: TokenOption = None) -> None:
    """Print the letter to the subject as PDF (reviewer; the read is access-logged)."""
    from covergate.notices.bundle import print_letter

    with acting(ctx, token) as a:
        request = visible(a, request_id)
        pdf = print_letter(
            session=a.session,
            ctx=a.ctx,
            actor=a.user,
            request=request,
            log_key=a.runtime.log_signer.verifier_key(),
        )
        write_atomically(out, pdf)  # before the commit: a letter not written is not logged
    typer.echo(f"letter for {request.public_id} written to {out} ({len(pdf)} bytes)")


@notice_app.command("bundle")
def bundle(ctx: typer.Context, request_id: IdArg, out: OutArg, token: TokenOption = None) -> None:
    """Write the subject's bundle: the request's log entries, proofs and openings."""
    from covergate.context import Via
    from covergate.notices.bundle import build_bundle
    from covergate.notices.verify import encode_bundle

    with runtime(ctx) as rt:
        rt.integrate_log()  # every committed entry into a signed checkpoint first
        with rt.unit_of_work(token or os.environ.get("COVERGATE_TOKEN")) as (session, user):
            a = Acting(rt, session, user, rt.context(Via.CLI))
            request = visible(a, request_id)
            data = encode_bundle(
                build_bundle(
                    session=session,
                    ctx=a.ctx,
                    actor=user,
                    request=request,
                    log_key=rt.log_signer.verifier_key(),
                )
            )
            write_atomically(out, data)
    typer.echo(f"bundle for {request.public_id} written to {out} ({len(data)} bytes)")


@notice_app.command("verify")
def verify(
    bundle_file: Annotated[Path, typer.Argument(help="The bundle (JSON) to check.")],
    key: Annotated[
        str | None,
        typer.Option("--key", help="The log's verifier key (default: the policy's log line)."),
    ] = None,
    policy_file: PolicyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a notice bundle offline: no database, no data directory."""
    from covergate.commands.log import quorum_exits_1, read_policy
    from covergate.notices.verify import verify_bundle

    policy = read_policy(policy_file)
    data = read_input_file(bundle_file, limit=MAX_BUNDLE_BYTES)
    with quorum_exits_1():
        result = verify_bundle(data, key, policy=policy)
    witnessed = result.witnessed
    if as_json:
        print_json(
            {
                "ok": True,
                "request": result.request,
                "origin": result.origin,
                "checkpoint_size": result.checkpoint_size,
                "entries": len(result.events),
                "facts": result.facts,
                "notes": list(result.notes),
                "witnesses_checked": witnessed is not None and witnessed.policy is not None,
                "cosignatures": [] if witnessed is None else witnessed.cosigners(),
            }
        )
        return
    typer.echo(
        f"request {result.request}: {len(result.events)} entries in {result.origin} "
        f"at checkpoint size {result.checkpoint_size}"
    )
    for e in result.events:
        outcome = e.public.get("outcome")
        suffix = f" ({outcome})" if outcome else ""
        typer.echo(f"  {e.index:>8}  {e.date}  {e.event.value}{suffix}")
    for note in result.notes:
        typer.echo(f"note: {note}")
    if witnessed is not None:
        typer.echo(witnessed.describe())
    typer.echo("OK: signature, inclusion, openings, order of events and facts verified")


@notice_app.command("sweep")
def sweep(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Owe the notices of ended requests, resume ended delays, publish overdue notices."""
    from covergate.context import Via
    from covergate.notices.service import sweep_notices

    with runtime(ctx) as rt, rt.transaction() as session:
        result = sweep_notices(session=session, ctx=rt.context(Via.CLI))
    out = {"created": result.created, "resumed": result.resumed, "overdue": result.overdue}
    if as_json:
        print_json(out)
    else:
        typer.echo(
            f"{result.created} notices owed, {result.resumed} resumed, {result.overdue} overdue"
        )
