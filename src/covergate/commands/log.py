"""``covergate log ...`` and the offline ``covergate verify``.

- ``log key``: the log's C2SP verifier key, to give to verifiers and witnesses.
- ``log integrate``: integrate sequenced entries and sign a checkpoint now.
- ``log export OUTDIR``: a static copy (same paths as ``/log/...``).
- ``log proof INDEX``: a C2SP tlog-proof of one entry.
- ``log verify [--from URL_OR_DIR]``: recompute the whole tree and check it.
- ``log monitor URL_OR_DIR``: follow a log, checking each checkpoint extends the last.
- ``verify --key VKEY ENTRY PROOF``: check a tlog-proof offline, no database.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from covergate.commands.common import (
    on_path,
    read_input_file,
    runtime,
    settings_of,
    write_atomically,
)
from covergate.errors import InvalidInput

if TYPE_CHECKING:
    from rich.progress import Progress

    from covergate.tlog.checkpoint import Checkpoint
    from covergate.tlog.note import Ed25519Verifier
    from covergate.tlog.verify import LogSource

log_app = typer.Typer(
    name="log", help="The public transparency log: key, export, proofs, verification."
)
err = Console(stderr=True)

KeyOption = Annotated[
    str | None,
    typer.Option("--key", help="The log's verifier key (default: this data dir's log key)."),
]


def register(root: typer.Typer) -> None:
    root.add_typer(log_app)
    root.command("verify", help="Check an entry's tlog-proof offline (no database).")(verify_entry)


@contextmanager
def _progress(what: str) -> Iterator[Progress]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    # Only on a terminal: elsewhere Rich would still end with an empty line on
    # stderr, and an error must be the one line there.
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        yield progress


def _verifier(ctx: typer.Context, key: str | None) -> Ed25519Verifier:
    from covergate.tlog.note import Ed25519Verifier
    from covergate.transparency.keys import load_log_signer

    if key:
        return Ed25519Verifier.from_key_string(key)
    try:
        return load_log_signer(settings_of(ctx)).verifier()
    except InvalidInput as exc:
        raise InvalidInput(f"{exc.message}; or pass --key VKEY") from exc


def _read(path: Path) -> bytes:
    return read_input_file(path)  # at most 1 MiB: entries, proofs and checkpoints are tiny


def _open(location: str) -> LogSource:
    from covergate.transparency.sources import open_source

    if location.startswith(("http://", "https://")):
        return open_source(location)
    with on_path(Path(location), "cannot read the log there"):
        return open_source(location)


@log_app.command("key")
def key(ctx: typer.Context) -> None:
    """Print the log's verifier key (name+id+base64 key)."""
    from covergate.transparency.keys import load_log_signer

    typer.echo(load_log_signer(settings_of(ctx)).verifier_key())


@log_app.command("integrate")
def integrate(ctx: typer.Context) -> None:
    """Integrate sequenced entries and sign a new checkpoint (also runs at start-up)."""
    from covergate.transparency import service

    with runtime(ctx) as rt:
        checkpoint = rt.integrate_log()
        with rt.transaction() as session:
            size = service.status(session=session).size
    if checkpoint is None:
        typer.echo(f"nothing to integrate; tree size {size}")
    else:
        typer.echo(f"signed checkpoint of tree size {checkpoint.size}")


