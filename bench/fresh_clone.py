"""How long a newcomer waits: a fresh clone to a live board in a browser, and to a green suite.

    python -m bench.fresh_clone            # clone, `make run`, sign up and open a live board
    python -m bench.fresh_clone --suite    # also clone again and run `make test`

Each clone is new and pip's cache is off (PIP_NO_CACHE_DIR=1), so every package is downloaded
and installed as on a new machine. Debian packages (nginx, chromium) are whatever this machine
already has. The browser part drives Debian's chromium with Playwright, as the browser tests do.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from devstack.paths import REPO_ROOT
from devstack.ports import free_port
from playwright.async_api import async_playwright, expect

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def clone(into: Path) -> Path:
    checkout = into / "taskflow"
    subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(checkout)], check=True)
    return checkout


def fresh_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PIP_NO_CACHE_DIR"] = "1"
    return env


def wait_for_health(url: str, process: subprocess.Popen[bytes], limit: float = 300) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"make run exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("make run did not answer /healthz in time")


async def open_live_board(url: str) -> None:
    """Sign up in the browser, create a board, open it and wait until it is live."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        page = await browser.new_page()
        await page.goto(f"{url}/")
        await page.get_by_test_id("to-signup").click()
        await page.get_by_test_id("signup-username").fill("newcomer")
        await page.get_by_test_id("signup-email").fill("newcomer@example.com")
        await page.get_by_test_id("signup-password").fill("correct horse battery")
        await page.get_by_test_id("signup-submit").click()
        await page.get_by_test_id("new-board-name").fill("First board")
        await page.get_by_test_id("create-board").click()  # a new board opens at once
        state = page.get_by_test_id("conn-state")
        await expect(state).to_have_attribute("data-state", "connected", timeout=30_000)
        await browser.close()


def time_run(workdir: Path) -> dict[str, float]:
    start = time.monotonic()
    checkout = clone(workdir)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=checkout,
        env=fresh_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_health(url, server)
        serving = time.monotonic() - start
        asyncio.run(open_live_board(url))
        return {"serving": serving, "live board": time.monotonic() - start}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def time_suite(workdir: Path) -> dict[str, float]:
    start = time.monotonic()
    checkout = clone(workdir)
    result = subprocess.run(["make", "test"], cwd=checkout, env=fresh_env(), check=False)
    if result.returncode != 0:
        raise RuntimeError(f"make test failed ({result.returncode})")
    return {"green suite": time.monotonic() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="store_true", help="also time clone to a green make test")
    args = parser.parse_args()
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="taskflow-fresh-") as workdir:
        timings |= time_run(Path(workdir) / "run")
        if args.suite:
            timings |= time_suite(Path(workdir) / "suite")
    for name, seconds in timings.items():
        print(f"clone to {name}: {seconds:.1f} s")


if __name__ == "__main__":
    main()
