"""Real Chromium (Debian's, never `playwright install`) against the real app served by waitress.

The appliance is built the way `mpp run` builds it (tests/support/browser.py). The browser tests
drive it only through pages; setup and checks may use the engine directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.browser import (
    ADMIN,
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    Appliance,
    Shots,
    build_app,
    screenshot_folder,
)
from tests.support.serving import serving


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason="/usr/bin/chromium is missing (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def appliance(tmp_path: Path) -> Iterator[Appliance]:
    app, core = build_app(tmp_path)
    with serving(app, threads=24, channel_request_lookahead=1) as url:
        yield Appliance(url, core)


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


@pytest.fixture
def shots(tmp_path: Path) -> Shots:
    """Each state photographed and held to axe-core and the 44 px rule (tests/support/browser)."""
    return Shots(screenshot_folder(tmp_path))
