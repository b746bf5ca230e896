"""A newcomer opening /kiosk lands on the staff login: the login page says a kiosk needs a device
token and how to pair one, and /admin makes the kiosk link with its QR code (drawn locally)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.browser import open_page

pytestmark = pytest.mark.browser


def test_the_login_page_explains_how_to_pair_a_kiosk(appliance, public) -> None:
    page, errors = open_page(public, appliance.url + "/kiosk")
    page.wait_for_url(lambda url: urlsplit(url).path == "/login")
    pairing = page.locator("#kiosk-pairing")
    expect(pairing).to_be_visible()
    expect(pairing).to_contain_text("token perangkat")
    expect(pairing).to_contain_text("Token perangkat → Buat token, peran Kios")
    assert errors == []
    page.goto(appliance.url + "/login?next=/admin")  # staff's own login: no kiosk story
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#kiosk-pairing")).to_have_count(0)


def test_admin_makes_a_kiosk_link_and_qr_that_open_the_kiosk(appliance, staff, public) -> None:
    page, errors = open_page(staff, appliance.url + "/admin#tokens-panel")
    page.locator("#token-add-box summary").click()
    page.fill("#t-name", "kios-lobi")
    page.select_option("#t-role", "kiosk")
    page.click("#token-add-submit")
    qr = page.locator("#token-kiosk-qr")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert page.evaluate("document.getElementById('token-kiosk-qr').naturalWidth") > 0
    link = page.locator("#token-kiosk-url").text_content() or ""
    assert link.startswith("http://127.0.0.1:8080/kiosk?token=")  # web.public_url
    assert errors == []

    # The kiosk device opens the link once (here at this test server's address) ...
    kiosk, kiosk_errors = open_page(public, appliance.url + link[len("http://127.0.0.1:8080") :])
    expect(kiosk.locator(".tile").first).to_be_visible()
    assert urlsplit(kiosk.url).path == "/kiosk" and "token" not in kiosk.url
    # ... and keeps the token: the kiosk opens again without it, no staff login anywhere.
    kiosk.goto(appliance.url + "/kiosk")
    expect(kiosk.locator(".tile").first).to_be_visible()
    assert urlsplit(kiosk.url).path == "/kiosk"
    assert kiosk_errors == []
