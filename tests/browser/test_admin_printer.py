"""The printer alert on /admin, with real hardware whose printer cannot print: the file printer
aimed at a path that is a file, not a folder, which the print worker reports as offline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from appliance.hardware.ports import MESSAGES, OFFLINE
from tests.support.browser import ADMIN, PASSWORD, Appliance, open_page
from tests.support.catalogue_fixtures import WEEKDAY_MORNING
from tests.support.serving import serving

pytestmark = pytest.mark.browser


@pytest.fixture
def appliance(tmp_path: Path) -> Iterator[Appliance]:
    """This module's appliance has hardware: a print worker whose printer is offline."""
    from appliance.catalogue.store import apply_catalogue, load_catalogue, packaged_catalogue
    from appliance.clock import ManualClock
    from appliance.config.load import load_config
    from appliance.hardware.build import build_hardware
    from appliance.runtime import Runtime, open_core
    from web.app import create_app

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the receipts folder should be\n")
    environ = {
        "MPP_STORAGE__DATABASE": str(tmp_path / "appliance.db"),
        "MPP_PRINTER__DRIVER": "file",
        "MPP_PRINTER__FOLDER": str(blocked),
        "MPP_GPIO__PIN_FACTORY": "none",
        "MPP_WEB__SECRET_KEY": "browser-test-secret-key-0123456789abcdef",
    }
    core = open_core(load_config(None, environ), clock=ManualClock(WEEKDAY_MORNING))
    apply_catalogue(core.db, load_catalogue(packaged_catalogue("kota-metro")), clock=core.clock)
    core.accounts.add_officer(ADMIN, PASSWORD, "admin", display_name="Admin MPP")
    runtime = Runtime(core, hardware=build_hardware(core.config, core.engine, core.db, core.clock))
    runtime.start()
    try:
        with serving(create_app(runtime)) as url:
            yield Appliance(url, core)
    finally:
        runtime.stop()


def test_printer_alert_is_at_the_top_with_its_message(appliance, staff):
    page, errors = open_page(staff, appliance.url + "/admin")
    alert = page.locator("#printer-alert")
    expect(alert).to_be_visible(timeout=10_000)
    expect(alert).to_contain_text(MESSAGES[OFFLINE])
    expect(page.locator("[data-health='printer'] .badge.bad")).to_have_text("Tidak terhubung")
    # The driver's own English line is folded under "Rincian teknis", not shown as the message.
    printer = page.locator("[data-health='printer']")
    expect(printer.locator("details.raw-detail code")).to_contain_text("not-a-folder")
    assert "not-a-folder" not in printer.inner_text()
    box = alert.bounding_box()
    assert box is not None and box["y"] < 150  # above the dashboard, seen without scrolling
    assert errors == []
