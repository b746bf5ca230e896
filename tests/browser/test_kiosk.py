"""The kiosk for every citizen, in real Chromium on the Kota Metro catalogue: the service screen
before a number, the lock and the idle reset, one closed screen outside the hours, honest waits,
forgiving search, and every state free of WCAG 2.1 A/AA violations (axe-core) with 44 px targets.

Each state is photographed; with MPP_UPDATE_SCREENSHOTS=1 the pictures go to docs/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from appliance.storage.database import connected
from appliance.storage.models import Counter, Ticket
from tests.support.browser import (
    ADMIN,
    KIOSK_LANDSCAPE,
    KIOSK_PORTRAIT,
    PASPOR,
    PASSWORD,
    Appliance,
    audio_requests,
    build_app,
    open_page,
    quota_service,
    service_named,
    settle,
)
from tests.support.serving import serving

pytestmark = pytest.mark.browser

PORTRAIT, LANDSCAPE = KIOSK_PORTRAIT, KIOSK_LANDSCAPE


def local(hour: int, minute: int = 0, day: int = 12) -> datetime:
    """A moment in March 2025 on the site's clock (the 12th is a Wednesday)."""
    return datetime(2025, 3, day, hour, minute, tzinfo=ZoneInfo("Asia/Jakarta"))


@pytest.fixture
def kiosk_site(tmp_path: Path) -> Iterator[tuple[Appliance, Any]]:
    """The browser suite's appliance plus a file printer that prints: the kiosk's happy path."""
    from appliance.hardware.build import build_hardware
    from appliance.runtime import Runtime
    from web.app import create_app

    _, core = build_app(tmp_path)
    runtime = Runtime(core, hardware=build_hardware(core.config, core.engine, core.db, core.clock))
    runtime.start()
    try:
        with serving(create_app(runtime)) as url:
            yield Appliance(url, core), runtime
    finally:
        runtime.stop()


def logged_in(browser: Any, url: str, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, locale="id-ID")
    page = context.new_page()
    page.goto(url + "/login?next=/home")
    page.fill("#username", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(lambda u: urlsplit(u).path == "/home")
    page.close()
    return context


def tickets(core: Any) -> int:
    with connected(core.db):
        return int(Ticket.select().count())


def open_service(page: Any, core: Any, code: str) -> None:
    page.fill("#search", service_named(core, code))
    page.click(f"[data-service='{code}']")
    expect(page.locator("#service-screen")).to_be_visible()


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["1080x1920", "1280x800"])
def test_every_state_is_accessible(browser, kiosk_site, shots, viewport):
    appliance, _ = kiosk_site
    size = f"{viewport['width']}x{viewport['height']}"
    context = logged_in(browser, appliance.url, viewport)
    page, errors = open_page(context, appliance.url + "/kiosk")
    expect(page.locator("[data-agency]").first).to_be_visible()
    shots.check(page, f"kiosk-{size}-agencies")

    page.click("#priority")
    expect(page.locator("[data-need]").first).to_be_visible()
    shots.check(page, f"kiosk-{size}-priority")
    page.click("#priority-back")

    page.click("[data-agency='DPMPTSP']")
    expect(page.locator(".tile-group").first).to_be_visible()
    shots.check(page, f"kiosk-{size}-groups")
    page.click("#back")

    page.click("[data-agency='IMIGRASI']")
    expect(page.locator("[data-service]").first).to_be_visible()
    shots.check(page, f"kiosk-{size}-services")

    page.click(f"[data-service='{PASPOR}']")
    expect(page.locator("#service-requirements li").first).to_be_visible()
    shots.check(page, f"kiosk-{size}-service")

    page.click("#take")
    expect(page.locator("#ticket-number")).to_be_visible()
    shots.check(page, f"kiosk-{size}-issued")
    page.click("#done")

    page.click("#keyboard-toggle")
    expect(page.locator("#keyboard")).to_be_visible()
    for key in "skck":
        page.click(f"[data-key='{key}']")
    expect(page.locator("#search")).to_have_value("skck")
    shots.check(page, f"kiosk-{size}-search")
    assert errors == []
    context.close()
    assert shots.problems == []


