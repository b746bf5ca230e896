"""What the catalogue tests compare with and issue on: an `ApplyResult`'s counts per kind, and an
engine on the database a catalogue was applied to (opening hours enforced only when asked)."""

from __future__ import annotations

from peewee import SqliteDatabase

from appliance.clock import ManualClock
from appliance.queue.engine import QueueEngine
from appliance.queue.transaction import QueueSettings


def counts(agencies: int, services: int, counters: int) -> dict[str, int]:
    return {"agencies": agencies, "services": services, "counters": counters}


def engine(db: SqliteDatabase, clock: ManualClock, *, enforce_hours: bool = False) -> QueueEngine:
    return QueueEngine(db, clock, QueueSettings(enforce_hours=enforce_hours))
