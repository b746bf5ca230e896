"""The admin's live view says of every loket what it is doing and for how long (issue 17 item 4):
"Melayani A-012 · 12 menit", "Jeda: Istirahat · 8 menit", "Siap, tidak ada tiket · 9 menit", by
the device's clock (a manual clock here, far from the browser's), and redrawn when a loket changes.
Every count on the dashboard carries its unit."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from appliance.storage.database import connected
from appliance.storage.models import Counter, CounterService
from tests.support.browser import DOCS_SCREENSHOTS, open_page

pytestmark = pytest.mark.browser


def three_counters(core: Any) -> list[tuple[str, str]]:
    """Three open lokets, each with a service only it serves among the three."""
    chosen: list[tuple[str, str]] = []
    taken: set[str] = set()
    with connected(core.db):
        for counter in Counter.select().where(Counter.active).order_by(Counter.position):
            links = CounterService.select().where(CounterService.counter == counter.code)
            services = sorted(str(link.service_id) for link in links)
            mine = [s for s in services if s not in taken]
            if mine and len(chosen) < 3:
                chosen.append((str(counter.code), mine[0]))
                taken.update(services)
    assert len(chosen) == 3, chosen
    return chosen


def test_each_loket_says_what_it_does_and_for_how_long(appliance: Any, staff: Any) -> None:
    core = appliance.core
    engine, clock = core.engine, core.clock
    (serving, s1), (free, s2), (resting, s3) = three_counters(core)
    citizen = engine.issue(s1)
    engine.call_next(serving)
    engine.start(serving)  # serving from now
    clock.advance(timedelta(minutes=3))
    engine.issue(s2)
    engine.call_next(free)
    engine.done(free)  # free from now
    clock.advance(timedelta(minutes=1))
    engine.pause(resting, reason="istirahat")  # resting from now
    clock.advance(timedelta(minutes=8))
    engine.issue(s3)  # one citizen waiting

    page, errors = open_page(staff, appliance.url + "/admin")
    state = page.locator("#counters-now")
    expect(state.locator(f"[data-counter-state='{serving}']")).to_have_text(
        f"Melayani {citizen.number} · 12 menit"
    )
    expect(state.locator(f"[data-counter-state='{free}']")).to_have_text(
        "Siap, tidak ada tiket · 9 menit"
    )
    expect(state.locator(f"[data-counter-state='{resting}']")).to_have_text(
        "Jeda: Istirahat · 8 menit"
    )
    if os.environ.get("MPP_UPDATE_SCREENSHOTS") == "1":  # docs/screenshots/admin-live.png
        first, fourth = (state.locator("li").nth(n).bounding_box() for n in (0, 3))
        assert first is not None and fourth is not None
        right, bottom = fourth["x"] + fourth["width"], fourth["y"] + fourth["height"]
        area = {"x": first["x"], "y": first["y"], "width": right - first["x"],
                "height": bottom - first["y"]}  # fmt: skip
        page.screenshot(path=str(DOCS_SCREENSHOTS / "admin-live.png"), clip=area, full_page=True)
    stats = page.locator("#stats")
    expect(stats.locator("[data-stat='waiting'] b")).to_have_text("1 orang")
    expect(stats.locator("[data-stat='issued'] b")).to_have_text("3 tiket")
    expect(stats.locator("[data-stat='served'] b")).to_have_text("1 orang")
    expect(stats.locator("[data-stat='services_active'] b")).to_have_text("3 layanan")

    clock.advance(timedelta(minutes=2))
    engine.resume(resting)  # the page hears of it and redraws every loket
    expect(state.locator(f"[data-counter-state='{resting}']")).to_have_text(
        "Siap, tidak ada tiket · 0 menit"
    )
    expect(state.locator(f"[data-counter-state='{serving}']")).to_have_text(
        f"Melayani {citizen.number} · 14 menit"
    )
    minutes = state.locator(f"[data-counter-state='{serving}'] [data-counter-minutes]")
    expect(minutes).to_have_attribute("title", "sejak 09:00")  # the start, in the site's time
    assert errors == []
