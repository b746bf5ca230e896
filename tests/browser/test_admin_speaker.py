"""The box's speaker on /admin's health panel: what it said, and a fault in plain words.

Real hardware as `mpp run` builds it from its configuration: a ticket button on a gpiozero mock
pin and the file speaker, first aimed at a path that is a file (so every number fails to be said),
then at a folder (so the next one is said)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from appliance.catalogue.store import apply_catalogue, load_catalogue, packaged_catalogue
from appliance.clock import ManualClock
from appliance.config.load import load_config
from appliance.runtime import build_runtime
from tests.support.browser import ADMIN, PASSWORD, Appliance, open_page
from tests.support.catalogue_fixtures import WEEKDAY_MORNING
from tests.support.serving import serving
from web.app import create_app

pytestmark = pytest.mark.browser

PIN = 17


@pytest.fixture
def speaker_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "suara"
    folder.write_text("a file where the speaker's folder should be\n")
    return folder


@pytest.fixture
def runtime(tmp_path: Path, speaker_folder: Path) -> Iterator[Any]:
    config = tmp_path / "appliance.toml"
    config.write_text(
        f'storage.database = "{tmp_path / "appliance.db"}"\n'
        'web.secret_key = "browser-test-secret-key-0123456789abcdef"\n'
        f'[speaker]\ndriver = "file"\nfolder = "{speaker_folder}"\n'
        f'[gpio]\npin_factory = "mock"\n[[gpio.buttons]]\npin = {PIN}\nservice = "MPP-INFORMASI"\n'
    )
    built = build_runtime(load_config(config, {}), clock=ManualClock(WEEKDAY_MORNING))
    core = built.core
    apply_catalogue(core.db, load_catalogue(packaged_catalogue("kota-metro")), clock=core.clock)
    core.accounts.add_officer(ADMIN, PASSWORD, "admin", display_name="Admin MPP")
    built.start()
    try:
        yield built
    finally:
        built.stop()
        core.db.close()


@pytest.fixture
def appliance(runtime: Any) -> Iterator[Appliance]:
    with serving(create_app(runtime)) as url:
        yield Appliance(url, runtime.core)


def test_a_speaker_fault_and_its_recovery_on_the_health_panel(
    runtime: Any, appliance: Appliance, staff: Any, speaker_folder: Path
) -> None:
    pressed = runtime.hardware.press(PIN)
    number = pressed["result"]["number"]
    page, errors = open_page(staff, appliance.url + "/admin")
    speaker = page.locator("[data-health='speaker']")
    expect(speaker.locator(".badge.bad")).to_have_text("Gangguan", timeout=10_000)
    expect(speaker).to_contain_text("0 nomor diucapkan")
    expect(speaker).to_contain_text("Periksa kabel dan volume pengeras suara")
    # The driver's own words are folded under the technical detail, not shown as the message.
    expect(speaker.locator("details.raw-detail code")).to_contain_text(str(speaker_folder.name))
    assert number  # the citizen still got a number (and its paper) while the speaker failed

    speaker_folder.unlink()
    speaker_folder.mkdir()  # someone plugged it back in
    runtime.core.clock.advance(timedelta(minutes=1))  # past the button's cooldown
    again = runtime.hardware.press(PIN)["result"]
    assert again["number"] not in (None, number), again
    deadline = time.monotonic() + 10
    while not list(speaker_folder.glob("*.wav")):
        assert time.monotonic() < deadline, "the next number was never said"
        time.sleep(0.05)
    page.reload()
    expect(speaker.locator(".badge.ok")).to_have_text("Berfungsi", timeout=10_000)
    expect(speaker).to_contain_text("1 nomor diucapkan")
    expect(speaker).not_to_contain_text("Periksa kabel")
    assert errors == []
