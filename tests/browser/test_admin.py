"""The administrator's page in a real Chromium: officers, device tokens, the catalogue without
JSON, opening hours and the health panel, each checked by what happens elsewhere (a new login,
a kiosk taking or refused a ticket, the catalogue document)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.support.browser import counter_serving, open_page, service_named

pytestmark = pytest.mark.browser


def admin_page(staff, appliance):
    page, errors = open_page(staff, appliance.url + "/admin")
    page.on("dialog", lambda dialog: dialog.accept())  # the confirm() before revoke/disable
    expect(page.locator("#officers-panel")).to_be_visible()
    expect(page.locator("#catalogue-version")).not_to_have_text("")
    return page, errors


def test_officer_added_in_the_page_can_log_in(appliance, staff, browser):
    counter, _ = counter_serving(appliance.core)
    page, errors = admin_page(staff, appliance)
    expect(page.locator(".password-rule")).to_contain_text("10")

    page.click("#officer-add-box summary")
    page.fill("#o-username", "rina")
    page.fill("#o-display", "Rina Petugas")
    page.fill("#o-password", "rina-12345")  # long enough, but holds the username
    page.fill("#o-counters .checklist-filter", counter)
    page.check(f"#o-counters input[value='{counter}']")
    page.click("#officer-add-submit")
    expect(page.locator("#officers-result .alert.bad")).to_contain_text("Kata sandi")

    page.fill("#o-password", "kopi-pagi-2025")
    page.click("#officer-add-submit")
    expect(page.locator("#officers-result .alert.ok")).to_contain_text("rina")
    row = page.locator("[data-officer='rina']")
    expect(row).to_contain_text(counter)

    # A new browser: the officer logs in and lands on the counter console.
    context = browser.new_context(locale="id-ID")
    officer = context.new_page()
    officer.goto(appliance.url + "/login?next=/counter")
    officer.fill("#username", "rina")
    officer.fill("#password", "kopi-pagi-2025")
    officer.click("#login-submit")
    officer.wait_for_url(lambda url: urlsplit(url).path == "/counter")
    expect(officer.locator("#counter-select")).to_contain_text(counter)

    # Password reset and disabling, with the result said plainly.
    row.locator("[data-action='password']").click()
    page.fill("#reset-password", "teh-sore-2025")
    page.click("#dialog-submit")
    expect(page.locator("#officers-result .alert.ok")).to_contain_text("rina")
    row.locator("[data-action='active']").click()
    expect(row.locator(".badge.bad")).to_be_visible()
    context.close()
    assert appliance.core.accounts.authenticate("rina", "teh-sore-2025") is None  # disabled
    assert errors == []


def test_kiosk_token_quota_friday_break_and_revocation(appliance, staff, public):
    core = appliance.core
    _, service = counter_serving(core)
    name = service_named(core, service)
    page, errors = admin_page(staff, appliance)
    version = int(page.locator("#catalogue-version").get_attribute("data-version"))

    # A kiosk token, shown once with its set-up address.
    page.click("#token-add-box summary")
    page.fill("#t-name", "kios-lobi")
    page.click("#token-add-submit")
    expect(page.locator("#token-shown")).to_be_visible()
    token = page.locator("#token-value").inner_text()
    assert token.startswith("mpp_")
    url = page.locator("#token-kiosk-url").inner_text()
    assert url.endswith("/kiosk?token=" + token)
    page.click("#token-hide")
    expect(page.locator("#token-value")).to_have_text("")

    # The link names web.public_url (nothing listens there in a test): open its path here.
    link = urlsplit(url)
    kiosk, kiosk_errors = open_page(public, f"{appliance.url}{link.path}?{link.query}")
    kiosk.fill("#search", name)
    kiosk.click(f"[data-service='{service}']")
    with kiosk.expect_response(lambda r: r.url.endswith("/api/v1/tickets")) as issued:
        kiosk.click("#take")
    assert issued.value.status == 201
    kiosk.click("#done")

    # The daily quota is set to what was already issued: the kiosk now says why it offers none.
    page.fill("#svc-filter", service)
    page.click(f"[data-service='{service}'] [data-edit]")
    page.fill("#svc-quota", "1")
    page.click("#dialog-submit")
    expect(page.locator("#catalogue-edit-result .alert.ok")).to_contain_text(str(version + 1))
    expect(page.locator(f"[data-service='{service}']")).to_contain_text("1")
    kiosk.reload()  # the kiosk's next look at the services (it polls every 20 s)
    kiosk.fill("#search", name)
    kiosk.click(f"[data-service='{service}']")
    expect(kiosk.locator("#service-closed")).to_contain_text("Kuota")
    expect(kiosk.locator("#take")).to_be_hidden()
    kiosk.click("#service-back")

    # Friday's prayer break ends later.
    friday = page.locator(".break-row", has=page.locator("input[value='fri']:checked"))
    friday.locator(".break-to").fill("13:45")
    page.click("#hours-save")
    expect(page.locator("#hours-result .alert.ok")).to_be_visible()
    doc = staff.request.get(appliance.url + "/api/v1/admin/catalogue").json()
    assert doc["version"] == version + 2
    fridays = [b for b in doc["hours"]["breaks"] if "fri" in b["days"]]
    assert [b["to"] for b in fridays] == ["13:45"]
    assert next(s for s in doc["services"] if s["code"] == service)["daily_quota"] == 1

    # Revoked: the kiosk's next tap sends it to the login page.
    page.locator("[data-token='kios-lobi'] [data-action='revoke']").click()
    expect(page.locator("[data-token='kios-lobi']")).to_contain_text("Dicabut")
    kiosk.fill("#search", "informasi")
    kiosk.click("[data-service='MPP-INFORMASI']")
    kiosk.click("#take")
    kiosk.wait_for_url(re.compile(r"/login\?next="))
    assert errors + kiosk_errors == []


def test_health_panel_reads_plainly(appliance, staff):
    page, errors = admin_page(staff, appliance)
    expect(page.locator("[data-health='printer']")).to_contain_text("Tidak dipakai")  # no hardware
    expect(page.locator("#printer-alert")).to_be_hidden()
    expect(page.locator("[data-health='sync']")).to_contain_text("belum terkirim")
    expect(page.locator("[data-health='clock']")).to_contain_text("2025-03-12")
    expect(page.locator("[data-health='disk']")).to_contain_text("GB")
    assert "{" not in page.locator("#health").inner_text()
    assert errors == []


def test_service_counter_and_agency_edits_and_export(appliance, staff):
    page, errors = admin_page(staff, appliance)
    page.click("#svc-add")
    page.fill("#svc-code", "MPP-LEGALISIR")
    page.select_option("#svc-agency", "MPP")
    expect(page.locator("#svc-prefix")).to_have_value("I")  # the agency's own prefix
    page.fill("#svc-name", "Legalisir Dokumen")
    page.fill("#svc-avg", "7")
    page.fill("#svc-req", "KTP asli\nDokumen asli")
    page.check("[data-checklist='service-counters'] input[value='L01']")
    page.click("#dialog-submit")
    expect(page.locator("[data-service='MPP-LEGALISIR']")).to_contain_text("L01")

    page.click("[data-tab='counters']")
    page.fill("#ctr-filter", "L01")
    page.click("[data-counter='L01'] [data-edit]")
    page.fill("#ctr-name", "Loket Informasi")
    page.click("#dialog-submit")
    expect(page.locator("[data-counter='L01']")).to_contain_text("Loket Informasi")

    page.click("[data-tab='agencies']")
    page.click("[data-agency='MPP'] [data-delete]")  # still has services: refused, explained
    expect(page.locator("#catalogue-edit-result .alert.bad")).to_be_visible()

    page.click("[data-tab='file']")
    with page.expect_download() as download:
        page.click("#catalogue-export")
    exported = download.value
    assert exported.suggested_filename.endswith("-v3.json")
    doc = json.loads(Path(exported.path()).read_text(encoding="utf-8"))
    service = next(s for s in doc["services"] if s["code"] == "MPP-LEGALISIR")
    assert service["requirements"] == ["KTP asli", "Dokumen asli"]
    assert next(c for c in doc["counters"] if c["code"] == "L01")["name"] == "Loket Informasi"
    assert errors == []
