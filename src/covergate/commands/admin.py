"""Operator commands: init, serve, demo, agency/user/token management, schema, audit,
report."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from covergate.agencies import service as agencies
from covergate.audit import service as audit
from covergate.commands.common import (
    JsonOption,
    TokenOption,
    acting,
    console,
    print_json,
    runtime,
)
from covergate.document import AgencyFunction, Jurisdiction, request_json_schema
from covergate.lifecycle import access
from covergate.report import service as report
from covergate.users import service as users
from covergate.users.schemas import Delegation, Role

user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
token_app = typer.Typer(help="Issue API tokens.", no_args_is_help=True)
agency_app = typer.Typer(help="Register agencies.", no_args_is_help=True)
schema_app = typer.Typer(help="Print JSON Schemas of the contracts.", no_args_is_help=True)


def init(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Create the data directory, keys and database schema (idempotent)."""
    with runtime(ctx, create=True) as rt:
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
) -> None:
    """Serve the API, the web pages and the public log."""
    import uvicorn

    from covergate.api import create_app

    with runtime(ctx) as rt:
        rt.log_signer  # noqa: B018  (fail now, with a clear message, if init was not run)
        console.print(f"covergate on http://{host}:{port}  (API docs /docs, log /log/checkpoint)")
        uvicorn.run(create_app(rt), host=host, port=port, log_level="info")


def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same history.")] = 2026,
    outside: Annotated[
        int, typer.Option(min=1, max=100_000, help="Outside-agency requests to seed.")
    ] = 6000,
    inspectors: Annotated[
        int, typer.Option(min=0, max=100_000, help="Postal inspectors' own requests.")
    ] = 1500,
    host: Annotated[str, typer.Option(help="Host for the printed URLs.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for the printed URLs.")] = 8000,
) -> None:
    """Seed a realistic synthetic year of requests and print URLs and demo tokens."""
    from covergate.demo import seed_demo

    with runtime(ctx, create=True) as rt:
        result = seed_demo(rt, seed=seed, outside=outside, inspectors=inspectors)
    base = f"http://{host}:{port}"
    if result.reused:
        console.print(
            f"\n[bold]covergate demo[/]: the data directory already holds the demo "
            f"({result.requests} requests, {result.log_size} log entries); "
            "nothing seeded, fresh tokens issued"
        )
    else:
        console.print(
            f"\n[bold]covergate demo[/] seeded {result.requests} requests "
            f"({result.extensions} of them extensions) and "
            f"{result.log_size} log entries in {result.seconds:.1f} s (seed {seed})"
        )
    console.print(f"  public report  {base}/")
    console.print(f"  API docs       {base}/docs")
    console.print(f"  log checkpoint {base}/log/checkpoint")
    console.print(f"  log key        {result.verifier_key}", markup=False, soft_wrap=True)
    console.print("\n[bold]demo tokens[/] (Authorization: Bearer TOKEN, or --token TOKEN):")
    for role, email, token in result.tokens:
        console.print(f"  {role:<45} {email:<26} {token}", markup=False, soft_wrap=True)


@agency_app.command("add")
def agency_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The agency's name as used in request documents.")],
    jurisdiction: Annotated[Jurisdiction, typer.Option()],
    function: Annotated[list[AgencyFunction], typer.Option(help="A function (repeat).")],
) -> None:
    """Register an agency with its jurisdiction and functions."""
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
    as_json: JsonOption = False,
) -> None:
    """Add a user and print a new API token (shown once, stored hashed)."""
    with runtime(ctx) as rt, rt.transaction() as session:
        agency_row = agencies.get_by_name(session=session, name=agency) if agency else None
        user = users.add_user(
            session=session,
            clock=rt.clock,
            email=email,
            name=name,
            role=role,
            agency=agency_row,
            delegation=delegation,
        )
        token = users.create_token(session=session, clock=rt.clock, user=user)
    if as_json:
        print_json({"email": email, "role": role.value, "token": token})
    else:
        console.print(f"user {email} ({role.value}) added; token (shown once):", markup=False)
        console.print(token, markup=False)


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument()],
    label: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    as_json: JsonOption = False,
) -> None:
    """Issue another API token for a user (shown once, stored hashed)."""
    with runtime(ctx) as rt, rt.transaction() as session:
        user = users.get_by_email(session=session, email=email)
        token = users.create_token(session=session, clock=rt.clock, user=user, label=label)
    if as_json:
        print_json({"email": email, "token": token})
    else:
        console.print(token, markup=False)


@schema_app.command("request")
def schema_request() -> None:
    """Print the JSON Schema of the request document (covergate/request/v1)."""
    print_json(request_json_schema())


def audit_command(
    ctx: typer.Context,
    request: Annotated[str | None, typer.Option(help="Only reads of this request.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000)] = 200,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """The access log (auditors): who read subject data, when, which request, why."""
    with acting(ctx, token) as a:
        audit.require_auditor(a.user)
        request_id = None
        if request is not None:
            request_id = access.get_visible(
                session=a.session, ctx=a.ctx, actor=a.user, public_id=request, refresh=False
            ).id
        rows = [
            audit.as_dict(r)
            for r in audit.list_access(session=a.session, request_id=request_id, limit=limit)
        ]
    if as_json:
        print_json({"access": rows})
        return
    table = Table(title="access log")
    for col in ("at", "user", "role", "request", "what", "via", "reason"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            *(str(r[c]) for c in ("at", "user", "role", "request", "what", "via", "reason"))
        )
    console.print(table)


def report_command(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option(help="Only requests received in this year.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Public statistics: counts by agency, ground, legal process and outcome."""
    with runtime(ctx) as rt, rt.transaction() as session:
        stats = report.statistics(session=session, year=year)
    if as_json:
        print_json(stats)
        return
    console.print(f"[bold]{stats['total']}[/] requests; outcomes {json.dumps(stats['outcomes'])}")
    for dimension in ("by_agency", "by_ground", "by_process"):
        table = Table(title=dimension.replace("_", " "))
        table.add_column(dimension.removeprefix("by_"))
        for col in ("requests", "approved", "denied", "pending"):
            table.add_column(col, justify="right")
        for key, row in stats[dimension].items():
            table.add_row(
                key, *(str(row[c]) for c in ("requests", "approved", "denied", "pending"))
            )
        console.print(table)


def register(root: typer.Typer) -> None:
    root.command("init")(init)
    root.command("serve")(serve)
    root.command("demo")(demo)
    root.add_typer(agency_app, name="agency")
    root.add_typer(user_app, name="user")
    root.add_typer(token_app, name="token")
    root.add_typer(schema_app, name="schema")
    root.command("audit")(audit_command)
    root.command("report")(report_command)
