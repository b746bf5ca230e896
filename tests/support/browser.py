"""The browser suite's appliance and page helpers (tests/browser/conftest.py holds the fixtures).

Real Chromium (Debian's, never `playwright install`) drives the real app served by waitress. The
appliance is built the way `mpp run` builds it, on a temporary database with the Kota Metro
catalogue, a pinned clock (a weekday morning, counters open) and an admin account. Plain module,
no pytest: opening pages, counting announcements, picking data for a test.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

from appliance.catalogue.store import apply_catalogue, load_catalogue, packaged_catalogue
from appliance.clock import ManualClock
from appliance.config.load import load_config
from appliance.runtime import Runtime, build_announcer, open_core
from appliance.storage.database import connected
from appliance.storage.models import Counter, CounterService, Service
from tests.support.axe import small_targets, violations
from tests.support.catalogue_fixtures import WEEKDAY_MORNING
from tests.support.paths import REPO
from web.app import create_app

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
# The kiosks the suites check (a portrait totem and a landscape tablet), and a Kota Metro service.
KIOSK_PORTRAIT = {"width": 1080, "height": 1920}
KIOSK_LANDSCAPE = {"width": 1280, "height": 800}
PASPOR = "IMIGRASI-PASPOR-BARU"
ADMIN = "admin"
PASSWORD = "rahasia-sekali-123"
# The README's pictures. A test run takes every screenshot but writes into docs/ only when asked
# (MPP_UPDATE_SCREENSHOTS=1), so running the suite leaves the checkout clean.
DOCS_SCREENSHOTS = REPO / "docs" / "screenshots"


@dataclass
class Appliance:
    """A running appliance: its URL and the core behind it (engine, clock, accounts)."""

    url: str
    core: Any

    def api(self, path: str) -> Any:
        """An anonymous GET of the JSON API (public endpoints only)."""
        with urlopen(Request(self.url + path), timeout=10) as response:
            return json.loads(response.read())


def build_app(folder: Path) -> tuple[Any, Any]:
    """The app and core, built as `mpp run` builds them (no hardware), the clock on a weekday
    morning with every counter open."""
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


def open_page(context: Any, url: str) -> tuple[Any, list[str]]:
    """A new tab at `url` and the list its script errors will be collected into."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return page, errors


def audio_requests(page: Any) -> list[str]:
    """Every request the page makes for an announcement WAV (not the local chime)."""
    seen: list[str] = []

    def record(request: Any) -> None:
        if ".wav" in request.url and "/assets/" not in request.url:
            seen.append(request.url)

    page.on("request", record)
    return seen


def settle(page: Any, condition: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Wait, letting the page run, until `condition()` holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        page.wait_for_timeout(100)


def counter_serving(core: Any) -> tuple[str, str]:
    """An open counter (not the front desk, when there is another) and a service it serves."""
    with connected(core.db):
        counters = list(Counter.select().where(Counter.active).order_by(Counter.position))
        chosen = next((c for c in counters if c.agency_id != "MPP"), counters[0])
        link = (
            CounterService.select()
            .where(CounterService.counter == chosen.code)
            .order_by(CounterService.service)
            .first()
        )
        return str(chosen.code), str(link.service_id)


def service_named(core: Any, code: str) -> str:
    with connected(core.db):
        return str(Service.get_by_id(code).name)


def quota_service(core: Any) -> tuple[str, int]:
    """The service with the smallest daily quota."""
    with connected(core.db):
        service = (
            Service.select()
            .where(Service.daily_quota.is_null(False) & Service.active)
            .order_by(Service.daily_quota)
            .first()
        )
        return str(service.code), int(service.daily_quota)


class Shots:
    """Photographs each state and holds it to axe-core and the 44 px rule."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[str] = []

    def check(self, page: Any, name: str) -> None:
        page.wait_for_timeout(250)
        page.screenshot(path=str(self.folder / f"{name}.png"))
        self.problems += [f"{name}: {line}" for line in violations(page)]
        self.problems += [f"{name}: small target {line}" for line in small_targets(page)]


def screenshot_folder(scratch: Path) -> Path:
    """docs/screenshots/ with MPP_UPDATE_SCREENSHOTS=1 (pictures refreshed), else `scratch`."""
    folder = DOCS_SCREENSHOTS if os.environ.get("MPP_UPDATE_SCREENSHOTS") == "1" else scratch
    folder.mkdir(parents=True, exist_ok=True)
    return folder
