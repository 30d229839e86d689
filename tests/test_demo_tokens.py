"""``covergate demo`` run again: fresh tokens, and the ones it printed before revoked."""

from __future__ import annotations

from pathlib import Path

import pytest

from covergate.config import Settings
from covergate.demo import seed_demo
from covergate.errors import AuthenticationFailed
from covergate.runtime import Runtime
from covergate.users import service as users
from tests.conftest import Database


def test_a_demo_rerun_revokes_the_tokens_it_printed_before(
    database: Database, tmp_path: Path
) -> None:
    rt = Runtime.open(Settings(data_dir=tmp_path, database_url=database.url), create=True)
    try:
        first = seed_demo(rt, seed=5, outside=20, inspectors=5)
        assert not first.reused
        second = seed_demo(rt, seed=5, outside=20, inspectors=5)
        third = seed_demo(rt, seed=5, outside=20, inspectors=5)
        assert second.reused
        assert third.reused
        assert second.revoked == len(first.tokens) == 8  # the court clerk too
        assert third.revoked == len(second.tokens) == 8
        with rt.transaction() as session:
            for _role, _email, token in [*first.tokens, *second.tokens]:
                with pytest.raises(AuthenticationFailed, match="revoked"):
                    users.authenticate(session=session, token=token, clock=rt.clock)
            for _role, email, token in third.tokens:
                assert (
                    users.authenticate(session=session, token=token, clock=rt.clock).email == email
                )
    finally:
        rt.close()


def test_the_demo_command_says_it_revoked_the_old_tokens(tmp_path: Path) -> None:
    import subprocess
    import sys

    covergate = Path(sys.executable).with_name("covergate")
    env = {"COVERGATE_DATABASE_URL": f"sqlite:///{tmp_path}/d.db", "PATH": "/usr/bin:/bin"}
    args = [str(covergate), "--data", str(tmp_path), "demo", "--outside", "10", "--inspectors", "2"]
    runs = [
        subprocess.run(args, capture_output=True, env=env, check=False, timeout=300, text=True)
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert "revoked" not in runs[0].stdout
    for run in runs:  # one one-time sign-in link per demo role, at localhost (WebAuthn)
        links = [line.split()[-1] for line in run.stdout.splitlines() if "/sign-in/link/" in line]
        assert len(links) == 8, run.stdout
        assert all(link.startswith("http://localhost:8000/sign-in/link/") for link in links)
    lines = [line for line in runs[1].stdout.splitlines() if "revoked" in line]
    assert lines == ["revoked the 8 demo tokens printed before; only those below work"]
