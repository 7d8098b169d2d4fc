"""Debian's chromium as the pages' tests and bench/explorer launch it through Playwright:
the machine's own browser (no download), with the flags this machine needs (no sandbox as
root, no GPU, none of the background connections a closed network refuses); and the
fixtures the browser tests share (test/e2e/conftest.py hands them on)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page

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


WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch, on Debian's chromium, never a browser Playwright downloads."""
    executable = chromium()
    if executable is None:
        pytest.fail("chromium is not installed: run `make test`, which installs it")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_FLAGS}


@dataclass
class Watched:
    """A page whose console errors, uncaught exceptions, dialogs and CSP violations fail the
    test. Where a test makes the API answer an error or not at all, the browser's own line
    for that response ("Failed to load resource: ...") is expected, and nothing else is."""

    page: Page
    problems: list[str]
    failed_loads_expected: bool = False

    def unexplained(self) -> list[str]:
        expected = FAILED_LOAD if self.failed_loads_expected else None
        return [problem for problem in self.problems if not (expected and expected.match(problem))]


FAILED_LOAD = re.compile(
    r"Failed to load resource: (the server responded with a status of (404|502)|net::ERR_CONNECTION_REFUSED)"
)


@pytest.fixture
def watched(page: Page) -> Iterator[Watched]:
    watch = Watched(page, [])
    page.on("console", lambda message: message.type == "error" and watch.problems.append(message.text))
    page.on("pageerror", lambda error: watch.problems.append(f"uncaught: {error}"))
    page.on("dialog", lambda dialog: watch.problems.append(f"a dialog opened: {dialog.message}"))
    page.add_init_script(WATCH)
    yield watch
    if not page.is_closed():
        watch.problems.extend(f"CSP: {seen}" for seen in page.evaluate("window.__violations || []"))
    assert not watch.unexplained(), watch.problems
