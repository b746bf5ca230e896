"""The admin page in Indonesian says sync faults in words and every figure with its unit (issue 17
item 4): `mpp sync` records English lines for its log in sync.last_error; the page must not show
them as the message, the report's wait figures say "menit", not "p50", and the dashboard shows
who is waiting now."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from appliance.storage.state import set_state
from tests.support.browser import counter_serving, open_page

pytestmark = pytest.mark.browser

# Lines exactly as sync/edge.py and sync/mqtt.py write them, and what the officer reads instead.
SYNC_LINES = [
    ("no progress from central for 60 s", "Pusat tidak menjawab selama 60 detik"),
    ("connect refused: Not authorized", "Pusat menolak sambungan"),
    ("ConnectionRefusedError: [Errno 111] Connection refused", "Gangguan sinkronisasi"),
]
ENGLISH = ("no progress", "central", "refused", "Error", "Errno")


def test_sync_fault_is_said_in_indonesian_with_the_raw_line_folded(appliance, staff):
    core = appliance.core
    sync = dataclasses.replace(core.config.sync, broker="127.0.0.1:1883", site="3171-MPP")
    core.config = dataclasses.replace(core.config, sync=sync)  # as a box with sync set up
    page, errors = open_page(staff, appliance.url + "/admin")
    for raw, words in SYNC_LINES:
        with core.db.write():
            set_state("sync.last_error", raw)
        page.reload()
        box = page.locator("[data-health='sync']")
        expect(box).to_contain_text(words)
        shown = page.locator("#health").inner_text()
        assert not [w for w in ENGLISH if w in shown], shown
        detail = box.locator("details.raw-detail")
        expect(detail).to_contain_text("Rincian teknis")
        detail.locator("summary").click()  # still there for whoever reads the log
        expect(detail.locator("code")).to_have_text(raw)
    assert errors == []


def test_report_figures_carry_units_and_chart_labels_fit(appliance, staff):
    core = appliance.core
    counter, service = counter_serving(core)
    for _ in range(3):
        core.engine.issue(service, source="kiosk")
        core.clock.advance(timedelta(minutes=7))
        core.engine.call_next(counter)
        core.engine.start(counter)
        core.clock.advance(timedelta(minutes=4))
        core.engine.done(counter)
    core.engine.issue(service, source="kiosk")  # still waiting
    page, errors = open_page(staff, appliance.url + "/admin")
    # Waiting now, on the dashboard and per service, beside today's no-shows.
    expect(page.locator("#stats [data-stat='waiting'] b")).to_have_text("1 orang")
    expect(page.locator("#stats [data-stat='waiting']")).to_contain_text("Menunggu sekarang")
    expect(page.locator("#stats [data-stat='no_show'] b")).to_have_text("0 orang")
    expect(page.locator("#stats [data-stat='issued'] b")).to_have_text("4 tiket")
    table = page.locator("#report-table")
    waiting = table.locator(f"[data-report-service='{service}'] [data-figure='waiting']")
    expect(waiting).to_have_text("1")
    expect(table.locator("th")).to_contain_text(["Waktu tunggu median (menit)"])
    heads = table.locator("th").all_inner_texts()
    assert all("(menit)" in h for h in heads if "tunggu" in h or "dilayani" in h), heads
    text = page.locator("main").inner_text()
    assert "p50" not in text and "p90" not in text
    expect(page.locator("#chart [data-figure='served-of-issued']")).to_have_text(
        "3/4 tiket dilayani"
    )
    # Every label of the chart inside the chart, at the staff viewport of 1280x800.
    outside = page.evaluate(
        """() => {
          const svg = document.querySelector('#chart svg').getBoundingClientRect();
          return [...document.querySelectorAll('#chart svg text')].filter((t) => {
            const r = t.getBoundingClientRect();
            return r.left < svg.left - 0.5 || r.right > svg.right + 0.5;
          }).map((t) => t.textContent);
        }"""
    )
    assert outside == []
    assert errors == []
