"""Web sign-in from the command line: one-time links and passwords.

``covergate user sign-in-link EMAIL`` is how the first admin (and anyone who lost a
password or a passkey) gets into the web app; ``user set-password`` sets a password
for an account without one.
"""

from __future__ import annotations

from typing import Annotated

import typer

from covergate.commands.common import console, runtime


def user_sign_in_link(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument()],
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Where staff browse to (default COVERGATE_PUBLIC_URL)."),
    ] = None,
) -> None:
    """Print a one-time sign-in link for the web app: valid 15 minutes, usable once.

    For the first sign-in, and to recover an account that lost its password or
    passkey: the link lets the user in once, to set a password or enrol a passkey.
    """
    from covergate.signin import links
    from covergate.users import service as users

    with runtime(ctx) as rt, rt.transaction() as session:
        user = users.get_by_email(session=session, email=email)
        url = links.issue_link(
            session=session,
            clock=rt.clock,
            user=user,
            base_url=base_url or rt.settings.public_url,
        )
    console.print(url, markup=False, soft_wrap=True)


def user_set_password(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument()],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a user's web sign-in password (argon2id; at least 12 characters)."""
    import sys

    from covergate.signin import service as signin
    from covergate.users import service as users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with runtime(ctx) as rt, rt.transaction() as session:
        user = users.get_by_email(session=session, email=email)
        signin.set_password(session=session, clock=rt.clock, user=user, password=password)
    console.print(f"password set for {email}", markup=False)


def register(user_app: typer.Typer) -> None:
    user_app.command("sign-in-link")(user_sign_in_link)
    user_app.command("set-password")(user_set_password)
