"""``covergate demo``: a realistic synthetic year, with demo tokens and sign-in links."""

from __future__ import annotations

from typing import Annotated

import typer

from covergate.commands.common import console, runtime


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
    from covergate.signin import links
    from covergate.users import service as users

    # WebAuthn needs a host name: staff pages are printed at localhost, not 127.0.0.1.
    staff_base = f"http://{'localhost' if host in ('127.0.0.1', '::1') else host}:{port}"
    with runtime(ctx, create=True, upgrade=True) as rt:
        result = seed_demo(rt, seed=seed, outside=outside, inspectors=inspectors)
        with rt.transaction() as session:
            sign_in = [
                (
                    role,
                    email,
                    links.issue_link(
                        session=session,
                        clock=rt.clock,
                        user=users.get_by_email(session=session, email=email),
                        base_url=staff_base,
                    ),
                )
                for role, email, _token in result.tokens
            ]
    base = f"http://{host}:{port}"
    if result.reused:
        console.print(
            f"\n[bold]covergate demo[/]: the data directory already holds the demo "
            f"({result.requests} requests, {result.log_size} log entries); "
            "nothing seeded, fresh tokens issued"
        )
        if result.revoked:
            console.print(
                f"revoked the {result.revoked} demo tokens printed before; only those below work",
                markup=False,
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
    console.print(
        f"\n[bold]staff web app[/] {staff_base}/sign-in: one-time sign-in links, "
        "each valid 15 minutes and usable once (`covergate user sign-in-link EMAIL` for more):"
    )
    for role, email, url in sign_in:
        console.print(f"  {role:<45} {email:<26} {url}", markup=False, soft_wrap=True)
