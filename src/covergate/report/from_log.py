"""The report's facts recounted from the public log, by anyone, with no database.

:func:`read_log` fetches a served or exported log, checks the checkpoint's
signature with the log's verifier key and recomputes every tile and the root
from the entry bundles (``transparency.verification.verify_log``, the code
``covergate log verify`` runs), so the entries counted are exactly the ones the
log signed. :func:`facts_from_entries` turns those entries into
:class:`~covergate.report.schemas.LogFacts`, respecting the publication rule
(``lifecycle.sealing``):

- a request not yet disclosed shows only what its sealed entries show: the
  event, the month, the level and a decision's outcome;
- a disclosed request's ``disclosed`` entry publishes its details key: every
  sealed entry of the request is opened with it (and must open: a recount that
  silently skipped an entry would not be a recount), and each opened entry must
  name the agency, kind and ground the disclosure states;
- entries written after the disclosure, and those older than sealing, are open.

Anything that does not parse, does not open or contradicts the request's other
entries is MalformedLogData naming the entry's index: a report counted from a
log that is not what the program wrote must fail loudly, never quietly differ.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from covergate.errors import CovergateError, InvalidInput, MalformedLogData
from covergate.lifecycle.events import ORDER_EVENTS, EventType
from covergate.lifecycle.sealing import is_sealed, open_fields
from covergate.report.schemas import Disclosure, EventFact, LogFacts, ProgramFact, RequestFacts
from covergate.tlog.verify import LogSource
from covergate.validation import load_json_strict

__all__ = ["facts_from_entries", "parse_entry", "read_log"]

_PROGRAM = frozenset({EventType.DESTRUCTION_RUN, EventType.NOTICES_OVERDUE})
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_DETAILS_KEY = re.compile(r"[0-9a-f]{64}")
_REFUSED = "refused_"
_MAX_COUNT = 10_000_000


class _Fields:
    """One entry's (or one opened entry's) fields, read with a check per field.

    Every failure names the entry's index, so a journalist told "log entry 4711:
    ..." can fetch that entry and look.
    """

    def __init__(self, index: int, fields: Mapping[str, Any]) -> None:
        self.index = index
        self.fields = fields

    def fail(self, what: str) -> MalformedLogData:
        return MalformedLogData(f"log entry {self.index}: {what}")

    def has(self, name: str) -> bool:
        return name in self.fields

    def opt_text(self, name: str) -> str | None:
        value = self.fields.get(name)
        if value is not None and not isinstance(value, str):
            raise self.fail(f"{name} is not a string")
        return value

    def text(self, name: str) -> str:
        value = self.opt_text(name)
        if value is None:
            raise self.fail(f"{name} is missing")
        return value

    def opt_day(self, name: str) -> date | None:
        value = self.opt_text(name)
        if value is None:
            return None
        try:
            if _DAY.fullmatch(value):
                return date.fromisoformat(value)
        except ValueError:
            pass
        raise self.fail(f"{name} {value[:20]!r} is not a date (YYYY-MM-DD)")

    def day(self, name: str) -> date:
        value = self.opt_day(name)
        if value is None:
            raise self.fail(f"{name} is missing")
        return value

    def opt_count(self, name: str) -> int | None:
        value = self.fields.get(name)
        if value is None:
            return None
        if type(value) is not int or not 0 <= value <= _MAX_COUNT:
            raise self.fail(f"{name} is not an integer from 0 to {_MAX_COUNT:,}")
        return value

    def count(self, name: str) -> int:
        value = self.opt_count(name)
        if value is None:
            raise self.fail(f"{name} is missing")
        return value

    def event(self) -> EventType:
        name = self.text("event")
        try:
            return EventType(name)
        except ValueError:
            raise self.fail(f"unknown event {name[:40]!r}") from None


def parse_entry(index: int, raw: bytes) -> dict[str, Any]:
    """One entry's JSON object; MalformedLogData naming ``index`` if it is not one.

    Strict: a key given twice is refused (two readers could otherwise read two
    different entries from the same bytes).
    """
    try:
        value = load_json_strict(raw, f"log entry {index}")
    except InvalidInput as exc:
        raise MalformedLogData(exc.message) from None
    if not isinstance(value, dict):
        raise MalformedLogData(f"log entry {index}: not a JSON object")
    return value


@dataclass
class _Request:
    """What has been read of one request so far (entries in log order)."""

    entries: list[_Fields] = field(default_factory=list)
    disclosure: Disclosure | None = None
    details_key: bytes = b""


def _disclosure(entry: _Fields) -> tuple[Disclosure, bytes]:
    key = entry.text("details_key")
    if not _DETAILS_KEY.fullmatch(key):
        raise entry.fail("details_key is not 64 lowercase hex digits")
    refused: list[tuple[str, int]] = []
    for name in sorted(entry.fields):
        if name.startswith(_REFUSED):
            n = entry.count(name)
            if n > 0:
                refused.append((name[len(_REFUSED) :], n))
    categories = entry.opt_text("categories")
    disclosure = Disclosure(
        index=entry.index,
        day=entry.day("date"),
        agency=entry.text("agency"),
        level=entry.text("level"),
        kind=entry.text("kind"),
        ground=entry.text("ground"),
        statute_class=entry.text("statute_class"),
        legal_process=entry.opt_text("legal_process"),
        delegation=entry.opt_text("delegation"),
        emergency=entry.opt_text("emergency"),
        order_due=entry.opt_day("order_due"),
        outcome=entry.opt_text("outcome"),
        days_requested=entry.count("days_requested"),
        days_authorised=entry.opt_count("days_authorised"),
        extends=entry.opt_text("extends"),
        pieces_recorded=entry.count("pieces_recorded"),
        refused=tuple(refused),
        categories=tuple(sorted(c for c in (categories or "").split(",") if c)),
        close_reason=entry.opt_text("close_reason"),
    )
    return disclosure, bytes.fromhex(key)


def _open_event(entry: _Fields, event: EventType) -> EventFact:
    """An open entry (older than sealing, or after the disclosure): every field shows."""
    day = entry.day("date")
    return EventFact(
        index=entry.index,
        event=event,
        month=day.isoformat()[:7],
        day=day,
        outcome=entry.opt_text("outcome"),
        sealed_until=entry.opt_day("sealed_until") if event in ORDER_EVENTS else None,
    )


def _sealed_event(entry: _Fields, event: EventType, request: _Request) -> EventFact:
    """A sealed entry: opened when the request is disclosed, else its visible fields."""
    month = entry.text("month")
    if not _MONTH.fullmatch(month):
        raise entry.fail(f"month {month[:20]!r} is not YYYY-MM")
    disclosure = request.disclosure
    if disclosure is None:
        return EventFact(entry.index, event, month, outcome=entry.opt_text("outcome"))
    if entry.index > disclosure.index:
        raise entry.fail(f"sealed, but its request was disclosed at entry {disclosure.index}")
    try:
        inner = _Fields(entry.index, open_fields(entry.fields, request.details_key))
    except MalformedLogData as exc:
        raise entry.fail(f"{exc.message} (the key of entry {disclosure.index})") from None
    # Every event names the agency; an order's event names no kind or ground.
    names = ["agency"] + [name for name in ("kind", "ground") if inner.has(name)]
    for name in names:
        if inner.fields.get(name) != getattr(disclosure, name):
            raise entry.fail(
                f"opens to another {name} than the disclosure at entry {disclosure.index}"
            )
    opened = _open_event(inner, event)
    return EventFact(
        entry.index, event, month, opened.day, opened.outcome, sealed_until=opened.sealed_until
    )


def _request_facts(request_id: str, request: _Request) -> RequestFacts:
    levels: dict[str, int] = {}
    key_hashes: dict[str, int] = {}
    events: list[EventFact] = []
    if request.disclosure is not None:
        levels[request.disclosure.level] = request.disclosure.index
    for entry in request.entries:
        event = entry.event()
        if is_sealed(entry.fields):
            levels.setdefault(entry.text("level"), entry.index)
            key_hashes.setdefault(entry.text("details_key_sha256"), entry.index)
            if len(levels) > 1 or len(key_hashes) > 1:
                what = "level" if len(levels) > 1 else "details_key_sha256"
                raise entry.fail(f"another {what} than the earlier entries of its request")
            events.append(_sealed_event(entry, event, request))
        else:
            events.append(_open_event(entry, event))
    level = next(iter(levels), None)
    return RequestFacts(request_id, level, tuple(events), request.disclosure)


def facts_from_entries(entries: Iterable[tuple[int, bytes]], log_size: int) -> LogFacts:
    """The facts of a log's first ``log_size`` entries, given as ``(index, bytes)`` in order.

    Pure: no database, no network. Raises MalformedLogData naming the entry for
    anything unparseable, unopenable or inconsistent, and InvalidInput when the
    entries are not exactly indexes 0 to ``log_size - 1``.
    """
    requests: dict[str, _Request] = {}
    program: list[ProgramFact] = []
    expected = 0
    for index, raw in entries:
        if index != expected:
            raise InvalidInput(f"log entry {expected} is missing (got entry {index} instead)")
        expected += 1
        entry = _Fields(index, parse_entry(index, raw))
        event = entry.event()
        if event in _PROGRAM:
            program.append(ProgramFact(index, event, entry.day("date"), entry.count("count")))
            continue
        request_id = entry.text("request")
        request = requests.setdefault(request_id, _Request())
        if event is EventType.DISCLOSED:
            if request.disclosure is not None:
                raise entry.fail(
                    f"a second disclosure (the first is entry {request.disclosure.index})"
                )
            request.disclosure, request.details_key = _disclosure(entry)
        else:
            request.entries.append(entry)
    if expected != log_size:
        raise InvalidInput(f"the log has {log_size} entries, but {expected} were given")
    facts = tuple(_request_facts(rid, requests[rid]) for rid in sorted(requests))
    return LogFacts(log_size=log_size, requests=facts, program=tuple(program))


def read_log(
    source: LogSource,
    verifier_key: str,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, list[tuple[int, bytes]]]:
    """The verified log's size and every entry ``(index, bytes)``, from ``source``.

    The checkpoint's signature is checked with ``verifier_key`` and every tile and
    the root recomputed from the entries (what ``covergate log verify`` does), so
    nothing unsigned is ever counted. ``progress(done, total)`` follows the entries.
    Raises VerificationFailed, MalformedLogData, NotFound (or the source's error).
    """
    from covergate.tlog.keys import Ed25519Verifier
    from covergate.tlog.verify import fetch_checkpoint
    from covergate.transparency.verification import verify_log

    try:
        verifier = Ed25519Verifier.from_key_string(verifier_key.strip())
    except CovergateError as exc:
        raise InvalidInput(f"--key: {exc.message}", field="key") from None
    except ValueError as exc:  # the key bytes are not an Ed25519 point
        raise InvalidInput(f"--key: malformed verifier key ({exc})", field="key") from None
    checkpoint = fetch_checkpoint(source, verifier)
    size = checkpoint.size
    entries: list[tuple[int, bytes]] = []

    def step(done: int) -> None:
        if progress is not None:
            progress(done, size)

    verify_log(
        source,
        checkpoint,
        progress=step,
        on_entry=lambda index, entry: entries.append((index, entry)),
    )
    return size, entries
