"""Debian's chromium as the explorer's tests and bench/explorer launch it through Playwright:
the machine's own browser (no download), with the flags this machine needs (no sandbox as
root, no GPU, none of the background connections a closed network refuses)."""

from __future__ import annotations

import shutil

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium() -> str | None:
    return shutil.which("chromium")
