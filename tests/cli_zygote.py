"""A pre-imported ``covergate`` that forks one fresh process per command.

Starting Python and importing covergate takes about a second; a test suite that
runs a hundred commands cannot afford it each time. This script imports
``covergate.cli`` (and alembic, which ``Runtime.open`` needs) once, then for each
request read from stdin (one JSON line: ``{"argv": [...], "env": {...},
"stdin": str | null}``) forks a child that does exactly what the ``covergate``
console script does, ``sys.exit(main())``, with that argv and environment and
with its standard streams on files, and answers one JSON line ``{"rc", "stdout",
"stderr"}``. Every command still runs in its own process, with its own exit
status, environment and file descriptors; uncaught exceptions print their
traceback and exit 1 as in a normal interpreter.

Run it as ``python tests/cli_zygote.py`` (it imports nothing from ``tests``).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import traceback
from typing import Any

import alembic.command  # imported lazily by Runtime.open; warm it here
import alembic.config  # noqa: F401

from covergate.cli import main


def _child(argv: list[str], env: dict[str, str], stdin_path: str, out: int, err: int) -> None:
    os.environ.clear()
    os.environ.update(env)
    fd_in = os.open(stdin_path, os.O_RDONLY)
    os.dup2(fd_in, 0)
    os.dup2(out, 1)
    os.dup2(err, 2)
    sys.argv = ["covergate", *argv]
    code: Any
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code
    except BaseException:  # noqa: BLE001 (as the interpreter's own top level does)
        traceback.print_exc()
        code = 1
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _run(request: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="covergate-cli-") as tmp:
        stdin_path = os.path.join(tmp, "stdin")
        with open(stdin_path, "w", encoding="utf-8") as f:
            f.write(request.get("stdin") or "")
        out_path, err_path = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
        out = os.open(out_path, os.O_WRONLY | os.O_CREAT, 0o600)
        err = os.open(err_path, os.O_WRONLY | os.O_CREAT, 0o600)
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover (the child never returns)
            _child(list(request["argv"]), dict(request["env"]), stdin_path, out, err)
        os.close(out)
        os.close(err)
        _, status = os.waitpid(pid, 0)
        rc = os.waitstatus_to_exitcode(status)
        with open(out_path, encoding="utf-8", errors="replace") as f:
            stdout = f.read()
        with open(err_path, encoding="utf-8", errors="replace") as f:
            stderr = f.read()
    return {"rc": rc, "stdout": stdout, "stderr": stderr}


def serve() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        answer = _run(json.loads(line))
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    serve()
