"""``covergate produce|package|acknowledge``: the package for the agency, and its receipt."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from covergate.commands.common import (
    JsonOption,
    TokenOption,
    acting,
    console,
    on_path,
    print_json,
)
from covergate.commands.request_detail import show_detail
from covergate.commands.requests import IdArg, visible
from covergate.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

OutdirArg = Annotated[Path, typer.Argument(help="New or empty directory for the package.")]


def _check_outdir(outdir: Path) -> None:
    """Check, before anything is committed, that OUTDIR can take the package.

    Nothing is created here: a refused command leaves no trace on disk either.
    """
    with on_path(outdir):
        if outdir.is_symlink():
            raise InvalidInput(f"{outdir}: must be a new or empty directory, not a symlink")
        if outdir.exists():
            if not outdir.is_dir() or any(outdir.iterdir()):
                raise InvalidInput(f"{outdir}: must be a new or empty directory")
            if not os.access(outdir.parent, os.W_OK | os.X_OK):
                raise InvalidInput(f"{outdir}: cannot replace it (permission denied)")
            return
        ancestor = outdir.parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise InvalidInput(f"{outdir}: cannot create it, {ancestor} is not a directory")
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise InvalidInput(f"{outdir}: cannot create it in {ancestor} (permission denied)")


class _Staging:
    """A package written beside OUTDIR first, moved into place only once committed.

    The order, and what a crash at each point leaves:

    1. ``_check_outdir``, then the transaction reads (and for ``produce`` changes)
       the request. Crash: nothing committed, nothing on disk.
    2. ``write`` (still inside the transaction): create OUTDIR's missing parents and
       a hidden ``.covergate-package-*.partial`` directory beside OUTDIR; write and
       fsync every file. A failure here raises, so the transaction rolls back: the
       request stays as it was, no log entry, no access record; the temporary
       directory and the parents made are removed. Crash: nothing committed; a
       stale hidden ``.partial`` directory may remain (safe to delete).
    3. Commit. Crash just after: the commit holds (``produced``, its log entry, the
       access record) and the complete, fsynced package is in the ``.partial``
       directory; ``covergate package`` gives it again.
    4. ``publish``: one ``rename`` of the ``.partial`` directory onto OUTDIR (atomic:
       OUTDIR is absent or the empty directory it replaces), then fsync the parent.
       If the rename fails, the error says where the complete package is.

    Files are written mode 0600 in a 0700 directory: they hold subject data.
    """

    def __init__(self, outdir: Path, verb: str) -> None:
        self.outdir = outdir
        self.target = Path(os.path.abspath(outdir))
        self.verb = verb
        self.tmp: Path | None = None
        self.created: list[Path] = []
        self.committed = False

    def write(self, session: Session, files: dict[str, bytes]) -> None:
        from sqlalchemy import event

        with on_path(self.outdir, "cannot write the package"):
            missing: list[Path] = []
            parent = self.target.parent
            while not parent.exists():
                missing.append(parent)
                parent = parent.parent
            for directory in reversed(missing):
                directory.mkdir()
                self.created.append(directory)
            self.tmp = Path(
                tempfile.mkdtemp(
                    prefix=".covergate-package-", suffix=".partial", dir=self.target.parent
                )
            )
            for name, data in files.items():
                fd = os.open(self.tmp / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            _fsync_dir(self.tmp)
            _fsync_dir(self.target.parent)
        event.listen(session, "after_commit", self._on_commit)

    def _on_commit(self, _session: Any) -> None:
        self.committed = True

    def settle(self) -> None:
        """After the transaction: publish if it committed, else remove every trace."""
        if self.tmp is not None and self.committed:
            self.publish(self.tmp)
        else:
            self.discard()

    def publish(self, tmp: Path) -> None:
        doing = (
            f"the package was {self.verb} but could not be moved into place; "
            f"it is complete in {tmp}"
        )
        with on_path(self.outdir, doing):
            os.rename(tmp, self.target)
        with on_path(self.outdir, "the package is in place but its directory entry not synced"):
            _fsync_dir(self.target.parent)

    def discard(self) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
        for directory in reversed(self.created):
            with suppress(OSError):  # someone else put something there meanwhile: keep it
                directory.rmdir()


@contextmanager
def _staged(outdir: Path, verb: str) -> Iterator[_Staging]:
    _check_outdir(outdir)
    staging = _Staging(outdir, verb)
    try:
        yield staging
    finally:
        staging.settle()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def produce(
    ctx: typer.Context,
    request_id: IdArg,
    outdir: OutdirArg,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Produce a closed request's package (reviewer) and write it to OUTDIR.

    All or nothing: if the package cannot be written, nothing is committed.
    """
    from covergate.productions import service as productions

    with _staged(outdir, "produced") as staging, acting(ctx, token) as a:
        request = visible(a, request_id)
        package = productions.produce(session=a.session, ctx=a.ctx, actor=a.user, request=request)
        staging.write(a.session, package.files)
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
    outdir: OutdirArg,
    reason: Annotated[str, typer.Option(help="Why you read it (access-logged).")] = "",
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Download a produced package (the agency); the read is access-logged.

    All or nothing: a package that cannot be written is not recorded as read.
    """
    from covergate.productions import service as productions

    with _staged(outdir, "read") as staging, acting(ctx, token) as a:
        request = visible(a, request_id)
        pkg = productions.read_package(
            session=a.session, ctx=a.ctx, actor=a.user, request=request, reason=reason
        )
        staging.write(a.session, pkg.files)
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
    from covergate.productions import service as productions
    from covergate.requests import views

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