@log_app.command("export")
def export(
    ctx: typer.Context,
    outdir: Annotated[Path, typer.Argument(help="Directory to write the log's files into.")],
) -> None:
    """Write checkpoint, tiles and entry bundles as a static tree of files.

    OUTDIR must be new, empty, or an earlier export of this log, which is then
    brought up to date (new files added, the checkpoint replaced last)."""
    from covergate.transparency.export import export_log

    with runtime(ctx) as rt, rt.transaction() as session, _progress("exporting") as progress:
        task = progress.add_task("export", total=None)

        def step(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = export_log(session=session, outdir=outdir, progress=step)
    typer.echo(
        f"exported tree size {report.size} to {outdir}: {report.written} files written, "
        f"{report.unchanged} already there and unchanged"
    )


@log_app.command("proof")
def proof(
    ctx: typer.Context,
    index: Annotated[int, typer.Argument(help="Index of the log entry.", min=0)],
    entry_out: Annotated[
        Path | None, typer.Option("--entry-out", help="Also write the entry bytes here.")
    ] = None,
) -> None:
    """Print the C2SP tlog-proof of entry INDEX against the latest checkpoint."""
    from covergate.transparency import service

    with runtime(ctx) as rt, rt.transaction() as session:
        text = service.proof_text(session=session, index=index)
        if entry_out is not None:
            write_atomically(entry_out, service.read_entry(session=session, index=index))
    sys.stdout.buffer.write(text)
    sys.stdout.flush()


@log_app.command("verify")
def verify(
    ctx: typer.Context,
    source: Annotated[
        str | None,
        typer.Option("--from", help="URL (https://host/log) or directory; default the local DB."),
    ] = None,
    key: KeyOption = None,
    old_checkpoint: Annotated[
        Path | None,
        typer.Option("--old-checkpoint", help="An older signed checkpoint the log must extend."),
    ] = None,
) -> None:
    """Recompute the whole tree from the entry bundles; check every tile, the
    root and the checkpoint signature."""
    from covergate.tlog.checkpoint import open_checkpoint
    from covergate.transparency.sources import DatabaseLogSource

    verifier = _verifier(ctx, key)
    old = None if old_checkpoint is None else open_checkpoint(_read(old_checkpoint), verifier)
    if source is not None:
        with on_path(Path(source), "cannot read the log there"):
            _verify_from(_open(source), verifier, old, source)
        return
    with runtime(ctx) as rt, rt.transaction() as session:
        _verify_from(DatabaseLogSource(session), verifier, old, "the local database")


def _verify_from(
    source: LogSource,
    verifier: Ed25519Verifier,
    old: Checkpoint | None,
    where: str,
) -> None:
    from covergate.tlog.verify import fetch_checkpoint
    from covergate.transparency.verification import verify_log

    checkpoint = fetch_checkpoint(source, verifier)
    with _progress("verifying") as progress:
        task = progress.add_task("verify", total=checkpoint.size)
        report = verify_log(
            source,
            checkpoint,
            old=old,
            progress=lambda done: progress.update(task, completed=done),
        )
    line = (
        f"verified {where}: {checkpoint.origin}, tree size {report.size}, "
        f"{report.entries_checked} entries, {report.tiles_checked} tiles, root and signature ok"
    )
    if report.consistent_with is not None:
        line += f"; consistent with the checkpoint of size {report.consistent_with}"
    typer.echo(line)


@log_app.command("monitor")
def monitor(
    ctx: typer.Context,
    location: Annotated[str, typer.Argument(help="URL (https://host/log) or directory.")],
    key: KeyOption = None,
    state: Annotated[
        Path, typer.Option("--state", help="Where the last verified checkpoint is kept.")
    ] = Path("covergate-monitor.checkpoint"),
    once: Annotated[bool, typer.Option("--once", help="Poll once and exit.")] = False,
    interval: Annotated[
        float, typer.Option("--interval", help="Seconds between polls.", min=0.1)
    ] = 30.0,
) -> None:
    """Follow a log: verify each new checkpoint extends the last one seen, and
    print each new entry as a JSON line."""
    from covergate.commands.monitor_state import StateFile
    from covergate.transparency.monitor import poll

    verifier = _verifier(ctx, key)
    source = _open(location)
    monitor_state = StateFile(state)

    def show(index: int, entry: bytes) -> None:
        typer.echo(json.dumps({"index": index, "entry": json.loads(entry)}, sort_keys=True))

    while True:
        result = poll(source, verifier, monitor_state, on_entry=show)
        before = 0 if result.previous is None else result.previous.size
        if result.new_entries:
            err.print(
                f"checkpoint of size {result.current.size} extends size {before}: "
                f"{result.new_entries} new entries verified",
                highlight=False,
            )
        elif once:
            err.print(f"no new entries; tree size {result.current.size}", highlight=False)
        if once:
            return
        time.sleep(interval)


def verify_entry(
    key: Annotated[str, typer.Option("--key", help="The log's verifier key.")],
    entry_file: Annotated[Path, typer.Argument(help="The entry's bytes.")],
    proof_file: Annotated[Path, typer.Argument(help="Its C2SP tlog-proof.")],
) -> None:
    """Check that ENTRY_FILE is in the log, offline, using PROOF_FILE."""
    from covergate.tlog.note import Ed25519Verifier
    from covergate.tlog.proof_text import verify_tlog_proof

    verifier = Ed25519Verifier.from_key_string(key)
    entry, proof_text = _read(entry_file), _read(proof_file)
    index_line = next(
        (ln for ln in proof_text.split(b"\n") if ln.startswith(b"index ")), b"index ?"
    )
    checkpoint = verify_tlog_proof(entry, proof_text, verifier)
    typer.echo(
        f"ok: entry {index_line[6:].decode(errors='replace')} is included in "
        f"{checkpoint.origin} at tree size {checkpoint.size}"
    )
