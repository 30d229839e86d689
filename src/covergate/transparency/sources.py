"""Where a log's published files are read from: database, directory or URL.

Each source implements :class:`covergate.tlog.verify.LogSource`: ``fetch(path)``
takes a path relative to the log prefix (``checkpoint``, ``tile/0/005.p/3``,
``tile/entries/x001/234``) and returns the bytes served there, or raises
NotFound. The HTTP routes, ``covergate log export`` and the verifiers all go
through :func:`read_path`, so every copy of the log has the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from covergate.errors import CovergateError, MalformedLogData, NotFound
from covergate.tlog.tiles import parse_entries_path, parse_tile_path
from covergate.tlog.verify import DirectoryLogSource, LogSource
from covergate.transparency import service
from covergate.transparency.cosigned import Quorum

# httpx (40 to 130 ms to import) only for a log read over HTTP: ``log verify`` and
# ``report`` of the local database never touch it.
if TYPE_CHECKING:
    import httpx

__all__ = ["DatabaseLogSource", "HttpLogSource", "open_source", "read_path"]


def read_path(*, session: Session, path: str, quorum: Quorum | None = None) -> bytes:
    """The bytes the log serves at ``path``; NotFound for any other path.

    With a witness ``quorum`` the checkpoint is the served, cosigned one
    (:mod:`covergate.transparency.cosigned`).
    """
    if path == "checkpoint":
        note = service.latest_checkpoint(session=session, quorum=quorum)
        if note is None:
            raise NotFound("the log has no checkpoint yet")
        return note
    try:
        if path.startswith("tile/entries/"):
            index, width = parse_entries_path(path)
            return service.read_entry_bundle(session=session, index=index, width=width)
        return service.read_tile(session=session, tile=parse_tile_path(path))
    except MalformedLogData as exc:
        raise NotFound(f"no log file at {path}") from exc


class DatabaseLogSource:
    """The local database's log, read in the caller's session (with ``quorum``,
    its checkpoint is the served, cosigned one)."""

    def __init__(self, session: Session, quorum: Quorum | None = None) -> None:
        self.session = session
        self.quorum = quorum

    def fetch(self, path: str) -> bytes:
        return read_path(session=self.session, path=path, quorum=self.quorum)


class HttpLogSource:
    """A log served over HTTP(S) under ``base_url`` (e.g. ``https://host/log``)."""

    def __init__(self, base_url: str, *, client: httpx.Client | None = None) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.Client(timeout=30.0, follow_redirects=True)

    def fetch(self, path: str) -> bytes:
        import httpx

        url = f"{self.base_url}/{path}"
        try:
            response = self.client.get(url)
        except httpx.HTTPError as exc:
            raise LogUnreachable(f"cannot fetch {url}: {exc}") from exc
        if response.status_code == 404:
            raise NotFound(f"no log file at {url}")
        if response.status_code != 200:
            raise LogUnreachable(f"{url} answered HTTP {response.status_code}")
        return response.content

    def close(self) -> None:
        self.client.close()


class LogUnreachable(CovergateError):
    """A remote log could not be read."""

    status = 502
    code = "log-unreachable"
    title = "Log unreachable"


def open_source(location: str) -> LogSource:
    """An HTTP source for ``http(s)://`` locations, else a directory source."""
    if location.startswith(("http://", "https://")):
        return HttpLogSource(location)
    root = Path(location)
    if not root.is_dir():
        raise NotFound(f"{location} is neither a URL nor a directory")
    return DirectoryLogSource(root)
