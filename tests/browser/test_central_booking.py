"""The citizen's booking pages on central in Chromium on a 360×740 phone: book a slot on
`/book/{site}` with plain forms, see the booking page with its QR code, code, requirements and
fee, cancel it after the confirmation; axe-core finds no WCAG 2.1 A/AA violation and every touch
target is at least 44 px; the same flow with JavaScript off. Central is served by waitress as
`mpp central` serves it, on a database with a bookable catalogue pushed to the site."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from sync.central.accounts import add_user
from sync.central.http.base import CentralWebSettings
from sync.central.store import open_central_database
from tests.support.axe import small_targets, violations
from tests.support.booking_fixtures import NOW, offer_bookings
from tests.support.serving import serving_central
from tests.support.sync_harness import SITE

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "rahasia-pusat-123"
CODE = re.compile(r"^[2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{3}$")


@pytest.fixture
def central(tmp_path: Path) -> Iterator[str]:
    db = open_central_database(f"sqlite:///{tmp_path}/central.db")
    offer_bookings(db)
    add_user(db, "pusat", PASSWORD, "admin")
    try:
        with serving_central(db, CentralWebSettings(secret_key="s" * 40, now=lambda: NOW)) as url:
            yield url
    finally:
        db.close()


def picture(page: Any, name: str) -> None:
    """docs/screenshots/central-book-*.png when MPP_UPDATE_SCREENSHOTS=1."""
    if os.environ.get("MPP_UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / f"central-book-{name}.png"), full_page=True)


def book_and_cancel(page: Any, central: str, *, check_access: bool) -> None:
    page.goto(f"{central}/book/{SITE}")
    expect(page.locator("h1")).to_have_text("Booking kunjungan")
    if check_access:
        assert violations(page) == []
        assert small_targets(page, within="main") == []
    page.locator("label.service").first.click()  # KTP-el
    page.select_option("#date", "2025-03-13")
    page.click("#choose button[type=submit]")
    slot = page.locator("button[data-slot='09:00']")
    expect(slot).to_contain_text("sisa 2")
    picture(page, "slots")
    if check_access:
        assert violations(page) == []
        assert small_targets(page, within="main") == []
    slot.click()
    page.wait_for_url(re.compile(r"/b/B1\."))
    expect(page.locator("#status")).to_contain_text("Terbooking")
    expect(page.locator("svg.qr")).to_be_visible()
    expect(page.locator("#code")).to_have_text(CODE)
    expect(page.locator("main")).to_contain_text("Kartu Keluarga")
    expect(page.locator("main")).to_contain_text("Gratis")
    box = page.locator("svg.qr").bounding_box()
    assert box is not None and box["width"] >= 200 and box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    picture(page, "booking")
    if check_access:
        assert violations(page) == []
        assert small_targets(page, within="main") == []
    page.click("#cancel")
    expect(page.locator("#cancel-confirm")).to_contain_text("Yakin membatalkan")
    picture(page, "cancel")
    page.click("#cancel-confirm button[type=submit]")
    expect(page.locator("#status")).to_contain_text("Dibatalkan")
    expect(page.locator("svg.qr")).to_have_count(0)


def test_booking_on_a_phone(browser: Any, central: str) -> None:
    context = browser.new_context(viewport=PHONE, locale="id-ID", has_touch=True, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        book_and_cancel(page, central, check_access=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]  # nothing wider than the phone
        page.goto(f"{central}/book/{SITE}?lang=en")
        expect(page.locator("h1")).to_have_text("Book a visit")
        assert violations(page) == []
    finally:
        context.close()
    assert errors == []


def test_booking_with_javascript_off(browser: Any, central: str) -> None:
    context = browser.new_context(viewport=PHONE, locale="id-ID", java_script_enabled=False)
    page = context.new_page()
    try:
        book_and_cancel(page, central, check_access=False)
    finally:
        context.close()


def test_the_staff_bookings_page(browser: Any, central: str) -> None:
    """An admin books nothing: reads the figures, copies a key, rotates it after the
    confirmation; axe-core finds nothing on the page."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    page = context.new_page()
    try:
        page.goto(f"{central}/book/{SITE}?service=DUKCAPIL-KTP&date=2025-03-13")
        page.click("button[data-slot='08:00']")
        page.wait_for_url(re.compile(r"/b/B1\."))
        page.goto(f"{central}/bookings")
        page.wait_for_url(re.compile(r"/login"))
        page.fill("#username", "pusat")
        page.fill("#password", PASSWORD)
        page.click("#login button[type=submit]")
        page.wait_for_url(re.compile(r"/bookings$"))
        row = page.locator(f"#booking-figures tr[data-site='{SITE}']")
        expect(row.locator("td").nth(3)).to_have_text("1")
        expect(page.locator(".public-key")).to_have_count(1)
        assert violations(page) == []
        page.locator("details summary").click()
        page.click(f"button.rotate[data-site='{SITE}']")
        expect(page.locator("#rotated")).to_be_visible()
        expect(page.locator(".public-key")).to_have_count(2)
        assert violations(page) == []
    finally:
        context.close()
