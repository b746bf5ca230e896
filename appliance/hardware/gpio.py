"""Ticket buttons and the button LED through gpiozero: the only gpiozero import.

Buttons are wired from the pin to ground with the internal pull-up (SPEC §5), so a press is a
falling edge. gpiozero's mock pin factory ignores `bounce_time` (PITFALLS.md), and a real
button bounces or is held or hammered anyway: the per-button cooldown lives in
`appliance.hardware.presses`, not here. Pins are claimed in `start()`, never at construction, so
building the runtime (web tests, `mpp` commands) touches no GPIO.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from gpiozero import LED, Button, Buzzer
from gpiozero.exc import GPIOZeroError
from gpiozero.pins.mock import MockFactory

from appliance.hardware.ports import PressHandler

log = logging.getLogger(__name__)

BLINK_ON_S = 0.4
BLINK_OFF_S = 0.4
BEEP_S = 0.1  # three short beeps: a press refused
REFUSED_FLASH_S = 0.1  # on and off: four times the fault's blink, told apart at a glance


class GpioUnavailable(Exception):
    """The pin factory or a pin cannot be used (not a Pi, lgpio missing, pin busy)."""


def make_pin_factory(name: str) -> Any:
    """`mock` (development, tests) or `lgpio` (Raspberry Pi, including the Pi 5)."""
    if name == "mock":
        return MockFactory()
    if name == "lgpio":
        try:
            from gpiozero.pins.lgpio import LGPIOFactory

            return LGPIOFactory()
        except (ImportError, OSError, GPIOZeroError) as exc:
            raise GpioUnavailable(
                f"lgpio pin factory unavailable ({exc}); on the Pi install python3-lgpio, "
                'elsewhere set gpio.pin_factory = "mock"'
            ) from exc
    raise GpioUnavailable(f"unknown pin factory {name!r}")


class GpiozeroBoard:
    """The `GpioBoard` port on gpiozero devices."""

    def __init__(
        self,
        pin_factory: str,
        button_pins: Sequence[int],
        led_pin: int | None,
        *,
        buzzer_pin: int | None = None,
        bounce_s: float = 0.05,
        factory: Any = None,
    ) -> None:
        self.pin_factory = pin_factory
        self.factory = factory  # made in start() unless given (tests pass a MockFactory)
        self._button_pins = tuple(button_pins)
        self._led_pin = led_pin
        self._bounce_s = bounce_s
        self._buttons: list[Button] = []
        self._led: LED | None = None
        self._led_mode = ""
        self._buzzer_pin = buzzer_pin
        self._buzzer: Buzzer | None = None

    def start(self, on_press: PressHandler) -> None:
        if self._buttons or self._led is not None or self._buzzer is not None:
            return
        if self.factory is None:
            self.factory = make_pin_factory(self.pin_factory)
        try:
            for pin in self._button_pins:
                button = Button(
                    pin,
                    pull_up=True,
                    bounce_time=self._bounce_s or None,
                    pin_factory=self.factory,
                )
                button.when_pressed = _press_callback(on_press, pin)
                self._buttons.append(button)
            if self._led_pin is not None:
                self._led = LED(self._led_pin, pin_factory=self.factory)
            if self._buzzer_pin is not None:
                self._buzzer = Buzzer(self._buzzer_pin, pin_factory=self.factory)
        except GPIOZeroError as exc:
            self.close()
            raise GpioUnavailable(f"cannot claim GPIO pins: {exc}") from exc

    def simulate_press(self, pin: int) -> bool:
        if not isinstance(self.factory, MockFactory) or pin not in self._button_pins:
            return False
        mock = self.factory.pin(pin)
        mock.drive_low()
        mock.drive_high()
        return True

    def set_led(self, mode: str) -> None:
        led = self._led
        if led is None or mode == self._led_mode:
            return
        self._led_mode = mode
        if mode == "on":
            led.on()
        elif mode == "blink":
            led.blink(on_time=BLINK_ON_S, off_time=BLINK_OFF_S, background=True)
        elif mode == "refused":
            led.blink(on_time=REFUSED_FLASH_S, off_time=REFUSED_FLASH_S, background=True)
        else:
            led.off()

    def beep(self) -> None:
        if self._buzzer is not None:
            self._buzzer.beep(on_time=BEEP_S, off_time=BEEP_S, n=3, background=True)

    def close(self) -> None:
        for device in [*self._buttons, self._led, self._buzzer]:
            if device is not None:
                try:
                    device.close()
                except GPIOZeroError as exc:
                    log.debug("closing %s: %s", device, exc)
        self._buttons = []
        self._led = None
        self._buzzer = None
        self._led_mode = ""


def _press_callback(on_press: PressHandler, pin: int) -> Any:
    def pressed() -> None:
        on_press(pin)

    return pressed
