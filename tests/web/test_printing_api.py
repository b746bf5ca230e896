"""The web with the real print worker and the file printer: receipts, reprints, printer alerts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.hardware.build import build_hardware
from appliance.runtime import Runtime, build_announcer, open_core
from tests.support.web_site import Site, web_config
from web.app import create_app


@pytest.fixture
def printing_site(template: tuple[Path, str], tmp_path: Path) -> Iterator[Site]:
    import shutil

    from appliance.clock import ManualClock
    from tests.support.catalogue_fixtures import WEEKDAY_MORNING

    source, token = template
    shutil.copy(source / "appliance.db", tmp_path / "appliance.db")
    config = web_config(
        tmp_path,
        MPP_PRINTER__DRIVER="file",
        MPP_PRINTER__FOLDER=str(tmp_path / "receipts"),
        MPP_GPIO__PIN_FACTORY="mock",
        MPP_SPEAKER__DRIVER="file",
        MPP_SPEAKER__FOLDER=str(tmp_path / "spoken"),
    )
    clock = ManualClock(WEEKDAY_MORNING)
    core = open_core(config, clock=clock)
    announcer = build_announcer(core)
    hardware = build_hardware(
        core.config, core.engine, core.db, core.clock, number_wav=announcer.wav_for_number
    )
    runtime = Runtime(core, hardware, announcer)
    app = create_app(runtime)
    runtime.start()
    try:
        yield Site(app, core, clock, token, tmp_path)
    finally:
        runtime.stop()
        core.db.close()


def _receipts(folder: Path, count: int, timeout: float = 10.0) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(folder.glob("*.txt"))
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"expected {count} receipts in {folder}, found {sorted(folder.glob('*'))}")


def test_issued_ticket_is_printed_after_commit_and_can_be_reprinted(printing_site: Site) -> None:
    site = printing_site
    ticket = site.kiosk().post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"}).json
    assert ticket["printed"] is True and ticket["printer"] == "ok"
    folder = site.folder / "receipts"
    first = _receipts(folder, 1)[0]
    assert "A-001" in first.name
    assert "A - 0 0 1" in first.read_text() and ticket["status_token"] in first.read_text()
    reprint = site.staff("budi").post(f"/api/v1/tickets/{ticket['id']}/reprint")
    assert reprint.status_code == 202 and reprint.json["queued"] is True
    assert all("A-001" in p.name for p in _receipts(folder, 2))
    status = site.staff("budi").get("/api/v1/status").json
    assert status["printer"]["driver"] == "file" and status["printer"]["state"] == "ok"
    # the box's speaker says only the button's numbers: the kiosk's stay in its browser
    assert status["speaker"] == {"driver": "file", "spoken": 0, "dropped": 0, "last_error": ""}


def test_printer_fault_never_blocks_issuing_and_shows_on_status(printing_site: Site) -> None:
    site = printing_site
    folder = site.folder / "receipts"
    site.kiosk().post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"})
    _receipts(folder, 1)
    # The "printer" goes away: its folder is replaced by a plain file (root ignores chmod).
    folder.rename(site.folder / "receipts-unplugged")
    folder.write_text("not a folder")
    try:
        hardware = site.app.extensions["mpp"].hardware
        hardware.refresh()
        deadline = time.monotonic() + 10
        while hardware.status()["printer"]["state"] == "ok" and time.monotonic() < deadline:
            site.kiosk().post("/api/v1/tickets", json={"service": "MPP-INFORMASI"})
            time.sleep(0.1)
        response = site.kiosk().post("/api/v1/tickets", json={"service": "DUKCAPIL-KTP"})
        assert response.status_code == 201
        assert response.json["printed"] is False and response.json["printer"] != "ok"
        status = site.staff("budi").get("/api/v1/status").json["printer"]
        assert status["state"] != "ok" and status["message"]
    finally:
        folder.unlink()
        (site.folder / "receipts-unplugged").rename(folder)
