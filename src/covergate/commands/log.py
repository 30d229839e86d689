"""``covergate log ...`` and the offline ``covergate verify``.

- ``log key [--all]``: the log's C2SP verifier key, to give to verifiers and witnesses.
- ``log rotate-key`` / ``log retire-key KEYID``: a new log key, signing beside the
  old one until the old one is retired.
- ``log integrate``: integrate sequenced entries and sign a checkpoint now.
- ``log export OUTDIR``: a static copy (same paths as ``/log/...``).
- ``log proof INDEX``: a C2SP tlog-proof of one entry.
- ``log verify [--from URL_OR_DIR]``: recompute the whole tree and check it.
- ``log monitor URL_OR_DIR``: follow a log, checking each checkpoint extends the last.
- ``verify --key VKEY ENTRY PROOF``: check a tlog-proof offline, no database.

The verifiers take ``--key`` (repeatable: during a log key rotation, the old key
and the new) and ``--policy FILE``, a C2SP tlog-policy witness policy: then the
checkpoint must carry the quorum of witness cosignatures, and the log key may
come from the policy's ``log`` line. A checkpoint short of the quorum exits 1
(``error: ...``); every other failure, as always, exits 2.
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
from covergate.startup import resume_collector

if TYPE_CHECKING:
    from rich.progress import Progress

    from covergate.tlog.checkpoint import Checkpoint
    from covergate.tlog.note import Ed25519Verifier
    from covergate.tlog.policy import WitnessPolicy
    from covergate.tlog.verify import LogSource
    from covergate.transparency.witnessed import Witnessed

log_app = typer.Typer(
    name="log", help="The public transparency log: key, export, proofs, verification."
)
err = Console(stderr=True)

KeyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--key",
        help="The log's verifier key (default: the policy's log line, else this data dir's "
        "log keys); repeat it to accept the old and the new key of a rotation.",
    ),
]
PolicyOption = Annotated[
    Path | None,
    typer.Option(
        "--policy", help="A witness policy (C2SP tlog-policy): require its cosignature quorum."
    ),
]


def register(root: typer.Typer) -> None:
    from covergate.commands import log_keys

    log_keys.register(log_app)
    root.add_typer(log_app)
    root.command("verify", help="Check an entry's tlog-proof offline (no database).")(verify_entry)


@contextmanager
def quorum_exits_1() -> Iterator[None]:
    """A checkpoint short of its witness quorum: one ``error:`` line and exit 1."""
    from covergate.transparency.witnessed import QuorumNotMet

    try:
        yield
    except QuorumNotMet as exc:
        message = " ".join(exc.message.split())
        err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def read_policy(path: Path | None) -> WitnessPolicy | None:
    """The ``--policy`` file, parsed; MalformedLogData naming the file and line."""
    if path is None:
        return None
    from covergate.transparency.witnessed import parse_policy_file

    return parse_policy_file(read_input_file(path), str(path))


@contextmanager
def _progress(what: str) -> Iterator[Progress]:
    resume_collector()  # reading a whole log: work the log's size decides
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


def _trust(
    ctx: typer.Context, keys: list[str] | None, policy: WitnessPolicy | None
) -> list[Ed25519Verifier]:
    """The log keys to verify with: ``--key``, the policy's, or this data dir's."""
    from covergate.transparency.keys import load_log_signers
    from covergate.transparency.witnessed import log_keys_of

    if keys or policy is not None:
        return log_keys_of(keys or [], policy)
    try:
        return load_log_signers(settings_of(ctx)).verifiers()
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
        if rt.witnessing is not None:
            # Synchronously here; ``covergate serve`` submits in the background.
            from covergate.transparency.witnessing import report_lines

            for line in report_lines(rt.witnessing, rt.witnessing.submit()):
                typer.echo(line)


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

        report = export_log(session=session, outdir=outdir, progress=step, quorum=rt.quorum)
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
    """Print the C2SP tlog-proof of entry INDEX against the checkpoint the log serves
    (with a witness policy, the newest one that reached the quorum)."""
    from covergate.transparency import service

    with runtime(ctx) as rt, rt.transaction() as session:
        text = service.proof_text(session=session, index=index, quorum=rt.quorum)
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
    policy_file: PolicyOption = None,
    old_checkpoint: Annotated[
        Path | None,
        typer.Option("--old-checkpoint", help="An older signed checkpoint the log must extend."),
    ] = None,
) -> None:
    """Recompute the whole tree from the entry bundles; check every tile, the
    root and the checkpoint signature (and, with --policy, the witness quorum)."""
    from covergate.transparency.sources import DatabaseLogSource
    from covergate.transparency.witnessed import open_witnessed

    policy = read_policy(policy_file)
    logs = _trust(ctx, key, policy)
    old = None
    if old_checkpoint is not None:
        old = open_witnessed(_read(old_checkpoint), logs).checkpoint
    with quorum_exits_1():
        if source is not None:
            with on_path(Path(source), "cannot read the log there"):
                _verify_from(_open(source), logs, policy, old, source)
            return
        with runtime(ctx) as rt, rt.transaction() as session:
            _verify_from(DatabaseLogSource(session), logs, policy, old, "the local database")


def _verify_from(
    source: LogSource,
    logs: list[Ed25519Verifier],
    policy: WitnessPolicy | None,
    old: Checkpoint | None,
    where: str,
) -> None:
    from covergate.transparency.verification import verify_log
    from covergate.transparency.witnessed import open_witnessed

    witnessed = open_witnessed(source.fetch("checkpoint"), logs, policy)
    checkpoint = witnessed.checkpoint
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
    typer.echo(f"{line}; {witnessed.describe()}")


@log_app.command("monitor")
def monitor(
    ctx: typer.Context,
    location: Annotated[str, typer.Argument(help="URL (https://host/log) or directory.")],
    key: KeyOption = None,
    policy_file: PolicyOption = None,
    state: Annotated[
        Path, typer.Option("--state", help="Where the last verified checkpoint is kept.")
    ] = Path("covergate-monitor.checkpoint"),
    once: Annotated[bool, typer.Option("--once", help="Poll once and exit.")] = False,
    interval: Annotated[
        float, typer.Option("--interval", help="Seconds between polls.", min=0.1)
    ] = 30.0,
) -> None:
    """Follow a log: verify each new checkpoint extends the last one seen, and
    print each new entry as a JSON line. With --policy a checkpoint is accepted
    (and saved) only once it carries the witness quorum."""
    from covergate.commands.monitor_state import StateFile
    from covergate.transparency.monitor import poll

    policy = read_policy(policy_file)
    logs = _trust(ctx, key, policy)
    source = _open(location)
    monitor_state = StateFile(state)
    resume_collector()  # polls until stopped

    def show(index: int, entry: bytes) -> None:
        typer.echo(json.dumps({"index": index, "entry": json.loads(entry)}, sort_keys=True))

    while True:
        with quorum_exits_1():
            result = poll(source, logs, monitor_state, policy=policy, on_entry=show)
        before = 0 if result.previous is None else result.previous.size
        if result.new_entries:
            err.print(
                f"checkpoint of size {result.current.size} extends size {before}: "
                f"{result.new_entries} new entries verified; {result.witnessed.describe()}",
                markup=False,
                highlight=False,
            )
        elif once:
            err.print(
                f"no new entries; tree size {result.current.size}; {result.witnessed.describe()}",
                markup=False,
                highlight=False,
            )
        if once:
            return
        time.sleep(interval)


def verify_entry(
    entry_file: Annotated[Path, typer.Argument(help="The entry's bytes.")],
    proof_file: Annotated[Path, typer.Argument(help="Its C2SP tlog-proof.")],
    key: Annotated[
        list[str] | None,
        typer.Option(
            "--key",
            help="The log's verifier key (default: the policy's log line); repeatable.",
        ),
    ] = None,
    policy_file: PolicyOption = None,
) -> None:
    """Check that ENTRY_FILE is in the log, offline, using PROOF_FILE (and, with
    --policy, that its checkpoint carries the witness quorum)."""
    from covergate.transparency.witnessed import log_keys_of

    policy = read_policy(policy_file)
    logs = log_keys_of(key or [], policy)
    entry, proof_text = _read(entry_file), _read(proof_file)
    with quorum_exits_1():
        index, witnessed = _check_proof(entry, proof_text, logs, policy)
    checkpoint = witnessed.checkpoint
    typer.echo(
        f"ok: entry {index} is included in {checkpoint.origin} at tree size "
        f"{checkpoint.size}; {witnessed.describe()}"
    )


def _check_proof(
    entry: bytes, proof_text: bytes, logs: list[Ed25519Verifier], policy: WitnessPolicy | None
) -> tuple[int, Witnessed]:
    # tlog-proof (covergate.tlog.proof_text), its checkpoint opened as every verifier does.
    from covergate.tlog.hashing import leaf_hash
    from covergate.tlog.inclusion import verify_inclusion
    from covergate.tlog.proof_text import TlogProof
    from covergate.transparency.witnessed import open_witnessed

    proof = TlogProof.parse(proof_text)
    witnessed = open_witnessed(proof.checkpoint_note, logs, policy)
    checkpoint = witnessed.checkpoint
    verify_inclusion(leaf_hash(entry), proof.index, checkpoint.size, proof.proof, checkpoint.root)
    return proof.index, witnessed
