"""``covergate report``: recount the transparency report from the public log.

Anyone can run it, with nothing but the log (a URL or a directory from
``covergate log export``) and the log's verifier key: no database, no settings,
no account. It verifies the log (checkpoint signature, every tile, the root),
recounts the report from the entries (``report.from_log``) and prints it, or
with ``--compare URL`` checks a published ``/report.json`` against the recount
at the log size the report states, listing every difference.

Exit status: 0 the report (or an equal comparison), 1 a comparison that found
differences, 2 bad input (one ``error:`` line on stderr).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import parse_qs, urlsplit

import typer
from rich.console import Console
from rich.text import Text

from covergate.commands.common import JsonOption, console, on_path, read_input_file
from covergate.errors import InvalidInput
from covergate.startup import resume_collector

if TYPE_CHECKING:
    from covergate.report.schemas import Period, Report
    from covergate.tlog.verify import LogSource

err = Console(stderr=True)

#: The most bytes ``--compare`` reads of a published report (a few kB in practice).
MAX_REPORT_BYTES = 16 << 20


def register(root: typer.Typer) -> None:
    root.command("report")(report)


def report(
    ctx: typer.Context,
    source: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="The log: a URL (https://host/log) or a directory from `covergate log export`. "
            "Without it: the report this server publishes, from its database.",
            show_default=False,
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option("--key", help="The log's verifier key (`log key`).", show_default=False),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="2026-H1, 2026 or all (default all).", show_default=False),
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare",
            help="A published report (URL of /report.json, or a file) to check against the log.",
        ),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            help="Shorthand for --period YEAR (kept from earlier versions).",
            show_default=False,
            min=1900,
            max=9999,
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Verify the log, recount the report from its entries and print it.

    With --compare, recount at the published report's log size and print every
    difference (exit 1 if any, 0 if none), for --period if given, else the URL's
    period parameter, else the period the published report states."""
    from covergate.report.schemas import Period

    if year is not None:
        if period is not None:
            raise InvalidInput("give --period or --year, not both")
        period = str(year)
    if source is None:
        if key is not None or compare is not None:
            raise InvalidInput("--key and --compare recount a log: give the log with --from")
        _from_database(ctx, Period.parse(period or "all"), as_json=as_json)
        return
    if key is None:
        raise InvalidInput("--from needs the log's verifier key: --key (see `covergate log key`)")
    if compare is None:
        chosen = Period.parse(period or "all")
        size, entries = _read(source, key, quiet=as_json)
        recount = _recount(entries, size, chosen)
        if as_json:
            _print_json(_report_json(recount))
        else:
            _show(recount, source)
        return
    published = _published(compare)
    chosen = Period.parse(period) if period is not None else _published_period(compare, published)
    at = published["log_size"]
    size, entries = _read(source, key, quiet=as_json)
    if at > size:
        raise InvalidInput(
            f"the published report counts {at} log entries, but the log at {source} has only "
            f"{size}: is --from the log that report was computed from?"
        )
    recounted = _report_json(_recount(entries[:at], at, chosen))
    _compare(published, recounted, chosen, at, as_json=as_json)


def _from_database(ctx: typer.Context, period: Period, *, as_json: bool) -> None:
    """The report as this server publishes it (``report.service.published_report``)."""
    from covergate.commands.common import runtime
    from covergate.report.service import published_report

    with runtime(ctx) as rt, rt.transaction() as session:
        published = published_report(session, period, rt.quorum)
    if as_json:
        _print_json(_report_json(published))
    else:
        _show(published, "this server's database")


# --- reading ---------------------------------------------------------------------------


@contextmanager
def _progress(quiet: bool) -> Iterator[Any]:
    resume_collector()  # reading a whole log: work the log's size decides
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("verifying the log"), BarColumn(), MofNCompleteColumn())
    # On a terminal only, and never in --json mode: stderr must stay one error line.
    disable = quiet or not err.is_terminal
    with Progress(*columns, console=err, transient=True, disable=disable) as progress:
        yield progress


def _open(location: str) -> LogSource:
    from covergate.transparency.sources import open_source

    if location.startswith(("http://", "https://")):
        return open_source(location)
    with on_path(Path(location), "cannot read the log there"):
        return open_source(location)


def _read(location: str, key: str, *, quiet: bool) -> tuple[int, list[tuple[int, bytes]]]:
    """The verified log's size and entries (with a progress bar on a terminal)."""
    from covergate.report.from_log import read_log

    source = _open(location)
    with on_path(Path(location), "cannot read the log there"), _progress(quiet) as progress:
        task = progress.add_task("verify", total=None)
        return read_log(
            source,
            key,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )


