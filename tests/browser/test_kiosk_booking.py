"""The kiosk's "Sudah booking?" check-in in real Chromium (SPEC §8): a USB QR scanner (a keyboard
wedge typing the signed token fast, then Enter) or a citizen typing the code with dashes gets a
number on the walk-in's issued screen (printed, spoken), inside or outside the slot's window;
every refusal in plain words with what to do next; the screen resets on idle and stays locked.

Every state is held to axe-core (WCAG 2.1 A/AA) and 44 px targets at 1080×1920 and 1280×800 and
photographed; with MPP_UPDATE_SCREENSHOTS=1 the pictures go to docs/screenshots/. The tokens are
real, signed with `appliance.bookings.token.sign`; the site trusts the key through its catalogue's
`booking_keys` as central delivers it, and a typed code's booking arrives as a down/bookings change
stored by `appliance.bookings.received`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from appliance.bookings.codes import display, new_code
from appliance.bookings.received import store_changes
from appliance.bookings.token import BookingClaim, key_id, new_key_pair, sign
from appliance.catalogue.store import apply_catalogue, export_catalogue, validate_catalogue
from appliance.storage.database import connected
from appliance.storage.models import Site, Ticket
from sync.booking_wire import BookingChange
from tests.support.browser import (
    ADMIN,
    KIOSK_LANDSCAPE,
    KIOSK_PORTRAIT,
    PASPOR,
    PASSWORD,
    Appliance,
    audio_requests,
    build_app,
    settle,
)
from tests.support.serving import serving

pytestmark = pytest.mark.browser

PORTRAIT, LANDSCAPE = KIOSK_PORTRAIT, KIOSK_LANDSCAPE
TODAY = "2025-03-12"  # the suite's clock: Wednesday 09:00 WIB


class Bookings:
    """The booking side of the test appliance: its key, tokens, bookings synced down."""

    def __init__(self, core: Any) -> None:
        self.core = core
        self.seed, public = new_key_pair()
        doc = export_catalogue(core.db)
        doc.pop("version")
        doc["booking_keys"] = [{"kid": key_id(public), "public_key": public}]
        apply_catalogue(core.db, validate_catalogue(doc), clock=core.clock)
        with connected(core.db):
            self.site = str(Site.select(Site.code).scalar())
        self.seq = 0

    def token(self, *, site: str = "", day: str = TODAY, start: str = "09:00") -> str:
        end = f"{int(start[:2]) + 1:02d}:00"
        claim = BookingClaim(site or self.site, new_code(), PASPOR, day, start, end)
        return sign(claim, self.seed)

    def synced(self, code: str = "", kind: str = "booked") -> str:
        """A booking (or its cancellation) received down the wire, for a code typed at the kiosk."""
        code = code or new_code()
        self.seq += 1
        change = BookingChange(self.seq, kind, code, PASPOR, TODAY, "09:00", "10:00")
        with self.core.db.write():
            store_changes([change], "2025-03-11T10:00:00+07:00")
        return code


@pytest.fixture
def kiosk_site(tmp_path: Path) -> Iterator[tuple[Appliance, Bookings]]:
    """The browser suite's appliance with a file printer that prints, and booking keys."""
    from appliance.hardware.build import build_hardware
    from appliance.runtime import Runtime
    from web.app import create_app

    _, core = build_app(tmp_path)
    bookings = Bookings(core)
    runtime = Runtime(core, hardware=build_hardware(core.config, core.engine, core.db, core.clock))
    runtime.start()
    try:
        with serving(create_app(runtime)) as url:
            yield Appliance(url, core), bookings
    finally:
        runtime.stop()


