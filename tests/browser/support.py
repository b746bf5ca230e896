"""Small helpers for the browser tests: opening pages, counting announcements, picking data."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from appliance.storage.database import connected
from appliance.storage.models import Counter, CounterService, Service


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
