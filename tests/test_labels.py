"""One set of words for enum values, on the staff pages and in the public report."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from covergate import labels
from covergate.document import Ground, ProcessType, RequestKind
from covergate.report import tables
from covergate.web import routes


@pytest.mark.parametrize(
    ("enum", "words"),
    [(RequestKind, labels.KIND), (Ground, labels.GROUND), (ProcessType, labels.PROCESS)],
)
def test_every_value_has_its_words_and_pages_and_report_agree(
    enum: type[RequestKind] | type[Ground] | type[ProcessType],
    words: dict[str, str],
) -> None:
    assert set(words) == {member.value for member in enum}
    for member in enum:
        assert tables.label(member.value) == words[member.value]
    assert routes.KIND_LABELS is labels.KIND
    assert routes.GROUND_LABELS is labels.GROUND
    assert routes.PROCESS_LABELS is labels.PROCESS


def test_report_words_are_the_pages_words() -> None:
    assert tables.label("records") == "Postal customer records" == routes.KIND_LABELS["records"]
    assert tables.label("fugitive") == "Locating a fugitive" == routes.GROUND_LABELS["fugitive"]
    assert tables.label("none") == "None stated"  # a statute class
    assert labels.label("other_thing") == "Other thing"
    assert labels.label(None) == "Not stated"


def test_labels_is_pure() -> None:
    source = Path(labels.__file__).read_text(encoding="utf-8")
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    assert names <= {"__future__", "re", "collections.abc"}