def test_a_citizen_reads_requirements_and_fee_before_taking_a_number(appliance, staff):
    page, errors = open_page(staff, appliance.url + "/kiosk")
    page.click("[data-agency='IMIGRASI']")
    page.click(f"[data-service='{PASPOR}']")
    requirements = page.locator("#service-requirements li")
    expect(requirements.first).to_be_visible()
    assert requirements.count() >= 2
    expect(page.locator("#service-fee")).to_contain_text("Rp350.000")
    expect(page.locator("#take")).to_have_text("Ambil nomor")
    assert tickets(appliance.core) == 0  # one tap on the tile took no number
    page.click("#service-back")
    expect(page.locator("[data-service]").first).to_be_visible()
    assert tickets(appliance.core) == 0
    page.click(f"[data-service='{PASPOR}']")
    spoken = audio_requests(page)
    page.click("#take")
    expect(page.locator("#ticket-number")).to_be_visible()
    assert tickets(appliance.core) == 1
    number = page.locator("#ticket-number").inner_text()
    settle(page, lambda: len(spoken) == 1)  # said aloud: a blind citizen hears what they hold
    assert spoken[0].endswith(f"/api/v1/announcements/number/{number}.wav")
    assert errors == []


def test_printer_down_and_quota_full_are_accessible(appliance, staff, shots):
    """The browser suite's appliance has no printer: the issued screen says to note the number."""
    code, quota = quota_service(appliance.core)
    for _ in range(quota):
        appliance.core.engine.issue(code, source="kiosk")
    page, errors = open_page(staff, appliance.url + "/kiosk")
    page.set_viewport_size(PORTRAIT)
    open_service(page, appliance.core, code)
    expect(page.locator("#service-closed")).to_be_visible()
    expect(page.locator("#take")).to_be_hidden()
    shots.check(page, "kiosk-quota-full")
    page.click("#service-back")
    page.fill("#search", "paspor")
    page.click(f"[data-service='{PASPOR}']")
    page.click("#take")
    expect(page.locator("#printer-down")).to_be_visible()
    shots.check(page, "kiosk-printer-down")
    assert errors == []
    assert shots.problems == []


@pytest.mark.parametrize(
    ("moment", "title", "when", "name"),
    [
        (local(17), "MPP sudah tutup", "Buka kembali Kamis pukul 08.00", "kiosk-closed"),
        (local(17, day=14), "MPP sudah tutup", "Buka kembali Senin pukul 08.00", None),
        (local(7, 15), "MPP belum buka", "Buka hari ini pukul 08.00", "kiosk-before-opening"),
    ],
)
def test_outside_hours_one_screen_says_when_it_opens(
    appliance, staff, shots, moment, title, when, name
):
    appliance.core.clock.jump_to(moment)
    page, errors = open_page(staff, appliance.url + "/kiosk")
    page.set_viewport_size(PORTRAIT)
    expect(page.locator("#closed-title")).to_have_text(title)
    expect(page.locator("#closed-when")).to_have_text(when)
    expect(page.locator("#tiles")).to_be_hidden()
    assert page.locator(".badge.bad:visible").count() == 0
    if name:
        shots.check(page, name)
    assert errors == []
    assert shots.problems == []


def test_no_open_counter_says_so_instead_of_a_figure(appliance, staff):
    appliance.core.engine.issue(PASPOR, source="kiosk")
    with appliance.core.db.write():
        Counter.update(paused=True).execute()
    page, _ = open_page(staff, appliance.url + "/kiosk")
    page.fill("#search", "paspor")
    tile = page.locator(f"[data-service='{PASPOR}']")
    expect(tile).to_contain_text("Loket belum buka")
    expect(tile).not_to_contain_text("menit")
    tile.click()
    expect(page.locator("#service-wait")).to_have_text("Loket belum buka")


def test_kiosk_is_locked_and_resets_on_idle(appliance, staff):
    page = staff.new_page()
    page.clock.install()
    page.goto(appliance.url + "/kiosk?lang=en")
    expect(page.locator("#kiosk-title")).to_have_text("Please choose an agency")
    # This site takes no bookings (no key, nothing bookable): no "Sudah booking?" to puzzle over.
    expect(page.locator("#booking-entry")).to_be_hidden()
    links = page.eval_on_selector_all("a[href]", "as => as.map(a => a.pathname)")
    assert set(links) == {"/kiosk"}  # only the language switch: no way out to /home
    page.click("[data-agency='IMIGRASI']")
    page.click(f"[data-service='{PASPOR}']")
    expect(page.locator("#service-screen")).to_be_visible()
    page.clock.run_for(46_000)
    page.wait_for_url(lambda url: "lang=id" in url)
    expect(page.locator("#kiosk-title")).to_have_text("Silakan pilih instansi")
    expect(page.locator("#service-screen")).to_be_hidden()
    expect(page.locator("#search")).to_have_value("")


