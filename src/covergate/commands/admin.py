"""Operator commands: init, serve, demo, agency/user/token management, schema, report.

``covergate audit`` (the access log and the compliance audit) is in ``commands/audit.py``.

Account commands (``user add|list|disable|enable``, ``token create|list|revoke``) are
the operator's, like ``init``: whoever may open the data directory and database may
manage accounts, with no token. That is how the first admin is made, and how an
operator recovers when every admin token is lost. Over HTTP only admins may.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from covergate.commands import demo_command, sign_in
from covergate.commands.common import (
    JsonOption,
    console,
    print_json,
    runtime,
)
from covergate.commands.tables import cell, print_table
from covergate.users.schemas import Delegation, Role
from covergate.vocabulary import AgencyFunction, Jurisdiction

if TYPE_CHECKING:
    from covergate.runtime import Runtime

ExpiresOption = Annotated[
    str | None,
    typer.Option(
        "--expires",
        help="Days (30, 30d) or the last day it works (2027-01-31, UTC). Default: never.",
        show_default=False,
    ),
]

user_app = typer.Typer(help="Add, list, disable and enable users.", no_args_is_help=True)
token_app = typer.Typer(help="Issue, list and revoke API tokens.", no_args_is_help=True)
agency_app = typer.Typer(help="Register agencies.", no_args_is_help=True)
schema_app = typer.Typer(help="Print JSON Schemas of the contracts.", no_args_is_help=True)


def init(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Create the data directory, keys and database schema (idempotent)."""
    with runtime(ctx, create=True, upgrade=True) as rt:
        vkey = rt.log_signer.verifier_key()
        rt.integrate_log()
        out = {
            "data_dir": str(rt.settings.data_dir.resolve()),
            "database": rt.engine.url.render_as_string(hide_password=True),
            "log_origin": rt.settings.log_origin,
            "log_verifier_key": vkey,
        }
    if as_json:
        print_json(out)
    else:
        for key, value in out.items():
            console.print(f"{key}: {value}", markup=False)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            min=1, max=64, help="Server processes (PostgreSQL only; each integrates the log)."
        ),
    ] = 1,
) -> None:
    """Serve the API, the web pages and the public log."""
    import dataclasses
    import os

    import uvicorn

    from covergate.api import create_app
    from covergate.errors import InvalidInput

    with runtime(ctx, upgrade=True) as rt:
        rt.log_signer  # noqa: B018  (fail now, with a clear message, if init was not run)
        if workers > 1 and rt.settings.is_sqlite:
            raise InvalidInput(
                "--workers needs PostgreSQL (COVERGATE_DATABASE_URL): SQLite has one writer, "
                "and one process serves it best",
                field="--workers",
            )
        if not os.environ.get("COVERGATE_PUBLIC_URL"):
            # Staff browse to this server: passkeys need a host name, so loopback is localhost.
            name = "localhost" if host in ("127.0.0.1", "::1", "localhost") else host
            rt.settings = dataclasses.replace(rt.settings, public_url=f"http://{name}:{port}")
        console.print(f"covergate on http://{host}:{port}  (API docs /docs, log /log/checkpoint)")
        console.print(f"staff sign-in at {rt.settings.public_url}/sign-in", markup=False)
        if workers > 1:
            # Each worker process opens its own runtime from these settings.
            os.environ["COVERGATE_DATA"] = str(rt.settings.data_dir.resolve())
            os.environ["COVERGATE_PUBLIC_URL"] = rt.settings.public_url
            console.print(f"{workers} worker processes", markup=False)
            uvicorn.run(
                f"{__name__}:worker_app",
                factory=True,
                workers=workers,
                host=host,
                port=port,
                log_level="info",
            )
            return
        with _background(rt):
            uvicorn.run(create_app(rt), host=host, port=port, log_level="info")


def worker_app() -> object:
    """The app of one ``serve --workers`` process: its own runtime, from the environment
    ``serve`` set (closed by the process's exit; the committed log loses nothing)."""
    import atexit

    from covergate.api import create_app
    from covergate.config import Settings
    from covergate.runtime import Runtime

    rt = Runtime.open(Settings.load(), run_migrations=False)
    background = _background(rt)
    background.__enter__()

    def stop() -> None:
        background.__exit__(None, None, None)
        rt.close()

    atexit.register(stop)
    return create_app(rt)


