"""Tables that stay readable at any terminal width: one record per row when too wide.

A table whose columns cannot all be shown without breaking a word (its minimum width,
the longest word or unbreakable value of each column, is more than the terminal's) is
printed as psql's expanded display prints it (``\\x auto``): a numbered block per row,
each column's name beside its whole value. At 80 columns, or in a pipe (80 unless
``COLUMNS`` says otherwise), ``request list`` then shows ``acknowledged`` and
``Federal Bureau of Investigation`` instead of ``ackn owle dged`` and ``Fede…``. Tables
that fit are printed as before; ``--json`` is unchanged.

    print_table(table)                 # on the commands' console
    print_table(table, Console(width=80))
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.measure import Measurement
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from covergate.commands.common import console as default_console

__all__ = ["cell", "fits", "print_table"]


def cell(value: object) -> str:
    """A JSON value as people read it: "-" for none, yes/no, lists and mappings spelled out."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value) or "-"
    if isinstance(value, dict):
        return ", ".join(f"{k} {cell(v)}" for k, v in value.items()) or "-"
    return str(value)


def fits(table: Table, console: Console) -> bool:
    """Whether every column of ``table`` gets at least its longest word at this width."""
    if not table.columns:
        return True
    natural = console.options.update_width(10_000)
    return Measurement.get(console, natural, table).minimum <= console.width


def print_table(table: Table, console: Console | None = None) -> None:
    """``table`` as a table when it fits the width, else one record per row."""
    out = default_console if console is None else console
    if not table.show_header or table.row_count == 0 or fits(table, out):
        out.print(table)
        return
    out.print(_records(table))


def _records(table: Table) -> Group:
    parts: list[Rule | Table | Text] = []
    if table.title:
        title = table.title
        parts.append(title if isinstance(title, Text) else Text(str(title), style="bold"))
    cells = [list(column.cells) for column in table.columns]
    for i in range(table.row_count):
        parts.append(Rule(f"{i + 1} of {table.row_count}", align="left", style="dim"))
        record = Table.grid(padding=(0, 2))
        record.add_column(style="bold", no_wrap=True)
        record.add_column(overflow="fold")
        for column, values in zip(table.columns, cells, strict=True):
            record.add_row(column.header, values[i])
        parts.append(record)
    return Group(*parts)
