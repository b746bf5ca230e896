"""A day at the MPP in miniature, through the pages in a real Chromium.

The kiosk issues, the counter calls, the board announces each call exactly once (counted as
requests for its WAV), the citizen's status page follows along; plus the board's reconnects,
the greeter's desk and the kiosk's refusal.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import (
    audio_requests,
    counter_serving,
    open_page,
    quota_service,
    service_named,
    settle,
)

pytestmark = pytest.mark.browser


def test_a_whole_day_in_miniature(appliance, staff, public):
    counter, service = counter_serving(appliance.core)
    board, board_errors = open_page(public, appliance.url + "/display")
    announced = audio_requests(board)
    expect(board.locator("#conn")).not_to_have_text("")

    kiosk, kiosk_errors = open_page(staff, appliance.url + "/kiosk")
    kiosk.fill("#search", service_named(appliance.core, service))
    kiosk.click(f"[data-service='{service}']")  # the service screen: what to bring, then a number
    with kiosk.expect_response(lambda r: r.url.endswith("/api/v1/tickets")) as issued:
        kiosk.click("#take")
    ticket = issued.value.json()
    expect(kiosk.locator("#ticket-number")).to_have_text(ticket["number"])
    assert issued.value.status == 201

    console, console_errors = open_page(staff, appliance.url + "/counter")
    console.select_option("#counter-select", counter)
    expect(console.locator("#queue")).to_contain_text(ticket["number"])
    console.keyboard.press("n")
    expect(console.locator("#current-number")).to_have_text(ticket["number"])

    expect(board.locator("#now-number")).to_have_text(ticket["number"])
    settle(board, lambda: len(announced) >= 1)
    board.wait_for_timeout(2500)  # a poll and a doorbell later: still once
    assert len(announced) == 1, announced
    settle(board, lambda: board.evaluate("window.MPPBoard.pending()") == 0)

    status, status_errors = open_page(public, appliance.url + f"/t/{ticket['status_token']}")
    expect(status.locator("#state")).to_have_class(re.compile("state-called"))
    expect(status.locator("#go")).to_contain_text(re.compile(r"\S"))

    console.keyboard.press("s")
    expect(console.locator("#current-state")).to_have_text(re.compile("dilayani", re.I))
    console.keyboard.press("d")
    expect(console.locator("#tally-done")).to_have_text("1")

    status.reload()
    expect(status.locator("#state")).to_have_class(re.compile("state-done"))
    expect(status.locator("#survey-link")).to_have_attribute(
        "href", f"/survey/{ticket['status_token']}"
    )
    assert len(announced) == 1
    assert board_errors + kiosk_errors + console_errors + status_errors == []


def test_board_reconnect_neither_replays_nor_skips(appliance, public):
    core = appliance.core
    counter, service = counter_serving(core)
    for _ in range(3):
        core.engine.issue(service, source="api")
    board, errors = open_page(public, appliance.url + "/display")
    announced = audio_requests(board)
    board.wait_for_timeout(500)

    first = core.engine.call_next(counter)
    expect(board.locator("#now-number")).to_have_text(first.number)
    settle(board, lambda: len(announced) == 1)
    settle(board, lambda: board.evaluate("window.MPPBoard.pending()") == 0)

    board.reload()  # a reconnect: same tab, memory gone, sessionStorage kept
    board.wait_for_timeout(2500)
    assert len(announced) == 1, "the reloaded board replayed an old call"

    core.engine.recall(counter)  # a recall is announced again
    settle(board, lambda: len(announced) == 2)
    settle(board, lambda: board.evaluate("window.MPPBoard.pending()") == 0)

    # The stream fails for good: the board falls back to polling and still hears every call once.
    board.route("**/api/v1/stream", lambda route: route.abort())
    board.reload()
    core.engine.done(counter)
    second = core.engine.call_next(counter)
    expect(board.locator("#now-number")).to_have_text(second.number)
    board.wait_for_timeout(3000)
    assert len(announced) == 3, announced
    expect(board.locator("#conn")).to_have_text(re.compile("berkala|polling"))

    fresh, fresh_errors = open_page(public, appliance.url + "/display")
    fresh_audio = audio_requests(fresh)
    expect(fresh.locator("#now-number")).to_have_text(second.number)
    fresh.wait_for_timeout(2500)
    assert fresh_audio == [], "a board switched on now must not announce earlier calls"
    assert errors + fresh_errors == []


def test_desk_issues_priority_and_transfers(appliance, staff):
    core = appliance.core
    _, service = counter_serving(core)
    general = core.engine.issue("MPP-INFORMASI", source="button")
    desk, errors = open_page(staff, appliance.url + "/desk")

    desk.click("[data-reason='lansia']")
    desk.fill("#issue-search", service_named(core, service))
    desk.click(f"#issue-list [data-service='{service}']")
    with desk.expect_response(lambda r: r.url.endswith("/api/v1/tickets")) as issued:
        desk.click("#issue")
    ticket = issued.value.json()
    assert ticket["priority"] is True
    assert ticket["priority_reason"] == "lansia"
    expect(desk.locator("#issued-number")).to_have_text(ticket["number"])

    desk.click(f"[data-move='{general.number}']")
    desk.fill("#move-search", service_named(core, service))
    desk.click(f"#move-list [data-service='{service}']")
    expect(desk.locator("#toast")).to_contain_text(general.number)
    assert core.engine.ticket(general.id).service == service
    assert errors == []


def test_kiosk_says_why_it_refuses(appliance, staff):
    core = appliance.core
    code, quota = quota_service(core)
    kiosk, errors = open_page(staff, appliance.url + "/kiosk")
    kiosk.fill("#search", service_named(core, code))
    kiosk.click(f"[data-service='{code}']")
    expect(kiosk.locator("#take")).to_be_visible()
    for _ in range(quota):  # the quota runs out while the citizen reads the requirements
        core.engine.issue(code, source="api")
    with kiosk.expect_response(lambda r: r.url.endswith("/api/v1/tickets")) as refused:
        kiosk.click("#take")
    assert refused.value.status == 422
    message = refused.value.json()["error"]["message"]
    expect(kiosk.locator("#refusal")).to_have_text(message)
    assert errors == []


def test_staff_pages_send_strangers_to_login(appliance, public):
    page: Any = public.new_page()
    for path in ("/counter", "/desk", "/admin", "/kiosk"):
        page.goto(appliance.url + path)
        page.wait_for_url(re.compile(r"/login\?next="))
        assert page.url.endswith("/login?next=" + path.replace("/", "%2F"))
