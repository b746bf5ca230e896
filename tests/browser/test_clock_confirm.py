"""The clock confirmation on /admin, from a laptop in another zone: the field is pre-filled with
the device's own time in the site's zone (not the browser's), both clocks are shown, and what is
sent is the site's wall clock with the site's offset."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.browser import ADMIN, PASSWORD, open_page

pytestmark = pytest.mark.browser


def test_the_confirmation_is_prefilled_with_the_sites_time_not_the_browsers(
    appliance, browser
) -> None:
    appliance.core.clock.set_synchronised(False)  # no NTP: the admin is asked to confirm
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="id-ID", timezone_id="America/Los_Angeles"
    )
    try:
        page, errors = open_page(context, appliance.url + "/login?next=/admin")
        page.fill("#username", ADMIN)
        page.fill("#password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_url(lambda url: urlsplit(url).path == "/admin")
        expect(page.locator("#clock-warning")).to_be_visible()
        # The device's clock says 09:00 in Jakarta (WEEKDAY_MORNING); the laptop is in California.
        expect(page.locator("#clock-now")).to_have_value(re.compile(r"^2025-03-12T09:00(:00)?$"))
        detail = page.locator("#clock-detail")
        expect(detail).to_contain_text("12-03-2025 09:00 (Asia/Jakarta, UTC+07:00)")
        expect(detail).to_contain_text("(UTC-08:00)")
        expect(page.locator("#clock-zone")).to_contain_text("Asia/Jakarta")

        page.fill("#clock-now", "2025-03-12T09:30")  # the admin's watch says half past
        asked: list[str] = []

        def accept(dialog) -> None:
            asked.append(dialog.message)
            dialog.accept()

        page.on("dialog", accept)
        with page.expect_request("**/api/v1/admin/clock") as sent:
            page.click("#clock-confirm")
        assert json.loads(sent.value.post_data or "{}") == {"now": "2025-03-12T09:30:00+07:00"}
        assert asked and "12-03-2025 09:30 Asia/Jakarta (UTC+07:00)" in asked[0]
        # This test appliance's clock is a fixed one, so the device answers 409 clock_fixed.
        expect(page.locator("#toast")).to_contain_text("tidak dapat diubah")
        assert errors == []
    finally:
        context.close()
