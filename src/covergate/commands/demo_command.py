"""``covergate demo``: a realistic synthetic year, with demo tokens and sign-in links."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from covergate.commands.common import console, runtime


class DemoSize(StrEnum):
    """How many requests the demo year holds (``--size``). Here, not in covergate.demo:
    the CLI starts without importing database code."""

    SMALL = "small"  # the default: a year that seeds in about 12 s of CPU, the same life
    NATIONAL = "national"  # the national program's volume: about 3 minutes of CPU


#: (outside-agency, inspectors' own) requests of each size. Small keeps the national
#: mix (four outside-agency requests to one of the inspectors'): 200 requests, whose
#: year seeds in about 12 s of CPU (docs/BENCHMARKS.md).
SIZES: dict[DemoSize, tuple[int, int]] = {
    DemoSize.SMALL: (160, 40),
    DemoSize.NATIONAL: (6000, 1500),
}


def demo_size(
    size: DemoSize, *, outside: int | None = None, inspectors: int | None = None
) -> tuple[int, int]:
    """The (outside, inspectors) counts to seed: the size's, unless given explicitly."""
    default_outside, default_inspectors = SIZES[size]
    return (
        default_outside if outside is None else outside,
        default_inspectors if inspectors is None else inspectors,
    )


def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same history.")] = 2026,
    size: Annotated[
        DemoSize,
        typer.Option(
            help="small: 160 + 40 requests (about 20 s); "
            "national: the program's volume (6,000 + 1,500 requests, about 3 minutes)."
        ),
    ] = DemoSize.SMALL,
    outside: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=100_000,
            help="Outside-agency requests to seed (default: the size's).",
            show_default=False,
        ),
    ] = None,
    inspectors: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=100_000,
            help="Postal inspectors' own requests (default: the size's).",
            show_default=False,
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Host for the printed URLs.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for the printed URLs.")] = 8000,
) -> None:
    """Seed a realistic synthetic year of requests and print URLs and demo tokens."""
    from covergate.demo import seed_demo
    from covergate.signin import links
    from covergate.users import service as users

    # WebAuthn needs a host name: staff pages are printed at localhost, not 127.0.0.1.
    staff_base = f"http://{'localhost' if host in ('127.0.0.1', '::1') else host}:{port}"
    asked_outside, asked_inspectors = demo_size(size, outside=outside, inspectors=inspectors)
    with runtime(ctx, create=True, upgrade=True) as rt:
        result = seed_demo(rt, seed=seed, outside=asked_outside, inspectors=asked_inspectors)
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
        if size is DemoSize.SMALL and outside is None and inspectors is None:
            console.print(
                "a small year, the national mix at 1/37 of its volume; for the program's "
                "volume (7,500 requests, about 3 minutes): covergate --data DIR demo "
                "--size national, into a new data directory",
                markup=False,
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