@pytest.mark.parametrize(
    ("typed", "first"),
    [("pasport", PASPOR), ("bikin paspor", PASPOR), ("ktp", "DUKCAPIL-KTP-EL-REKAM")],
)
def test_search_forgives_typos_and_ranks_whole_words_first(appliance, staff, typed, first):
    page, _ = open_page(staff, appliance.url + "/kiosk")
    expect(page.locator("[data-agency]").first).to_be_visible()
    page.fill("#search", typed)
    expect(page.locator("[data-service]").first).to_have_attribute("data-service", first)
    if typed == "ktp":  # BPJS's "FKTP" still found, but after every whole-word KTP service
        codes = page.eval_on_selector_all("[data-service]", "ts => ts.map(t => t.dataset.service)")
        bpjs = [i for i, c in enumerate(codes) if c.startswith("BPJS-KES")]
        ktp = [i for i, c in enumerate(codes) if "KTP" in c]
        assert ktp and (not bpjs or max(ktp) < min(bpjs))


def test_agencies_read_by_short_name_icon_and_groups(appliance, staff):
    page, errors = open_page(staff, appliance.url + "/kiosk")
    tile = page.locator("[data-agency='DUKCAPIL']")
    expect(tile.locator(".name")).to_contain_text("Disdukcapil (KTP, KK, Akta)")
    expect(tile.locator(".official")).to_have_text(
        "Dinas Kependudukan dan Pencatatan Sipil Kota Metro"
    )
    icon = tile.locator("img.agency-icon")
    expect(icon).to_have_attribute("src", "/assets/img/agency/id-card.svg")
    page.wait_for_function(
        "() => document.querySelector('[data-agency=DUKCAPIL] img').naturalWidth > 0"
    )
    page.click("[data-agency='DPMPTSP']")
    groups = page.locator(".tile-group")
    expect(groups.first).to_be_visible()
    assert groups.count() == 6  # 62 services under six headings, not 62 flat tiles
    assert errors == []


def test_search_knows_the_catalogues_aliases(appliance, staff):
    page, _ = open_page(staff, appliance.url + "/kiosk")
    expect(page.locator("[data-agency]").first).to_be_visible()
    page.fill("#search", "surat kelakuan baik")
    expect(page.locator("[data-service]").first).to_have_attribute(
        "data-service", "POLRES-SKCK-BARU"
    )


def test_priority_is_a_button_that_sends_to_the_desk(appliance, staff):
    page, errors = open_page(staff, appliance.url + "/kiosk")
    page.click("#priority")
    page.click("[data-need='ibu_hamil']")
    expect(page.locator("#dialog-lead")).to_have_text("Ibu hamil")
    expect(page.locator("#priority-go")).to_contain_text("meja informasi")
    assert tickets(appliance.core) == 0  # no personal data, no ticket: the desk issues priority
    assert errors == []


def test_a_site_can_turn_the_priority_button_off(appliance, staff):
    from appliance.catalogue.store import apply_catalogue, export_catalogue, validate_catalogue

    doc = export_catalogue(appliance.core.db)
    doc.pop("version")
    doc["site"]["kiosk_priority"] = False
    apply_catalogue(appliance.core.db, validate_catalogue(doc), clock=appliance.core.clock)
    page, _ = open_page(staff, appliance.url + "/kiosk")
    expect(page.locator("[data-agency]").first).to_be_visible()
    expect(page.locator("#priority")).to_have_count(0)


def test_the_device_token_leaves_the_address_and_the_language_link(appliance, public):
    token = appliance.core.accounts.create_token("kios-lobi", "kiosk")
    page, errors = open_page(public, appliance.url + f"/kiosk?token={token}")
    expect(page.locator("[data-agency]").first).to_be_visible()
    assert token not in page.url
    assert token not in page.locator(".lang a").get_attribute("href")
    page.click(".lang a")  # the next citizen's English still has the kiosk's token
    expect(page.locator("#kiosk-title")).to_have_text("Please choose an agency")
    assert errors == []
