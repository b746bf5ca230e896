"""An appliance front for tests: real SQLite site and engine, mock pins, a paper printer.

Plain functions, no pytest, so the button benchmark uses the same wiring.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gpiozero.pins.mock import MockFactory

from appliance.config.sections import (
    ButtonConfig,
    Config,
    GpioConfig,
    PrinterConfig,
    StorageConfig,
    WebConfig,
)
from appliance.hardware.build import button_issuing
from appliance.hardware.escpos_printer import EscposPrinter
from appliance.hardware.front import Hardware
from appliance.hardware.gpio import GpiozeroBoard
from appliance.hardware.ports import ReceiptPrinter, Speaker
from appliance.hardware.speech_worker import SpeechWorker
from appliance.voice.announce import Announcer, ClipSet
from tests.support.engine_fixtures import EngineSite, make_site
from tests.support.escpos_fakes import PaperPrinter

TICKET_PIN, PRIORITY_PIN, LED_PIN, BUZZER_PIN = 17, 27, 22, 23
BUTTONS = (
    ButtonConfig(TICKET_PIN, "INFO"),
    ButtonConfig(PRIORITY_PIN, "INFO", priority=True, priority_reason="lansia"),
)


def config_for(
    path: Path,
    *,
    buttons: tuple[ButtonConfig, ...] = BUTTONS,
    when_printer_down: str = "issue",
    buzzer_pin: int | None = None,
    **printer: Any,
) -> Config:
    printer_config = {"driver": "usb", "retry_s": 0.02, **printer}
    gpio = GpioConfig(
        pin_factory="mock",
        buttons=buttons,
        led_pin=LED_PIN,
        when_printer_down=when_printer_down,
        buzzer_pin=buzzer_pin,
    )
    return Config(
        storage=StorageConfig(database=str(path)),
        web=WebConfig(public_url="http://mpp.local:8080"),
        printer=PrinterConfig(**printer_config),
        gpio=gpio,
    )


@dataclass
class Front:
    site: EngineSite
    hardware: Hardware
    factory: MockFactory
    paper: PaperPrinter

    def press(self, pin: int = TICKET_PIN) -> None:
        """A citizen presses and releases the button (falling then rising edge)."""
        self.factory.pin(pin).drive_low()
        self.factory.pin(pin).drive_high()

    def led(self) -> Any:
        return self.factory.pin(LED_PIN)


def make_front(
    path: Path,
    *,
    printer: ReceiptPrinter | str | None = "paper",
    control: Path | None = None,
    probe_s: float = 30.0,
    speaker: Speaker | None = None,
    **config: Any,
) -> Front:
    """`speaker`: says the buttons' numbers in the packaged voice (None: no speaker)."""
    site = make_site(path)
    cfg = config_for(path, **config)
    factory = MockFactory()
    paper = PaperPrinter()
    chosen: ReceiptPrinter | None
    chosen = EscposPrinter("usb", lambda: paper) if printer == "paper" else printer  # type: ignore[assignment]
    board = GpiozeroBoard(
        "mock",
        [b.pin for b in cfg.gpio.buttons],
        cfg.gpio.led_pin,
        buzzer_pin=cfg.gpio.buzzer_pin,
        factory=factory,
    )
    can_issue = button_issuing(
        site.db,
        site.clock,
        enforce_hours=cfg.queue.enforce_hours,
        services={b.service for b in cfg.gpio.buttons},
    )
    hardware = Hardware(
        site.engine,
        db=site.db,
        clock=site.clock,
        can_issue=can_issue,
        printer_config=cfg.printer,
        gpio=cfg.gpio,
        public_url=cfg.web.public_url,
        printer=chosen,
        board=board,
        control=control,
        probe_s=probe_s,
        speech=SpeechWorker(speaker, Announcer(site.db, ClipSet.load()).wav_for_number)
        if speaker is not None
        else None,
    )
    return Front(site, hardware, factory, paper)


def wait_for(condition: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll until `condition()` is truthy (a deadline for liveness, not a speed assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.005)
    raise AssertionError(f"timed out waiting for {what}")
