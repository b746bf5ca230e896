"""The admin page's bookings in real Chromium (SPEC §8): the site's booking settings saved through
the catalogue, a service's booking quota in its catalogue dialog, the bookable services listed,
the trusted keys with since when; the panel free of WCAG 2.1 A/AA violations (axe-core)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from appliance.bookings.token import key_id, new_key_pair
from appliance.catalogue.store import apply_catalogue, export_catalogue, validate_catalogue
from tests.support.axe import violations
from tests.support.browser import open_page

pytestmark = pytest.mark.browser

PASPOR = "IMIGRASI-PASPOR-BARU"


def trust_a_key(core) -> str:
    """The key list central's config document carries, applied as the edge applies it."""
    _, public = new_key_pair()
    doc = export_catalogue(core.db)
    doc.pop("version")
    doc["booking_keys"] = [{"kid": key_id(public), "public_key": public}]
    apply_catalogue(core.db, validate_catalogue(doc), clock=core.clock)
    return key_id(public)


def test_booking_settings_quota_and_keys(appliance, staff):
    page, errors = open_page(staff, appliance.url + "/admin")
    panel = page.locator("#booking-panel")
    expect(panel).to_be_visible()
    expect(page.locator("#booking-no-keys")).to_be_visible()  # no key yet: said plainly
    expect(page.locator("#booking-slot_minutes")).to_have_value("60")  # the defaults
    expect(page.locator("#booking-none")).to_be_visible()

    page.fill("#booking-slot_minutes", "30")
    page.fill("#booking-early_minutes", "20")
    page.click("#booking-save")
    expect(page.locator("#booking-result")).to_contain_text("Pengaturan booking disimpan")
    booking = export_catalogue(appliance.core.db)["site"]["booking"]
    assert booking == {
        "slot_minutes": 30,
        "horizon_days": 14,
        "early_minutes": 20,
        "late_minutes": 15,
    }

    page.fill("#svc-filter", PASPOR)
    page.click(f"[data-service='{PASPOR}'] [data-edit]")
    expect(page.locator("#svc-booking")).to_have_value("0")
    page.fill("#svc-booking", "24")
    page.click("#dialog-submit")
    expect(page.locator(f"[data-bookable='{PASPOR}']")).to_contain_text("24")
    services = {s["code"]: s for s in export_catalogue(appliance.core.db)["services"]}
    assert services[PASPOR]["booking_quota"] == 24
    expect(page.locator("#booking-slot_minutes")).to_have_value("30")  # kept by the service edit

    kid = trust_a_key(appliance.core)
    page.reload()
    row = page.locator(f"[data-kid='{kid}']")
    expect(row).to_contain_text(kid)
    expect(row).to_contain_text("12-03-2025 09:00")  # since when, on the site's clock
    # The panel itself (the rest of the page is other issues' to keep).
    assert violations(page, exclude=("header", "main > :not(#booking-panel)")) == []
    assert errors == []
