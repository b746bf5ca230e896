"""The printer's fault where officers and greeters look: the desk and the counter console show
the numbers issued without paper, and a "Cetak ulang" button each that really prints again.

Real hardware on the file printer, whose receipts folder is replaced by a file (the print worker
reports it offline, as an unplugged printer) and then put back (the paper is in again).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import expect

from appliance.hardware.ports import MESSAGES, OFFLINE
from tests.support.browser import (
    ADMIN,
    DOCS_SCREENSHOTS,
    PASSWORD,
    Appliance,
    counter_serving,
    open_page,
    settle,
)
from tests.support.catalogue_fixtures import WEEKDAY_MORNING
from tests.support.serving import serving

pytestmark = pytest.mark.browser

STALE_AFTER_S = 1


@dataclass
class Rig:
    appliance: Appliance
    receipts: Path

    def unplug(self) -> None:
        self.receipts.write_text("a file where the receipts folder should be\n")

    def plug_in(self) -> None:
        self.receipts.unlink()
        self.receipts.mkdir()

    def reprinted(self) -> list[str]:
        return sorted(p.name for p in self.receipts.glob("*-ulang*.txt"))


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    """An appliance with hardware whose printer is unplugged from the start."""
    from appliance.catalogue.store import apply_catalogue, load_catalogue, packaged_catalogue
    from appliance.clock import ManualClock
    from appliance.config.load import load_config
    from appliance.hardware.build import build_hardware
    from appliance.runtime import Runtime, open_core
    from web.app import create_app

    rig_receipts = tmp_path / "receipts"
    environ = {
        "MPP_STORAGE__DATABASE": str(tmp_path / "appliance.db"),
        "MPP_PRINTER__DRIVER": "file",
        "MPP_PRINTER__FOLDER": str(rig_receipts),
        "MPP_PRINTER__RETRY_S": "0.2",
        "MPP_PRINTER__STALE_AFTER_S": str(STALE_AFTER_S),
        "MPP_GPIO__PIN_FACTORY": "none",
        "MPP_WEB__SECRET_KEY": "browser-test-secret-key-0123456789abcdef",
    }
    core = open_core(load_config(None, environ), clock=ManualClock(WEEKDAY_MORNING))
    apply_catalogue(core.db, load_catalogue(packaged_catalogue("kota-metro")), clock=core.clock)
    core.accounts.add_officer(ADMIN, PASSWORD, "admin", display_name="Admin MPP")
    rig = Rig(Appliance("", core), rig_receipts)
    rig.unplug()
    runtime = Runtime(core, hardware=build_hardware(core.config, core.engine, core.db, core.clock))
    runtime.start()
    try:
        with serving(create_app(runtime)) as url:
            rig.appliance.url = url
            yield rig
    finally:
        runtime.stop()


@pytest.fixture
def appliance(rig: Rig) -> Appliance:
    """The `staff` fixture logs in to this module's appliance."""
    return rig.appliance


def test_the_desk_lists_numbers_not_printed_and_reprints_one_when_the_printer_is_back(
    rig: Rig, staff, tmp_path: Path
) -> None:
    core = rig.appliance.core
    _, service = counter_serving(core)
    ticket = core.engine.issue(service, source="button")  # the entrance button, no paper
    page, errors = open_page(staff, rig.appliance.url + "/desk")
    banner = page.locator("#printer-fault")
    expect(banner).to_be_visible(timeout=10_000)
    expect(banner).to_contain_text(MESSAGES[OFFLINE])
    # Past stale_after_s the receipt is dropped and listed with its button.
    item = banner.locator(f"[data-unprinted='{ticket.number}']")
    expect(item).to_be_visible(timeout=15_000)
    expect(banner).to_contain_text(f"lebih dari {max(1, round(STALE_AFTER_S / 60))} menit")
    update = os.environ.get("MPP_UPDATE_SCREENSHOTS") == "1"
    folder = DOCS_SCREENSHOTS if update else tmp_path
    page.screenshot(path=str(folder / "desk-printer-fault.png"))

    rig.plug_in()  # paper in, cable back
    expect(banner).to_contain_text("Printer siap kembali", timeout=15_000)
    assert rig.reprinted() == []
    item.get_by_role("button", name="Cetak ulang").click()
    expect(page.locator("#toast")).to_contain_text(f"Tiket {ticket.number} dikirim ke printer")
    expect(banner).to_be_hidden(timeout=10_000)
    settle(page, rig.reprinted)
    assert ticket.number in rig.reprinted()[0]
    assert errors == []


def test_the_counter_shows_the_fault_and_a_reprint_waits_for_paper(rig: Rig, staff) -> None:
    core = rig.appliance.core
    counter, service = counter_serving(core)
    ticket = core.engine.issue(service, source="button")
    page, errors = open_page(staff, rig.appliance.url + "/counter")
    page.select_option("#counter-select", counter)
    banner = page.locator("#printer-fault")
    expect(banner).to_contain_text(MESSAGES[OFFLINE], timeout=10_000)
    item = banner.locator(f"[data-unprinted='{ticket.number}']")
    expect(item).to_be_visible(timeout=15_000)
    item.get_by_role("button", name="Cetak ulang").click()  # still unplugged
    # The reprint waits for paper: listed as waiting, no longer as dropped ...
    expect(page.locator("#printer-fault-pending")).to_contain_text(f"{ticket.number} (ulang)")
    expect(item).to_be_hidden()
    # ... and, the printer still down past stale_after_s, listed again to reprint later.
    expect(banner.locator("[data-unprinted]")).to_have_count(1, timeout=15_000)
    assert rig.reprinted() == []
    assert errors == []
