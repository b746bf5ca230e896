"""The admin page's bookings in real Chromium (SPEC §8): the site's booking settings saved through
the catalogue, a service's booking quota in its catalogue dialog, the bookable services listed,
the trusted keys with since when; the panel free of WCAG 2.1 A/AA violations (axe-core)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from appliance.bookings.checkin import check_in
from appliance.bookings.codes import new_code
from appliance.bookings.received import store_changes
from appliance.bookings.token import BookingClaim, key_id, new_key_pair, sign
from appliance.catalogue.store import apply_catalogue, export_catalogue, validate_catalogue
from appliance.storage.database import connected
from appliance.storage.models import Site
from sync.booking_wire import BookingChange
from tests.support.axe import violations
from tests.support.browser import open_page

pytestmark = pytest.mark.browser

PASPOR = "IMIGRASI-PASPOR-BARU"


def trust_a_key(core) -> tuple[str, str]:
    """The key list central's config document carries, applied as the edge applies it: the
    private seed (central's) and the key's id."""
    seed, public = new_key_pair()
    doc = export_catalogue(core.db)
    doc.pop("version")
    doc["booking_keys"] = [{"kid": key_id(public), "public_key": public}]
    apply_catalogue(core.db, validate_catalogue(doc), clock=core.clock)
    return seed, key_id(public)


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

    _, kid = trust_a_key(appliance.core)
    page.reload()
    row = page.locator(f"[data-kid='{kid}']")
    expect(row).to_contain_text(kid)
    expect(row).to_contain_text("12-03-2025 09:00")  # since when, on the site's clock
    # The panel itself (the rest of the page is other issues' to keep).
    assert violations(page, exclude=("header", "main > :not(#booking-panel)")) == []
    assert errors == []


def test_the_period_report_shows_the_booking_figures(appliance, staff):
    core = appliance.core
    seed, _ = trust_a_key(core)
    with connected(core.db):
        site = str(Site.select(Site.code).scalar())
    claim = BookingClaim(site, new_code(), PASPOR, "2025-03-12", "09:00", "10:00")
    check_in(core.engine, token=sign(claim, seed))  # came in its window
    missed = BookingChange(1, "booked", new_code(), PASPOR, "2025-03-12", "07:00", "08:00")
    with core.db.write():
        store_changes([missed], "2025-03-11T10:00:00+07:00")  # its window closed at 08:15
    page, errors = open_page(staff, appliance.url + "/admin")
    figures = page.locator("#ops-bookings")
    for figure, value in (("made", "2"), ("checked_in", "1"), ("in_window", "1"), ("no_show", "1")):
        expect(figures.locator(f"[data-booking-stat='{figure}'] b")).to_have_text(value)
    expect(figures.locator("tbody tr")).to_have_count(1)
    expect(figures.locator("tbody tr")).to_contain_text("Permohonan Paspor Baru Dewasa")
    assert errors == []
