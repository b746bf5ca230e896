"""The citizen's status page and survey on a 360×740 phone: each ticket state says what to do,
an unknown ticket says so plainly, and every state passes axe-core (WCAG 2.1 A/AA) with 44 px
targets; screenshots in docs/screenshots/ when MPP_UPDATE_SCREENSHOTS=1."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.support.axe import AXE_SCRIPT, small_targets, violations
from tests.support.browser import DOCS_SCREENSHOTS, counter_serving

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A citizen's phone; CSP bypassed only so axe-core can be injected."""
    context = browser.new_context(
        viewport=PHONE, locale="id-ID", has_touch=True, is_mobile=True, bypass_csp=True
    )
    yield context
    context.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = DOCS_SCREENSHOTS if os.environ.get("MPP_UPDATE_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _accessible(page: Any, folder: Path, name: str) -> None:
    page.wait_for_timeout(200)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    if not AXE_SCRIPT.exists():
        pytest.skip(f"{AXE_SCRIPT} is missing: run `npm ci` for the accessibility checks")
    assert violations(page) == [], name
    assert _small_targets(page) == [], name


def _small_targets(page: Any) -> list[str]:
    """small_targets, where a survey answer counts as its label: the radio itself is drawn
    as the whole `label.choice` box, which is what a finger presses (checked to be 44 px)."""
    labels_fit = page.evaluate(
        """() => Array.from(document.querySelectorAll('label.choice')).every((label) => {
            const box = label.getBoundingClientRect();
            return box.width >= 44 && box.height >= 44;
        })"""
    )
    hidden_radio = re.compile(r"^input 1×1 '\d'$")
    return [t for t in small_targets(page) if not (labels_fit and hidden_radio.match(t))]


def _status(phone: Any, url: str) -> Any:
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return page, errors


def test_each_ticket_state_says_what_to_do(appliance, phone, shots):
    core = appliance.core
    counter, service = counter_serving(core)
    waiting = core.engine.issue(service, source="kiosk")
    page, errors = _status(phone, appliance.url + f"/t/{waiting.status_token}")
    expect(page.locator("#state")).to_have_class(re.compile("state-waiting"))
    expect(page.locator("#guide")).to_be_hidden()
    _accessible(page, shots, "status-waiting")

    core.engine.call_next(counter)
    page.reload()
    expect(page.locator("#go")).to_contain_text(re.compile(r"Loket"))
    _accessible(page, shots, "status-called")

    core.engine.start(counter)
    page.reload()
    expect(page.locator("#state")).to_have_class(re.compile("state-serving"))
    _accessible(page, shots, "status-serving")

    core.engine.done(counter)
    page.reload()
    expect(page.locator("#survey")).to_be_visible()
    _accessible(page, shots, "status-done")

    # A no-show: where to go, and that the number can still be called today.
    missed = core.engine.issue(service, source="kiosk")
    core.engine.call_next(counter)
    for _ in range(core.config.queue.recalls_before_no_show):
        core.engine.recall(counter)
    core.engine.no_show(counter)
    page.goto(appliance.url + f"/t/{missed.status_token}")
    expect(page.locator("#guide")).to_contain_text("meja informasi")
    expect(page.locator("#guide")).to_contain_text("kembali")
    _accessible(page, shots, "status-no-show")

    cancelled = core.engine.issue(service, source="kiosk")
    core.engine.cancel(cancelled.id)
    page.goto(appliance.url + f"/t/{cancelled.status_token}")
    expect(page.locator("#guide")).to_contain_text("dibatalkan")
    _accessible(page, shots, "status-cancelled")

    yesterday = core.engine.issue(service, source="kiosk")
    core.clock.advance(timedelta(days=1))
    core.engine.close_day()
    page.goto(appliance.url + f"/t/{yesterday.status_token}")
    expect(page.locator("#state")).to_have_class(re.compile("state-expired"))
    expect(page.locator("#guide")).to_contain_text("12-03-2025")
    expect(page.locator("#guide")).to_contain_text("nomor baru")
    _accessible(page, shots, "status-expired")
    assert errors == []


def test_updated_at_is_the_sites_time_not_the_phones(appliance, browser):
    """A phone set to New York still reads the site's (WIB) time under the ticket."""
    _, service = counter_serving(appliance.core)
    ticket = appliance.core.engine.issue(service, source="kiosk")
    context = browser.new_context(viewport=PHONE, locale="id-ID", timezone_id="America/New_York")
    try:
        page = context.new_page()
        page.goto(appliance.url + f"/t/{ticket.status_token}")
        expect(page.locator("#updated")).not_to_have_text("")
        wib = datetime.now(ZoneInfo("Asia/Jakarta"))
        around = {
            f"{m:%H:%M}" for m in (wib - timedelta(minutes=1), wib, wib + timedelta(minutes=1))
        }
        shown = re.search(r"\d\d:\d\d", page.locator("#updated").inner_text())
        assert shown is not None and shown.group(0) in around
    finally:
        context.close()


def test_an_unknown_ticket_is_said_plainly_not_a_skeleton(appliance, phone, shots):
    page, errors = _status(phone, appliance.url + "/t/abcdefgh12345678")
    expect(page.locator("#unknown")).to_be_visible()
    expect(page.locator("#unknown")).to_contain_text("tidak dikenal")
    expect(page.locator("#unknown")).to_contain_text("hari")
    expect(page.locator("#details")).to_be_hidden()  # no "…" number, no dashes
    _accessible(page, shots, "status-unknown")
    page.goto(appliance.url + "/t/!!")  # not even a token: the same words, from the server
    expect(page.locator("#unknown")).to_be_visible()
    assert errors == []


def test_survey_open_invalid_and_thanks(appliance, phone, shots):
    core = appliance.core
    counter, service = counter_serving(core)
    core.engine.issue(service, source="kiosk")
    ticket = core.engine.call_next(counter)
    core.engine.start(counter)
    core.engine.done(counter)
    page, errors = _status(phone, appliance.url + f"/survey/{ticket.status_token}")
    expect(page.locator("#survey-number")).to_have_text(ticket.number)
    _accessible(page, shots, "survey-open")

    page.click("#survey-submit")
    expect(page.locator("#survey-error")).to_contain_text("9 pertanyaan")
    page.evaluate("window.scrollTo(0, 0)")
    _accessible(page, shots, "survey-invalid")

    for index in range(1, 10):
        page.click(f"#q-U{index} .choice.score-4")
    expect(page.locator("#survey-error")).to_be_hidden()
    page.click("#survey-submit")
    expect(page.locator("#survey-done")).to_be_visible()
    _accessible(page, shots, "survey-thanks")
    assert errors == []
