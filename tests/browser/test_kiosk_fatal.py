"""When the kiosk cannot start (the network to the appliance drops as the page loads), it says so
and offers only "Coba lagi": the kiosk stays locked, with no link a citizen could follow out to
the staff menu. Staff pages keep their way home. The state passes axe-core and the 44 px rule.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.axe import small_targets, violations
from tests.support.browser import Appliance, open_page

pytestmark = pytest.mark.browser

AUTH_ME = "**/api/v1/auth/me"


def test_a_kiosk_that_cannot_start_offers_only_to_try_again(
    appliance: Appliance, staff: Any
) -> None:
    page = staff.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size({"width": 1080, "height": 1920})
    page.route(AUTH_ME, lambda route: route.abort())  # the network drops as the page loads
    page.goto(appliance.url + "/kiosk")
    fatal = page.locator("#main .fatal")
    expect(fatal).to_be_visible()
    expect(fatal).to_contain_text("Tidak dapat terhubung ke server antrean")
    retry = page.locator("#fatal-retry")
    expect(retry).to_have_text("Coba lagi")
    expect(page.locator("#main a")).to_have_count(0)
    expect(page.get_by_text("Kembali ke beranda")).to_have_count(0)
    # Every link left on the page (the language switch) stays on the kiosk.
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map((a) => a.href)")
    assert hrefs and all(urlsplit(h).path == "/kiosk" for h in hrefs), hrefs
    assert violations(page) == []
    assert small_targets(page) == []

    page.unroute(AUTH_ME)  # the network is back: trying again loads the kiosk
    retry.click()
    expect(page.locator("[data-agency]").first).to_be_visible()
    assert urlsplit(page.url).path == "/kiosk"
    assert errors == []


def test_a_staff_page_that_cannot_start_still_links_home(appliance: Appliance, staff: Any) -> None:
    page, errors = open_page(staff, "about:blank")
    page.route(AUTH_ME, lambda route: route.abort())
    page.goto(appliance.url + "/desk")
    fatal = page.locator("#main .fatal")
    expect(fatal).to_be_visible()
    expect(fatal.locator("a")).to_have_text("Kembali ke beranda")
    expect(page.locator("#fatal-retry")).to_have_count(0)
    assert errors == []
