"""The README's shell examples, run as written on the demo year that ``make run`` makes.

Every ``sh`` block after the first (``make run``, ``make test``) runs in order, each
command in its own ``bash -c``, in a directory laid out like a checkout after
``make run``: this repository's ``.venv`` and ``docs``, the demo's ``covergate-data``,
and ``covergate serve`` (as ``make run`` starts it) for the commands that reach
``http://127.0.0.1:8000``. The text is changed only where a reader copies a value from
earlier output: the demo's tokens for ``T_FBI=...``, the submitted request's id for
``ID`` (in the accounts block, the token id ``token list`` shows), the digest
``produce`` prints for ``HEX``, the log key for ``VKEY``, and free ports for 8000 and
8400. Every command must exit 0 with no traceback; only the compliance audit may exit
1 (the README: "exit 1 if any"; the demo year has findings on purpose). ``log
monitor``, which follows a log until it is stopped, is stopped after its first lines;
``witness serve ... &`` runs until the end.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = Path(sys.executable).parents[1]
COVERGATE = Path(sys.executable).with_name("covergate")
#: A comment in a block: two or more spaces, then "# ".
_COMMENT = re.compile(r"\s{2,}#\s.*$")
_TOKEN_ROLES = {
    "T_FBI": "requester (FBI)",
    "T_COURT": "court (",
    "T_REV": "reviewer",
    "T_OSG": "approver (operations_support_group_manager)",
    "T_OBS": "observer",
    "T_AUDITOR": "auditor",
}


def readme_blocks() -> list[list[str]]:
    """The README's ``sh`` blocks after the first, as lists of commands: comment
    lines dropped, continued lines joined, trailing comments removed."""
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)
    out = []
    for block in blocks[1:]:
        commands: list[str] = []
        pending = ""
        for line in block.splitlines():
            if not pending and (not line.strip() or line.lstrip().startswith("#")):
                continue
            line = _COMMENT.sub("", line).rstrip()
            if line.endswith("\\"):
                pending += line[:-1].rstrip() + " "
                continue
            commands.append(pending + line.strip())
            pending = ""
        out.append(commands)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[str], *, any_answer: bool = False) -> None:
    """Until ``url`` answers 200 (with ``any_answer``, answers at all)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200 or any_answer:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            pytest.fail(f"{process.args!r} exited {process.returncode}: {process.stderr}")
        time.sleep(0.2)
    pytest.fail(f"{url} did not answer")


@dataclass
class Reader:
    """What a reader of the README has in their shell: a directory, variables, ports."""

    home: Path
    env: dict[str, str]
    port: int
    witness_port: int
    values: dict[str, str] = field(default_factory=dict)
    background: list[subprocess.Popen[str]] = field(default_factory=list)
    ran: list[str] = field(default_factory=list)

    def command(self, text: str) -> str:
        """The command with the values a reader copies, and the free ports."""
        text = text.replace("127.0.0.1:8000", f"127.0.0.1:{self.port}")
        text = text.replace("8400", str(self.witness_port))
        for name in ("ID", "HEX", "VKEY"):
            text = re.sub(rf"(?<=\s){name}(?=\s|$)", f'"${name}"', text)
        return text

    def run(self, text: str) -> subprocess.CompletedProcess[str]:
        self.ran.append(text)
        if text.startswith("export "):
            name, value = text.removeprefix("export ").split("=", 1)
            self.env[name] = value
            return subprocess.CompletedProcess(text, 0, "", "")
        if text.startswith("T_FBI=..."):
            return subprocess.CompletedProcess(text, 0, "", "")  # the demo's tokens, in env
        command = self.command(text)
        env = self.env | self.values
        assignment = re.fullmatch(r'([A-Z_]+)=("[^"]*"|\S+)', command)
        if assignment is not None:  # VKEY="$(...)": keep it for the commands after it
            name, value = assignment.groups()
            command = f'{name}={value}; printf %s "${name}"'
        if command.endswith("&"):
            process = subprocess.Popen(
                ["bash", "-c", command.removesuffix("&").strip()],
                cwd=self.home, env=env, text=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            self.background.append(process)
            _wait_for(f"http://127.0.0.1:{self.witness_port}/", process, any_answer=True)
            return subprocess.CompletedProcess(text, 0, "", "")
        if " log monitor " in command:
            return self._until_first_lines(command, env)
        done = subprocess.run(
            ["bash", "-c", command], cwd=self.home, env=env, text=True,
            capture_output=True, timeout=300, check=False,
        )  # fmt: skip
        if assignment is not None and done.returncode == 0:
            self.values[assignment.group(1)] = done.stdout
        return done

    def _until_first_lines(
        self, command: str, env: dict[str, str]
    ) -> subprocess.CompletedProcess[str]:
        """Start a command that follows until stopped; stop it (Ctrl-C) once it printed."""
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command}"], cwd=self.home, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert process.stdout is not None
        first = process.stdout.readline()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        code = 0 if first and process.returncode in (0, 130, -signal.SIGINT) else 1
        return subprocess.CompletedProcess(command, code, first + out, err)


