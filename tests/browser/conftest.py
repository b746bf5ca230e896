"""Real Chromium (Debian's, never `playwright install`) against the real app served by waitress.

The appliance is built the way `mpp run` builds it, on a temporary database with the Kota Metro
catalogue, a pinned clock (a weekday morning, counters open) and an admin account. The browser
tests drive it only through pages; setup and checks may use the engine directly.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--autoplay-policy=no-user-gesture-required",
]
ADMIN = "admin"
PASSWORD = "rahasia-sekali-123"
# Wednesday 12 March 2025, 09:00 WIB: a normal weekday morning, every counter open.
WEEKDAY_MORNING = datetime(2025, 3, 12, 9, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
# The README's pictures. A test run takes every screenshot but writes into docs/ only when asked
# (MPP_UPDATE_SCREENSHOTS=1), so running the suite leaves the checkout clean.
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason="/usr/bin/chromium is missing (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@dataclass
class Appliance:
    """A running appliance: its URL and the core behind it (engine, clock, accounts)."""

    url: str
    core: Any

    def api(self, path: str) -> Any:
        """An anonymous GET of the JSON API (public endpoints only)."""
        with urlopen(Request(self.url + path), timeout=10) as response:
            return json.loads(response.read())


def _build_app(folder: Path) -> tuple[Any, Any]:
    """The app and core, built as `mpp run` builds them (no hardware)."""
    from appliance.catalogue.store import apply_catalogue, load_catalogue, packaged_catalogue
    from appliance.clock import ManualClock
    from appliance.config.load import load_config
    from appliance.runtime import Runtime, build_announcer, open_core
    from web.app import create_app

    environ = {
        "MPP_STORAGE__DATABASE": str(folder / "appliance.db"),
        "MPP_PRINTER__DRIVER": "file",
        "MPP_PRINTER__FOLDER": str(folder / "receipts"),
        "MPP_GPIO__PIN_FACTORY": "none",
        "MPP_WEB__PUBLIC_URL": "http://127.0.0.1:8080",
        "MPP_WEB__SECRET_KEY": "browser-test-secret-key-0123456789abcdef",
    }
    config = load_config(None, environ)
    core = open_core(config, clock=ManualClock(WEEKDAY_MORNING))
    apply_catalogue(core.db, load_catalogue(packaged_catalogue("kota-metro")), clock=core.clock)
    core.accounts.add_officer(ADMIN, PASSWORD, "admin", display_name="Admin MPP")
    return create_app(Runtime(core, announcer=build_announcer(core))), core


@pytest.fixture
def appliance(tmp_path: Path) -> Iterator[Appliance]:
    from waitress import create_server

    app, core = _build_app(tmp_path)
    server = create_server(app, host="127.0.0.1", port=0, threads=24, channel_request_lookahead=1)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield Appliance(f"http://127.0.0.1:{server.effective_port}", core)
    finally:
        server.close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def staff(browser: Any, appliance: Appliance) -> Iterator[Any]:
    """A browser context logged in as the admin through the login page."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    page = context.new_page()
    page.goto(appliance.url + "/login?next=/home")
    page.fill("#username", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(lambda url: urlsplit(url).path == "/home")
    page.close()
    yield context
    context.close()


@pytest.fixture
def public(browser: Any) -> Iterator[Any]:
    """A context with nobody logged in: a citizen's phone or the TV board."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="id-ID")
    yield context
    context.close()


def watch_errors(page: Any) -> list[str]:
    """Collect script errors of a page; a test ends by asserting the list is empty."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