@contextmanager
def _background(rt: Runtime) -> Iterator[None]:
    """The log integrator and, with a witness policy, the witness worker, while serving."""
    rt.integrate_in_background()
    worker = None
    if rt.witnessing is not None:
        # Background: each new checkpoint, and a resend every interval.
        from covergate.transparency.witnessing import WitnessWorker

        worker = WitnessWorker(rt.witnessing.submit, interval=rt.settings.witness_resend_interval)
        rt.checkpoint_listeners.append(worker.notify)
        worker.start()
        names = ", ".join(w.name for w in rt.witnessing.quorum.policy.witnesses)
        console.print(f"witnesses: {names or 'none'}", markup=False)
    try:
        yield
    finally:
        if worker is not None:
            rt.checkpoint_listeners.remove(worker.notify)
            worker.stop()
        if rt.integrator is not None:
            rt.integrator.stop()  # one last integration of what is pending
            rt.integrator = None


@agency_app.command("add")
def agency_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The agency's name as used in request documents.")],
    jurisdiction: Annotated[Jurisdiction, typer.Option()],
    function: Annotated[list[AgencyFunction], typer.Option(help="A function (repeat).")],
) -> None:
    """Register an agency with its jurisdiction and functions."""
    from covergate.agencies import service as agencies

    with runtime(ctx) as rt, rt.transaction() as session:
        agency = agencies.register(
            session=session,
            clock=rt.clock,
            name=name,
            jurisdiction=jurisdiction,
            functions=function,
        )
        console.print(
            f"agency {agency.name} ({agency.jurisdiction.value}: {', '.join(agency.functions)})",
            markup=False,
        )


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[Role, typer.Option()],
    agency: Annotated[str | None, typer.Option(help="Agency (requesters only).")] = None,
    delegation: Annotated[
        Delegation | None, typer.Option(help="Written delegation (approvers only).")
    ] = None,
    court: Annotated[str | None, typer.Option(help="The court it serves (court only).")] = None,
    expires: ExpiresOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a user and print a new API token (shown once, stored hashed)."""
    from covergate.agencies import service as agencies
    from covergate.courts.registry import get_court_by_name
    from covergate.users import service as users

    with runtime(ctx) as rt, rt.transaction() as session:
        expires_at = users.parse_expiry(expires, clock=rt.clock) if expires else None
        user = users.add_user(
            session=session,
            clock=rt.clock,
            email=email,
            name=name,
            role=role,
            agency=agencies.get_by_name(session=session, name=agency) if agency else None,
            delegation=delegation,
            court=get_court_by_name(session=session, name=court) if court else None,
        )
        row, token = users.issue_token(
            session=session, clock=rt.clock, user=user, expires_at=expires_at
        )
        shown = users.token_as_dict(row, clock=rt.clock)
    if as_json:
        print_json({"email": email, "role": role.value, "token": token, **_token_fields(shown)})
    else:
        console.print(f"user {email} ({role.value}) added; token (shown once):", markup=False)
        console.print(token, markup=False)


@user_app.command("list")
def user_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every user: role, delegation or agency, whether disabled, live tokens."""
    from covergate.users import service as users

    with runtime(ctx) as rt, rt.transaction() as session:
        rows = [users.user_as_dict(u, clock=rt.clock) for u in users.list_users(session=session)]
    if as_json:
        print_json({"users": rows})
        return
    columns = (
        "email",
        "name",
        "role",
        "delegation",
        "agency",
        "court",
        "created",
        "disabled",
        "tokens",
    )
    _table("users", columns, rows)