def kiosk(
    browser: Any, url: str, viewport: dict[str, int], *, clock: bool = False
) -> tuple[Any, Any, list[str]]:
    """A kiosk page at `viewport`, paired through a staff login as the other kiosk tests are;
    `clock`: the page's timers under the test's hand (page.clock)."""
    context = browser.new_context(viewport=viewport, locale="id-ID")
    page = context.new_page()
    page.goto(url + "/login?next=/home")
    page.fill("#username", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(lambda u: urlsplit(u).path == "/home")
    page.close()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    if clock:
        page.clock.install()
    page.goto(url + "/kiosk")
    expect(page.locator("[data-agency]").first).to_be_visible()
    return context, page, errors


def scan(page: Any, token: str) -> None:
    """What a USB QR scanner does: type the token into the focused field at once, then Enter."""
    page.click("#booking-open")
    expect(page.locator("#checkin-code")).to_be_focused()
    page.keyboard.type(token)
    page.keyboard.press("Enter")


def tickets(core: Any) -> int:
    with connected(core.db):
        return int(Ticket.select().count())


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["1080x1920", "1280x800"])
def test_every_check_in_state_is_accessible(browser, kiosk_site, shots, viewport):
    appliance, bookings = kiosk_site
    size = f"{viewport['width']}x{viewport['height']}"
    context, page, errors = kiosk(browser, appliance.url, viewport)
    expect(page.locator("#booking-open")).to_be_visible()
    shots.check(page, f"kiosk-{size}-booking-entry")

    page.click("#booking-open")
    page.click("#checkin-keyboard-toggle")
    for key in "abc":
        page.click(f"#checkin-keyboard [data-key='{key}']")
    page.keyboard.type("d")
    expect(page.locator("#checkin-code")).to_have_value("ABC-D")
    shots.check(page, f"kiosk-{size}-booking-typing")
    page.click("#checkin-back")

    scan(page, bookings.token())
    expect(page.locator("#ticket-number")).to_be_visible()
    expect(page.locator("#booking-note")).to_contain_text("dipanggil lebih dulu")
    shots.check(page, f"kiosk-{size}-booking-issued")
    page.click("#done")

    scan(page, bookings.token(start="11:00"))
    expect(page.locator("#booking-note")).to_contain_text("seperti pengunjung biasa")
    shots.check(page, f"kiosk-{size}-booking-outside-window")
    page.click("#done")

    used = bookings.token()
    scan(page, used)
    expect(page.locator("#ticket-number")).to_be_visible()
    page.click("#done")
    for name, token in refusal_tokens(bookings, used).items():
        scan(page, token)
        expect(page.locator("#checkin-next")).to_be_visible()
        shots.check(page, f"kiosk-{size}-booking-{name}")
        page.click("#checkin-done")
    cancelled = bookings.synced(bookings.synced(), kind="cancelled")
    typed = {"unknown": new_code(), "bad-code": "ABCDEFGH1", "cancelled": cancelled}
    for name, code in typed.items():
        page.click("#booking-open")
        page.keyboard.type(display(code))
        page.keyboard.press("Enter")
        expect(page.locator("#checkin-next")).to_be_visible()
        shots.check(page, f"kiosk-{size}-booking-{name}")
        page.click("#checkin-done")
    assert errors == []
    context.close()
    assert shots.problems == []


def refusal_tokens(bookings: Bookings, used: str) -> dict[str, str]:
    """A token for each way a scan is refused (`used` was checked in already)."""
    other_seed, _ = new_key_pair()
    forged = sign(
        BookingClaim(bookings.site, new_code(), PASPOR, TODAY, "09:00", "10:00"), other_seed
    )
    return {
        "bad-signature": forged,
        "wrong-site": bookings.token(site="0000-LAIN"),
        "wrong-day": bookings.token(day="2025-03-13"),
        "already-checked-in": used,
    }


def test_a_scanner_typing_a_token_gets_a_printed_spoken_number(kiosk_site, browser):
    appliance, bookings = kiosk_site
    context, page, errors = kiosk(browser, appliance.url, PORTRAIT)
    spoken = audio_requests(page)
    scan(page, bookings.token())
    number = page.locator("#ticket-number")
    expect(number).to_be_visible()
    expect(page.locator(".booking-badge")).to_have_text("Booking")
    expect(page.locator("#booking-note")).to_have_text(
        "Booking pukul 09.00–10.00: Anda dipanggil lebih dulu daripada antrean tanpa booking."
    )
    expect(page.locator("#printer-down")).to_have_count(0)  # the file printer printed it
    settle(page, lambda: len(spoken) == 1)
    assert spoken[0].endswith(f"/api/v1/announcements/number/{number.inner_text()}.wav")
    with connected(appliance.core.db):
        ticket = Ticket.get()
    assert ticket.source == "booking" and ticket.number == number.inner_text()
    assert errors == []
    context.close()


def test_a_scan_into_the_search_field_checks_in_too(kiosk_site, browser):
    """The first screen's search field may hold the focus when a citizen scans."""
    appliance, bookings = kiosk_site
    context, page, errors = kiosk(browser, appliance.url, LANDSCAPE)
    page.click("#search")
    page.keyboard.type(bookings.token())
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-number")).to_be_visible()
    assert tickets(appliance.core) == 1
    assert errors == []
    context.close()


