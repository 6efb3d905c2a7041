"""Running Playwright from a pytest test: its report in a file as it goes, and on failure in the test's."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from devcluster.cluster import REPO

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def needs_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is needed: make test installs it (apt-get install chromium)")


def run_playwright(config: str, tmp_path: Path, env: dict[str, str], timeout: float, *args: str) -> str:
    """`npx playwright test -c <config>`; fails the test with the report's end; returns the report."""
    report = tmp_path / "playwright.log"
    with report.open("w") as out:
        try:
            run = subprocess.run(
                ["npx", "playwright", "test", "-c", config, *args],
                cwd=REPO,
                env={
                    **os.environ,
                    **env,
                    "CHROMIUM": CHROMIUM,
                    "CI": "1",
                    "NBCTL_UI_OUTPUT": str(tmp_path / "results"),
                },
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"Playwright did not finish in time:\n{report.read_text()[-9000:]}")
    text = report.read_text()
    if run.returncode != 0:
        pytest.fail(text[-9000:])
    return text
