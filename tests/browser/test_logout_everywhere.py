"""The "Keluar di semua perangkat" button in a real Chromium, on the appliance's staff pages and
on central's dashboard: it ends the session of every device logged in to that account, so another
browser holding one is sent to the login (issue 15, item 3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from sync.central.accounts import add_user
from sync.central.http.base import CentralWebSettings
from sync.central.store import open_central_database
from tests.support.browser import ADMIN, PASSWORD, Appliance
from tests.support.serving import serving_central

pytestmark = pytest.mark.browser

CENTRAL_USER = "pusat"
CENTRAL_PASSWORD = "rahasia-pusat-123"


def logged_in(browser: Any, url: str, username: str, password: str, submit: str, then: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    page = context.new_page()
    page.goto(url + "/login?next=" + then)
    page.fill("#username", username)
    page.fill("#password", password)
    page.click(submit)
    page.wait_for_url(lambda u: urlsplit(u).path == then)
    return page


def test_the_staff_header_logs_out_every_device(browser: Any, appliance: Appliance) -> None:
    desk = logged_in(browser, appliance.url, ADMIN, PASSWORD, "#login-submit", "/admin")
    phone = logged_in(browser, appliance.url, ADMIN, PASSWORD, "#login-submit", "/admin")
    try:
        assert phone.request.get(appliance.url + "/api/v1/auth/me").status == 200
        desk.once("dialog", lambda dialog: dialog.accept())
        desk.click("#logout-everywhere")
        desk.wait_for_url(lambda u: urlsplit(u).path == "/login")
        assert phone.request.get(appliance.url + "/api/v1/auth/me").status == 401
        # The phone opens the admin page again (a new tab: its open page may be on its way to
        # the login by itself, after its own next request was refused, and a reload then raced
        # that navigation): the login page is all it gets.
        again = phone.context.new_page()
        again.goto(appliance.url + "/admin")
        again.wait_for_url(lambda u: urlsplit(u).path == "/login")
    finally:
        desk.context.close()
        phone.context.close()


def test_the_admin_logs_an_officer_out_of_every_device(browser: Any, appliance: Appliance) -> None:
    appliance.core.accounts.add_officer("budi", "kopi-pagi-2025", "officer")
    counter = logged_in(browser, appliance.url, "budi", "kopi-pagi-2025", "#login-submit", "/home")
    admin = logged_in(browser, appliance.url, ADMIN, PASSWORD, "#login-submit", "/admin")
    try:
        assert counter.request.get(appliance.url + "/api/v1/auth/me").status == 200
        admin.once("dialog", lambda dialog: dialog.accept())
        admin.locator("[data-officer='budi'] [data-action='sessions']").click()
        expect(admin.locator("#officers-result .alert.ok")).to_contain_text("budi")
        assert counter.request.get(appliance.url + "/api/v1/auth/me").status == 401
        assert admin.request.get(appliance.url + "/api/v1/auth/me").status == 200
    finally:
        counter.context.close()
        admin.context.close()


@pytest.fixture
def central(tmp_path: Path) -> Iterator[str]:
    db = open_central_database(f"sqlite:///{tmp_path}/central.db")
    add_user(db, CENTRAL_USER, CENTRAL_PASSWORD, "admin")
    try:
        with serving_central(db, CentralWebSettings(secret_key="s" * 40)) as url:
            yield url
    finally:
        db.close()


def test_the_central_dashboard_logs_out_every_device(browser: Any, central: str) -> None:
    submit = "#login button[type=submit]"
    desk = logged_in(browser, central, CENTRAL_USER, CENTRAL_PASSWORD, submit, "/dashboard")
    laptop = logged_in(browser, central, CENTRAL_USER, CENTRAL_PASSWORD, submit, "/dashboard")
    try:
        assert laptop.request.get(central + "/api/v1/auth/me").status == 200
        desk.once("dialog", lambda dialog: dialog.accept())
        desk.click("#logout-everywhere")
        desk.wait_for_url(lambda u: urlsplit(u).path == "/login")
        assert laptop.request.get(central + "/api/v1/auth/me").status == 401
        laptop.reload()
        laptop.wait_for_url(lambda u: urlsplit(u).path == "/login")
    finally:
        desk.context.close()
        laptop.context.close()
