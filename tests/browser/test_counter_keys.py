"""The officer's console in a real Chromium: every key in every state of the counter.

The console offers a key exactly when the engine accepts it: an enabled key's request is
answered 200 (or 404 queue_empty for N on an empty queue), a disabled key sends nothing. The
states are set with the engine between presses; the page follows through its doorbell.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from appliance.storage.database import connected
from appliance.storage.models import CALLED, SERVING, WAITING, Counter, Ticket
from tests.support.browser import counter_serving, open_page

pytestmark = pytest.mark.browser

KEYS = "nrsdxtpc"
BUTTONS = {
    "n": "#act-next",
    "r": "#act-recall",
    "s": "#act-start",
    "d": "#act-done",
    "x": "#act-noshow",
    "t": "#act-transfer",
    "p": "#act-pause",
    "c": "#act-call",
}
# state -> the keys the console offers in it (the site asks for 2 recalls before a no-show)
OFFERED = {
    "empty": "npc",  # N answers 404 queue_empty: the officer is told the queue is empty
    "idle": "npc",
    "called": "rsdtp",
    "recalled twice": "rsdxtp",
    "serving": "ndtpc",  # N finishes the ticket and calls the next; no recall once served
    "paused": "p",
    "paused, serving": "dtp",
}


def clear_counter(core: Any, counter: str) -> None:
    """No ticket at the counter, no waiting ticket, not paused."""
    with connected(core.db):
        open_ids = [
            t.id
            for t in Ticket.select(Ticket.id).where(Ticket.state.in_((WAITING, CALLED, SERVING)))
        ]
        paused = Counter.get_by_id(counter).paused
    for ticket_id in open_ids:
        core.engine.cancel(ticket_id)
    if paused:
        core.engine.resume(counter)


def set_state(core: Any, counter: str, service: str, state: str) -> str | None:
    """Bring the counter to `state`; the number at the counter (None when there is none)."""
    engine = core.engine
    clear_counter(core, counter)
    if state == "empty":
        return None
    first = engine.issue(service, source="api")
    engine.issue(service, source="api")  # someone behind, for N while serving
    if state in ("idle", "paused"):
        if state == "paused":
            engine.pause(counter, reason="istirahat")
        return None
    engine.call_next(counter)
    if state == "recalled twice":
        engine.recall(counter)
        engine.recall(counter)
    if state in ("serving", "paused, serving"):
        engine.start(counter)
    if state == "paused, serving":
        engine.pause(counter, reason="gangguan")
    return str(first.number)


def shown(page: Any, number: str | None, state: str) -> None:
    """Wait until the console shows the counter in `state`."""
    expect(page.locator("#current-number")).to_have_text(number or "—")
    expect(page.locator("#paused")).to_be_visible() if "paused" in state else expect(
        page.locator("#paused")
    ).to_be_hidden()
    if state == "recalled twice":
        expect(page.locator("#current-meta")).to_contain_text("2×")
    if "serving" in state:
        expect(page.locator("#current-state")).to_have_text(re.compile("dilayani", re.I))


def press(page: Any, key: str, number: str | None) -> Any:
    """Press `key` (and answer its dialog); the response of the request it sent."""
    is_action = lambda r: "/api/v1/counters/" in r.url and r.request.method == "POST"  # noqa: E731
    with page.expect_response(is_action, timeout=15000) as answered:
        page.keyboard.press(key)
        if key == "t":
            page.locator("#transfer-list button").first.click()
        elif key == "p" and page.locator("#pause-overlay").is_visible():
            page.keyboard.press("2")
        elif key == "c":
            page.fill("#call-number", number or "A-999")
            page.keyboard.press("Enter")
    return answered.value


def press_when_offered(page: Any, key: str) -> None:
    """Press `key` once its button is enabled, as an officer presses what the console offers:
    the keys stay disabled from a request until the refresh after it, and a key pressed in
    between is ignored on purpose (a double press must not call two numbers). CI pressed N in
    that window once, under load, and waited for a call that was never asked for."""
    button = "#act-undo" if key == "u" else BUTTONS[key]  # U is offered only after an action
    expect(page.locator(button), f"{key} offered").to_be_enabled()
    page.keyboard.press(key)


def test_every_key_in_every_state(appliance, staff):
    core = appliance.core
    counter, service = counter_serving(core)
    console, errors = open_page(staff, appliance.url + "/counter")
    console.select_option("#counter-select", counter)
    sent: list[str] = []
    console.on(
        "request",
        lambda r: sent.append(r.url) if r.method == "POST" and "/counters/" in r.url else None,
    )
    for state, offered in OFFERED.items():
        number = set_state(core, counter, service, state)
        shown(console, number, state)
        for key in KEYS:
            button = console.locator(BUTTONS[key])
            if key in offered:
                expect(button, f"{key} in {state}").to_be_enabled()
            else:
                expect(button, f"{key} in {state}").to_be_disabled()
        before = len(sent)
        for key in KEYS:
            if key not in offered:
                console.keyboard.press(key)
        console.wait_for_timeout(200)
        assert sent[before:] == [], f"a disabled key sent a request in {state}"
        for key in offered:
            number = set_state(core, counter, service, state)
            shown(console, number, state)
            waiting = _waiting_number(core, service)
            # the console redraws its keys after the number: press only once this one is offered
            expect(console.locator(BUTTONS[key]), f"{key} in {state}").to_be_enabled()
            answer = press(console, key, waiting)
            # on an empty queue N says so, and C was given a number that does not exist
            expected = 404 if state == "empty" and key in "nc" else 200
            assert answer.status == expected, (state, key, answer.status, answer.text())
            console.keyboard.press("Escape")
    assert errors == []


def _waiting_number(core: Any, service: str) -> str | None:
    with connected(core.db):
        row = (
            Ticket.select(Ticket.number)
            .where((Ticket.state == WAITING) & (Ticket.service == service))
            .order_by(Ticket.id.desc())
            .first()
        )
        return str(row.number) if row else None


def test_undo_after_no_show_done_and_transfer(appliance, staff):
    core = appliance.core
    counter, service = counter_serving(core)
    clear_counter(core, counter)
    first = core.engine.issue(service, source="api")
    console, errors = open_page(staff, appliance.url + "/counter")
    console.select_option("#counter-select", counter)
    expect(console.locator("#queue")).to_contain_text(first.number)

    press_when_offered(console, "n")
    expect(console.locator("#noshow-hint")).to_contain_text("2")
    for recalls in ("1×", "2×"):
        press_when_offered(console, "r")
        expect(console.locator("#current-meta")).to_contain_text(recalls)
    press_when_offered(console, "x")
    expect(console.locator("#undo-bar")).to_be_visible()
    expect(console.locator("#undo-text")).to_contain_text(first.number)
    press_when_offered(console, "u")
    expect(console.locator("#undo-bar")).to_be_hidden()
    expect(console.locator("#queue")).to_contain_text(first.number)
    assert core.engine.ticket(first.id).state == WAITING

    press_when_offered(console, "n")
    expect(console.locator("#act-start")).to_be_enabled()
    press_when_offered(console, "s")
    expect(console.locator("#current-state")).to_have_text(re.compile("dilayani", re.I))
    press_when_offered(console, "d")
    expect(console.locator("#undo-bar")).to_be_visible()
    console.click("#act-undo")  # the button works as the key does
    expect(console.locator("#current-number")).to_have_text(first.number)
    expect(console.locator("#current-state")).to_have_text(re.compile("dilayani", re.I))
    assert core.engine.ticket(first.id).state == SERVING

    own = core.engine.ticket(first.id).agency
    press_when_offered(console, "t")
    expect(console.locator("#transfer-list button").first).to_be_visible()
    codes = console.locator("#transfer-list button").evaluate_all(
        "buttons => buttons.map(b => b.getAttribute('data-service'))"
    )
    agencies = [_agency(core, code) for code in codes]
    ours = [a == own for a in agencies]
    assert ours == sorted(ours, reverse=True), "the officer's own agency's services come first"
    console.locator("#transfer-list button").last.click()
    expect(console.locator("#undo-bar")).to_be_visible()
    expect(console.locator("#current-number")).to_have_text("—")
    press_when_offered(console, "u")
    expect(console.locator("#current-number")).to_have_text(first.number)
    assert core.engine.ticket(first.id).service == service
    assert errors == []


def test_call_a_number_pause_reason_on_admin_and_desk_restore(appliance, staff):
    core = appliance.core
    counter, service = counter_serving(core)
    clear_counter(core, counter)
    missed, other = core.engine.issue(service, source="api"), core.engine.issue(service)
    core.engine.call_next(counter)
    for _ in range(2):
        core.engine.recall(counter)
    core.engine.no_show(counter)

    desk, desk_errors = open_page(staff, appliance.url + "/desk")
    expect(desk.locator("#no-shows")).to_contain_text(missed.number)
    desk.click(f"[data-restore='{missed.number}']")
    expect(desk.locator("#toast")).to_contain_text(missed.number)
    expect(desk.locator("#no-shows")).not_to_contain_text(missed.number)
    assert core.engine.ticket(missed.id).state == WAITING

    console, errors = open_page(staff, appliance.url + "/counter")
    console.select_option("#counter-select", counter)
    expect(console.locator("#queue")).to_contain_text(other.number)
    console.keyboard.press("c")
    console.fill("#call-number", other.number.lower().replace("-", ""))
    console.keyboard.press("Enter")
    expect(console.locator("#current-number")).to_have_text(other.number)  # out of turn
    expect(console.locator("#act-done")).to_be_enabled()
    console.keyboard.press("d")
    expect(console.locator("#current-number")).to_have_text("—")
    expect(console.locator("#act-pause")).to_be_enabled()

    console.keyboard.press("p")
    expect(console.locator("#pause-overlay")).to_be_visible()
    console.click("#pause-reasons [data-reason='sholat']")
    expect(console.locator("#paused")).to_contain_text("Sholat")

    admin, admin_errors = open_page(staff, appliance.url + "/admin")
    state = admin.locator(f"[data-counter-state='{counter}']")
    expect(state).to_contain_text("Jeda: Sholat")
    expect(state).to_contain_text("· 0 menit")  # by the device's clock; the start in the tooltip
    expect(state.locator("[data-counter-minutes]")).to_have_attribute("title", "sejak 09:00")
    console.keyboard.press("p")  # resume: no question asked
    expect(console.locator("#paused")).to_be_hidden()
    expect(state).not_to_contain_text("Jeda")
    assert errors + desk_errors + admin_errors == []


def _agency(core: Any, service: str) -> str:
    with connected(core.db):
        return str(
            core.db.execute_sql(
                "SELECT agency_code FROM service WHERE code = ?", (service,)
            ).fetchone()[0]
        )
