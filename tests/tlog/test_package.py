"""``covergate.tlog`` itself: every public name, imported from its module on first use."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

import covergate.tlog as tlog


@pytest.mark.parametrize("name", tlog.__all__)
def test_every_public_name_is_its_modules_own(name: str) -> None:
    module = importlib.import_module(f"covergate.tlog.{tlog._SOURCE[name]}")
    assert getattr(tlog, name) is getattr(module, name)
    assert name in dir(tlog)


def test_the_lazy_table_names_exactly_the_public_names() -> None:
    assert sorted(tlog._SOURCE) == sorted(tlog.__all__)


def test_a_function_named_as_its_module_is_the_function() -> None:
    module = importlib.import_module("covergate.tlog.stored_hashes")  # loaded: no change
    assert tlog.stored_hashes is module.stored_hashes
    assert callable(tlog.stored_hashes)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        _ = tlog.nothing  # type: ignore[attr-defined]


def test_hashing_alone_imports_no_signing_code() -> None:
    probe = "import json, sys, covergate.tlog.hashing; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert "covergate.tlog.hashing" in loaded
    assert not {"cryptography", "covergate.tlog.keys", "covergate.tlog.note"} & loaded
