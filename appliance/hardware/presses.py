"""What a ticket-button press does: one ticket per press, at most one per cooldown.

Every press — a real falling edge from gpiozero, a mock pin driven by `mpp press`, or a direct
call when the pins are real — comes through `ButtonPresses.press`, so the cooldown and the issue
call are the same code whatever moved the button. The cooldown runs on the clock's monotonic time
from the last *accepted* press: a held button (one edge), a bouncing contact and an impatient
citizen hammering it all give one ticket (SPEC §3). A refused press (closed, quota reached) is
counted against the cooldown too, so hammering a closed service prints one notice, not a pile.

A site may choose that the button refuses while the printer is down (`gpio.when_printer_down =
"refuse"`): a number without paper and without a screen is one the citizen never learns. Such a
press issues nothing, is refused with the code `printer_down`, and `on_printer_down` signals it
(the front flashes the LED), since no notice can be printed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from appliance.clock import Clock
from appliance.config.sections import ButtonConfig
from appliance.queue.engine import QueueEngine
from appliance.queue.errors import QueueError

log = logging.getLogger(__name__)

ISSUED = "issued"
COOLDOWN = "cooldown"
REFUSED = "refused"
FAILED = "error"
PRINTER_DOWN = "printer_down"
PRINTER_DOWN_MESSAGE = "Printer sedang gangguan: ambil tiket di meja informasi atau kios."


@dataclass(frozen=True)
class PressResult:
    pin: int
    outcome: str  # issued | cooldown | refused | error
    at: str  # ISO time of the press
    number: str | None = None
    ticket_id: int | None = None
    code: str | None = None  # the refusal's code (closed_today, quota_reached, ...)
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ButtonPresses:
    def __init__(
        self,
        buttons: Sequence[ButtonConfig],
        engine: QueueEngine,
        clock: Clock,
        *,
        on_refused: Callable[[ButtonConfig, QueueError], None] | None = None,
        printer_down: Callable[[], bool] = lambda: False,
        on_printer_down: Callable[[ButtonConfig], None] | None = None,
    ) -> None:
        """`printer_down()`: whether a press must be refused now because nothing can print."""
        self.buttons = {b.pin: b for b in buttons}
        self._engine = engine
        self._clock = clock
        self._on_refused = on_refused
        self._printer_down = printer_down
        self._on_printer_down = on_printer_down
        self._locks = {pin: threading.Lock() for pin in self.buttons}
        self._accepted_at: dict[int, float] = {}
        self._last: dict[int, PressResult] = {}
        self._presses: dict[int, int] = dict.fromkeys(self.buttons, 0)

    def press(self, pin: int) -> PressResult:
        """Handle one press of the button on `pin` (KeyError for a pin without a button)."""
        button = self.buttons[pin]
        with self._locks[pin]:
            self._presses[pin] += 1
            result = self._press(button)
            self._last[pin] = result
        return result

    def _press(self, button: ButtonConfig) -> PressResult:
        pin, moment = button.pin, self._clock.monotonic()
        at = self._clock.now().isoformat(timespec="seconds")
        accepted = self._accepted_at.get(pin)
        if accepted is not None and moment - accepted < button.cooldown_s:
            return PressResult(pin, COOLDOWN, at)
        self._accepted_at[pin] = moment
        if self._printer_down():
            log.info("button GPIO%d (%s): refused: printer down", pin, button.service)
            if self._on_printer_down is not None:
                self._on_printer_down(button)
            return PressResult(pin, REFUSED, at, code=PRINTER_DOWN, message=PRINTER_DOWN_MESSAGE)
        try:
            ticket = self._engine.issue(
                button.service,
                priority=button.priority,
                priority_reason=button.priority_reason if button.priority else None,
                source="button",
            )
        except QueueError as exc:
            log.info("button GPIO%d (%s): refused: %s", pin, button.service, exc.code)
            if self._on_refused is not None:
                self._on_refused(button, exc)
            return PressResult(pin, REFUSED, at, code=exc.code, message=exc.message)
        except Exception as exc:  # the database failed: say so, keep the button alive
            log.exception("button GPIO%d (%s): issuing failed", pin, button.service)
            return PressResult(pin, FAILED, at, message=str(exc))
        log.info("button GPIO%d (%s): ticket %s", pin, button.service, ticket.number)
        return PressResult(pin, ISSUED, at, number=ticket.number, ticket_id=ticket.id)

    def presses(self, pin: int) -> int:
        """How many presses the pin has seen (accepted or not)."""
        return self._presses.get(pin, 0)

    def last(self, pin: int) -> PressResult | None:
        return self._last.get(pin)

    def status(self) -> list[dict[str, Any]]:
        out = []
        for pin, button in self.buttons.items():
            last = self._last.get(pin)
            out.append(
                {
                    "pin": pin,
                    "service": button.service,
                    "priority": button.priority,
                    "cooldown_s": button.cooldown_s,
                    "presses": self._presses[pin],
                    "last_press": last.at if last is not None else None,
                    "last_result": last.to_dict() if last is not None else None,
                }
            )
        return out
