"""``covergate produce|package|acknowledge``: the package for the agency, and its receipt."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from covergate.commands.common import JsonOption, TokenOption, acting, console, print_json
from covergate.commands.requests import IdArg, show_detail, visible
from covergate.errors import InvalidInput
from covergate.productions import service as productions
from covergate.requests import views


def _prepare_outdir(outdir: Path) -> None:
    """Check, before anything is committed, that OUTDIR can take the package.

    Nothing is created here: a refused command leaves no trace on disk either.
    """
    if outdir.exists():
        if not outdir.is_dir() or any(outdir.iterdir()):
            raise InvalidInput(f"{outdir}: must be a new or empty directory")
        if not os.access(outdir, os.W_OK | os.X_OK):
            raise InvalidInput(f"{outdir}: cannot write there (permission denied)")
        return
    ancestor = outdir.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InvalidInput(f"{outdir}: cannot create it, {ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise InvalidInput(f"{outdir}: cannot create it in {ancestor} (permission denied)")


def _write_package(outdir: Path, files: dict[str, bytes]) -> None:
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (outdir / name).write_bytes(data)
    except OSError as exc:
        raise InvalidInput(
            f"{outdir}: writing the package failed ({exc.strerror or exc})"
        ) from None


def produce(
    ctx: typer.Context,
    request_id: IdArg,
    outdir: Annotated[Path, typer.Argument(help="New or empty directory for the package.")],
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Produce a closed request's package (reviewer) and write it to OUTDIR."""
    _prepare_outdir(outdir)
    with acting(ctx, token) as a:
        request = visible(a, request_id)
        package = productions.produce(session=a.session, ctx=a.ctx, actor=a.user, request=request)
    _write_package(outdir, package.files)
    out = {
        "request": request_id,
        "outdir": str(outdir),
        "manifest_sha256": package.manifest_sha256,
        "files": package.manifest["files"],
    }
    if as_json:
        print_json(out)
    else:
        console.print(f"package for {request_id} written to {outdir}")
        console.print(f"manifest sha256 {package.manifest_sha256}")


def package(
    ctx: typer.Context,
    request_id: IdArg,
    outdir: Annotated[Path, typer.Argument(help="New or empty directory for the package.")],
    reason: Annotated[str, typer.Option(help="Why you read it (access-logged).")] = "",
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Download a produced package (the agency); the read is access-logged."""
    _prepare_outdir(outdir)
    with acting(ctx, token) as a:
        request = visible(a, request_id)
        pkg = productions.read_package(
            session=a.session, ctx=a.ctx, actor=a.user, request=request, reason=reason
        )
    _write_package(outdir, pkg.files)
    if as_json:
        print_json(
            {"request": request_id, "outdir": str(outdir), "manifest_sha256": pkg.manifest_sha256}
        )
    else:
        console.print(f"package written to {outdir}; manifest sha256 {pkg.manifest_sha256}")


def acknowledge(
    ctx: typer.Context,
    request_id: IdArg,
    manifest_sha256: Annotated[str, typer.Option(help="SHA-256 of the manifest.json received.")],
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Acknowledge receipt of the package (the agency)."""
    with acting(ctx, token) as a:
        request = visible(a, request_id)
        productions.acknowledge(
            session=a.session,
            ctx=a.ctx,
            actor=a.user,
            request=request,
            manifest_sha256=manifest_sha256.strip().lower(),
        )
        detail = views.detail(session=a.session, request=request)
    show_detail(detail, as_json)


def register(root: typer.Typer) -> None:
    for command in (produce, package, acknowledge):
        root.command(command.__name__)(command)
