"""``covergate witness ...``: run a C2SP tlog-witness of its own (docs: witness server).

- ``witness init --data DIR --name NAME [--algorithm ed25519|ml-dsa-44]``: a new
  witness: key file and database.
- ``witness add-log VKEY --data DIR [--replace]``: witness a log (origin = key name).
- ``witness key --data DIR``: the witness's cosignature verifier key (type 0x04
  for Ed25519, 0x06 for ML-DSA-44).
- ``witness logs --data DIR``: witnessed origins, latest size and time.
- ``witness evidence --data DIR [ID]``: kept inconsistent checkpoints (or one's body).
- ``witness serve --data DIR --host H --port P``: the HTTP witness (uvicorn).

Every command but ``key`` takes ``--database-url`` (or
``COVERGATE_WITNESS_DATABASE_URL``) for PostgreSQL; the default is SQLite in DIR.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from covergate.commands.common import console, print_json
from covergate.errors import InvalidInput, MalformedLogData
from covergate.startup import resume_collector

if TYPE_CHECKING:
    from covergate.witness.config import WitnessConfig
    from covergate.witness.service import Witness

witness_app = typer.Typer(
    name="witness",
    help="Run a transparency log witness (C2SP tlog-witness): its own key and state.",
    no_args_is_help=True,
)

DataOption = Annotated[
    Path, typer.Option("--data", help="The witness's data directory (key, SQLite database).")
]
UrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="PostgreSQL URL (default $COVERGATE_WITNESS_DATABASE_URL, else SQLite in DIR).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


class Algorithm(StrEnum):
    """``--algorithm``: the values of covergate.tlog.cosignature.CosignatureAlgorithm,
    repeated here so that the command line starts without loading cryptography."""

    ED25519 = "ed25519"
    ML_DSA_44 = "ml-dsa-44"


def register(root: typer.Typer) -> None:
    root.add_typer(witness_app)


def _config(data: Path, url: str | None) -> WitnessConfig:
    from covergate.witness.config import WitnessConfig

    return WitnessConfig.load(data, url)


@contextmanager
def _opened(data: Path, url: str | None) -> Iterator[Witness]:
    from covergate.witness.service import Witness

    resume_collector()  # the witness's work (a server, its database) begins here
    witness = Witness.open(_config(data, url))
    try:
        yield witness
    finally:
        witness.close()


def _when(seconds: int | None) -> str:
    if seconds is None:
        return "never"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@witness_app.command("init")
def init(
    data: DataOption,
    name: Annotated[str, typer.Option("--name", help="The witness's key name.")],
    database_url: UrlOption = None,
    algorithm: Annotated[
        Algorithm,
        typer.Option(
            "--algorithm",
            help="Cosignature type (C2SP tlog-cosignature); ml-dsa-44 is post-quantum.",
        ),
    ] = Algorithm.ED25519,
) -> None:
    """Create a witness: DIR (0700), its key file (0600) and its database."""
    import time

    from sqlalchemy.exc import SQLAlchemyError

    from covergate.tlog.cosignature import CosignatureAlgorithm
    from covergate.witness.keys import WitnessKey
    from covergate.witness.models import create_schema
    from covergate.witness.service import open_engine

    config = _config(data, database_url)
    key = WitnessKey.generate(name, CosignatureAlgorithm(algorithm.value))
    sqlite_file = config.sqlite_file
    if config.key_file.exists() or (sqlite_file is not None and sqlite_file.exists()):
        raise InvalidInput(f"{data}: already a witness; it is not re-initialised")
    if data.exists() and not data.is_dir():
        raise InvalidInput(f"{data}: not a directory")
    engine = open_engine(config.database_url)  # a bad URL fails before anything is made
    wrote_key = created = False
    try:
        data.mkdir(mode=0o700, parents=True, exist_ok=True)
        key.write_new(config.key_file)
        wrote_key = True
        create_schema(engine, name=key.name, verifier_key=key.verifier_key(), now=int(time.time()))
        created = True
    except OSError as exc:
        raise InvalidInput(f"{data}: cannot create the directory ({exc.strerror})") from None
    except SQLAlchemyError as exc:
        raise InvalidInput(f"cannot create the witness database: {type(exc).__name__}") from None
    finally:
        engine.dispose()
        if wrote_key and not created:  # no key without its database: init can be run again
            config.key_file.unlink(missing_ok=True)
            if sqlite_file is not None:
                sqlite_file.unlink(missing_ok=True)
    console.print(f"witness {key.name} created in {data}", markup=False, highlight=False)
    console.print(key.verifier_key(), markup=False, highlight=False, soft_wrap=True)


@witness_app.command("add-log")
def add_log(
    vkey: Annotated[str, typer.Argument(help="The log's verifier key; its name is the origin.")],
    data: DataOption,
    replace: Annotated[
        bool, typer.Option("--replace", help="Rotate a known origin's key; its state is kept.")
    ] = False,
    database_url: UrlOption = None,
) -> None:
    """Witness a log: checkpoints of its origin are checked against its key."""
    from covergate.tlog.keys import Ed25519Verifier
    from covergate.witness import store

    try:
        verifier = Ed25519Verifier.from_key_string(vkey.strip())
    except MalformedLogData as exc:
        raise InvalidInput(f"VKEY: not a log verifier key ({exc.message})") from None
    with _opened(data, database_url) as witness:
        added = store.add_log(
            witness.engine,
            verifier.name,
            verifier.verifier_key(),
            now=witness.now(),
            replace=replace,
        )
        record = store.read_log(witness.engine, verifier.name)
    size = 0 if record is None else record.stored.size
    if added:
        message = f"witnessing {verifier.name}"
    elif replace:
        message = f"{verifier.name}: key set, state kept (size {size})"
    else:
        message = f"{verifier.name}: already witnessed with this key (size {size})"
    console.print(message, markup=False, highlight=False)


@witness_app.command("key")
def key(data: DataOption) -> None:
    """Print the witness's cosignature verifier key (type 0x04 or 0x06) for logs and monitors."""
    from covergate.witness.keys import WitnessKey

    console.print(
        WitnessKey.read(_config(data, None).key_file).verifier_key(),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@witness_app.command("logs")
def logs(data: DataOption, database_url: UrlOption = None, json: JsonOption = False) -> None:
    """List witnessed origins with their latest cosigned size and time."""
    with _opened(data, database_url) as witness:
        records = witness.logs()
    if json:
        print_json(
            [
                {
                    "origin": r.origin,
                    "size": r.stored.size,
                    "cosigned_at": r.cosigned_at,
                    "verifier_key": r.verifier_key,
                }
                for r in records
            ]
        )
        return
    if not records:
        console.print("no logs witnessed yet (add one with `covergate witness add-log`)")
    for r in records:
        console.print(
            f"{r.origin}  size {r.stored.size}  cosigned {_when(r.cosigned_at)}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


@witness_app.command("evidence")
def evidence(
    data: DataOption,
    evidence_id: Annotated[
        int | None, typer.Argument(metavar="[ID]", help="Print this evidence's request body.")
    ] = None,
    database_url: UrlOption = None,
    json: JsonOption = False,
) -> None:
    """List kept evidence: checkpoints signed by a log but inconsistent with its state."""
    with _opened(data, database_url) as witness:
        if evidence_id is not None:
            if not 0 < evidence_id < 1 << 31:
                raise InvalidInput(f"ID: no evidence {evidence_id}")
            sys.stdout.buffer.write(witness.evidence_body(evidence_id))
            sys.stdout.flush()
            return
        records = witness.evidence()
    if json:
        print_json([e.to_json() for e in records])
        return
    if not records:
        console.print("no evidence kept")
    for e in records:
        console.print(
            f"{e.id}  {e.origin}  old size {e.old_size}  size {e.size}  {e.reason.value}  "
            f"{_when(e.received_at)}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


@witness_app.command("serve")
def serve(
    data: DataOption,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Port (0: any free port).")
    ] = 8400,
    database_url: UrlOption = None,
) -> None:
    """Serve POST /add-checkpoint and the monitor GETs, in this one process."""
    import socket

    import uvicorn

    from covergate.witness.app import create_app

    with _opened(data, database_url) as witness:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise InvalidInput(f"--host: cannot listen on {host!r} ({exc})") from None
        family, kind, proto, _, address = infos[0]
        # With the TCP protocol number, asyncio turns Nagle off on each connection;
        # with proto 0 it would not, and every keep-alive answer would wait ~40 ms.
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind(address)
            sock.listen(2048)  # connections wait in the backlog until uvicorn accepts them
        except OSError as exc:
            sock.close()
            raise InvalidInput(f"cannot listen on {host}:{port} ({exc.strerror})") from None
        bound = sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        console.print(
            f"witness {witness.key.name} on http://{shown}:{bound}  (POST /add-checkpoint)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        console.print(witness.key.verifier_key(), markup=False, highlight=False, soft_wrap=True)
        sys.stdout.flush()
        config = uvicorn.Config(
            create_app(witness), log_level="warning", access_log=False, lifespan="off"
        )
        try:
            uvicorn.Server(config).run(sockets=[sock])
        finally:
            sock.close()
