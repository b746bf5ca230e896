"""Building the appliance from its configuration.

`open_core` gives what every command needs (database, clock, queue engine, accounts);
`build_runtime` adds the hardware (printer worker, buttons, LED) for `mpp run`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from peewee import SqliteDatabase

from appliance.accounts import Accounts
from appliance.clock import Clock, SystemClock
from appliance.config.sections import Config
from appliance.hardware.build import build_hardware
from appliance.hardware.front import Hardware
from appliance.queue.engine import QueueEngine
from appliance.storage.database import open_database
from appliance.voice.announce import Announcer, ClipError, ClipSet
from appliance.voice.speech import Delivery

log = logging.getLogger(__name__)


@dataclass
class Core:
    config: Config
    db: SqliteDatabase
    clock: Clock
    engine: QueueEngine
    accounts: Accounts


def open_core(config: Config, *, clock: Clock | None = None) -> Core:
    """Open the database (migrating it) and wire the engine; touches no hardware."""
    db = open_database(config.storage.database, busy_timeout_ms=config.storage.busy_timeout_ms)
    clock = clock or SystemClock()
    engine = QueueEngine(db, clock, config.queue)
    return Core(config, db, clock, engine, Accounts(db, clock))


@dataclass
class Runtime:
    """Everything `mpp run` serves: the core plus the parts that talk to the building."""

    core: Core
    hardware: Hardware | None = None  # printer worker, buttons, LED; None in tools and tests
    announcer: Announcer | None = None  # builds call announcement WAVs

    def start(self) -> None:
        self.core.engine.writer.start()  # concurrent actions share commits from now on
        if self.hardware is not None:
            self.hardware.start()

    def stop(self) -> None:
        if self.hardware is not None:
            self.hardware.stop()
        self.core.engine.writer.stop()  # after the buttons: their last presses still commit


def build_announcer(core: Core) -> Announcer:
    """The voice of the board: the site's own recordings where they are usable, else the
    packaged clips — a bad recording must not silence every call, so it is logged instead."""
    folder = core.config.voice.clips
    try:
        clips = ClipSet.load(Path(folder) if folder else None)
    except ClipError as exc:
        log.error("voice clips in %s refused, using the packaged voice:\n%s", folder, exc)
        clips = ClipSet.load(None)
    voice = core.config.voice
    delivery = Delivery(voice.letter_pause_ms, voice.pause_ms, voice.repeat_counter)
    return Announcer(core.db, clips, delivery=delivery)


def build_runtime(config: Config, *, clock: Clock | None = None) -> Runtime:
    """Open the core and build the hardware and the voice; threads, pins and the printer
    start in `start()`."""
    core = open_core(config, clock=clock)
    announcer = build_announcer(core)
    hardware = build_hardware(
        config, core.engine, core.db, core.clock, number_wav=announcer.wav_for_number
    )
    return Runtime(core, hardware, announcer)
