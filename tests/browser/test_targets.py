"""Touch targets of the bar every page shares: the language link and the log-out were 52×16 and
51×22 px; every target there is at least 44×44 px now (tests/support/axe.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.axe import small_targets
from tests.support.browser import open_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/home", "/counter", "/desk", "/admin", "/kiosk"])
def test_the_bar_has_no_small_target(appliance, staff, path):
    page, errors = open_page(staff, appliance.url + path)
    expect(page.locator(".lang a")).to_be_visible()
    if path != "/kiosk" and page.locator("#user").count():
        expect(page.locator("#user button").first).to_be_visible()  # the log-out
    assert small_targets(page, within=".bar") == []
    assert errors == []


def test_the_login_page_language_link_is_big_enough(appliance, public):
    page, errors = open_page(public, appliance.url + "/login")
    expect(page.locator(".lang a")).to_be_visible()
    assert small_targets(page, within=".bar") == []
    assert errors == []
