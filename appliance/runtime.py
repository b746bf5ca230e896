"""Building the appliance from its configuration.

`open_core` gives what every command needs (database, clock, queue engine, accounts);
`build_runtime` adds the hardware (printer worker, buttons, LED) for `mpp run`.
"""

from __future__ import annotations

from dataclasses import dataclass

from peewee import SqliteDatabase

from appliance.accounts import Accounts
from appliance.clock import Clock, SystemClock
from appliance.config import Config
from appliance.hardware import Hardware, build_hardware
from appliance.queue import QueueEngine, QueueSettings
from appliance.storage import open_database


@dataclass
class Core:
    config: Config
    db: SqliteDatabase
    clock: Clock
    engine: QueueEngine
    accounts: Accounts


def queue_settings(config: Config) -> QueueSettings:
    q = config.queue
    return QueueSettings(
        priority_streak_limit=q.priority_streak_limit,
        recalls_before_no_show=q.recalls_before_no_show,
        enforce_hours=q.enforce_hours,
        recent_handling_window=q.recent_handling_window,
    )


def open_core(config: Config, *, clock: Clock | None = None) -> Core:
    """Open the database (migrating it) and wire the engine; touches no hardware."""
    db = open_database(config.storage.database, busy_timeout_ms=config.storage.busy_timeout_ms)
    clock = clock or SystemClock()
    engine = QueueEngine(db, clock, queue_settings(config))
    return Core(config, db, clock, engine, Accounts(db, clock))


@dataclass
class Runtime:
    """The core plus the hardware, for `mpp run` (nothing started yet)."""

    core: Core
    hardware: Hardware


def build_runtime(config: Config, *, clock: Clock | None = None) -> Runtime:
    """Open the core and build the hardware; threads, pins and the printer start in `start()`."""
    core = open_core(config, clock=clock)
    return Runtime(core, build_hardware(core))
