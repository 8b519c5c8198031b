"""A real headless Chromium for the map tests: Debian's `chromium`, never a downloaded browser.

One browser for the whole session; each test opens pages in a fresh context where every
request that is not the map file itself is recorded and aborted, console errors, page
errors and dialogs (an `alert()` would be one) are recorded, and screenshots go to
build/screenshots/, whose path is printed at the end of the run. A missing browser fails
the tests that need it; nothing here skips.

conftest.py imports this module with `from fixtures_browser import *`.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

__all__ = ["browser", "map_page", "MapPage", "pytest_terminal_summary", "SCREENSHOTS"]

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_taken: list[Path] = []


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's package (apt-get install -y chromium)"
        )
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class MapPage:
    """One page, and everything it tried to do that a map must not."""

    page: Page
    requests: list[str] = field(default_factory=list)  # every URL asked for but the map's own
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    dialogs: list[str] = field(default_factory=list)

    def open(self, path: Path) -> Page:
        """Load a map file and wait until vis-network has drawn it once."""
        self.page.goto(path.resolve().as_uri())
        self.wait_until("document.documentElement.dataset.ready === 'true'")
        return self.page

    def wait_until(self, expression: str, timeout: float = 10.0) -> None:
        """Poll `expression` from here until it is true. Playwright's `wait_for_function`
        polls by `eval` inside the page, which the map's Content-Security-Policy forbids."""
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"still false after {timeout} s: {expression}")
            self.page.wait_for_timeout(50)

    def screenshot(self, name: str) -> Path:
        target = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(target))
        _taken.append(target)
        return target


@pytest.fixture
def map_page(browser: Browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    watched = MapPage(page)

    def block(route):
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            route.abort()  # the "request" listener below has recorded it

    context.route("**/*", block)
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(("file:", "data:", "blob:"))
            else watched.requests.append(r.url)
        ),
    )
    page.on("websocket", lambda ws: watched.requests.append(ws.url))
    page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: watched.errors.append(str(exc)))

    def dismiss(dialog):
        watched.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    yield watched
    context.close()


def pytest_terminal_summary(terminalreporter):
    if _taken:
        terminalreporter.write_line(f"map screenshots ({len(_taken)}): {SCREENSHOTS}")
