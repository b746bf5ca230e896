"""The SKM survey in a real Chromium: on a phone from the status page's link, and on a tablet
fixed at a counter that offers each finished ticket in turn."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from appliance.skm.questionnaire import load_questionnaire
from appliance.storage.database import connected
from tests.support.browser import counter_serving, settle

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ELEMENTS = [f"U{i}" for i in range(1, 10)]


def finish_one(core: Any, counter: str, service: str) -> Any:
    """Issue a ticket and serve it to the end at `counter`; the finished ticket."""
    core.engine.issue(service, source="kiosk")
    ticket = core.engine.call_next(counter)
    core.engine.start(counter)
    core.engine.done(counter)
    return ticket


def stored_answers(core: Any) -> list[dict[str, int]]:
    with connected(core.db):
        return [json.loads(r[0]) for r in core.db.execute_sql("SELECT answers FROM survey")]


def answer(page: Any, scores: dict[str, int]) -> None:
    for code, score in scores.items():
        page.click(f"#q-{code} .choice.score-{score}")


def test_phone_survey_from_the_status_page(appliance, browser):
    core = appliance.core
    counter, service = counter_serving(core)
    ticket = finish_one(core, counter, service)
    context = browser.new_context(viewport=PHONE, locale="id-ID", has_touch=True, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(appliance.url + f"/t/{ticket.status_token}")
    expect(page.locator("#survey")).to_be_visible()
    page.click("#survey-link")
    page.wait_for_url(f"**/survey/{ticket.status_token}")
    expect(page.locator("#survey-number")).to_have_text(ticket.number)

    # Big touch targets, and nothing wider than the phone.
    box = page.locator("#q-U1 .choice").first.bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 140
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    scores = {"U1": 4, "U2": 3, "U3": 2, "U4": 4, "U5": 3, "U6": 4, "U7": 4, "U8": 1, "U9": 3}
    answer(page, {k: v for k, v in scores.items() if k not in ("U8", "U9")})
    page.click("#survey-submit")
    expect(page.locator("#survey-error")).to_contain_text("2 pertanyaan")
    expect(page.locator("#q-U8")).to_have_class(re.compile("is-missing"))
    answer(page, {"U8": 1})
    expect(page.locator("#survey-error")).to_contain_text("1 pertanyaan")  # follows the answers
    answer(page, {"U9": 3})
    expect(page.locator("#survey-error")).to_be_hidden()  # nothing left: no stale message
    # Suggestions are asked in the open, not inside the collapsed "about you".
    expect(page.locator("#p-saran")).to_be_visible()
    page.fill("#p-saran", "Kursi tunggu ditambah.")
    page.click("#profile summary")
    page.select_option("#p-jenis_kelamin", "P")
    page.select_option("#p-pekerjaan", "LAINNYA")
    expect(page.locator("#p-pekerjaan_lainnya")).to_be_visible()
    page.fill("#p-pekerjaan_lainnya", "Petani")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/surveys")) as sent:
        page.click("#survey-submit")
    assert sent.value.status == 201
    expect(page.locator("#survey-done")).to_be_visible()
    expect(page.locator("#survey-form")).to_be_hidden()
    assert stored_answers(core) == [scores]
    with connected(core.db):
        profile = json.loads(core.db.execute_sql("SELECT respondent FROM survey").fetchone()[0])
    assert profile["jenis_kelamin"] == "P" and profile["pekerjaan_lainnya"] == "Petani"
    assert profile["saran"] == "Kursi tunggu ditambah."

    page.reload()
    expect(page.locator("#survey-message")).to_contain_text("sudah diisi")
    assert errors == []
    context.close()


def test_second_response_from_another_tab_is_answered_kindly(appliance, browser):
    core = appliance.core
    counter, service = counter_serving(core)
    ticket = finish_one(core, counter, service)
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    first, second = context.new_page(), context.new_page()
    for page in (first, second):
        page.bring_to_front()  # a tab behind another gets no animation frames: each click waits
        page.goto(appliance.url + f"/survey/{ticket.status_token}")
        answer(page, dict.fromkeys(ELEMENTS, 3))
    first.bring_to_front()
    first.click("#survey-submit")
    expect(first.locator("#survey-done")).to_be_visible()
    with second.expect_response(lambda r: r.url.endswith("/api/v1/surveys")) as sent:
        second.click("#survey-submit")
    assert sent.value.status == 409
    expect(second.locator("#survey-done")).to_be_visible()
    expect(second.locator("#survey-done-text")).to_contain_text("sudah diisi")
    assert len(stored_answers(core)) == 1
    context.close()


def test_counter_tablet_offers_each_finished_ticket_once(appliance, browser):
    core = appliance.core
    counter, service = counter_serving(core)
    token = core.accounts.create_token("survei-tablet", "kiosk", counters=[counter])
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="id-ID")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # The tablet's timers (a poll every 3 s, 8 s of thanks) run when the test moves its clock.
    page.clock.install()
    page.goto(appliance.url + f"/survey?counter={counter}&token={token}")
    expect(page.locator("#survey-wait")).to_be_visible()
    assert "token=" not in page.url  # the token moved to the tablet's storage
    expect(page.locator("#survey-form")).to_be_hidden()

    def next_poll() -> None:
        with page.expect_response(lambda r: "/api/v1/surveys/awaiting" in r.url):
            page.clock.fast_forward(3_000)
        page.wait_for_timeout(200)  # the page's answer to it

    first = finish_one(core, counter, service)
    next_poll()
    expect(page.locator("#survey-number")).to_have_text(first.number)
    expect(page.locator("#survey-form")).to_be_visible()
    answer(page, dict.fromkeys(ELEMENTS, 4))
    page.click("#survey-submit")
    expect(page.locator("#survey-done")).to_be_visible()
    # After the thanks, back to waiting; the rated ticket is not offered again.
    page.clock.fast_forward(8_000)
    expect(page.locator("#survey-wait")).to_be_visible()
    next_poll()
    expect(page.locator("#survey-form")).to_be_hidden()

    second = finish_one(core, counter, service)
    next_poll()
    expect(page.locator("#survey-number")).to_have_text(second.number)
    answer(page, dict.fromkeys(ELEMENTS, 2))
    page.click("#survey-submit")
    expect(page.locator("#survey-done")).to_be_visible()
    assert stored_answers(core) == [dict.fromkeys(ELEMENTS, 4), dict.fromkeys(ELEMENTS, 2)]
    assert errors == []
    context.close()


def test_tablet_without_a_token_explains_the_setup(appliance, public):
    counter, _ = counter_serving(appliance.core)
    page = public.new_page()
    page.goto(appliance.url + f"/survey?counter={counter}")
    expect(page.locator("#wait-error")).to_contain_text("belum diatur")
    settle(page, lambda: page.locator("#survey-form").is_hidden())


def test_admin_period_report_shows_ikm_bars_and_links(appliance, staff):
    from appliance.skm.surveys import submit_survey

    core = appliance.core
    counter, service = counter_serving(core)
    questionnaire = load_questionnaire()
    rows = [[4] * 9, [3, 3, 3, 3, 3, 3, 3, 3, 4]]
    for scores in rows:
        ticket = finish_one(core, counter, service)
        answers = dict(zip(ELEMENTS, scores, strict=True))
        submit_survey(core.db, core.clock, questionnaire, ticket.status_token, answers, {})
    # Sum of NRR = 8 x 3.5 + 4 = 32; IKM = 25 x 32 / 9 = 88.89 -> A
    page = staff.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(appliance.url + "/admin")
    expect(page.locator("#skm-stats [data-stat=ikm] b")).to_have_text("88,89")
    expect(page.locator("#skm-stats [data-stat=category] b")).to_have_text("A · Sangat Baik")
    expect(page.locator("#skm-chart rect.bar-skm")).to_have_count(9)
    expect(page.locator("#ops-stats [data-stat=served] b")).to_have_text("2 orang")
    assert page.input_value("#r-from") == "2025-03-01" and page.input_value("#r-to") == "2025-03-12"
    pdf = page.get_attribute("#skm-pdf", "href")
    assert pdf is not None and "from=2025-03-01" in pdf and "to=2025-03-12" in pdf
    response = page.request.get(appliance.url + pdf)
    assert response.status == 200 and response.body().startswith(b"%PDF-")
    printed = staff.new_page()
    printed.goto(appliance.url + page.get_attribute("#skm-print", "href"))
    expect(printed.locator("#report-ikm")).to_have_text("88,89")
    assert errors == []
