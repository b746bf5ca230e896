"""The bookings suite's site: the small catalogue with booking quotas and the site's public key,
applied to a real SQLite file, a real engine, a clock on Wednesday 12 March 2025 09:00 WIB, and
central's side of the key pair to sign tokens with."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from peewee import SqliteDatabase

from appliance.bookings import codes
from appliance.bookings.token import BookingClaim, key_id, new_key_pair, sign
from appliance.catalogue.store import apply_catalogue, validate_catalogue
from appliance.clock import ManualClock
from appliance.queue.engine import QueueEngine
from appliance.storage.database import open_database
from tests.support.catalogue_fixtures import WEEKDAY_MORNING, small_document

SITE = "9999-MPP"
TODAY = "2025-03-12"
KTP, SKCK = "DUKCAPIL-KTP", "POLRES-SKCK"


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
        code = code or codes.new_code()
        claim = BookingClaim(site, code, service, date, slot[0], slot[1])
        return code, sign(claim, seed or self.seed)


def bookable_document(public_key: str) -> dict[str, object]:
    doc = small_document()
    doc["site"]["booking"] = {"slot_minutes": 60, "early_minutes": 30, "late_minutes": 15}
    for service in doc["services"]:
        service["booking_quota"] = 8
    doc["booking_keys"] = [{"kid": key_id(public_key), "public_key": public_key}]
    return doc


@pytest.fixture
def booking_site(tmp_path: Path) -> Iterator[BookingSite]:
    db = open_database(tmp_path / "appliance.db")
    clock = ManualClock(WEEKDAY_MORNING)
    seed, public = new_key_pair()
    apply_catalogue(db, validate_catalogue(bookable_document(public)), clock=clock)
    yield BookingSite(db, clock, QueueEngine(db, clock), seed)
    db.close()
