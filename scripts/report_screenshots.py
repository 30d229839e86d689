"""Pictures of the public transparency report, as `make run` shows it.

    .venv/bin/python scripts/report_screenshots.py [--out docs/screenshots] [--data DIR]

Runs `covergate demo` into a temporary data folder (a year of requests through
the real services), serves it with `covergate serve` on 127.0.0.1, and saves with
Debian's Chromium (/usr/bin/chromium) at 1280 px wide:

- ``report.png``: the top of the page (period chooser, headline figures);
- ``report-<table>.png``: the sections of a few tables (chart, numbers, note).

It then checks the served figures against a recount of the served log
(`covergate report --from ... --compare ...`) and fails if they differ, so the
pictures show figures anyone can recount. ``--data DIR`` uses a data folder a
`covergate demo` already filled (it takes about three minutes). Prints each file
written.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
COVERGATE = Path(sys.executable).with_name("covergate")
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
SECTIONS = ("trend", "by_agency", "days_bands")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server did not answer at {url}")


def _shoot(base: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1100})
            page.goto(base + "/")
            top = out / "report.png"
            page.screenshot(path=str(top))
            written.append(top)
            for table in SECTIONS:
                section = page.locator(f"#report-{table}")
                if section.count() == 0:
                    raise SystemExit(f"no section for table {table} on the page")
                shot = out / f"report-{table.replace('_', '-')}.png"
                section.first.screenshot(path=str(shot))
                written.append(shot)
        finally:
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--data", type=Path, help="a data folder `covergate demo` filled")
    args = parser.parse_args(argv)
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        print(f"no Chromium at {CHROMIUM}: apt-get install -y chromium", file=sys.stderr)
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="covergate-report-") as tmp:
        data = str(args.data) if args.data else tmp
        env = {**os.environ, "COVERGATE_DATA": data, "COVERGATE_REQUIRE_PASSKEY": "off"}
        env.pop("COVERGATE_DATABASE_URL", None)
        if args.data is None:
            subprocess.run([str(COVERGATE), "demo", "--size", "national", "--port", str(port)],
                           env=env, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        key = subprocess.run(
            [str(COVERGATE), "log", "key"], env=env, check=True, capture_output=True, text=True
        ).stdout.strip()
        server = subprocess.Popen(
            [str(COVERGATE), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env
        )
        try:
            _wait(base + "/report.json")
            written = _shoot(base, out)
            recount = subprocess.run(
                [str(COVERGATE), "report", "--from", base + "/log", "--key", key,
                 "--compare", base + "/report.json?period=all"],
                env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            print(recount.stdout.strip() or recount.stderr.strip())
            if recount.returncode != 0:
                return 1
        finally:
            server.terminate()
            server.wait(timeout=30)
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
