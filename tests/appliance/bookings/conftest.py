"""The bookings suite's site: the small catalogue with booking quotas and the site's public key,
applied to a real SQLite file, a real engine, a clock on Wednesday 12 March 2025 09:00 WIB, and
central's side of the key pair to sign tokens with (tests/support/appliance_bookings.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from peewee import SqliteDatabase

from appliance.clock import ManualClock
from appliance.queue.engine import QueueEngine
from tests.support.appliance_bookings import (
    KTP,
    SITE,
    SKCK,
    TODAY,
    bookable_document,
    bookable_site,
    signed_booking,
)

__all__ = ["KTP", "SITE", "SKCK", "TODAY", "BookingSite", "bookable_document"]


@dataclass
class BookingSite:
    db: SqliteDatabase
    clock: ManualClock
    engine: QueueEngine
    seed: str  # central's private seed for this site (tests sign tokens with it)

    def token(
        self,
        *,
        code: str | None = None,
        service: str = KTP,
        date: str = TODAY,
        slot: tuple[str, str] = ("09:00", "10:00"),
        site: str = SITE,
        seed: str | None = None,
    ) -> tuple[str, str]:
        """(code, signed token) of a booking central made."""
        return signed_booking(
            seed or self.seed, code=code, service=service, date=date, slot=slot, site=site
        )


@pytest.fixture
def booking_site(tmp_path: Path) -> Iterator[BookingSite]:
    db, clock, seed = bookable_site(tmp_path / "appliance.db")
    yield BookingSite(db, clock, QueueEngine(db, clock), seed)
    db.close()
