"""Screenshots of every page with a morning's worth of data, kept in docs/screenshots/ so a
person can see what citizens and officers see (and a reviewer can spot what looks wrong)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from appliance.skm.questionnaire import load_questionnaire
from appliance.skm.surveys import submit_survey
from tests.support.browser import DOCS_SCREENSHOTS, counter_serving, open_page, settle

pytestmark = pytest.mark.browser


def morning(core):
    """A few tickets across services, one priority, two counters busy."""
    counter, service = counter_serving(core)
    tickets = [core.engine.issue(service, source="kiosk") for _ in range(4)]
    core.engine.issue(service, priority=True, priority_reason="lansia", source="desk")
    core.engine.issue("MPP-INFORMASI", source="button")
    core.engine.issue("MPP-INFORMASI", source="button")
    finished = core.engine.call_next(counter)
    core.engine.start(counter)
    core.engine.done(counter)
    core.engine.call_next(counter)
    return counter, tickets, finished


def test_screenshots_of_every_page(appliance, staff, public, tmp_path: Path):
    update = os.environ.get("MPP_UPDATE_SCREENSHOTS") == "1"
    SCREENSHOTS = DOCS_SCREENSHOTS if update else tmp_path
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    counter, tickets, done = morning(appliance.core)
    errors: list[str] = []

    def shot(page, name, page_errors):
        page.wait_for_timeout(400)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
        errors.extend(page_errors)

    page, page_errors = open_page(public, appliance.url + "/login?next=/admin")
    shot(page, "login", page_errors)

    page, page_errors = open_page(staff, appliance.url + "/kiosk")
    expect(page.locator(".tile").first).to_be_visible()
    shot(page, "kiosk", page_errors)

    page, page_errors = open_page(staff, appliance.url + "/counter")
    page.select_option("#counter-select", counter)
    expect(page.locator("#current-number")).not_to_have_text("—")
    shot(page, "counter", page_errors)

    page, page_errors = open_page(staff, appliance.url + "/desk")
    expect(page.locator("#waiting li").first).to_be_visible()
    page.click("[data-reason='lansia']")
    shot(page, "desk", page_errors)

    board, page_errors = open_page(public, appliance.url + "/display")
    expect(board.locator("#now-number")).not_to_have_text("—")
    shot(board, "display", page_errors)

    status, page_errors = open_page(public, appliance.url + f"/t/{tickets[-1].status_token}")
    status.set_viewport_size({"width": 412, "height": 860})  # a phone
    expect(status.locator("#number")).to_have_text(tickets[-1].number)
    shot(status, "status", page_errors)

    # The ticket finished in morning(): rated on a phone, then in the printed report.
    survey, page_errors = open_page(public, appliance.url + f"/survey/{done.status_token}")
    survey.set_viewport_size({"width": 390, "height": 844})
    for code, score in (("U1", 4), ("U2", 3), ("U3", 3)):
        survey.click(f"#q-{code} .choice.score-{score}")
    survey.evaluate("window.scrollTo(0, 0)")
    shot(survey, "survey", page_errors)
    scores = (4, 3, 3, 4, 3, 4, 4, 3, 3)
    answers = {f"U{i}": s for i, s in enumerate(scores, start=1)}
    submit_survey(
        appliance.core.db, appliance.core.clock, load_questionnaire(), done.status_token, answers
    )
    report, page_errors = open_page(staff, appliance.url + "/admin/reports/skm")
    expect(report.locator("#report-ikm")).not_to_have_text("–")
    report.screenshot(path=str(SCREENSHOTS / "skm-report.png"), full_page=True)
    errors.extend(page_errors)

    admin, page_errors = open_page(staff, appliance.url + "/admin")
    settle(admin, lambda: admin.locator("#chart svg, #chart p").count() > 0)
    settle(admin, lambda: admin.locator("#skm-chart svg").count() > 0)
    admin.wait_for_timeout(400)
    admin.screenshot(path=str(SCREENSHOTS / "admin.png"), full_page=True)
    errors.extend(page_errors)

    assert errors == []
    names = {p.stem for p in SCREENSHOTS.glob("*.png")}
    assert {"kiosk", "counter", "desk", "display", "status", "login", "admin"} <= names
    assert {"survey", "skm-report"} <= names
