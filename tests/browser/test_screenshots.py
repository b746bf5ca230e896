"""Screenshots of every page with a morning's worth of data, kept in docs/screenshots/ so a
person can see what citizens and officers see (and a reviewer can spot what looks wrong)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOTS
from .support import counter_serving, open_page, settle

pytestmark = pytest.mark.browser


def morning(core):
    """A few tickets across services, one priority, two counters busy."""
    counter, service = counter_serving(core)
    tickets = [core.engine.issue(service, source="kiosk") for _ in range(4)]
    core.engine.issue(service, priority=True, priority_reason="lansia", source="desk")
    core.engine.issue("MPP-INFORMASI", source="button")
    core.engine.issue("MPP-INFORMASI", source="button")
    core.engine.call_next(counter)
    core.engine.start(counter)
    core.engine.done(counter)
    core.engine.call_next(counter)
    return counter, tickets


def test_screenshots_of_every_page(appliance, staff, public):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    counter, tickets = morning(appliance.core)
    errors: list[str] = []

    def shot(page, name, page_errors):
        page.wait_for_timeout(400)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
        errors.extend(page_errors)

    page, page_errors = open_page(public, appliance.url + "/login?next=/admin")
    shot(page, "login", page_errors)

    page, page_errors = open_page(staff, appliance.url + "/kiosk")
    expect(page.locator(".tile").first).to_be_visible()
    shot(page, "kiosk", page_errors)

    page, page_errors = open_page(staff, appliance.url + "/counter")
    page.select_option("#counter-select", counter)
    expect(page.locator("#current-number")).not_to_have_text("—")
    shot(page, "counter", page_errors)

    page, page_errors = open_page(staff, appliance.url + "/desk")
    expect(page.locator("#waiting li").first).to_be_visible()
    page.click("[data-reason='lansia']")
    shot(page, "desk", page_errors)

    board, page_errors = open_page(public, appliance.url + "/display")
    expect(board.locator("#now-number")).not_to_have_text("—")
    shot(board, "display", page_errors)

    status, page_errors = open_page(public, appliance.url + f"/t/{tickets[-1].status_token}")
    status.set_viewport_size({"width": 412, "height": 860})  # a phone
    expect(status.locator("#number")).to_have_text(tickets[-1].number)
    shot(status, "status", page_errors)

    admin, page_errors = open_page(staff, appliance.url + "/admin")
    settle(admin, lambda: admin.locator("#chart svg, #chart p").count() > 0)
    admin.wait_for_timeout(400)
    admin.screenshot(path=str(SCREENSHOTS / "admin.png"), full_page=True)
    errors.extend(page_errors)

    assert errors == []
    names = {p.stem for p in SCREENSHOTS.glob("*.png")}
    assert {"kiosk", "counter", "desk", "display", "status", "login", "admin"} <= names
