"""A small site built straight from the models, for the queue-engine tests.

The catalogue loader is written elsewhere; these tests must not depend on it, so the site is
written with the models inside one transaction, on a real SQLite file opened the way the
appliance opens it. Helper scripts started as subprocesses import this module too (they run
with the checkout on PYTHONPATH), so everything here is plain functions and data, no pytest.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from peewee import SqliteDatabase

from appliance.clock import ManualClock
from appliance.queue import outbox
from appliance.queue.engine import QueueEngine
from appliance.queue.outbox import Event
from appliance.queue.transaction import QueueSettings
from appliance.storage.database import connected, open_database
from appliance.storage.models import Agency, Counter, CounterService, Service, Site, Ticket

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
WIT = ZoneInfo("Asia/Jayapura")

# Wednesday 12 March 2025, 09:00 WIB: a normal weekday morning, counters open.
WEEKDAY_MORNING = datetime(2025, 3, 12, 9, 0, tzinfo=WIB)

# The shape of a catalogue's `hours` object (as in shared/data/catalogues).
HOURS: dict[str, Any] = {
    "weekly": {
        "mon": ["08:00", "16:00"],
        "tue": ["08:00", "16:00"],
        "wed": ["08:00", "16:00"],
        "thu": ["08:00", "16:00"],
        "fri": ["08:00", "16:30"],
        "sat": None,
        "sun": None,
    },
    "breaks": [
        {
            "days": ["mon", "tue", "wed", "thu"],
            "from": "12:30",
            "to": "14:00",
            "label": "Istirahat, Sholat dan Makan",
        },
        {"days": ["fri"], "from": "12:00", "to": "14:30", "label": "Istirahat dan Sholat Jumat"},
    ],
}


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    agency: str
    prefix: str
    avg_minutes: int = 10
    quota: int | None = None
    active: bool = True


@dataclass(frozen=True)
class CounterSpec:
    code: str
    agency: str
    services: tuple[str, ...]
    active: bool = True


@dataclass(frozen=True)
class SiteSpec:
    timezone: str = "Asia/Jakarta"
    hours: dict[str, Any] = field(default_factory=lambda: HOURS)
    agencies: tuple[str, ...] = ("MPP", "DUKCAPIL", "POLRES", "BAPENDA")
    services: tuple[ServiceSpec, ...] = (
        ServiceSpec("INFO", "MPP", "I", 5),
        ServiceSpec("ADUAN", "MPP", "I", 10),  # shares prefix I, as real catalogues do
        ServiceSpec("KTP", "DUKCAPIL", "A", 15),
        ServiceSpec("KK", "DUKCAPIL", "A", 20),
        ServiceSpec("SIM", "POLRES", "B", 10, quota=3),
        ServiceSpec("PBB", "BAPENDA", "C", 12),
        ServiceSpec("LAMA", "BAPENDA", "C", 12, active=False),
    )
    counters: tuple[CounterSpec, ...] = (
        CounterSpec("L01", "MPP", ("INFO", "ADUAN")),
        CounterSpec("L02", "DUKCAPIL", ("KTP", "KK")),
        CounterSpec("L03", "DUKCAPIL", ("KTP",)),
        CounterSpec("L04", "POLRES", ("SIM",)),
        CounterSpec("L05", "BAPENDA", ("PBB",)),
        CounterSpec("L99", "BAPENDA", ("PBB",), active=False),
    )


DEFAULT_SITE = SiteSpec()


def many_counters_site(counters: int, services: Sequence[ServiceSpec]) -> SiteSpec:
    """A site whose `counters` counters all serve every one of `services`."""
    codes = tuple(s.code for s in services)
    agencies = tuple(dict.fromkeys(s.agency for s in services))
    return SiteSpec(
        agencies=agencies,
        services=tuple(services),
        counters=tuple(
            CounterSpec(f"L{i:02d}", agencies[0], codes) for i in range(1, counters + 1)
        ),
    )


def build_site(db: SqliteDatabase, spec: SiteSpec = DEFAULT_SITE) -> None:
    """Write the site, agencies, services and counters (one transaction)."""
    with connected(db), db.atomic():
        Site.create(
            code="9999-MPP",
            name="Mal Pelayanan Publik Uji",
            region_code="99.99",
            timezone=spec.timezone,
            hours=json.dumps(spec.hours),
        )
        for position, code in enumerate(spec.agencies):
            Agency.create(code=code, name=f"Instansi {code}", kind="opd", position=position)
        for position, svc in enumerate(spec.services):
            Service.create(
                code=svc.code,
                agency=svc.agency,
                name=f"Layanan {svc.code}",
                prefix=svc.prefix,
                avg_service_minutes=svc.avg_minutes,
                daily_quota=svc.quota,
                active=svc.active,
                position=position,
            )
        for position, ctr in enumerate(spec.counters):
            Counter.create(
                code=ctr.code,
                name=f"Loket {int(ctr.code[1:])}",
                agency=ctr.agency,
                active=ctr.active,
                position=position,
            )
            for service in ctr.services:
                CounterService.create(counter=ctr.code, service=service)


@dataclass
class EngineSite:
    """A database file with a site on it, a pinned clock and an engine."""

    path: Path
    db: SqliteDatabase
    clock: ManualClock
    engine: QueueEngine

    def events(self) -> list[Event]:
        return all_events(self.db)

    def tickets(self) -> list[Ticket]:
        with connected(self.db):
            return list(Ticket.select().order_by(Ticket.id))


# A test site's queue settings: the defaults, but a no-show needs no recalls first.
AT_ONCE = QueueSettings(recalls_before_no_show=0)


def make_site(
    path: Path,
    spec: SiteSpec = DEFAULT_SITE,
    *,
    start: datetime = WEEKDAY_MORNING,
    settings: QueueSettings | None = None,
    synchronised: bool = True,
) -> EngineSite:
    """Create `path`, put the site on it and return an engine whose clock stands at `start`.

    Without `settings`, a test site marks a no-show without recalls first (`AT_ONCE`): the
    tests that are about that rule pass their own settings."""
    db = open_database(path)
    build_site(db, spec)
    clock = ManualClock(start, synchronised=synchronised)
    return EngineSite(path, db, clock, QueueEngine(db, clock, settings or AT_ONCE))


def open_site(
    path: Path,
    *,
    start: datetime = WEEKDAY_MORNING,
    settings: QueueSettings | None = None,
    synchronised: bool = True,
) -> EngineSite:
    """An engine on an existing site file (another process's view, or after a crash)."""
    db = open_database(path)
    clock = ManualClock(start, synchronised=synchronised)
    return EngineSite(path, db, clock, QueueEngine(db, clock, settings or AT_ONCE))


def copy_site(template: Path, target: Path) -> None:
    """Copy a closed, checkpointed site file (faster than building one per example)."""
    shutil.copyfile(template, target)


def checkpoint(db: SqliteDatabase) -> None:
    """Fold the WAL into the main file so the file alone is the whole database."""
    with connected(db):
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def all_events(db: SqliteDatabase) -> list[Event]:
    with connected(db):
        return outbox.pending(0, 10**9)


def sequences_by_prefix(db: SqliteDatabase) -> dict[tuple[str, str], list[int]]:
    """Sorted sequence numbers per (business date, prefix)."""
    found: dict[tuple[str, str], list[int]] = {}
    with connected(db):
        for date_, prefix, seq in Ticket.select(
            Ticket.business_date, Ticket.prefix, Ticket.sequence
        ).tuples():
            found.setdefault((str(date_), prefix), []).append(int(seq))
    return {key: sorted(values) for key, values in found.items()}


def assert_gap_free(values: Iterable[int], what: str) -> None:
    ordered = sorted(values)
    assert ordered == list(range(1, len(ordered) + 1)), f"{what}: not exactly 1..N: {ordered}"
