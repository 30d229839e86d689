"""``covergate log key``, ``log rotate-key`` and ``log retire-key``: the log's keys.

A rotation (see :mod:`covergate.transparency.keys`): ``rotate-key`` makes a new
current key and keeps the old one signing beside it, and signs the latest
checkpoint again with both (:mod:`covergate.transparency.rotation`), so that
verifiers holding either key open it; once witnesses and verifiers have the new
key, ``retire-key KEYID`` stops the old one.
"""

from __future__ import annotations

from typing import Annotated

import typer

from covergate.commands.common import runtime, settings_of
from covergate.errors import InvalidInput


def register(log_app: typer.Typer) -> None:
    log_app.command("key")(key)
    log_app.command("rotate-key")(rotate_key)
    log_app.command("retire-key")(retire_key)


def key(
    ctx: typer.Context,
    every: Annotated[
        bool, typer.Option("--all", help="Also the previous key of a rotation under way.")
    ] = False,
) -> None:
    """Print the log's verifier key (name+id+base64 key)."""
    from covergate.transparency.keys import load_log_signers

    signers = load_log_signers(settings_of(ctx))
    for signer in signers.signers if every else (signers.current,):
        typer.echo(signer.verifier_key())


def rotate_key(ctx: typer.Context) -> None:
    """Make a new log key; the old one keeps signing beside it until retired.

    The latest checkpoint is signed again at once with both keys, so verifiers
    given either key open it."""
    from covergate.transparency.keys import rotate_log_key
    from covergate.transparency.rotation import resign_latest

    signers = rotate_log_key(settings_of(ctx))
    with runtime(ctx) as rt:
        resigned = resign_latest(sessions=rt.sessions, signer=signers)
    old = signers.previous
    if old is None:  # pragma: no cover - rotate_log_key always leaves one
        raise InvalidInput("the rotation left no previous key")
    typer.echo(f"new log key: {signers.current.verifier_key()}")
    typer.echo(f"old log key: {old.verifier_key()} (still signs)")
    if resigned is not None:
        typer.echo(f"checkpoint of tree size {resigned.size} signed again by both keys")
    typer.echo(
        "give the new key to witnesses and verifiers, then run "
        f"`covergate log retire-key {old.key_id.hex()}`"
    )


def retire_key(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="The old key's hex key ID (or verifier key).")],
) -> None:
    """End a rotation: the old key stops signing (its file is kept, retired)."""
    from covergate.transparency.keys import load_log_signers, retire_log_key

    settings = settings_of(ctx)
    path = retire_log_key(settings, key_id)
    typer.echo(
        f"retired; checkpoints are now signed by {load_log_signers(settings).verifier_key()} "
        f"alone; the old key is kept in {path}"
    )