def _tokens(demo_output: str) -> dict[str, str]:
    tokens = {}
    for name, role in _TOKEN_ROLES.items():
        found = [
            line.split()[-1]
            for line in demo_output.splitlines()
            if line.strip().startswith(role) and line.split()[-1].startswith("cg_")
        ]
        assert found, f"the demo printed no token for {role}"
        tokens[name] = found[0]
    return tokens


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reader]:
    home = tmp_path_factory.mktemp("readme")
    (home / ".venv").symlink_to(VENV)
    (home / "docs").symlink_to(ROOT / "docs")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERGATE_")}
    env["COLUMNS"] = "200"
    port, witness_port = _free_port(), _free_port()
    demo = subprocess.run(
        [str(COVERGATE), "demo", "--size", "small", "--port", str(port)],
        cwd=home, env=env, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    server = subprocess.Popen(
        [str(COVERGATE), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=home, env=env | {"COVERGATE_REQUIRE_PASSKEY": "off"}, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    got = Reader(home, env | _tokens(demo.stdout), port, witness_port)
    got.background.append(server)
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", server)
        yield got
    finally:
        for process in got.background:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def test_the_readme_has_the_blocks_this_test_runs() -> None:
    blocks = readme_blocks()
    firsts = [block[1] if block[0].startswith("export") else block[0] for block in blocks]
    assert len(blocks) >= 6, firsts
    assert any("request submit" in c for c in blocks[0])
    assert all(c for block in blocks for c in block)


def test_every_readme_example_runs_as_written(reader: Reader) -> None:
    for block in readme_blocks():
        if any("token revoke" in c for c in block):
            reader.values.pop("ID", None)  # this block's ID is a token's id, found below
        for text in block:
            done = reader.run(text)
            allowed = (0, 1) if "audit compliance" in text else (0,)
            shown = f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
            assert done.returncode in allowed, f"README: {text}\nexit {done.returncode}\n{shown}"
            assert "Traceback" not in done.stderr, f"README: {text}\n{done.stderr}"
            _remember(reader, text, done.stdout)
    assert len(reader.ran) > 40  # every block ran, not only the first


def _remember(reader: Reader, text: str, stdout: str) -> None:
    """The values a reader copies from a command's output for the commands after it."""
    if "request submit" in text and "--json" in text:
        reader.values["ID"] = json.loads(stdout)["id"]
    elif " produce " in text:
        found = re.search(r"manifest sha256 ([0-9a-f]{64})", stdout)
        assert found, stdout
        reader.values["HEX"] = found.group(1)
    elif "token list --user" in text and "--json" in text:
        reader.values["ID"] = json.loads(stdout)["tokens"][0]["id"]
    elif text.endswith("covergate log key"):
        reader.values["VKEY"] = stdout.strip()