def _recount(entries: list[tuple[int, bytes]], size: int, period: Period) -> Report:
    from covergate.report.figures import compute
    from covergate.report.from_log import facts_from_entries

    return compute(facts_from_entries(entries, size), period)


def _report_json(report: Report) -> dict[str, Any]:
    from covergate.report.export import report_json

    return report_json(report)


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2) + "\n")


# --- --compare -------------------------------------------------------------------------


def _published(location: str) -> dict[str, Any]:
    """The published report JSON at ``location`` (a URL or a file), checked for shape."""
    from covergate.report.export import FORMAT
    from covergate.validation import load_json_strict

    if location.startswith(("http://", "https://")):
        raw = _download(location)
    else:
        raw = read_input_file(Path(location), limit=MAX_REPORT_BYTES)
    data = load_json_strict(raw, f"--compare {location}")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInput(f"--compare {location}: not a covergate report ({FORMAT} JSON)")
    size = data.get("log_size")
    if type(size) is not int or size < 0:
        raise InvalidInput(f"--compare {location}: log_size is not a number of entries")
    return data


def _download(url: str) -> bytes:
    import httpx

    try:
        with (
            httpx.Client(timeout=30.0, follow_redirects=True) as client,
            client.stream("GET", url, headers={"Accept": "application/json"}) as response,
        ):
            if response.status_code != 200:
                raise InvalidInput(f"--compare {url}: answered HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_REPORT_BYTES:
                    raise InvalidInput(f"--compare {url}: larger than {MAX_REPORT_BYTES} bytes")
            return bytes(body)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise InvalidInput(f"--compare {url}: cannot fetch it ({exc})") from None


def _published_period(location: str, published: dict[str, Any]) -> Period:
    """The URL's ``period`` parameter if it has one, else the period the JSON states."""
    from covergate.report.schemas import Period

    asked = parse_qs(urlsplit(location).query).get("period")
    if asked and location.startswith(("http://", "https://")):
        return Period.parse(asked[-1])
    stated = published.get("period")
    if not isinstance(stated, str):
        raise InvalidInput(f"--compare {location}: the report names no period")
    return Period.parse(stated)


def _compare(
    published: dict[str, Any],
    recounted: dict[str, Any],
    period: Period,
    size: int,
    *,
    as_json: bool,
) -> None:
    from covergate.report.export import differences

    found = differences(published, recounted)
    if as_json:
        _print_json(
            {"period": period.label, "log_size": size, "equal": not found, "differences": found}
        )
    else:
        for line in found:
            typer.echo(line)
        if found:
            typer.echo(
                f"{len(found)} difference(s) between the published report and the recount "
                f"of the log's first {size} entries (period {period.label})"
            )
        else:
            typer.echo(
                f"the published report (period {period.label}) equals the recount of the "
                f"log's first {size} entries"
            )
    if found:
        raise typer.Exit(1)


# --- the report as tables --------------------------------------------------------------


def _cell(value: object) -> Text:
    """A cell as plain text (never Rich markup: an agency's name is shown as it is)."""
    if value is None:
        return Text("")
    if isinstance(value, float):
        return Text(f"{value:g}")  # as exact as the JSON (0.6667, 30), not rounded further
    if isinstance(value, int) and not isinstance(value, bool):
        return Text(f"{value:,}")
    return Text(str(value))


def _show(report: Report, location: str) -> None:
    from rich.table import Table as RichTable

    from covergate.report.schemas import BAND

    period = report.period
    span = f" ({period.first} to {period.last})" if period.first else ""
    typer.echo(
        f"Transparency report, period {period.label}{span}, recounted from the first "
        f"{report.log_size} entries of the verified log at {location}"
    )
    headline = RichTable(title=Text("Headline"), title_justify="left")
    headline.add_column("figure")
    headline.add_column("value", justify="right")
    for label, value in report.headline:
        headline.add_row(Text(label), _cell(value))
    console.print(headline)
    for table in report.tables:
        shown = RichTable(title=Text(f"{table.title} [{table.id}]"), title_justify="left")
        numeric = [
            all(isinstance(row[i], int | float) or row[i] in (None, BAND) for row in table.rows)
            for i in range(len(table.columns))
        ]
        for i, column in enumerate(table.columns):
            shown.add_column(Text(column), justify="right" if i and numeric[i] else "left")
        for row in table.rows:
            shown.add_row(*(_cell(cell) for cell in row))
        console.print(shown)
        console.print(Text(table.note, style="dim"))
        console.print()
