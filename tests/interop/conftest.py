"""Fixtures of the interoperability tests.

``gotlog`` builds the Go checker (``gotlog/main.go``) from Debian's
``golang-go`` and ``golang-golang-x-mod-dev`` (installed by ``make test`` and
``.ci/run``): missing, the tests skip, or fail when CI=true. ``log`` and
``served`` (a real uvicorn server) are the transparency route tests' own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from tests.transparency.test_routes import log, served

__all__ = ["build_go", "gotlog", "log", "served"]

GOPATH = Path("/usr/share/gocode")  # where Debian's golang-*-dev packages put sources
SOURCE = Path(__file__).parent / "gotlog" / "main.go"


def build_go(source: Path, out: Path, package: str = "sumdb/tlog") -> Path:
    """Build one Go program of tests/interop from Debian's golang.org/x/mod (GOPATH
    mode, no module download) into ``out``; skip without Go, fail when CI=true."""
    go = shutil.which("go")
    if go is None or not (GOPATH / "src/golang.org/x/mod" / package).is_dir():
        message = (
            "Go and golang.org/x/mod are missing"
            " (apt-get install golang-go golang-golang-x-mod-dev)"
        )
        if IN_CI:
            pytest.fail(message + " (CI=true: the interoperability check must run)")
        pytest.skip(message)
    env = {
        **os.environ,
        "GO111MODULE": "off",  # GOPATH mode: Debian's sources, no module download
        "GOPATH": str(GOPATH),
        "GOCACHE": str(out / "cache"),
        "GOFLAGS": "",
    }
    binary = out / source.parent.name
    subprocess.run([go, "build", "-o", str(binary), str(source)], env=env, check=True, timeout=300)
    return binary


@pytest.fixture(scope="session")
def gotlog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_go(SOURCE, tmp_path_factory.mktemp("gotlog"))