@user_app.command("disable")
def user_disable(
    ctx: typer.Context, email: Annotated[str, typer.Argument()], as_json: JsonOption = False
) -> None:
    """Refuse every token of a user at once, until `user enable`."""
    from covergate.users import service as users

    with runtime(ctx) as rt, rt.transaction() as session:
        user = users.get_by_email(session=session, email=email)
        users.disable_user(session=session, clock=rt.clock, user=user)
        shown = users.user_as_dict(user, clock=rt.clock)
    if as_json:
        print_json(shown)
    else:
        console.print(
            f"user {email} disabled; its {shown['tokens']} tokens are refused until "
            f"`covergate user enable {email}`",
            markup=False,
        )


@user_app.command("enable")
def user_enable(
    ctx: typer.Context, email: Annotated[str, typer.Argument()], as_json: JsonOption = False
) -> None:
    """Accept a disabled user's tokens again (those not revoked or expired)."""
    from covergate.users import service as users

    with runtime(ctx) as rt, rt.transaction() as session:
        user = users.get_by_email(session=session, email=email)
        users.enable_user(session=session, user=user)
        shown = users.user_as_dict(user, clock=rt.clock)
    if as_json:
        print_json(shown)
    else:
        console.print(f"user {email} enabled; {shown['tokens']} tokens work again", markup=False)


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument()],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    expires: ExpiresOption = None,
    as_json: JsonOption = False,
) -> None:
    """Issue another API token for a user (shown once, stored hashed)."""
    from covergate.users import service as users

    with runtime(ctx) as rt, rt.transaction() as session:
        user = users.get_by_email(session=session, email=email)
        expires_at = users.parse_expiry(expires, clock=rt.clock) if expires else None
        row, token = users.issue_token(
            session=session, clock=rt.clock, user=user, label=label, expires_at=expires_at
        )
        shown = users.token_as_dict(row, clock=rt.clock)
    if as_json:
        print_json({"email": email, "token": token, **_token_fields(shown)})
    else:
        console.print(token, markup=False)


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option(help="Only this user's tokens (email).")] = None,
    active: Annotated[bool, typer.Option("--active", help="Only tokens that work now.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Tokens by id (never their secrets): user, label, created, expires, status."""
    from covergate.users import service as users

    with runtime(ctx) as rt, rt.transaction() as session:
        holder = users.get_by_email(session=session, email=user) if user else None
        rows = [
            users.token_as_dict(t, clock=rt.clock)
            for t in users.list_tokens(
                session=session, user=holder, active_only=active, clock=rt.clock
            )
        ]
    if as_json:
        print_json({"tokens": rows})
        return
    _table("tokens", ("id", "user", "label", "created", "expires", "revoked", "status"), rows)


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    token_id: Annotated[
        str, typer.Argument(metavar="ID", help="The id `token list` shows, or the token itself.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Revoke a token at once: the next command or request with it is refused."""
    from covergate.users import service as users

    with runtime(ctx) as rt, rt.transaction() as session:
        row = users.revoke_token(session=session, clock=rt.clock, token_id=token_id)
        shown = users.token_as_dict(row, clock=rt.clock)
    if as_json:
        print_json(shown)
    else:
        console.print(f"token {shown['id']} of {shown['user']} revoked", markup=False)


def _token_fields(shown: dict[str, object]) -> dict[str, object]:
    return {"id": shown["id"], "label": shown["label"], "expires": shown["expires"]}


def _table(title: str, columns: tuple[str, ...], rows: list[dict[str, object]]) -> None:
    table = Table(title=title)
    for i, col in enumerate(columns):
        # The first column names the row (an id, an email): never cut, whatever the width.
        table.add_column(col, no_wrap=i == 0, overflow="fold")
    for r in rows:
        table.add_row(*(cell(r[c]) for c in columns))
    print_table(table, console)


@schema_app.command("request")
def schema_request() -> None:
    """Print the JSON Schema of the request document (covergate/request/v1)."""
    from covergate.document import request_json_schema

    print_json(request_json_schema())


def register(root: typer.Typer) -> None:
    root.command("init")(init)
    root.command("serve")(serve)
    root.command("demo")(demo_command.demo)
    root.add_typer(agency_app, name="agency")
    sign_in.register(user_app)
    root.add_typer(user_app, name="user")
    root.add_typer(token_app, name="token")
    root.add_typer(schema_app, name="schema")