def test_a_scan_with_nothing_focused_checks_in(kiosk_site, browser):
    """A citizen who scans without touching anything first: the first character opens the
    check-in and the whole token lands in its field."""
    appliance, bookings = kiosk_site
    context, page, errors = kiosk(browser, appliance.url, PORTRAIT)
    page.click("[data-agency='IMIGRASI']")  # a tile takes the focus, as a touch leaves it
    token = bookings.token()
    page.keyboard.type(token)
    expect(page.locator("#checkin-code")).to_have_value(token)
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-number")).to_be_visible()
    assert tickets(appliance.core) == 1
    assert errors == []
    context.close()


def test_a_typed_code_with_dashes_finds_the_synced_booking(kiosk_site, browser):
    appliance, bookings = kiosk_site
    code = bookings.synced()
    context, page, errors = kiosk(browser, appliance.url, PORTRAIT)
    page.click("#booking-open")
    page.keyboard.type(display(code).lower())  # "abc-def-ghj", as a citizen types it
    expect(page.locator("#checkin-code")).to_have_value(display(code))
    page.click("#checkin-submit")
    expect(page.locator("#ticket-number")).to_be_visible()
    assert tickets(appliance.core) == 1
    assert errors == []
    context.close()


@pytest.mark.parametrize(
    ("typed", "lead", "next_step"),
    [
        ("unknown", "Kode belum dikenal di sini", "pindai QR dari halaman booking"),
        ("ABC-DEF-GH1", "Kode booking tidak sesuai", "tanpa 0, 1, I, L dan O"),
        ("cancelled", "Booking ini sudah dibatalkan", "booking lagi dari rumah"),
    ],
)
def test_a_refused_code_says_so_plainly(kiosk_site, browser, typed, lead, next_step):
    appliance, bookings = kiosk_site
    if typed == "unknown":
        typed = display(new_code())
    elif typed == "cancelled":
        typed = display(bookings.synced(bookings.synced(), kind="cancelled"))
    context, page, errors = kiosk(browser, appliance.url, PORTRAIT)
    page.click("#booking-open")
    page.keyboard.type(typed)
    page.keyboard.press("Enter")
    expect(page.locator("#dialog-lead")).to_have_text(lead)
    expect(page.locator("#checkin-next")).to_contain_text(next_step)
    expect(page.locator("#refusal")).to_be_visible()
    page.click("#checkin-again")
    expect(page.locator("#checkin-code")).to_be_focused()
    expect(page.locator("#checkin-code")).to_have_value("")
    assert tickets(appliance.core) == 0
    assert errors == []
    context.close()


def test_a_code_used_twice_names_the_first_time(kiosk_site, browser):
    appliance, bookings = kiosk_site
    token = bookings.token()
    context, page, _ = kiosk(browser, appliance.url, LANDSCAPE)
    scan(page, token)
    first = page.locator("#ticket-number").inner_text()
    page.click("#done")
    scan(page, token)
    expect(page.locator("#dialog-lead")).to_have_text("Kode ini sudah dipakai")
    expect(page.locator("#refusal")).to_contain_text(f"pukul 09.00 dengan nomor {first}")
    context.close()


def test_english_mode_speaks_english(kiosk_site, browser):
    appliance, _ = kiosk_site
    context, page, _ = kiosk(browser, appliance.url, LANDSCAPE)
    page.goto(appliance.url + "/kiosk?lang=en")
    expect(page.locator("#booking-open")).to_contain_text("Booked already?")
    page.click("#booking-open")
    page.keyboard.type(display(new_code()))
    page.keyboard.press("Enter")
    expect(page.locator("#dialog-lead")).to_have_text("This code is not known here yet")
    expect(page.locator("#refusal")).to_contain_text("has not reached this MPP yet")
    context.close()


def test_the_check_in_is_locked_and_resets_on_idle(kiosk_site, browser):
    appliance, _ = kiosk_site
    context, page, _ = kiosk(browser, appliance.url, PORTRAIT, clock=True)
    page.click("#booking-open")
    page.keyboard.type("ABCDEF")
    expect(page.locator("#checkin-code")).to_have_value("ABC-DEF")
    links = page.eval_on_selector_all("a[href]", "as => as.map(a => a.pathname)")
    assert set(links) == {"/kiosk"}  # only the language switch
    page.clock.run_for(46_000)
    expect(page.locator("#checkin-code")).to_have_count(0)
    expect(page.locator("#overlay")).to_be_hidden()
    expect(page.locator("#booking-open")).to_be_visible()
    context.close()
