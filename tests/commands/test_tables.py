"""``commands.tables``: a table that cannot fit its columns' words is shown as records."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from covergate.commands.tables import cell, fits, print_table

ID = "fa8c2ed66debff4dc0e1105264fc53d5"
AGENCY = "Federal Bureau of Investigation"


def _console(width: int) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=width, color_system=None, force_terminal=False), out


def _requests() -> Table:
    table = Table(title="requests")
    table.add_column("id", no_wrap=True)
    for name in ("kind", "state", "agency", "days_requested"):
        table.add_column(name, overflow="fold")
    table.add_row(ID, "mail_cover", "acknowledged", AGENCY, "30")
    table.add_row("0" * 32, "records", "in_review", "Illinois State Police", "0")
    return table


def test_a_table_too_narrow_for_its_words_is_printed_one_record_per_row() -> None:
    console, out = _console(80)
    assert not fits(_requests(), console)
    print_table(_requests(), console)
    lines = out.getvalue().splitlines()
    assert lines[0] == "requests"
    assert lines[1].startswith("1 of 2 ")
    assert lines[2].split() == ["id", ID]
    assert lines[3].split() == ["kind", "mail_cover"]
    assert lines[5].rstrip().endswith(AGENCY)  # whole, with its spaces
    assert lines[6].split() == ["days_requested", "30"]
    assert lines[7].startswith("2 of 2 ")
    assert lines[8].split() == ["id", "0" * 32]
    assert "┃" not in out.getvalue()
    assert "…" not in out.getvalue()
    assert all(len(line) <= 80 for line in lines)


def test_a_table_that_fits_is_printed_as_a_table() -> None:
    console, out = _console(200)
    assert fits(_requests(), console)
    print_table(_requests(), console)
    text = out.getvalue()
    assert "┃ id" in text
    assert "1 of 2" not in text
    header = next(line for line in text.splitlines() if "days_requested" in line)
    assert "acknowledged" not in header  # one header row, the values below it


def test_words_that_wrap_at_spaces_keep_the_table() -> None:
    # Long prose wraps between words: still a table, as policy check's findings are.
    table = Table()
    table.add_column("rule")
    table.add_column("message")
    table.add_row(
        "ground-permitted", "The stated purpose is one for which a cover may be ordered. " * 4
    )
    console, out = _console(60)
    assert fits(table, console)
    print_table(table, console)
    assert "┃ rule" in out.getvalue()


def test_headerless_and_empty_tables_are_printed_as_they_are() -> None:
    plain = Table(show_header=False, box=None)
    plain.add_column()
    plain.add_column()
    plain.add_row("id", ID + ID + ID)
    empty = Table(title="requests")
    for name in ("id", "kind", "state", "agency", "days_requested", "received", "ground"):
        empty.add_column(name)
    for table in (plain, empty):
        console, out = _console(40)
        print_table(table, console)
        assert "1 of" not in out.getvalue()


def test_cells_read_as_words() -> None:
    assert [cell(v) for v in (None, "", True, False, 0, "x")] == ["-", "-", "yes", "no", "0", "x"]
    assert cell(["mail_exterior", "postmark"]) == "mail_exterior, postmark"
    assert cell({"outside_window": 2}) == "outside_window 2"
    assert cell([]) == cell({}) == "-"
