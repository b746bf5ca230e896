"""Buttons, print worker, faults and LED on a real SQLite site: mock pins and a paper printer."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from usb.core import USBError

from appliance.config.sections import ButtonConfig
from appliance.hardware.front import PrinterUnavailable
from appliance.queue import events
from appliance.queue.errors import NotFound
from tests.support.engine_fixtures import WIB
from tests.support.escpos_fakes import decode
from tests.support.hardware_fixtures import (
    BUZZER_PIN,
    LED_PIN,
    PRIORITY_PIN,
    TICKET_PIN,
    Front,
    make_front,
    wait_for,
)


@pytest.fixture
def front(tmp_path: Path) -> Iterator[Front]:
    f = make_front(tmp_path / "appliance.db")
    f.hardware.start()
    yield f
    f.hardware.stop()


def printed(front: Front, count: int) -> list[Any]:
    wait_for(lambda: len(front.paper.jobs) >= count, what=f"{count} receipts")
    return [decode(job) for job in front.paper.jobs]


def number(receipt: Any) -> str:
    """The ticket number: the run printed six times larger."""
    return str(next(text for size, text in receipt.large if size == 6))


def events_of(front: Front, kind: str) -> list[dict[str, Any]]:
    return [e.data for e in front.site.events() if e.type == kind]


def fast_flash(led: Any) -> bool:
    """Two LED turn-ons 0.3 s apart or less: the refusal's flash, not the fault's 0.8 s blink."""
    ons = [s.timestamp for s in led.states if s.state]
    return any(later - earlier < 0.3 for earlier, later in itertools.pairwise(ons))


def printer_state(front: Front) -> str:
    return str(front.hardware.status()["printer"]["state"])


def test_a_press_commits_a_ticket_then_prints_it(front: Front) -> None:
    front.press()
    tickets = front.site.tickets()
    assert [(t.number, t.source, t.priority) for t in tickets] == [("I-001", "button", False)]
    receipt = printed(front, 1)[0]
    assert (6, "I-001") in receipt.large
    assert receipt.qr == [f"http://mpp.local:8080/t/{tickets[0].status_token}"]
    assert "Layanan INFO" in receipt.text and "Mal Pelayanan Publik Uji" in receipt.text
    assert "Antrean di depan Anda: 0 orang" in receipt.text
    button = front.hardware.status()["buttons"][0]
    assert button["pin"] == TICKET_PIN and button["last_result"]["number"] == "I-001"


def test_holding_the_button_gives_one_ticket(front: Front) -> None:
    pin = front.factory.pin(TICKET_PIN)
    pin.drive_low()
    time.sleep(0.3)  # held well past gpiozero's hold time
    pin.drive_high()
    assert len(front.site.tickets()) == 1


def test_hammering_within_the_cooldown_gives_one_ticket(front: Front) -> None:
    for _ in range(10):
        front.press()
    assert len(front.site.tickets()) == 1
    front.site.clock.advance(timedelta(seconds=1.9))
    front.press()
    assert len(front.site.tickets()) == 1
    front.site.clock.advance(timedelta(seconds=0.2))  # 2.1 s after the accepted press
    front.press()
    assert [t.number for t in front.site.tickets()] == ["I-001", "I-002"]
    statuses = front.hardware.status()["buttons"][0]
    assert statuses["presses"] == 12 and statuses["last_result"]["outcome"] == "issued"


def test_each_button_has_its_own_cooldown_and_the_priority_pin_marks_priority(
    front: Front,
) -> None:
    front.press(TICKET_PIN)
    front.press(PRIORITY_PIN)
    tickets = front.site.tickets()
    assert [(t.priority, t.priority_reason) for t in tickets] == [(False, None), (True, "lansia")]
    texts = [r.text for r in printed(front, 2)]
    assert sum("PRIORITAS: Lansia" in t for t in texts) == 1


def test_every_issued_ticket_prints_whatever_its_source(front: Front) -> None:
    for source in ("kiosk", "desk", "api"):
        front.site.engine.issue("KTP", source=source)
    numbers = [number(r) for r in printed(front, 3)]
    assert sorted(numbers) == ["A-001", "A-002", "A-003"]


def test_printing_happens_off_the_acting_thread(front: Front) -> None:
    threads: list[str] = []
    front.paper.on_job.append(lambda _job: threads.append(threading.current_thread().name))
    front.press()
    printed(front, 1)
    assert threads == ["print-worker"]


@pytest.mark.parametrize(
    ("paper_state", "expected"),
    [
        ("no_paper", "no_paper"),
        ("cover_open", "cover_open"),
        ("silent", "offline"),
        ("unplugged", "offline"),
    ],
)
def test_a_fault_never_blocks_issuing_is_reported_once_and_recovers(
    front: Front, paper_state: str, expected: str
) -> None:
    heard: list[dict[str, Any]] = []
    front.hardware.subscribe(heard.append)
    wait_for(lambda: printer_state(front) == "ok", what="printer ok")
    assert front.led().state is True  # steady: ready
    front.paper.state = paper_state
    front.press()
    assert [t.number for t in front.site.tickets()] == ["I-001"]  # issued despite the fault
    wait_for(lambda: printer_state(front) == expected, what=expected)
    opens = front.paper.opens
    wait_for(lambda: front.paper.opens >= opens + 3 or paper_state in ("no_paper", "cover_open"))
    time.sleep(0.1)  # several retries (retry_s = 0.02) ...
    faults = events_of(front, events.PRINTER_FAULT)
    assert [(f["state"], f["previous"]) for f in faults] == [(expected, "ok")]  # ... one event
    status = front.hardware.status()
    assert status["led"] == {"pin": LED_PIN, "mode": "blink"}
    assert "Printer" in status["printer"]["message"] or "printer" in status["printer"]["message"]
    wait_for(lambda: len({s.state for s in front.led().states[-4:]}) == 2, what="LED blinking")
    assert heard[-1]["printer"]["state"] == expected
    front.site.clock.advance(timedelta(seconds=3))
    front.press()  # a second citizen during the fault
    assert len(front.site.tickets()) == 2
    assert front.paper.jobs == []

    front.paper.state = "ok"  # paper replaced, cover closed, cable back
    numbers = sorted(number(r) for r in printed(front, 2))
    assert numbers == ["I-001", "I-002"]
    wait_for(lambda: printer_state(front) == "ok", what="recovered")
    assert [r["previous"] for r in events_of(front, events.PRINTER_RECOVERED)] == [expected]
    assert len(events_of(front, events.PRINTER_FAULT)) == 1
    assert front.hardware.status()["led"]["mode"] == "on" and front.led().state is True
    assert heard[-1]["printer"]["state"] == "ok"


def test_unplugged_mid_job_reprints_the_whole_receipt_after_reconnect(front: Front) -> None:
    def unplug_during_first_job(_job: bytes) -> None:
        if front.paper.opens == 1:
            front.paper.state = "unplugged"
            raise USBError("No such device (it may have been disconnected)", errno=19)

    front.paper.on_job.append(unplug_during_first_job)
    front.press()
    wait_for(lambda: printer_state(front) == "offline", what="offline")
    assert front.paper.jobs == []
    front.paper.state = "ok"
    receipt = printed(front, 1)[0]
    assert number(receipt) == "I-001" and receipt.cuts == 1
    assert front.paper.opens >= 2  # the worker reopened the device


def test_receipts_not_printed_in_time_are_listed_for_reprint(tmp_path: Path) -> None:
    front = make_front(tmp_path / "a.db", stale_after_s=0.2)
    front.hardware.start()
    try:
        front.paper.state = "no_paper"
        front.press()
        ticket = front.site.tickets()[0]
        unprinted = wait_for(lambda: front.hardware.status()["printer"]["unprinted"])
        assert unprinted == [
            {
                "ticket_id": ticket.id,
                "label": "I-001",
                "reason": "stale",
                "dropped_at": front.site.clock.now().astimezone(WIB).isoformat("T", "seconds"),
            }
        ]
        assert front.hardware.status()["printer"]["pending"] == []
        front.paper.state = "ok"
        wait_for(lambda: printer_state(front) == "ok", what="recovered")
        assert front.paper.jobs == []  # not printed minutes late for a citizen who left
        front.hardware.reprint(ticket.id)
        receipt = printed(front, 1)[0]
        assert "(CETAK ULANG)" in receipt.text and number(receipt) == "I-001"
        assert front.hardware.status()["printer"]["unprinted"] == []
    finally:
        front.hardware.stop()


def test_during_a_fault_the_numbers_without_paper_are_pending_and_not_queued_twice(
    front: Front,
) -> None:
    wait_for(lambda: printer_state(front) == "ok", what="printer ok")
    front.paper.state = "no_paper"
    front.press()
    ticket = front.site.tickets()[0]
    wait_for(lambda: printer_state(front) == "no_paper", what="no paper")
    printer = front.hardware.status()["printer"]
    assert printer["pending"] == [{"ticket_id": ticket.id, "label": "I-001"}]
    assert printer["stale_after_s"] == 120.0
    front.hardware.reprint(ticket.id)  # an officer clicks "Cetak ulang" while it still waits
    front.paper.state = "ok"
    assert [number(r) for r in printed(front, 1)] == ["I-001"]
    wait_for(lambda: not front.hardware.status()["printer"]["pending"], what="nothing pending")
    time.sleep(0.1)
    assert len(front.paper.jobs) == 1  # one paper for one citizen, not two


def test_a_site_may_refuse_presses_while_the_printer_is_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("appliance.hardware.front.REFUSED_FLASH_S", 1.5)
    front = make_front(
        tmp_path / "a.db", when_printer_down="refuse", buzzer_pin=BUZZER_PIN, probe_s=0.02
    )
    heard: list[dict[str, Any]] = []
    front.hardware.subscribe(heard.append)  # called once the fault's LED is set
    front.paper.state = "no_paper"
    front.hardware.start()
    try:
        wait_for(lambda: heard and heard[-1]["printer"]["state"] == "no_paper", what="no paper")
        assert front.hardware.status()["led"]["mode"] == "blink"
        front.press()
        last = wait_for(lambda: front.hardware.status()["buttons"][0]["last_result"])
        assert (last["outcome"], last["code"]) == ("refused", "printer_down")
        assert front.site.tickets() == []  # no number the citizen could never read
        wait_for(lambda: fast_flash(front.led()), what="the LED flashing fast")
        buzzer = front.factory.pin(BUZZER_PIN)
        wait_for(lambda: sum(s.state for s in buzzer.states) >= 3, what="three beeps")
        wait_for(lambda: front.hardware.status()["led"]["mode"] == "blink", what="blink again")
        assert events_of(front, events.TICKET_ISSUED) == []
        front.paper.state = "ok"
        wait_for(lambda: printer_state(front) == "ok", what="recovered")
        front.site.clock.advance(timedelta(seconds=3))
        front.press()
        assert [t.number for t in front.site.tickets()] == ["I-001"]
    finally:
        front.hardware.stop()


def test_by_default_presses_issue_while_the_printer_is_down(tmp_path: Path) -> None:
    front = make_front(tmp_path / "a.db", probe_s=0.02)
    front.paper.state = "no_paper"
    front.hardware.start()
    try:
        wait_for(lambda: printer_state(front) == "no_paper", what="no paper")
        front.press()
        assert [t.number for t in front.site.tickets()] == ["I-001"]
    finally:
        front.hardware.stop()


def test_reprint_of_an_unknown_ticket_is_not_found(front: Front) -> None:
    with pytest.raises(NotFound):
        front.hardware.reprint(999)


def test_test_page(front: Front) -> None:
    front.hardware.print_test_page()
    receipt = printed(front, 1)[0]
    assert "TES PRINTER" in receipt.text and receipt.qr == ["http://mpp.local:8080"]


def test_without_a_printer_status_is_disabled_and_nothing_prints(tmp_path: Path) -> None:
    front = make_front(tmp_path / "a.db", printer=None)
    front.hardware.start()
    try:
        front.press()
        assert len(front.site.tickets()) == 1
        status = front.hardware.status()
        assert status["printer"]["state"] == "disabled"
        assert status["led"]["mode"] == "on"
        with pytest.raises(PrinterUnavailable) as caught:
            front.hardware.reprint(front.site.tickets()[0].id)
        assert caught.value.status == 409
    finally:
        front.hardware.stop()


def test_a_closed_service_prints_a_notice_and_the_led_is_off(tmp_path: Path) -> None:
    front = make_front(tmp_path / "a.db")
    front.site.clock.jump_to(datetime(2025, 3, 15, 10, 0, tzinfo=WIB))  # Saturday: closed
    front.hardware.start()
    try:
        assert front.hardware.status()["led"]["mode"] == "off"
        assert front.led().state is False
        front.press()
        front.press()  # hammering a closed service: one notice
        assert front.site.tickets() == []
        receipt = printed(front, 1)[0]
        assert "LAYANAN TUTUP" in receipt.text and receipt.qr == []
        result = front.hardware.status()["buttons"][0]["last_result"]
        assert result["outcome"] == "cooldown"
        front.site.clock.jump_to(datetime(2025, 3, 17, 8, 0, tzinfo=WIB))  # Monday opening
        front.hardware.refresh()
        assert front.hardware.status()["led"]["mode"] == "on" and front.led().state is True
        time.sleep(0.05)
        assert len(front.paper.jobs) == 1
    finally:
        front.hardware.stop()


def test_a_button_for_an_unknown_service_says_so_and_stays_alive(tmp_path: Path) -> None:
    buttons = (ButtonConfig(TICKET_PIN, "NOPE", cooldown_s=0),)
    front = make_front(tmp_path / "a.db", buttons=buttons)
    front.hardware.start()
    try:
        front.press()
        result = front.hardware.status()["buttons"][0]["last_result"]
        assert result["outcome"] == "refused" and result["message"]
        front.press()
        assert front.hardware.status()["buttons"][0]["presses"] == 2
    finally:
        front.hardware.stop()


def test_stop_joins_every_thread_and_is_idempotent(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    front = make_front(tmp_path / "a.db")
    front.hardware.start()
    front.hardware.start()
    front.led()  # LED claimed
    front.hardware.stop()
    front.hardware.stop()
    time.sleep(0.05)
    left = [t for t in set(threading.enumerate()) - before if t.is_alive()]
    assert left == []
