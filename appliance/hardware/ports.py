"""The small interfaces between the appliance and its physical parts.

A real driver and a development driver sit behind each port and the config picks one (DESIGN.md):
the ESC/POS printer or the file printer, gpiozero on the lgpio or the mock pin factory, `aplay`
or the file speaker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from appliance.hardware.receipt import Receipt

# Printer states, as shown to staff and written into `printer.fault` events.
OK = "ok"
UNKNOWN = "unknown"  # not checked yet (just started)
OFFLINE = "offline"  # unplugged, switched off, unreachable, no answer
NO_PAPER = "no_paper"
COVER_OPEN = "cover_open"
ERROR = "error"  # the printer reports a fault we cannot name (cutter jam, overheating)
DISABLED = "disabled"  # printer.driver = "none"

# What the officer reads on the staff pages (and the next step to take).
MESSAGES = {
    OK: "Printer siap.",
    UNKNOWN: "Printer sedang diperiksa.",
    OFFLINE: "Printer tidak terhubung atau mati. Periksa kabel, daya dan lampu printer.",
    NO_PAPER: "Kertas printer habis. Ganti gulungan kertas, tiket yang tertunda akan dicetak.",
    COVER_OPEN: "Penutup printer terbuka. Tutup kembali penutup printer.",
    ERROR: "Printer melaporkan gangguan. Matikan lalu nyalakan kembali printer.",
    DISABLED: "Printer tidak dipakai (printer.driver = none). Tiket tidak dicetak.",
}


class PrinterFault(Exception):
    """The printer cannot print now; `state` is one of the states above."""

    def __init__(self, state: str, detail: str = "") -> None:
        super().__init__(detail or MESSAGES.get(state, state))
        self.state = state
        self.detail = detail


class ReceiptPrinter(Protocol):
    """One paper printer, used only by the print worker's thread."""

    driver: str

    def open(self) -> None:
        """Connect (again); raise PrinterFault(OFFLINE) when the printer cannot be reached."""
        ...

    def check(self) -> None:
        """Raise PrinterFault when the printer reports it cannot print (paper, cover)."""
        ...

    def print_receipt(self, receipt: Receipt) -> None:
        """Send one receipt, every write bounded by the timeout; PrinterFault on failure."""
        ...

    def close(self) -> None:
        """Release the device; never raises."""
        ...


PressHandler = Callable[[int], object]


class GpioBoard(Protocol):
    """Ticket buttons and the button LED on GPIO pins."""

    pin_factory: str

    def start(self, on_press: PressHandler) -> None:
        """Claim the pins; `on_press(pin)` runs (on gpiozero's thread) on every press."""
        ...

    def simulate_press(self, pin: int) -> bool:
        """Press and release the pin electrically if the pins are mock pins; False otherwise."""
        ...

    def set_led(self, mode: str) -> None:
        """`on` (ready), `blink` (printer fault), `refused` (a fast flash: a press refused
        because the printer is down) or `off` (closed)."""
        ...

    def beep(self) -> None:
        """Three short beeps on the buzzer, if one is fitted (a refused press); never blocks."""
        ...

    def close(self) -> None: ...


class SpeakerFault(Exception):
    """The speaker could not play a sound (no player, no sound card, the player hung)."""


class Speaker(Protocol):
    """The box's own loudspeaker, used only by the speech worker's thread."""

    driver: str

    def play(self, wav: bytes, name: str) -> None:
        """Play one complete WAV file to its end, bounded by a timeout; `name` says what it is
        (the ticket number). Raise SpeakerFault when it could not be played."""
        ...
