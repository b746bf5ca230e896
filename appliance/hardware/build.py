"""Building the hardware front from the configuration: printer driver, GPIO board, speaker,
"can issue".

The composition root (appliance/runtime.py) calls `build_hardware` with the parts it opened; the
front itself never sees the whole configuration or the runtime, so neither imports the other.
Drivers are imported only when the configuration names them: a box without a USB printer never
loads python-escpos, one without GPIO never loads gpiozero.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from appliance.clock import Clock
from appliance.config.sections import Config, GpioConfig, PrinterConfig, SpeakerConfig
from appliance.hardware.control import control_path
from appliance.hardware.front import Hardware
from appliance.hardware.ports import GpioBoard, ReceiptPrinter, Speaker
from appliance.hardware.speakers import AplaySpeaker, FileSpeaker
from appliance.hardware.speech_worker import SpeechWorker, WavFor
from appliance.queue.engine import QueueEngine
from appliance.queue.issuing import issuing
from appliance.site import zone
from appliance.storage.database import ApplianceDatabase, connected
from appliance.storage.models import Service, Site

log = logging.getLogger(__name__)


def cache_folder(config: Config) -> Path | None:
    """Where the appliance keeps what it can rebuild (escpos's capabilities pickle): `cache`
    beside the database, in the appliance's state folder (None for an in-memory database)."""
    database = config.storage.database
    if database == ":memory:":
        return None
    return Path(database).resolve().parent / "cache"


def make_printer(config: PrinterConfig, cache: Path | None = None) -> ReceiptPrinter | None:
    """The printer driver the config names; None for "none". `cache`: see `cache_folder` (an
    ESC/POS driver imports python-escpos through `escpos_import`, keeping its pickle there)."""
    if config.driver == "none":
        return None
    if config.driver == "file":
        from appliance.hardware.file_printer import FilePrinter

        return FilePrinter(config.folder, png=config.png, svg=config.svg)
    from appliance.hardware.escpos_import import import_escpos

    import_escpos(cache)
    from appliance.hardware.escpos_printer import build_escpos_printer

    return build_escpos_printer(config)


def make_board(config: GpioConfig, *, factory: Any = None) -> GpioBoard | None:
    """gpiozero buttons and LED; None when there is nothing to wire or GPIO is off."""
    nothing = not config.buttons and config.led_pin is None and config.buzzer_pin is None
    if config.pin_factory == "none" or nothing:
        return None
    from appliance.hardware.gpio import GpiozeroBoard

    return GpiozeroBoard(
        config.pin_factory,
        [b.pin for b in config.buttons],
        config.led_pin,
        buzzer_pin=config.buzzer_pin,
        bounce_s=config.bounce_s,
        factory=factory,
    )


def make_speaker(config: SpeakerConfig) -> Speaker | None:
    """The speaker driver the config names; None for "none"."""
    if config.driver == "none":
        return None
    if config.driver == "file":
        return FileSpeaker(config.folder)
    return AplaySpeaker(device=config.device, timeout_s=config.timeout_s)


def make_speech(config: SpeakerConfig, wav_for: WavFor | None) -> SpeechWorker | None:
    """The worker that says a button's numbers aloud; None without a speaker or a voice."""
    speaker = make_speaker(config)
    if speaker is None or wav_for is None:
        return None
    return SpeechWorker(speaker, wav_for)


def button_issuing(
    db: ApplianceDatabase, clock: Clock, *, enforce_hours: bool, services: Collection[str]
) -> Callable[[], bool]:
    """Whether a button press would get a ticket now, for the LED: the issuing rule on the
    site's hours, and one of the buttons' services active. A catalogue must be loaded; the
    buttons' daily quotas are not asked (a press past the quota prints a notice)."""

    def can_issue() -> bool:
        with connected(db):
            site = Site.select(Site.hours, Site.timezone).first()
            if site is None:
                return False
            local = clock.now().astimezone(zone(site.timezone))
            hours = str(site.hours)
            if not issuing(enforce_hours=enforce_hours, hours=lambda: hours, local=local).allowed:
                return False
            if not services:
                return True
            query = Service.select().where(Service.code.in_(list(services)) & Service.active)
            return bool(query.count())

    return can_issue


def build_hardware(
    config: Config,
    engine: QueueEngine,
    db: ApplianceDatabase,
    clock: Clock,
    *,
    pin_factory: Any = None,
    number_wav: WavFor | None = None,
) -> Hardware:
    """The hardware the config describes, not started (`pin_factory`: a gpiozero factory;
    `number_wav`: the voice that says an issued number, for the speaker)."""
    return Hardware(
        engine,
        db=db,
        clock=clock,
        can_issue=button_issuing(
            db,
            clock,
            enforce_hours=config.queue.enforce_hours,
            services={b.service for b in config.gpio.buttons},
        ),
        printer_config=config.printer,
        gpio=config.gpio,
        public_url=config.web.public_url,
        printer=make_printer(config.printer, cache_folder(config)),
        board=make_board(config.gpio, factory=pin_factory),
        control=control_path(config.storage.database),
        speech=make_speech(config.speaker, number_wav),
    )
