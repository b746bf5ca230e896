"""The physical front of the box: ticket buttons, the receipt printer, the button LED, the speaker.

`Hardware` wires them to the queue engine. It subscribes to the engine and enqueues a receipt
after every committed issue (whatever the source: button, kiosk, desk or API), so printing happens
on the print worker's thread, never inside a transaction and never on the acting thread. Printer
faults become one `printer.fault` outbox event per transition (and `printer.recovered` when they
clear), a status for the staff pages (`status()`, `subscribe()`), and the LED signal:
steady = ready, blinking = printer fault, off = closed (outside opening hours, or no button
service active); a fast flash for `REFUSED_FLASH_S` when a press is refused because the printer is
down and the site chose `gpio.when_printer_down = "refuse"`. A number a ticket button issued is
also said aloud through the box's speaker, when one is configured, on the speech worker's thread.

It takes only what it uses (the engine, the database for receipts' site facts and printer
events, the clock, a "can a press issue now" callable, the printer and GPIO sections), never the
runtime: `appliance.hardware.build` builds it from the configuration, and the runtime imports
that. Construction touches no device: pins are claimed, the control socket made and the threads
started in `start()`, so the web app and its tests can build a runtime freely.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from appliance.clock import Clock
from appliance.config.sections import ButtonConfig, GpioConfig, PrinterConfig
from appliance.hardware.control import ControlServer
from appliance.hardware.ports import (
    DISABLED,
    MESSAGES,
    OK,
    UNKNOWN,
    GpioBoard,
    PrinterFault,
    ReceiptPrinter,
)
from appliance.hardware.presses import ButtonPresses
from appliance.hardware.print_worker import PrintJob, PrintWorker
from appliance.hardware.receipt import (
    Receipt,
    TicketSlip,
    columns_for,
    notice_receipt,
    printer_test_receipt,
    slip_from_ticket,
    ticket_receipt,
)
from appliance.hardware.speech_worker import SpeechWorker
from appliance.queue import events, outbox
from appliance.queue.engine import QueueEngine
from appliance.queue.errors import Conflict, QueueError
from appliance.queue.tickets import TicketInfo
from appliance.queue.transaction import Change
from appliance.site import site_name, site_zone
from appliance.storage.database import ApplianceDatabase, connected

log = logging.getLogger(__name__)

StatusListener = Callable[[dict[str, Any]], None]
REFUSED_FLASH_S = 2.0  # how long the LED flashes fast after a press refused for the printer
NOTICE_TITLES = {
    "quota_reached": "KUOTA HABIS",
    "before_opening": "BELUM BUKA",
    "after_closing": "SUDAH TUTUP",
    "closed_today": "LAYANAN TUTUP",
}


class PrinterUnavailable(Conflict):
    """Reprint or test page asked of an appliance without a printer (driver "none")."""

    def __init__(self) -> None:
        super().__init__("printer_disabled", "Printer tidak dipakai di perangkat ini.")


class Hardware:
    def __init__(
        self,
        engine: QueueEngine,
        *,
        db: ApplianceDatabase,
        clock: Clock,
        can_issue: Callable[[], bool],
        printer_config: PrinterConfig,
        gpio: GpioConfig,
        public_url: str,
        printer: ReceiptPrinter | None,
        board: GpioBoard | None,
        control: Path | None = None,
        probe_s: float = 30.0,
        readiness_s: float = 30.0,
        speech: SpeechWorker | None = None,
    ) -> None:
        """`can_issue()`: whether a button press would get a ticket now (the LED's "closed");
        `public_url`: the base of the status link in a receipt's QR code; `speech`: says the
        numbers the buttons issue (None: no speaker)."""
        self.engine = engine
        self.db = db
        self.clock = clock
        self._can_issue = can_issue
        self.printer_config = printer_config
        self.gpio = gpio
        self.public_url = public_url
        self.columns = columns_for(printer_config.paper_width_mm)
        self.presses = ButtonPresses(
            gpio.buttons,
            engine,
            clock,
            on_refused=self._print_notice,
            printer_down=lambda: gpio.when_printer_down == "refuse" and self._printer_faulted(),
            on_printer_down=self._flash_refused,
        )
        self.worker = (
            PrintWorker(
                printer,
                now=self._local_now,  # "since" and "dropped at" read as the site's wall clock
                on_transition=self._printer_transition,
                retry_s=printer_config.retry_s,
                stale_after_s=printer_config.stale_after_s,
                probe_s=probe_s,
            )
            if printer is not None
            else None
        )
        self.board = board
        self.speech = speech
        self._control = ControlServer(control, self._control_request) if control else None
        self._readiness_s = readiness_s
        self._listeners: list[StatusListener] = []
        self._lock = threading.Lock()
        self._started = False
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._gpio_state = "none" if board is None else "stopped"
        self._gpio_message = ""
        self._control_message = ""
        self._open = False
        self._led_mode = "off"
        self._flash: threading.Timer | None = None
        self._led_lock = threading.Lock()  # gpiozero's blink is not safe from two threads
        engine.subscribe(self._on_change)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the print worker, claim the pins, open the control socket, watch the hours."""
        with self._lock:
            if self._started:
                return
            self._started = True
        self._stop.clear()
        self._open = self._issuing_open()
        if self.worker is not None:
            self.worker.start()
        if self.speech is not None:
            self.speech.start()
        if self.board is not None:
            try:
                self.board.start(self._gpio_press)
                self._gpio_state, self._gpio_message = "ok", ""
            except Exception as exc:  # no GPIO must not stop the web, the kiosk or the printer
                log.error("GPIO unavailable: %s", exc, exc_info=True)
                self._gpio_state, self._gpio_message = "unavailable", str(exc)
        if self._control is not None:
            try:
                self._control.start()
                self._control_message = ""
            except (OSError, RuntimeError) as exc:
                log.error("control channel (mpp press) unavailable: %s", exc)
                self._control_message = str(exc)
        self._apply_led()
        self._ticker = threading.Thread(target=self._watch_hours, name="readiness", daemon=True)
        self._ticker.start()

    def stop(self) -> None:
        """Stop everything and join the threads; safe to call twice."""
        with self._lock:
            if not self._started:
                return
            self._started = False
        self._stop.set()
        if self._flash is not None:
            self._flash.cancel()
            self._flash.join(5)  # a flash ending now must not touch the LED after close
        if self._ticker is not None:
            self._ticker.join(5)
            self._ticker = None
        if self._control is not None:
            self._control.stop()
        if self.worker is not None:
            self.worker.stop()
        if self.speech is not None:
            self.speech.stop()
        if self.board is not None:
            self.board.set_led("off")
            self.board.close()
            self._gpio_state = "stopped"

    # -- what the web calls -------------------------------------------------------------------

    def reprint(self, ticket_id: int) -> None:
        """Print a ticket again (raises appliance.queue.errors.NotFound for an unknown id); a
        ticket still waiting for paper is not queued twice."""
        ticket = self.engine.ticket(ticket_id)
        worker = self._require_worker()
        worker.forget_unprinted(ticket_id)
        if worker.pending(ticket_id):
            return
        slip = self._slip(ticket, reprint=True)
        worker.submit(
            PrintJob(
                f"{ticket.number} (ulang)", partial(self._ticket_receipt, slip), ticket_id=ticket.id
            )
        )

    def print_test_page(self) -> None:
        worker = self._require_worker()
        worker.submit(PrintJob("tes", self._test_receipt))

    def status(self) -> dict[str, Any]:
        gpio = self.gpio
        return {
            "printer": self._printer_status(),
            "buttons": self.presses.status(),
            "gpio": {
                "pin_factory": gpio.pin_factory,
                "state": self._gpio_state,
                "message": self._gpio_message,
            },
            "led": {"pin": gpio.led_pin, "mode": self._led_mode}
            if gpio.led_pin is not None
            else None,
            "speaker": self.speech.status() if self.speech is not None else None,
            "issuing_open": self._open,
            "control": {
                "path": str(self._control.path) if self._control is not None else None,
                "message": self._control_message,
            },
        }

    def subscribe(self, listener: StatusListener) -> None:
        """`listener(status())` after every printer state change (on the print worker's thread)."""
        self._listeners.append(listener)

    def press(self, pin: int | None = None) -> dict[str, Any]:
        """A press as `mpp press` makes it: through the mock pin when there is one."""
        buttons = self.gpio.buttons
        if not buttons:
            return {"ok": False, "error": "no ticket button is configured (gpio.buttons)"}
        pin = buttons[0].pin if pin is None else pin
        if pin not in self.presses.buttons:
            known = ", ".join(str(b.pin) for b in buttons)
            return {"ok": False, "error": f"no button on GPIO{pin} (configured: {known})"}
        before = self.presses.presses(pin)
        board = self.board if self._gpio_state == "ok" else None
        via = "mock_pin"
        if board is None or not board.simulate_press(pin) or self.presses.presses(pin) == before:
            self.presses.press(pin)  # real pins (or no GPIO): the same handler, called directly
            via = "direct"
        last = self.presses.last(pin)
        assert last is not None
        return {"ok": True, "via": via, "result": last.to_dict()}

    # -- engine and GPIO callbacks ------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        """After commit, on the acting thread: only enqueue."""
        if change.action != "issue" or change.ticket is None:
            return
        if not self._started:  # a runtime built but not running (web tests) prints nothing
            return
        ticket = change.ticket
        if self.speech is not None and ticket.source == "button":
            # The kiosk says its own numbers through its browser; the button has no screen.
            self.speech.submit(ticket.number)
        if self.worker is None:
            return
        slip = self._slip(ticket)
        self.worker.submit(
            PrintJob(ticket.number, partial(self._ticket_receipt, slip), ticket_id=ticket.id)
        )

    def _gpio_press(self, pin: int) -> None:
        self.presses.press(pin)

    def _print_notice(self, button: ButtonConfig, error: QueueError) -> None:
        if self.worker is None:
            return
        title = NOTICE_TITLES.get(error.code, "TIKET TIDAK DAPAT DIAMBIL")
        at = self.clock.now()

        def build() -> Receipt:
            local = at.astimezone(self._site_zone())
            footer = self.printer_config.footer
            return notice_receipt(
                self._site_name(), title, error.message, local, self.columns, footer
            )

        self.worker.submit(PrintJob("pemberitahuan", build))

    # -- receipts (built on the print worker's thread) ---------------------------------------

    def _slip(self, ticket: TicketInfo, *, reprint: bool = False) -> TicketSlip:
        """What a waiting job keeps of its ticket (a slotted TicketSlip, not the whole
        TicketInfo: up to `PrintWorker.max_queued` of them wait in a burst); the site's name is
        read when the receipt is built, on the worker thread."""
        return slip_from_ticket(
            ticket,
            site_name="",
            public_url=self.public_url,
            footer=self.printer_config.footer,
            reprint=reprint,
        )

    def _ticket_receipt(self, slip: TicketSlip) -> Receipt:
        return ticket_receipt(replace(slip, site_name=self._site_name()), self.columns)

    def _test_receipt(self) -> Receipt:
        at = self.clock.now().astimezone(self._site_zone())
        return printer_test_receipt(
            self._site_name(), self.printer_config.driver, at, self.columns, self.public_url
        )

    def _site_name(self) -> str:
        with connected(self.db):
            return site_name(self.db)

    def _local_now(self) -> datetime:
        return self.clock.now().astimezone(self._site_zone())

    def _site_zone(self) -> ZoneInfo:
        with connected(self.db):
            return site_zone(self.db)

    # -- printer state, events, LED -----------------------------------------------------------

    def _require_worker(self) -> PrintWorker:
        if self.worker is None:
            raise PrinterUnavailable()
        return self.worker

    def _printer_status(self) -> dict[str, Any]:
        if self.worker is not None:
            return self.worker.status()
        return {
            "driver": self.printer_config.driver,
            "state": DISABLED,
            "message": MESSAGES[DISABLED],
            "detail": "",
            "since": None,
            "queued": 0,
            "printed": 0,
            "dropped": 0,
            "unprinted": [],
            "pending": [],
            "stale_after_s": self.printer_config.stale_after_s,
        }

    def _printer_transition(self, old: str, new: str, fault: PrinterFault | None) -> None:
        """On the worker thread, once per state change."""
        data: dict[str, Any] = {"driver": self.printer_config.driver, "previous": old}
        if fault is not None:
            event_type = events.PRINTER_FAULT
            data |= {"state": new, "message": MESSAGES.get(new, new), "detail": fault.detail}
        elif new == OK and old != UNKNOWN:
            event_type = events.PRINTER_RECOVERED
            data |= {"state": new}
        else:
            event_type = ""
        if event_type:
            self._record(event_type, data)
        self._apply_led()
        status = self.status()
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:  # a listener must never stop the printer
                log.exception("hardware status listener failed")

    def _record(self, event_type: str, data: dict[str, Any]) -> None:
        db, clock = self.db, self.clock
        try:
            with db.write():
                outbox.append(
                    db, event_type, data, at=clock.now(), clock_synced=clock.synchronised()
                )
        except Exception:  # the event is lost, the printer state is still shown and logged
            log.exception("could not record %s", event_type)

    def _printer_faulted(self) -> bool:
        return self.worker is not None and self.worker.state not in (OK, UNKNOWN)

    def _apply_led(self) -> None:
        if not self._open:
            mode = "off"
        elif self._printer_faulted():
            mode = "blink"
        else:
            mode = "on"
        with self._led_lock:
            self._led_mode = mode
            if self.board is not None and self._gpio_state == "ok":
                self.board.set_led(mode)

    def _flash_refused(self, _button: ButtonConfig) -> None:
        """A press refused while the printer is down: the LED flashes fast, then says again
        what it said (the fault's blink, usually)."""
        with self._led_lock:
            self._led_mode = "refused"
            if self.board is not None and self._gpio_state == "ok":
                self.board.set_led("refused")
                self.board.beep()
        if self._flash is not None:
            self._flash.cancel()
        self._flash = threading.Timer(REFUSED_FLASH_S, self._end_flash)
        self._flash.daemon = True
        self._flash.start()

    def _end_flash(self) -> None:
        if self._started:
            self._apply_led()

    def _watch_hours(self) -> None:
        while not self._stop.wait(self._readiness_s):
            self.refresh()

    def refresh(self) -> None:
        """Re-read whether tickets can be issued now (opening hours) and set the LED."""
        self._open = self._issuing_open()
        self._apply_led()

    def _issuing_open(self) -> bool:
        try:
            return self._can_issue()
        except Exception:  # an unreadable catalogue is "closed", not a crash of the LED thread
            log.exception("cannot tell whether the site is open")
            return False

    # -- control channel ----------------------------------------------------------------------

    def _control_request(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.get("op")
        try:
            if op == "press":
                pin = request.get("pin")
                if pin is not None and not isinstance(pin, int):
                    return {"ok": False, "error": "pin must be an integer"}
                return self.press(pin)
            if op == "status":
                return {"ok": True, "status": self.status()}
            if op == "test_page":
                self.print_test_page()
                return {"ok": True, "printer": self._printer_status()}
            if op == "reprint":
                ticket_id = request.get("ticket_id")
                if not isinstance(ticket_id, int):
                    return {"ok": False, "error": "ticket_id must be an integer"}
                self.reprint(ticket_id)
                return {"ok": True}
        except QueueError as exc:
            return {"ok": False, "error": exc.message, "code": exc.code}
        return {"ok": False, "error": f"unknown request {op!r}"}
